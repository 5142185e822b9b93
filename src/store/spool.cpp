#include "store/spool.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "store/spool_codec.hpp"

namespace attrition::store {
namespace {

using base::ErrorCode;
using base::Fail;

constexpr const char* kSpoolFileName = "prediction-log.spool";
constexpr const char* kLockFileName = "prediction-log.lock";
constexpr const char* kRejectedFileName = "prediction-log.rejected";
constexpr std::size_t kReadChunkBytes = 1U << 20;

// The system category's message is thread-safe (std::strerror is not).
std::string ErrnoText() { return std::system_category().message(errno); }

base::Result<void> WriteAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) continue;
            return Fail(ErrorCode::kIo, "spool write failed: " + ErrnoText());
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return {};
}

void FsyncDirectory(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

base::Result<std::unique_ptr<Spool>> Spool::Open(const std::filesystem::path& dir,
                                                 std::uint64_t max_bytes) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
        return Fail(ErrorCode::kIo, fmt::format("cannot create spool folder {}: {}", dir.string(),
                                                error.message()));
    }
    std::unique_ptr<Spool> spool(new Spool());
    spool->max_bytes_ = max_bytes;
    spool->file_path_ = dir / kSpoolFileName;
    spool->rejected_path_ = dir / kRejectedFileName;
    if (auto opened = spool->LockAndOpenFile(dir); !opened) {
        return tl::unexpected(opened.error());
    }
    if (auto scanned = spool->ScanPreviousRun(); !scanned) {
        return tl::unexpected(scanned.error());
    }
    return spool;
}

// Takes the folder's lock, opens the spool file and syncs the folder that now holds both.
base::Result<void> Spool::LockAndOpenFile(const std::filesystem::path& dir) {
    const auto lock_path = dir / kLockFileName;
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0) {
        return Fail(ErrorCode::kIo,
                    fmt::format("cannot open {}: {}", lock_path.string(), ErrnoText()));
    }
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        return Fail(ErrorCode::kInvalidConfig,
                    fmt::format("spool folder {} is in use by another attrition process "
                                "(each process needs its own spool folder)",
                                dir.string()));
    }
    fd_ = ::open(file_path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        return Fail(ErrorCode::kIo,
                    fmt::format("cannot open spool file {}: {}", file_path_.string(), ErrnoText()));
    }
    FsyncDirectory(dir);
    return {};
}

// Scans what a previous run left: counts its records, finds the oldest, cuts a torn tail.
base::Result<void> Spool::ScanPreviousRun() {
    std::uint64_t offset = 0;
    std::size_t corrupt = 0;
    for (;;) {
        auto read = Read(&offset, 1024);
        if (!read) return tl::unexpected(read.error());
        corrupt += read->corrupt_records;
        for (const auto& record : read->records) {
            ++records_;
            if (!oldest_ || record.created_at < *oldest_) {
                oldest_ = record.created_at;
            }
        }
        if (read->at_end) break;
    }
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
        return Fail(ErrorCode::kIo, "cannot stat spool file: " + ErrnoText());
    }
    if (static_cast<std::uint64_t>(info.st_size) > offset) {
        spdlog::warn("msg=\"spool torn tail cut (crash during a write)\" file={} bytes={}",
                     file_path_.string(), static_cast<std::uint64_t>(info.st_size) - offset);
        if (::ftruncate(fd_, static_cast<off_t>(offset)) != 0 || ::fsync(fd_) != 0) {
            return Fail(ErrorCode::kIo, "cannot cut the spool's torn tail: " + ErrnoText());
        }
    }
    if (corrupt > 0) {
        spdlog::error("msg=\"spool holds corrupt records; they are skipped\" file={} corrupt={}",
                      file_path_.string(), corrupt);
    }
    bytes_ = offset;
    if (records_ > 0) {
        spdlog::warn(
            "msg=\"spool holds records from a previous run; they will be replayed\" "
            "file={} records={} bytes={}",
            file_path_.string(), records_, bytes_);
    }
    return {};
}

Spool::~Spool() {
    if (fd_ >= 0) ::close(fd_);
    if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

base::Result<void> Spool::Append(std::span<const RequestRecord> records) {
    std::string bytes;
    for (const auto& record : records) EncodeSpoolRecord(record, &bytes);
    if (bytes_ + bytes.size() > max_bytes_) {
        return Fail(ErrorCode::kOverloaded,
                    fmt::format("spool full: {} + {} bytes would exceed the limit of {} bytes",
                                bytes_, bytes.size(), max_bytes_));
    }
    if (auto written = WriteAll(fd_, bytes); !written) {
        // Cut a partial write so the file stays a sequence of whole records.
        if (::ftruncate(fd_, static_cast<off_t>(bytes_)) != 0) {
            spdlog::error("msg=\"cannot cut a failed spool write\" error=\"{}\"", ErrnoText());
        }
        return written;
    }
    if (::fdatasync(fd_) != 0) {
        return Fail(ErrorCode::kIo, "spool fdatasync failed: " + ErrnoText());
    }
    bytes_ += bytes.size();
    records_ += records.size();
    for (const auto& record : records) {
        if (!oldest_ || record.created_at < *oldest_) oldest_ = record.created_at;
    }
    return {};
}

base::Result<SpoolReadResult> Spool::Read(std::uint64_t* offset, std::size_t max_records) {
    SpoolReadResult result;
    std::string buffer;
    std::uint64_t position = *offset;  // file position of buffer[0]
    std::uint64_t read_position = *offset;
    for (;;) {
        std::string chunk(kReadChunkBytes, '\0');
        const ssize_t got =
            ::pread(fd_, chunk.data(), chunk.size(), static_cast<off_t>(read_position));
        if (got < 0) {
            if (errno == EINTR) continue;
            return Fail(ErrorCode::kIo, "spool read failed: " + ErrnoText());
        }
        const bool at_end = got == 0;
        buffer.append(chunk.data(), static_cast<std::size_t>(got));
        read_position += static_cast<std::uint64_t>(got);
        const std::size_t wanted = max_records - result.records.size();
        auto decoded = DecodeSpool(buffer, at_end, wanted);
        result.corrupt_records += decoded.corrupt_records;
        for (auto& record : decoded.records) result.records.push_back(std::move(record));
        if (decoded.corrupt_records > 0) {
            spdlog::error("msg=\"corrupt spool record skipped\" file={} near_offset={} count={}",
                          file_path_.string(), position, decoded.corrupt_records);
        }
        if (at_end) {
            // A torn tail is not consumed: the offset stays at the end of the last good record.
            position += decoded.torn_tail ? decoded.valid_end : decoded.consumed;
            result.at_end = decoded.consumed == buffer.size() || decoded.torn_tail;
            break;
        }
        position += decoded.consumed;
        buffer.erase(0, decoded.consumed);
        if (result.records.size() >= max_records) break;
    }
    *offset = position;
    return result;
}

base::Result<void> Spool::Reject(const RequestRecord& record) {
    std::string bytes;
    EncodeSpoolRecord(record, &bytes);
    const int fd = ::open(rejected_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return Fail(ErrorCode::kIo,
                    fmt::format("cannot open {}: {}", rejected_path_.string(), ErrnoText()));
    }
    auto written = WriteAll(fd, bytes);
    if (written && ::fdatasync(fd) != 0) {
        written = Fail(ErrorCode::kIo, "fdatasync of the rejected file failed: " + ErrnoText());
    }
    ::close(fd);
    return written;
}

base::Result<void> Spool::Clear() {
    if (::ftruncate(fd_, 0) != 0 || ::fsync(fd_) != 0) {
        return Fail(ErrorCode::kIo, "cannot empty the spool file: " + ErrnoText());
    }
    bytes_ = 0;
    records_ = 0;
    oldest_.reset();
    return {};
}

}  // namespace attrition::store
