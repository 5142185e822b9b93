#include "store/postgres_database.hpp"

#include <fmt/core.h>

#include <string>

namespace attrition::store {
namespace {

using base::ErrorCode;
using base::Fail;
using Clock = std::chrono::steady_clock;

// One key for every attrition migrator (pg_advisory_xact_lock: released at commit/rollback,
// so it holds through pgbouncer's transaction pooling).
constexpr std::string_view kMigrationLockSql = "SELECT pg_advisory_xact_lock(7291604615286311)";
constexpr std::string_view kPingSql = "SELECT 1";
constexpr std::string_view kBeginSql = "BEGIN";
constexpr std::string_view kCommitSql = "COMMIT";
constexpr std::string_view kRollbackSql = "ROLLBACK";
constexpr std::string_view kInsertRequestsHead =
    "INSERT INTO api_requests (id, created_at, endpoint, request_data, client_ip, user_agent, "
    "http_status, response_time_ms) VALUES ";
constexpr std::string_view kInsertRequestsRow =
    "(${}::uuid, ${}::timestamptz, ${}, ${}::jsonb, ${}, ${}, ${}::integer, ${}::integer)";
constexpr std::size_t kRequestColumns = 8;
constexpr std::string_view kInsertPredictionsHead =
    "INSERT INTO predictions (id, request_id, created_at, prediction_date, employee_id, "
    "attrition_prob, risk_level, model_version, features_snapshot) VALUES ";
constexpr std::string_view kInsertPredictionsRow =
    "(${}::uuid, ${}::uuid, ${}::timestamptz, ${}::timestamptz, ${}, ${}::double precision, "
    "${}, ${}, ${}::jsonb)";
constexpr std::size_t kPredictionColumns = 9;
constexpr std::string_view kOnConflictTail = " ON CONFLICT (id) DO NOTHING";
// The wire protocol allows 65535 parameters per statement.
constexpr std::size_t kMaxParameters = 60000;
constexpr std::string_view kDeleteBeforeSql =
    "WITH doomed AS (SELECT id FROM api_requests WHERE created_at < $1::timestamptz "
    "ORDER BY created_at LIMIT $2::integer FOR UPDATE SKIP LOCKED), "
    "cascaded AS (SELECT count(*) AS n FROM predictions WHERE request_id IN "
    "(SELECT id FROM doomed)), "
    "gone AS (DELETE FROM api_requests WHERE id IN (SELECT id FROM doomed) RETURNING 1) "
    "SELECT (SELECT count(*) FROM gone), (SELECT n FROM cascaded)";
constexpr std::string_view kTableExistsSql =
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_name = $1";

// Text parameters owned by the statement builder.
struct Parameters {
    std::vector<std::string> storage;
    std::vector<bool> is_null;
    void Add(std::string value) {
        storage.push_back(std::move(value));
        is_null.push_back(false);
    }
    void Add(const std::optional<std::string>& value) {
        storage.push_back(value.value_or(""));
        is_null.push_back(!value);
    }
    std::vector<const char*> Pointers() const {
        std::vector<const char*> pointers;
        pointers.reserve(storage.size());
        for (std::size_t i = 0; i < storage.size(); ++i) {
            pointers.push_back(is_null[i] ? nullptr : storage[i].c_str());
        }
        return pointers;
    }
};

void AppendRow(std::string_view row_template, std::size_t first, std::string* sql) {
    if (first > 1) sql->append(", ");
    // Fill ${} with consecutive parameter numbers.
    std::size_t number = first;
    std::size_t pos = 0;
    while (pos < row_template.size()) {
        const auto hole = row_template.find("${}", pos);
        if (hole == std::string_view::npos) {
            sql->append(row_template.substr(pos));
            break;
        }
        sql->append(row_template.substr(pos, hole - pos));
        sql->append(fmt::format("${}", number++));
        pos = hole + 3;
    }
}

struct Statement {
    std::string name;
    std::string sql;
    Parameters params;
};

// The INSERT statements for a batch, each under the parameter limit.
std::vector<Statement> BuildInserts(std::span<const RequestRecord> records) {
    std::vector<Statement> statements;
    Statement* current = nullptr;
    for (const auto& record : records) {
        if (current == nullptr ||
            current->params.storage.size() + kRequestColumns > kMaxParameters) {
            statements.push_back({"insert_requests", std::string(kInsertRequestsHead), {}});
            current = &statements.back();
        }
        AppendRow(kInsertRequestsRow, current->params.storage.size() + 1, &current->sql);
        auto& p = current->params;
        p.Add(record.id);
        p.Add(base::FormatIso8601(record.created_at));
        p.Add(record.endpoint);
        p.Add(record.request_data_json);
        p.Add(record.client_ip);
        p.Add(record.user_agent);
        p.Add(std::to_string(record.http_status));
        p.Add(record.response_time_ms ? std::optional(std::to_string(*record.response_time_ms))
                                      : std::nullopt);
    }
    const std::size_t request_statements = statements.size();
    current = nullptr;
    for (const auto& record : records) {
        const auto created_at = base::FormatIso8601(record.created_at);
        for (const auto& prediction : record.predictions) {
            if (current == nullptr ||
                current->params.storage.size() + kPredictionColumns > kMaxParameters) {
                statements.push_back(
                    {"insert_predictions", std::string(kInsertPredictionsHead), {}});
                current = &statements.back();
            }
            AppendRow(kInsertPredictionsRow, current->params.storage.size() + 1, &current->sql);
            auto& p = current->params;
            p.Add(prediction.id);
            p.Add(record.id);
            p.Add(created_at);
            p.Add(base::FormatIso8601(prediction.prediction_date));
            p.Add(prediction.employee_id);
            p.Add(fmt::format("{}", prediction.attrition_prob));  // shortest round trip
            p.Add(prediction.risk_level);
            p.Add(prediction.model_version);
            p.Add(prediction.features_snapshot_json);
        }
    }
    for (auto& statement : statements) statement.sql.append(kOnConflictTail);
    // The common case, one statement per table: one round trip, atomic without BEGIN, the
    // predictions' foreign keys checked at the end of the statement.
    if (request_statements == 1 && statements.size() == 2) {
        Statement combined{"insert_batch", "WITH inserted_requests AS (", {}};
        combined.sql += statements[0].sql + ") ";
        // Renumber the prediction parameters after the request ones.
        const std::size_t offset = statements[0].params.storage.size();
        const std::string& tail = statements[1].sql;
        std::size_t pos = 0;
        while (pos < tail.size()) {
            const auto dollar = tail.find('$', pos);
            if (dollar == std::string::npos) {
                combined.sql.append(tail, pos, std::string::npos);
                break;
            }
            combined.sql.append(tail, pos, dollar - pos + 1);
            std::size_t end = dollar + 1;
            while (end < tail.size() && std::isdigit(static_cast<unsigned char>(tail[end])) != 0) {
                ++end;
            }
            combined.sql +=
                std::to_string(std::stoul(tail.substr(dollar + 1, end - dollar - 1)) + offset);
            pos = end;
        }
        combined.params = std::move(statements[0].params);
        for (std::size_t i = 0; i < statements[1].params.storage.size(); ++i) {
            combined.params.storage.push_back(std::move(statements[1].params.storage[i]));
            combined.params.is_null.push_back(statements[1].params.is_null[i]);
        }
        statements.clear();
        statements.push_back(std::move(combined));
    }
    return statements;
}

class PgSession final : public SqlSession {
  public:
    PgSession(PgConnection& connection, SteadyTime deadline)
        : connection_(connection), deadline_(deadline) {}
    base::Result<void> Execute(std::string_view sql) override {
        return connection_.ExecScript(sql, deadline_);
    }
    base::Result<std::vector<Row>> Query(std::string_view sql,
                                         const std::vector<std::string>& params) override {
        std::vector<const char*> pointers;
        for (const auto& param : params) pointers.push_back(param.c_str());
        auto result = connection_.Exec(sql, pointers, deadline_);
        if (!result) return tl::unexpected(result.error());
        std::vector<Row> rows;
        PGresult* raw = result->get();
        if (raw == nullptr) return rows;
        for (int r = 0; r < PQntuples(raw); ++r) {
            Row row;
            for (int c = 0; c < PQnfields(raw); ++c) {
                row.push_back(PQgetisnull(raw, r, c) != 0
                                  ? std::nullopt
                                  : std::optional(std::string(PQgetvalue(raw, r, c))));
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
    PgConnection& connection_;
    SteadyTime deadline_;
};

// Rolls back an open transaction, or drops the connection when that fails.
void RollBack(PgConnection& connection, SteadyTime deadline) {
    if (connection.Broken()) return;
    if (!connection.Exec(kRollbackSql, {}, deadline)) connection.MarkBroken();
}

}  // namespace

PostgresDatabase::PostgresDatabase(const DatabaseUrl& url, const DatabaseOptions& options)
    : redacted_(url.redacted),
      options_(options),
      pool_(url.target, url.redacted, url.password, options) {}

base::Result<std::unique_ptr<Database>> PostgresDatabase::Open(const DatabaseUrl& url,
                                                               const DatabaseOptions& options) {
    auto database = std::make_unique<PostgresDatabase>(url, options);
    if (auto ping = database->Ping(); !ping) return tl::unexpected(ping.error());
    return std::unique_ptr<Database>(std::move(database));
}

SteadyTime PostgresDatabase::Deadline() const { return Clock::now() + options_.statement_timeout; }

void PostgresDatabase::Observe(std::string_view statement, SteadyTime started) const {
    if (options_.observer) {
        options_.observer(statement, std::chrono::duration_cast<std::chrono::microseconds>(
                                         Clock::now() - started));
    }
}

base::Result<void> PostgresDatabase::Ping() {
    const auto started = Clock::now();
    const auto deadline = Deadline();
    auto lease = pool_.Acquire(deadline);
    if (!lease) return tl::unexpected(lease.error());
    auto result = (*lease)->Exec(kPingSql, {}, deadline);
    Observe("ping", started);
    if (!result) return tl::unexpected(result.error());
    return {};
}

base::Result<void> PostgresDatabase::InsertBatch(std::span<const RequestRecord> records) {
    if (records.empty()) return {};
    const auto statements = BuildInserts(records);
    const auto deadline = Deadline();
    auto lease = pool_.Acquire(deadline);
    if (!lease) return tl::unexpected(lease.error());
    auto& connection = **lease;
    const auto run = [&](const Statement& statement) -> base::Result<void> {
        const auto started = Clock::now();
        auto result = connection.Exec(statement.sql, statement.params.Pointers(), deadline);
        Observe(statement.name, started);
        if (!result) return tl::unexpected(result.error());
        return {};
    };
    if (statements.size() == 1) return run(statements.front());
    if (auto begun = connection.Exec(kBeginSql, {}, deadline); !begun) {
        return tl::unexpected(begun.error());
    }
    for (const auto& statement : statements) {
        if (auto done = run(statement); !done) {
            RollBack(connection, deadline);
            return done;
        }
    }
    const auto started = Clock::now();
    auto committed = connection.Exec(kCommitSql, {}, deadline);
    Observe("commit", started);
    if (!committed) return tl::unexpected(committed.error());
    return {};
}

base::Result<RetentionBatch> PostgresDatabase::DeleteRequestsBefore(base::SystemTime cutoff,
                                                                    std::size_t batch_size) {
    const auto deadline =
        Clock::now() + std::max(options_.statement_timeout, std::chrono::milliseconds(30000));
    auto lease = pool_.Acquire(deadline);
    if (!lease) return tl::unexpected(lease.error());
    const auto cutoff_text = base::FormatIso8601(cutoff);
    const auto limit_text = std::to_string(batch_size);
    const auto started = Clock::now();
    auto result =
        (*lease)->Exec(kDeleteBeforeSql, {cutoff_text.c_str(), limit_text.c_str()}, deadline);
    Observe("delete_before", started);
    if (!result) return tl::unexpected(result.error());
    PGresult* raw = result->get();
    if (raw == nullptr || PQntuples(raw) != 1) {
        return Fail(ErrorCode::kInternal, "retention delete returned no counts");
    }
    return RetentionBatch{std::stoull(PQgetvalue(raw, 0, 0)), std::stoull(PQgetvalue(raw, 0, 1))};
}

base::Result<void> PostgresDatabase::RunTransaction(
    MigrationLock lock, const std::function<base::Result<void>(SqlSession&)>& body) {
    const auto deadline = Clock::now() + options_.migration_timeout;
    auto lease = pool_.Acquire(deadline);
    if (!lease) return tl::unexpected(lease.error());
    auto& connection = **lease;
    if (auto begun = connection.Exec(kBeginSql, {}, deadline); !begun) {
        return tl::unexpected(begun.error());
    }
    if (lock == MigrationLock::kExclusive) {
        if (auto locked = connection.Exec(kMigrationLockSql, {}, deadline); !locked) {
            RollBack(connection, deadline);
            return tl::unexpected(locked.error());
        }
    }
    PgSession session(connection, deadline);
    if (auto done = body(session); !done) {
        RollBack(connection, deadline);
        return done;
    }
    if (auto committed = connection.Exec(kCommitSql, {}, deadline); !committed) {
        return tl::unexpected(committed.error());
    }
    return {};
}

}  // namespace attrition::store
