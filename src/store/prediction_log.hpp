// The prediction log's front door for the HTTP layer: Append a record, learn when it is durable.
//
// Acknowledgement: the AppendCallback fires exactly once with success only when the record is
// durable — committed in the database, or (database down or slower than commit_timeout)
// appended to the local spool file and fdatasync'd. Spooled records are replayed into the
// database later, idempotently (ON CONFLICT (id) DO NOTHING on the service-generated UUIDs),
// and the spool is emptied once everything in it is committed. It fires with an error, and the
// record is NOT stored, when: the record breaks a schema rule (kInvalidInput, inline); the queue
// is full (kOverloaded, inline, never a wait); the spool is full while the database is down
// (kOverloaded) or the spool cannot be written (kUnavailable); the log is shut down
// (kUnavailable, inline). The HTTP layer answers 503 for those, so nothing is acknowledged
// that is not durable. Callbacks run on the writer thread (or inline for immediate failures):
// keep them short and non-blocking; they must not throw.
//
// Ownership: OpenPredictionLog returns the owner of the database, spool and writer thread.
// Thread-safety: every member function is thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "store/database.hpp"
#include "store/records.hpp"
#include "store/uuid.hpp"

namespace attrition::store {

using AppendCallback = std::function<void(base::Result<void>)>;

struct LogStatus {
    std::string backend;   // "postgresql", "sqlite" or "none"
    std::string database;  // the redacted URL
    bool database_reachable = false;
    std::size_t queue_depth = 0;
    std::size_t queue_capacity = 0;
    std::uint64_t spool_bytes = 0;
    std::uint64_t spool_records = 0;
    std::uint64_t spool_max_bytes = 0;
    std::optional<std::chrono::seconds> spool_oldest_age;  // empty spool: nullopt
    std::uint64_t rows_written = 0;         // api_requests rows committed (incl. replayed)
    std::uint64_t predictions_written = 0;  // predictions rows committed (incl. replayed)
    std::uint64_t records_spooled = 0;      // acknowledged through the spool
    std::uint64_t records_replayed = 0;     // moved from the spool into the database
    std::uint64_t write_errors = 0;         // failed database batches and spool writes
    std::uint64_t batches = 0;              // committed database batches
    std::uint64_t rejected_overloaded = 0;  // queue full
    std::uint64_t rejected_spool_full = 0;  // spool over spool_max_bytes, database down
    std::optional<PoolStats> pool;          // the writer's connection pool (PostgreSQL)
};

struct LogOptions {
    std::size_t queue_capacity = 10000;  // records waiting for the writer
    std::size_t max_batch = 500;         // records per database transaction
    // Group commit: a batch takes what queued while the previous one committed. When that was
    // more than one record (requests come together), the batch also waits for the records still
    // coming, and closes at the first gap of group_gap without a new one (of four gaps while it
    // holds fewer than the previous batch: the same clients coming back), or group_wait after
    // its oldest record arrived (a record that queued while the batch before was written has
    // waited already). A request alone never waits. group_gap 0: no waiting.
    std::chrono::microseconds group_gap{100};
    std::chrono::microseconds group_wait{2000};
    std::chrono::milliseconds commit_timeout{1000};  // then the batch goes to the spool
    std::filesystem::path spool_dir = "var/spool";   // one spool folder per process
    std::uint64_t spool_max_bytes = 256ULL << 20;
    std::size_t pool_size = 4;  // PostgreSQL connections
    bool migrate = false;       // apply pending migrations on open (the default SQLite always)
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds reconnect_backoff_initial{100};
    std::chrono::milliseconds reconnect_backoff_max{5000};
    QueryObserver observer;              // optional: statement latencies
    const base::Clock* clock = nullptr;  // for spool ages; nullptr: the system clock
};

class PredictionLog {
  public:
    virtual ~PredictionLog() = default;
    // Queues the record; on_durable fires once (see the top of this file).
    virtual void Append(RequestRecord record, AppendCallback on_durable) = 0;
    virtual LogStatus Status() const = 0;
    // Drains the queue (commits or spools everything), stops the writer thread; later
    // Appends fail with kUnavailable. Idempotent; the destructor calls it.
    virtual void Shutdown() = 0;
};

// Opens the log for OC5_DATABASE_URL (see database_url.hpp): parses the URL, connects, applies
// migrations (the embedded default SQLite file, or options.migrate) or refuses an unmigrated or
// outdated schema, opens the spool (replaying what a crashed run left) and starts the writer.
// "none" gives a log that acknowledges immediately without storing. Errors name the redacted
// URL, never the password.
base::Result<std::unique_ptr<PredictionLog>> OpenPredictionLog(std::string_view database_url,
                                                               const LogOptions& options);

}  // namespace attrition::store
