// PostgreSQL connections for the store: PgConnection wraps one libpq connection and runs
// statements with a deadline (asynchronous libpq API + poll, so a dead or hanging server never
// blocks a caller past it); ConnectionPool hands out at most max_size of them, checks one that
// sat idle too long with SELECT 1, and reconnects with exponential backoff after failures.
// Only unnamed statements (PQsendQueryParams / PQsendQuery) and no session state are used, so
// everything works through pgbouncer in pool_mode=transaction.
// PgConnection: not thread-safe (one lease, one user). ConnectionPool: thread-safe.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "store/database.hpp"

namespace attrition::store {

using SteadyTime = std::chrono::steady_clock::time_point;

struct PgResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PgConnection {
  public:
    PgConnection(PGconn* connection, std::string password);
    ~PgConnection();
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    // One statement with text parameters (NULL for nullopt); the last result on success.
    // kInvalidInput for data errors (SQLSTATE class 22, 23), kUnavailable otherwise; on
    // timeout or connection loss the connection is marked broken.
    base::Result<PgResult> Exec(std::string_view sql,
                                const std::vector<const char*>& params,
                                SteadyTime deadline);
    // One or more statements without parameters (simple query protocol).
    base::Result<void> ExecScript(std::string_view sql, SteadyTime deadline);
    // A script (simple query protocol) whose COPY ... FROM STDIN statements read `streams`, the
    // n-th COPY the n-th stream (a COPY beyond them fails). Errors as Exec's, from the first
    // statement that failed (the rest of the script is skipped); its SQLSTATE in
    // FailedSqlState() until the next CopyIn.
    base::Result<void> CopyIn(std::string_view script,
                              std::span<const std::string> streams,
                              SteadyTime deadline);
    const std::string& FailedSqlState() const { return failed_sqlstate_; }

    bool Broken() const { return broken_; }
    void MarkBroken() { broken_ = true; }
    SteadyTime LastUsed() const { return last_used_; }

  private:
    base::Result<void> Flush(SteadyTime deadline);
    base::Result<PgResult> Collect(SteadyTime deadline);
    // Waits until a result is ready (nullptr once the command is done).
    base::Result<PgResult> NextResult(SteadyTime deadline);
    // The error a failed result holds; nullopt for a success.
    std::optional<base::Error> ResultError(const PGresult* result) const;
    base::Result<void> PutCopyStream(std::string_view stream, SteadyTime deadline);
    base::Result<void> EndCopy(const char* failure, SteadyTime deadline);
    base::Error Failure(std::string_view what);
    PGconn* connection_;
    std::string password_;  // scrubbed from every message
    bool broken_ = false;
    std::string failed_sqlstate_;  // CopyIn's
    SteadyTime last_used_;
};

class ConnectionPool {
  public:
    ConnectionPool(std::string conninfo,
                   std::string redacted_url,
                   std::string password,
                   const DatabaseOptions& options);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    // Returns the connection to the pool (or drops it when broken) on destruction.
    class Lease {
      public:
        Lease(ConnectionPool* pool, std::unique_ptr<PgConnection> connection);
        ~Lease();
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        PgConnection& operator*() const { return *connection_; }
        PgConnection* operator->() const { return connection_.get(); }

      private:
        ConnectionPool* pool_;
        std::unique_ptr<PgConnection> connection_;
    };

    // A healthy connection, waiting for a free one until deadline. kUnavailable (redacted
    // reason) when the server is unreachable or while the reconnect backoff runs.
    base::Result<Lease> Acquire(SteadyTime deadline);
    PoolStats Stats() const;

  private:
    void Release(std::unique_ptr<PgConnection> connection);
    base::Result<std::unique_ptr<PgConnection>> Connect();

    const std::string conninfo_;
    const std::string redacted_url_;
    const std::string password_;
    const DatabaseOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable released_;
    std::vector<std::unique_ptr<PgConnection>> idle_;
    std::size_t open_ = 0;  // idle + leased + connecting
    std::size_t waiters_ = 0;
    SteadyTime next_connect_;
    std::chrono::milliseconds backoff_{0};
    std::string last_error_;
};

}  // namespace attrition::store
