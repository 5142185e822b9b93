#include "store/connection_pool.hpp"

#include <fmt/core.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>

#include "store/database_url.hpp"

namespace attrition::store {
namespace {

using base::ErrorCode;
using base::Fail;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kHealthCheckSql = "SELECT 1";

// libpq messages end in a newline and may span lines: one line for logfmt.
std::string Trim(std::string text) {
    for (auto& c : text) {
        if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

}  // namespace

PgConnection::PgConnection(PGconn* connection, std::string password)
    : connection_(connection), password_(std::move(password)), last_used_(Clock::now()) {
    // Server notices ("relation ... already exists, skipping") go to the debug log, not stderr.
    PQsetNoticeProcessor(
        connection_,
        [](void* /*context*/, const char* message) {
            spdlog::debug("msg=\"database notice\" notice=\"{}\"", Trim(message));
        },
        nullptr);
    // Non-blocking sends: a large batch to a server (or pgbouncer) that stopped reading must
    // not block past the deadline either.
    if (PQsetnonblocking(connection_, 1) != 0) broken_ = true;
}

base::Result<void> PgConnection::Flush(SteadyTime deadline) {
    for (;;) {
        const int pending = PQflush(connection_);
        if (pending == 0) return {};
        if (pending < 0) return tl::unexpected(Failure("cannot send the statement"));
        const auto remaining =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (remaining.count() <= 0) {
            broken_ = true;
            return Fail(ErrorCode::kUnavailable,
                        "database did not accept the statement before "
                        "the deadline");
        }
        pollfd descriptor{PQsocket(connection_), POLLIN | POLLOUT, 0};
        const int ready = ::poll(&descriptor, 1, static_cast<int>(remaining.count()));
        if (ready < 0 && errno != EINTR) return tl::unexpected(Failure("poll failed"));
        if ((descriptor.revents & POLLIN) != 0 && PQconsumeInput(connection_) == 0) {
            return tl::unexpected(Failure("database connection lost"));
        }
    }
}

PgConnection::~PgConnection() { PQfinish(connection_); }

base::Error PgConnection::Failure(std::string_view what) {
    broken_ = true;
    return base::Error::Make(
        ErrorCode::kUnavailable,
        ScrubSecret(fmt::format("{}: {}", what, Trim(PQerrorMessage(connection_))), password_));
}

base::Result<PgResult> PgConnection::Exec(std::string_view sql,
                                          const std::vector<const char*>& params,
                                          SteadyTime deadline) {
    const std::string statement(sql);
    if (PQsendQueryParams(connection_, statement.c_str(), static_cast<int>(params.size()), nullptr,
                          params.data(), nullptr, nullptr, 0) == 0) {
        return tl::unexpected(Failure("cannot send the statement"));
    }
    if (auto flushed = Flush(deadline); !flushed) return tl::unexpected(flushed.error());
    return Collect(deadline);
}

base::Result<void> PgConnection::ExecScript(std::string_view sql, SteadyTime deadline) {
    const std::string script(sql);
    if (PQsendQuery(connection_, script.c_str()) == 0) {
        return tl::unexpected(Failure("cannot send the statement"));
    }
    if (auto flushed = Flush(deadline); !flushed) return tl::unexpected(flushed.error());
    auto result = Collect(deadline);
    if (!result) return tl::unexpected(result.error());
    return {};
}

base::Result<PgResult> PgConnection::NextResult(SteadyTime deadline) {
    while (PQisBusy(connection_) != 0) {
        const auto remaining =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (remaining.count() <= 0) {
            broken_ = true;  // the server may still run it: never reuse this connection
            return Fail(ErrorCode::kUnavailable, "database did not answer before the deadline");
        }
        pollfd descriptor{PQsocket(connection_), POLLIN, 0};
        const int ready = ::poll(&descriptor, 1, static_cast<int>(remaining.count()));
        if (ready < 0 && errno != EINTR) return tl::unexpected(Failure("poll failed"));
        if (PQconsumeInput(connection_) == 0) {
            return tl::unexpected(Failure("database connection lost"));
        }
    }
    return PgResult(PQgetResult(connection_));
}

std::optional<base::Error> PgConnection::ResultError(const PGresult* result) const {
    const auto status = PQresultStatus(result);
    if (status != PGRES_FATAL_ERROR && status != PGRES_BAD_RESPONSE) return std::nullopt;
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const std::string_view sqlstate = state != nullptr ? state : "";
    const bool data_error = sqlstate.substr(0, 2) == "22" || sqlstate.substr(0, 2) == "23";
    return base::Error::Make(data_error ? ErrorCode::kInvalidInput : ErrorCode::kUnavailable,
                             ScrubSecret(fmt::format("database error {}: {}", sqlstate,
                                                     Trim(PQresultErrorMessage(result))),
                                         password_));
}

base::Result<PgResult> PgConnection::Collect(SteadyTime deadline) {
    PgResult last;
    std::optional<base::Error> error;
    for (;;) {
        auto result = NextResult(deadline);
        if (!result) return tl::unexpected(result.error());
        if (*result == nullptr) break;
        if (!error) error = ResultError(result->get());
        last = std::move(*result);
    }
    if (PQstatus(connection_) == CONNECTION_BAD) broken_ = true;
    last_used_ = Clock::now();
    if (error) return tl::unexpected(*error);
    return last;
}

base::Result<void> PgConnection::PutCopyStream(std::string_view stream, SteadyTime deadline) {
    // CopyData messages of at most 1 MiB: libpq buffers each whole before sending it.
    constexpr std::size_t kChunkBytes = 1U << 20;
    while (!stream.empty()) {
        const auto chunk = stream.substr(0, kChunkBytes);
        const int put = PQputCopyData(connection_, chunk.data(), static_cast<int>(chunk.size()));
        if (put < 0) return tl::unexpected(Failure("cannot send the copy data"));
        if (put == 0) {  // the output buffer is full: wait until the server takes some
            if (auto flushed = Flush(deadline); !flushed) return flushed;
            continue;
        }
        stream.remove_prefix(chunk.size());
    }
    return {};
}

base::Result<void> PgConnection::EndCopy(const char* failure, SteadyTime deadline) {
    for (;;) {
        const int ended = PQputCopyEnd(connection_, failure);
        if (ended < 0) return tl::unexpected(Failure("cannot end the copy"));
        if (auto flushed = Flush(deadline); !flushed) return flushed;
        if (ended > 0) return {};  // 0: not queued (the output buffer was full), again
    }
}

base::Result<void> PgConnection::CopyIn(std::string_view script,
                                        std::span<const std::string> streams,
                                        SteadyTime deadline) {
    const std::string text(script);
    if (PQsendQuery(connection_, text.c_str()) == 0) {
        return tl::unexpected(Failure("cannot send the statement"));
    }
    if (auto flushed = Flush(deadline); !flushed) return flushed;
    failed_sqlstate_.clear();
    std::size_t next = 0;
    std::optional<base::Error> error;
    for (;;) {
        auto result = NextResult(deadline);
        if (!result) return tl::unexpected(result.error());
        if (*result == nullptr) break;
        if (PQresultStatus(result->get()) == PGRES_COPY_IN) {
            const bool have = next < streams.size();
            if (have) {
                if (auto put = PutCopyStream(streams[next++], deadline); !put) return put;
            }
            if (auto ended = EndCopy(have ? nullptr : "no stream for this COPY", deadline);
                !ended) {
                return ended;
            }
            continue;
        }
        if (!error) {
            error = ResultError(result->get());
            const char* state = PQresultErrorField(result->get(), PG_DIAG_SQLSTATE);
            if (error && state != nullptr) failed_sqlstate_ = state;
        }
    }
    if (PQstatus(connection_) == CONNECTION_BAD) broken_ = true;
    last_used_ = Clock::now();
    if (error) return tl::unexpected(*error);
    return {};
}

ConnectionPool::ConnectionPool(std::string conninfo,
                               std::string redacted_url,
                               std::string password,
                               const DatabaseOptions& options)
    : conninfo_(std::move(conninfo)),
      redacted_url_(std::move(redacted_url)),
      password_(std::move(password)),
      options_(options) {}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<PgConnection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

ConnectionPool::Lease::~Lease() {
    if (connection_) pool_->Release(std::move(connection_));
}

void ConnectionPool::Release(std::unique_ptr<PgConnection> connection) {
    std::unique_ptr<PgConnection> dropped;
    {
        const std::lock_guard lock(mutex_);
        if (connection->Broken()) {
            --open_;
            dropped = std::move(connection);
        } else {
            idle_.push_back(std::move(connection));
        }
    }
    released_.notify_one();
}

base::Result<std::unique_ptr<PgConnection>> ConnectionPool::Connect() {
    const auto timeout_s = std::to_string(std::max<long long>(
        2, std::chrono::duration_cast<std::chrono::seconds>(options_.connect_timeout).count()));
    // Keywords before dbname are defaults the URL may override.
    const char* keywords[] = {"connect_timeout", "dbname", nullptr};
    const char* values[] = {timeout_s.c_str(), conninfo_.c_str(), nullptr};
    PGconn* raw = PQconnectdbParams(keywords, values, 1);
    if (raw == nullptr) return Fail(ErrorCode::kUnavailable, "out of memory connecting");
    if (PQstatus(raw) != CONNECTION_OK) {
        auto message = ScrubSecret(
            fmt::format("cannot connect to {}: {}", redacted_url_, Trim(PQerrorMessage(raw))),
            password_);
        PQfinish(raw);
        return Fail(ErrorCode::kUnavailable, std::move(message));
    }
    return std::make_unique<PgConnection>(raw, password_);
}

PoolStats ConnectionPool::Stats() const {
    const std::lock_guard lock(mutex_);
    return PoolStats{open_ - idle_.size(), idle_.size(), options_.pool_size, waiters_};
}

base::Result<ConnectionPool::Lease> ConnectionPool::Acquire(SteadyTime deadline) {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (!idle_.empty()) {
            auto connection = std::move(idle_.back());
            idle_.pop_back();
            lock.unlock();
            if (Clock::now() - connection->LastUsed() > options_.health_check_idle) {
                const auto check_deadline =
                    std::min(deadline, Clock::now() + options_.statement_timeout);
                if (!connection->Exec(kHealthCheckSql, {}, check_deadline)) {
                    connection->MarkBroken();
                    Release(std::move(connection));  // drops it
                    lock.lock();
                    continue;
                }
            }
            return Lease(this, std::move(connection));
        }
        if (open_ < options_.pool_size) {
            const auto now = Clock::now();
            if (now < next_connect_) {
                const auto wait =
                    std::chrono::duration_cast<std::chrono::milliseconds>(next_connect_ - now);
                return Fail(ErrorCode::kUnavailable,
                            fmt::format("{} (next attempt in {} ms)", last_error_, wait.count()));
            }
            ++open_;
            lock.unlock();
            auto connection = Connect();
            lock.lock();
            if (!connection) {
                --open_;
                backoff_ = backoff_.count() == 0
                               ? options_.reconnect_backoff_initial
                               : std::min(backoff_ * 2, options_.reconnect_backoff_max);
                next_connect_ = Clock::now() + backoff_;
                last_error_ = connection.error().message;
                released_.notify_one();
                return tl::unexpected(connection.error());
            }
            if (backoff_.count() != 0) {
                spdlog::info("msg=\"database reachable again\" url={}", redacted_url_);
            }
            backoff_ = std::chrono::milliseconds(0);
            return Lease(this, std::move(*connection));
        }
        ++waiters_;
        const auto waited = released_.wait_until(lock, deadline);
        --waiters_;
        if (waited == std::cv_status::timeout && idle_.empty() && open_ >= options_.pool_size) {
            return Fail(ErrorCode::kUnavailable,
                        fmt::format("no free database connection before the deadline (pool "
                                    "of {})",
                                    options_.pool_size));
        }
    }
}

}  // namespace attrition::store
