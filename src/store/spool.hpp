// The durable local spool: an append-only file of checksummed records (spool_codec.hpp) that
// holds acknowledged records while the database is down or slow, until they are replayed.
// Each Append() is one write() and one fdatasync() for the whole group. An exclusive flock on
// <dir>/prediction-log.lock keeps a second process (or instance) off the same spool.
// Not thread-safe: owned and used by the writer thread only (Open runs before it starts).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "store/records.hpp"

namespace attrition::store {

struct SpoolReadResult {
    std::vector<RequestRecord> records;
    std::size_t corrupt_records = 0;  // skipped (already reported at error level)
    bool at_end = false;              // every record up to the end of the file was read
};

class Spool {
  public:
    // Creates dir if needed, locks it, scans an existing spool file (counts records, cuts a
    // torn tail, reports corrupt records). max_bytes: Append refuses to grow the file past it.
    static base::Result<std::unique_ptr<Spool>> Open(const std::filesystem::path& dir,
                                                     std::uint64_t max_bytes);
    ~Spool();
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    // Appends the records and fdatasyncs: once this returns success they survive a crash.
    // kOverloaded when the file would exceed max_bytes; kIo on a write failure.
    base::Result<void> Append(std::span<const RequestRecord> records);

    // Reads up to max_records from *offset on (0: the start) and advances *offset.
    base::Result<SpoolReadResult> Read(std::uint64_t* offset, std::size_t max_records);

    // Keeps a record the database refused in <dir>/prediction-log.rejected (same format), for
    // an operator to inspect: spooled records were acknowledged, so they are never dropped.
    base::Result<void> Reject(const RequestRecord& record);

    // Empties the file (after every record in it was committed to the database).
    base::Result<void> Clear();

    std::uint64_t Bytes() const { return bytes_; }
    std::uint64_t Records() const { return records_; }
    std::uint64_t MaxBytes() const { return max_bytes_; }
    std::optional<base::SystemTime> Oldest() const { return oldest_; }
    const std::filesystem::path& FilePath() const { return file_path_; }

  private:
    Spool() = default;
    base::Result<void> LockAndOpenFile(const std::filesystem::path& dir);
    base::Result<void> ScanPreviousRun();

    std::filesystem::path file_path_;
    std::filesystem::path rejected_path_;
    int fd_ = -1;
    int lock_fd_ = -1;
    std::uint64_t max_bytes_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t records_ = 0;
    std::optional<base::SystemTime> oldest_;  // the earliest created_at in the file
};

}  // namespace attrition::store
