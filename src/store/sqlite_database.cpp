#include "store/sqlite_database.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace attrition::store {
namespace {

using base::ErrorCode;
using base::Fail;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kPragmasSql =
    "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -8192;";
constexpr std::string_view kWalSql = "PRAGMA journal_mode = WAL;";
constexpr std::string_view kPingSql = "SELECT 1;";
constexpr std::string_view kBeginImmediateSql = "BEGIN IMMEDIATE;";
constexpr std::string_view kBeginSql = "BEGIN;";
constexpr std::string_view kCommitSql = "COMMIT;";
constexpr std::string_view kRollbackSql = "ROLLBACK;";
constexpr std::string_view kInsertRequestSql =
    "INSERT INTO api_requests (id, created_at, endpoint, request_data, client_ip, user_agent, "
    "http_status, response_time_ms, x_request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (id) DO NOTHING";
constexpr std::string_view kInsertPredictionSql =
    "INSERT INTO predictions (id, request_id, created_at, prediction_date, employee_id, "
    "attrition_prob, risk_level, model_version, features_snapshot, shadow) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING";
constexpr std::string_view kCountDoomedPredictionsSql =
    "SELECT count(*) FROM predictions WHERE request_id IN (SELECT id FROM api_requests "
    "WHERE created_at < ?1 ORDER BY created_at LIMIT CAST(?2 AS INTEGER))";
constexpr std::string_view kDeleteBeforeSql =
    "DELETE FROM api_requests WHERE id IN (SELECT id FROM api_requests WHERE created_at < ?1 "
    "ORDER BY created_at LIMIT CAST(?2 AS INTEGER))";
constexpr std::string_view kTableExistsSql =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1";

struct StatementDeleter {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

base::Error SqliteError(sqlite3* db, std::string_view what) {
    const int code = sqlite3_extended_errcode(db);
    const bool data_error = (code & 0xFF) == SQLITE_CONSTRAINT || (code & 0xFF) == SQLITE_MISMATCH;
    return base::Error::Make(data_error ? ErrorCode::kInvalidInput : ErrorCode::kUnavailable,
                             fmt::format("sqlite {}: {}", what, sqlite3_errmsg(db)));
}

void BindText(sqlite3_stmt* statement, int index, const std::string& text) {
    sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
}

void BindOptional(sqlite3_stmt* statement, int index, const std::optional<std::string>& text) {
    if (text) {
        BindText(statement, index, *text);
    } else {
        sqlite3_bind_null(statement, index);
    }
}

base::Result<Statement> Prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
        SQLITE_OK) {
        return tl::unexpected(SqliteError(db, "prepare"));
    }
    return Statement(raw);
}

class SqliteSession final : public SqlSession {
  public:
    explicit SqliteSession(sqlite3* db) : db_(db) {}
    base::Result<void> Execute(std::string_view sql) override {
        const std::string script(sql);
        if (sqlite3_exec(db_, script.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
            return tl::unexpected(SqliteError(db_, "exec"));
        }
        return {};
    }
    base::Result<std::vector<Row>> Query(std::string_view sql,
                                         const std::vector<std::string>& params) override {
        auto statement = Prepare(db_, sql);
        if (!statement) return tl::unexpected(statement.error());
        for (std::size_t i = 0; i < params.size(); ++i) {
            BindText(statement->get(), static_cast<int>(i + 1), params[i]);
        }
        std::vector<Row> rows;
        for (;;) {
            const int step = sqlite3_step(statement->get());
            if (step == SQLITE_DONE) break;
            if (step != SQLITE_ROW) return tl::unexpected(SqliteError(db_, "query"));
            Row row;
            for (int c = 0; c < sqlite3_column_count(statement->get()); ++c) {
                const auto* text = sqlite3_column_text(statement->get(), c);
                row.push_back(text == nullptr ? std::nullopt
                                              : std::optional(std::string(
                                                    reinterpret_cast<const char*>(text))));
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }
    base::Result<bool> TableExists(std::string_view table) override {
        auto rows = Query(kTableExistsSql, {std::string(table)});
        if (!rows) return tl::unexpected(rows.error());
        return !rows->empty() && rows->front().front() != "0";
    }

  private:
    sqlite3* db_;
};

}  // namespace

SqliteDatabase::SqliteDatabase(sqlite3* db, std::string redacted, DatabaseOptions options)
    : db_(db), redacted_(std::move(redacted)), options_(std::move(options)) {}

SqliteDatabase::~SqliteDatabase() {
    sqlite3_finalize(insert_request_);
    sqlite3_finalize(insert_prediction_);
    sqlite3_close(db_);
}

base::Result<std::unique_ptr<Database>> SqliteDatabase::Open(const DatabaseUrl& url,
                                                             const DatabaseOptions& options) {
    const bool in_memory = url.target == ":memory:";
    if (!in_memory) {
        const auto folder = std::filesystem::path(url.target).parent_path();
        std::error_code error;
        if (!folder.empty()) std::filesystem::create_directories(folder, error);
        if (error) {
            return Fail(ErrorCode::kUnavailable, fmt::format("cannot create the folder of {}: {}",
                                                             url.redacted, error.message()));
        }
    }
    sqlite3* raw = nullptr;
    const int opened =
        sqlite3_open_v2(url.target.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<SqliteDatabase> database(new SqliteDatabase(raw, url.redacted, options));
    if (opened != SQLITE_OK) {
        return Fail(ErrorCode::kUnavailable,
                    fmt::format("cannot open {}: {}", url.redacted, sqlite3_errmsg(raw)));
    }
    // Waits for another process's write transaction (e.g. a concurrent migrate).
    const auto busy_ms = std::max<long long>(options.statement_timeout.count(), 5000);
    sqlite3_busy_timeout(raw, static_cast<int>(busy_ms));
    const std::lock_guard lock(database->mutex_);
    if (!in_memory) {
        // Switching a new file to WAL while another process migrates it can be refused with
        // SQLITE_BUSY at once, without the busy handler: retry within the same bound.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_ms);
        for (;;) {
            const int rc = sqlite3_exec(raw, kWalSql.data(), nullptr, nullptr, nullptr);
            if (rc == SQLITE_OK) break;
            if (rc != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) {
                return Fail(ErrorCode::kUnavailable,
                            fmt::format("cannot open {}: sqlite exec: {}", url.redacted,
                                        sqlite3_errmsg(raw)));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    if (auto pragmas = database->Exec(kPragmasSql); !pragmas) {
        return tl::unexpected(pragmas.error());
    }
    return std::unique_ptr<Database>(std::move(database));
}

base::Result<void> SqliteDatabase::Exec(std::string_view sql) {
    return SqliteSession(db_).Execute(sql);
}

void SqliteDatabase::Observe(std::string_view statement, Clock::time_point started) const {
    if (options_.observer) {
        options_.observer(statement, std::chrono::duration_cast<std::chrono::microseconds>(
                                         Clock::now() - started));
    }
}

base::Result<void> SqliteDatabase::Ping() {
    const std::lock_guard lock(mutex_);
    const auto started = Clock::now();
    auto result = Exec(kPingSql);
    Observe("ping", started);
    return result;
}

base::Result<sqlite3_stmt*> SqliteDatabase::Prepared(sqlite3_stmt** slot, std::string_view sql) {
    if (*slot == nullptr) {
        auto statement = Prepare(db_, sql);
        if (!statement) return tl::unexpected(statement.error());
        *slot = statement->release();
    }
    sqlite3_reset(*slot);
    sqlite3_clear_bindings(*slot);
    return *slot;
}

base::Result<void> SqliteDatabase::InsertLocked(std::span<const RequestRecord> records) {
    auto request = Prepared(&insert_request_, kInsertRequestSql);
    if (!request) return tl::unexpected(request.error());
    auto prediction = Prepared(&insert_prediction_, kInsertPredictionSql);
    if (!prediction) return tl::unexpected(prediction.error());
    for (const auto& record : records) {
        sqlite3_stmt* r = *request;
        sqlite3_reset(r);
        const auto created_at = base::FormatIso8601(record.created_at);
        BindText(r, 1, record.id);
        BindText(r, 2, created_at);
        BindText(r, 3, record.endpoint);
        BindText(r, 4, record.request_data_json);
        BindOptional(r, 5, record.client_ip);
        BindOptional(r, 6, record.user_agent);
        sqlite3_bind_int(r, 7, record.http_status);
        if (record.response_time_ms) {
            sqlite3_bind_int(r, 8, *record.response_time_ms);
        } else {
            sqlite3_bind_null(r, 8);
        }
        BindOptional(r, 9, record.x_request_id);
        if (sqlite3_step(r) != SQLITE_DONE) return tl::unexpected(SqliteError(db_, "insert"));
        for (const auto& item : record.predictions) {
            sqlite3_stmt* p = *prediction;
            sqlite3_reset(p);
            BindText(p, 1, item.id);
            BindText(p, 2, record.id);
            BindText(p, 3, created_at);
            BindText(p, 4, base::FormatIso8601(item.prediction_date));
            BindOptional(p, 5, item.employee_id);
            sqlite3_bind_double(p, 6, item.attrition_prob);
            BindText(p, 7, item.risk_level);
            BindText(p, 8, item.model_version);
            BindText(p, 9, item.features_snapshot_json);
            sqlite3_bind_int(p, 10, item.shadow ? 1 : 0);
            if (sqlite3_step(p) != SQLITE_DONE) {
                return tl::unexpected(SqliteError(db_, "insert"));
            }
        }
    }
    return {};
}

base::Result<void> SqliteDatabase::InsertBatch(std::span<const RequestRecord> records) {
    if (records.empty()) return {};
    const std::lock_guard lock(mutex_);
    const auto started = Clock::now();
    if (auto begun = Exec(kBeginImmediateSql); !begun) return begun;
    auto inserted = InsertLocked(records);
    if (insert_request_ != nullptr) sqlite3_reset(insert_request_);
    if (insert_prediction_ != nullptr) sqlite3_reset(insert_prediction_);
    if (!inserted) {
        (void)Exec(kRollbackSql);
        return inserted;
    }
    auto committed = Exec(kCommitSql);
    if (!committed) (void)Exec(kRollbackSql);
    Observe("insert_batch", started);
    return committed;
}

base::Result<RetentionBatch> SqliteDatabase::DeleteRequestsBefore(base::SystemTime cutoff,
                                                                  std::size_t batch_size) {
    RetentionBatch batch;
    const auto cutoff_text = base::FormatIso8601(cutoff);
    const auto limit_text = std::to_string(batch_size);
    const auto started = Clock::now();
    auto done =
        RunTransaction(MigrationLock::kExclusive, [&](SqlSession& session) -> base::Result<void> {
            auto counted = session.Query(kCountDoomedPredictionsSql, {cutoff_text, limit_text});
            if (!counted) return tl::unexpected(counted.error());
            batch.predictions_deleted = std::stoull(counted->front().front().value_or("0"));
            auto statement = Prepare(db_, kDeleteBeforeSql);
            if (!statement) return tl::unexpected(statement.error());
            BindText(statement->get(), 1, cutoff_text);
            sqlite3_bind_int64(statement->get(), 2, static_cast<sqlite3_int64>(batch_size));
            if (sqlite3_step(statement->get()) != SQLITE_DONE) {
                return tl::unexpected(SqliteError(db_, "delete"));
            }
            batch.requests_deleted = static_cast<std::uint64_t>(sqlite3_changes(db_));
            return {};
        });
    Observe("delete_before", started);
    if (!done) return tl::unexpected(done.error());
    return batch;
}

base::Result<void> SqliteDatabase::RunTransaction(
    MigrationLock lock, const std::function<base::Result<void>(SqlSession&)>& body) {
    const std::lock_guard guard(mutex_);
    if (auto begun = Exec(lock == MigrationLock::kExclusive ? kBeginImmediateSql : kBeginSql);
        !begun) {
        return begun;
    }
    SqliteSession session(db_);
    if (auto done = body(session); !done) {
        (void)Exec(kRollbackSql);
        return done;
    }
    if (auto committed = Exec(kCommitSql); !committed) {
        (void)Exec(kRollbackSql);
        return committed;
    }
    return {};
}

}  // namespace attrition::store
