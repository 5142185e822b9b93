#include "store/postgres_database.hpp"

#include <fmt/core.h>

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/pg_copy.hpp"

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
// One statement per batch whatever its size: each column travels as one array parameter and
// unnest turns the arrays back into rows. A multi-row VALUES list made PostgreSQL parse and plan
// 9 expressions per row, which cost more than the inserts themselves. The statement is atomic
// without BEGIN; the predictions' foreign keys are checked at its end, after the CTE's rows.
constexpr std::string_view kInsertBatchSql =
    "WITH inserted_requests AS ("
    "INSERT INTO api_requests (id, created_at, endpoint, request_data, client_ip, user_agent, "
    "http_status, response_time_ms, x_request_id) "
    "SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[], $4::jsonb[], "
    "$5::varchar[], $6::text[], $7::integer[], $8::integer[], $19::varchar[]) "
    "ON CONFLICT (id, created_at) DO NOTHING) "
    "INSERT INTO predictions (id, request_id, created_at, prediction_date, employee_id, "
    "attrition_prob, risk_level, model_version, features_snapshot, shadow) "
    "SELECT * FROM unnest($9::uuid[], $10::uuid[], $11::timestamptz[], $12::timestamptz[], "
    "$13::varchar[], $14::double precision[], $15::varchar[], $16::varchar[], $17::jsonb[], "
    "$18::boolean[]) "
    "ON CONFLICT (id, created_at) DO NOTHING";
constexpr std::string_view kUniqueViolation = "23505";
// The cheapest insertion PostgreSQL has: both tables' rows as binary COPY streams, in one
// transaction (the predictions' foreign keys are checked as each row lands, after its request's).
const std::string& CopyScript() {
    static const std::string script = fmt::format(
        "BEGIN; COPY {} FROM STDIN (FORMAT binary); COPY {} FROM STDIN (FORMAT binary); COMMIT",
        kCopyRequestColumns, kCopyPredictionColumns);
    return script;
}
// Retention inside the months that partition drops leave (partitions.hpp): any batch of
// expired rows, found by the BRIN index on created_at (no order: a B-tree would cost every
// insert more than the sort it saves here).
constexpr std::string_view kDeleteBeforeSql =
    "WITH doomed AS (SELECT id, created_at FROM api_requests WHERE created_at < $1::timestamptz "
    "LIMIT $2::integer FOR UPDATE SKIP LOCKED), "
    "cascaded AS (SELECT count(*) AS n FROM predictions p JOIN doomed d "
    "ON p.request_id = d.id AND p.created_at = d.created_at), "
    "gone AS (DELETE FROM api_requests r USING doomed d "
    "WHERE r.id = d.id AND r.created_at = d.created_at RETURNING 1) "
    "SELECT (SELECT count(*) FROM gone), (SELECT n FROM cascaded)";
constexpr std::string_view kTableExistsSql =
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_name = $1";

// A PostgreSQL array literal in text form, {"a","b",NULL}: every element double-quoted with
// `"` and `\` backslash-escaped, so any text (JSON included) survives; the statement casts it to
// the column's array type.
class ArrayLiteral {
  public:
    void Add(std::string_view value) {
        Separate();
        text_ += '"';
        for (const char c : value) {
            if (c == '"' || c == '\\') text_ += '\\';
            text_ += c;
        }
        text_ += '"';
    }
    void AddOptional(const std::optional<std::string>& value) {
        if (value) {
            Add(*value);
        } else {
            Separate();
            text_ += "NULL";
        }
    }
    std::string Finish() && {
        text_ += '}';
        return std::move(text_);
    }

  private:
    void Separate() { text_ += text_.size() == 1 ? "" : ","; }
    std::string text_ = "{";
};

constexpr std::size_t kBatchParameters = 19;
// Splits a batch into runs of records whose array parameters stay under max_bytes (escaping
// can double the text; a single record larger than that is a run of its own), so that no
// batch of large bodies becomes a statement the server refuses.
std::vector<std::span<const RequestRecord>> StatementChunks(std::span<const RequestRecord> records,
                                                            std::size_t max_bytes) {
    std::vector<std::span<const RequestRecord>> chunks;
    std::size_t first = 0;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& record = records[i];
        std::size_t size = 256 + record.request_data_json.size() +
                           record.user_agent.value_or("").size() + record.endpoint.size();
        for (const auto& prediction : record.predictions) {
            size += 256 + prediction.features_snapshot_json.size();
        }
        size *= 2;  // worst case: every character escaped
        if (i > first && bytes + size > max_bytes) {
            chunks.push_back(records.subspan(first, i - first));
            first = i;
            bytes = 0;
        }
        bytes += size;
    }
    chunks.push_back(records.subspan(first));
    return chunks;
}

// The 19 array parameters of kInsertBatchSql for a batch.
std::array<std::string, kBatchParameters> BatchParameters(std::span<const RequestRecord> records) {
    std::array<ArrayLiteral, kBatchParameters> columns;
    for (const auto& record : records) {
        const auto created_at = base::FormatIso8601(record.created_at);
        columns[0].Add(record.id);
        columns[1].Add(created_at);
        columns[2].Add(record.endpoint);
        columns[3].Add(record.request_data_json);
        columns[4].AddOptional(record.client_ip);
        columns[5].AddOptional(record.user_agent);
        columns[6].Add(std::to_string(record.http_status));
        columns[7].AddOptional(record.response_time_ms
                                   ? std::optional(std::to_string(*record.response_time_ms))
                                   : std::nullopt);
        columns[18].AddOptional(record.x_request_id);
        for (const auto& prediction : record.predictions) {
            columns[8].Add(prediction.id);
            columns[9].Add(record.id);
            columns[10].Add(created_at);
            columns[11].Add(base::FormatIso8601(prediction.prediction_date));
            columns[12].AddOptional(prediction.employee_id);
            columns[13].Add(fmt::format("{}", prediction.attrition_prob));  // shortest round trip
            columns[14].Add(prediction.risk_level);
            columns[15].Add(prediction.model_version);
            columns[16].Add(prediction.features_snapshot_json);
            columns[17].Add(prediction.shadow ? "t" : "f");
        }
    }
    std::array<std::string, kBatchParameters> parameters;
    for (std::size_t i = 0; i < kBatchParameters; ++i) {
        parameters[i] = std::move(columns[i]).Finish();
    }
    return parameters;
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
        pointers.reserve(params.size());
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
    const auto deadline = Deadline();
    auto lease = pool_.Acquire(deadline);
    if (!lease) return tl::unexpected(lease.error());
    auto& connection = **lease;
    const std::array<std::string, 2> streams{CopyRequestRows(records), CopyPredictionRows(records)};
    const auto started = Clock::now();
    auto copied = connection.CopyIn(CopyScript(), streams, deadline);
    Observe("insert_batch", started);
    if (copied) return copied;
    // The script's own transaction failed, whatever the error: never pool a connection inside
    // it (RollBack drops the connection when it cannot).
    RollBack(connection, deadline);
    // A replay of rows that landed before (COPY has no ON CONFLICT): the statement that skips
    // existing rows writes the rest. Any other refusal stands as it is (an encoding mistake
    // shows as an error, not as a silently slower path).
    if (connection.Broken() || connection.FailedSqlState() != kUniqueViolation) return copied;
    return InsertSkippingExisting(connection, records, deadline);
}

base::Result<void> PostgresDatabase::InsertSkippingExisting(PgConnection& connection,
                                                            std::span<const RequestRecord> records,
                                                            SteadyTime deadline) {
    const auto chunks = StatementChunks(records, options_.max_statement_bytes);
    const auto insert = [&](std::span<const RequestRecord> chunk) -> base::Result<void> {
        const auto parameters = BatchParameters(chunk);
        std::vector<const char*> pointers;
        pointers.reserve(parameters.size());
        for (const auto& parameter : parameters) pointers.push_back(parameter.c_str());
        const auto started = Clock::now();
        auto result = connection.Exec(kInsertBatchSql, pointers, deadline);
        Observe("insert_skipping_existing", started);
        if (!result) return tl::unexpected(result.error());
        return {};
    };
    if (chunks.size() == 1) return insert(records);  // one statement: atomic by itself
    if (auto begun = connection.Exec(kBeginSql, {}, deadline); !begun) {
        return tl::unexpected(begun.error());
    }
    for (const auto& chunk : chunks) {
        if (auto done = insert(chunk); !done) {
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
