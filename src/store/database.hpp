// The storage interface below the writer: one implementation per backend (PostgreSQL through a
// connection pool, SQLite on one connection). Implementations are thread-safe: the writer
// thread, the retention job and health checks may call them at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "store/database_url.hpp"
#include "store/records.hpp"

namespace attrition::store {

// Called after every statement with its name (e.g. "insert_batch") and its duration.
using QueryObserver =
    std::function<void(std::string_view statement_name, std::chrono::microseconds)>;

struct DatabaseOptions {
    std::size_t pool_size = 4;  // PostgreSQL connections at most
    std::chrono::milliseconds statement_timeout{
        1000};  // per round trip (PostgreSQL), busy wait (SQLite)
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds migration_timeout{300000};  // a whole migration transaction
    std::chrono::seconds health_check_idle{30};           // SELECT 1 on a connection idle longer
    std::chrono::milliseconds reconnect_backoff_initial{100};
    std::chrono::milliseconds reconnect_backoff_max{5000};
    // PostgreSQL, the insert a refused COPY falls back to: a batch whose parameters would exceed
    // this many bytes is written as several INSERT statements in one transaction (PostgreSQL
    // refuses messages over 1 GiB).
    std::size_t max_statement_bytes = 64U << 20;
    QueryObserver observer;  // optional
};

struct RetentionBatch {
    std::uint64_t requests_deleted = 0;
    std::uint64_t predictions_deleted = 0;  // by cascade
};

// A connection pool's occupancy (PostgreSQL), for metrics.
struct PoolStats {
    std::size_t in_use = 0;   // leased (or connecting)
    std::size_t idle = 0;     // open, waiting in the pool
    std::size_t max = 0;      // pool_size
    std::size_t waiters = 0;  // callers waiting for a free connection
};

// One row of a query result; nullopt for SQL NULL.
using Row = std::vector<std::optional<std::string>>;

// A count cell (a decimal integer, as both backends return count(*)); 0 for SQL NULL.
inline std::uint64_t CountCell(const std::optional<std::string>& cell) {
    return cell ? std::stoull(*cell) : 0;
}

// The statements a migration transaction may run (on one connection, inside the transaction).
class SqlSession {
  public:
    virtual ~SqlSession() = default;
    // Runs one or more statements without parameters (a migration file).
    virtual base::Result<void> Execute(std::string_view sql) = 0;
    // Runs one statement with text parameters ($1.. on PostgreSQL, ?1.. on SQLite).
    virtual base::Result<std::vector<Row>> Query(std::string_view sql,
                                                 const std::vector<std::string>& params) = 0;
    virtual base::Result<bool> TableExists(std::string_view table) = 0;
};

enum class MigrationLock {
    kNone,       // a plain transaction (status, schema check)
    kExclusive,  // pg_advisory_xact_lock / BEGIN IMMEDIATE: one migrator at a time
};

class Database {
  public:
    virtual ~Database() = default;
    virtual Backend Kind() const = 0;
    // The redacted URL, for messages.
    virtual const std::string& Describe() const = 0;
    // A round trip (SELECT 1); kUnavailable with a redacted reason when unreachable.
    virtual base::Result<void> Ping() = 0;
    // Inserts the records and their predictions in one transaction, skipping ids that exist
    // (ON CONFLICT (id) DO NOTHING). kInvalidInput when the database rejects the data (the
    // batch is not committed), kUnavailable on connection failure or timeout (maybe committed:
    // a retry is idempotent).
    virtual base::Result<void> InsertBatch(std::span<const RequestRecord> records) = 0;
    // Deletes at most batch_size api_requests rows created before cutoff in one transaction
    // (SQLite: oldest first; PostgreSQL: any, found by the BRIN index); their predictions go
    // by cascade.
    virtual base::Result<RetentionBatch> DeleteRequestsBefore(base::SystemTime cutoff,
                                                              std::size_t batch_size) = 0;
    // Runs body in one transaction (commit when it succeeds, rollback otherwise).
    virtual base::Result<void> RunTransaction(
        MigrationLock lock, const std::function<base::Result<void>(SqlSession&)>& body) = 0;
    // The connection pool's occupancy; nullopt for a backend without a pool (SQLite).
    virtual std::optional<PoolStats> Pool() const { return std::nullopt; }
};

// One statement with text parameters in its own transaction: its rows; `setup` (e.g. a
// SET LOCAL), when not empty, runs first in the same transaction. Errors: as RunTransaction's.
base::Result<std::vector<Row>> QueryInTransaction(Database& database,
                                                  MigrationLock lock,
                                                  std::string_view sql,
                                                  const std::vector<std::string>& params,
                                                  std::string_view setup = {});

// Connects (PostgreSQL: opens the pool and pings; SQLite: opens or creates the file).
// url.backend must not be kNone.
base::Result<std::unique_ptr<Database>> OpenDatabase(const DatabaseUrl& url,
                                                     const DatabaseOptions& options);

}  // namespace attrition::store
