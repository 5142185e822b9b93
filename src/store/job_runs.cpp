#include "store/job_runs.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <vector>

namespace attrition::store {
namespace {

// The claim: a new row wins; an existing one only when unfinished and stale (taken over).
constexpr std::string_view kPgClaimSql =
    "INSERT INTO job_runs (job, slot, claimed_by, claimed_at) "
    "VALUES ($1::text, $2::timestamptz, $3::text, $4::timestamptz) "
    "ON CONFLICT (job, slot) DO UPDATE SET claimed_by = excluded.claimed_by, "
    "claimed_at = excluded.claimed_at "
    "WHERE job_runs.finished_at IS NULL AND job_runs.claimed_at < $5::timestamptz RETURNING 1";
constexpr std::string_view kSqliteClaimSql =
    "INSERT INTO job_runs (job, slot, claimed_by, claimed_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (job, slot) DO UPDATE SET claimed_by = excluded.claimed_by, "
    "claimed_at = excluded.claimed_at "
    "WHERE job_runs.finished_at IS NULL AND job_runs.claimed_at < ?5 RETURNING 1";

constexpr std::string_view kPgFinishSql =
    "UPDATE job_runs SET finished_at = $4::timestamptz, succeeded = $5::boolean, "
    "result = $6::text WHERE job = $1::text AND slot = $2::timestamptz AND claimed_by = $3::text";
constexpr std::string_view kSqliteFinishSql =
    "UPDATE job_runs SET finished_at = ?4, succeeded = ?5, result = ?6 "
    "WHERE job = ?1 AND slot = ?2 AND claimed_by = ?3";

// Newest finished run first, then the newest successful one (its result).
constexpr std::string_view kPgLatestSql =
    "(SELECT 'run', to_char(slot AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "CASE WHEN succeeded THEN '1' ELSE '0' END, '' FROM job_runs "
    "WHERE job = $1::text AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1) "
    "UNION ALL "
    "(SELECT 'success', to_char(slot AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '1', "
    "coalesce(result, '') FROM job_runs WHERE job = $1::text AND succeeded "
    "ORDER BY finished_at DESC LIMIT 1)";
constexpr std::string_view kSqliteLatestSql =
    "SELECT * FROM (SELECT 'run', slot, finished_at, CAST(succeeded AS TEXT), '' FROM job_runs "
    "WHERE job = ?1 AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1) "
    "UNION ALL "
    "SELECT * FROM (SELECT 'success', slot, finished_at, '1', coalesce(result, '') FROM job_runs "
    "WHERE job = ?1 AND succeeded = 1 ORDER BY finished_at DESC LIMIT 1)";

constexpr std::string_view kPgFinishedSql =
    "SELECT 1 FROM job_runs WHERE job = $1::text AND slot = $2::timestamptz "
    "AND finished_at IS NOT NULL";
constexpr std::string_view kSqliteFinishedSql =
    "SELECT 1 FROM job_runs WHERE job = ?1 AND slot = ?2 AND finished_at IS NOT NULL";

bool IsSqlite(const Database& database) { return database.Kind() == Backend::kSqlite; }

// One statement in its own transaction; SQLite takes the write lock up front for a write.
base::Result<std::vector<Row>> RunOne(Database& database,
                                      bool write,
                                      std::string_view sql,
                                      const std::vector<std::string>& params) {
    return QueryInTransaction(
        database, write && IsSqlite(database) ? MigrationLock::kExclusive : MigrationLock::kNone,
        sql, params);
}

base::Result<base::SystemTime> TimeOf(const std::optional<std::string>& text) {
    const auto time = text ? base::ParseIso8601(*text) : std::nullopt;
    if (!time) return base::Fail(base::ErrorCode::kInternal, "job_runs holds an unreadable time");
    return *time;
}

}  // namespace

std::string ProcessOwner() {
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
    return fmt::format("{}:{}", host.data(), getpid());
}

base::Result<bool> ClaimJobRun(Database& database,
                               const JobClaim& claim,
                               base::SystemTime now,
                               base::SystemTime stale_before) {
    auto rows = RunOne(database, true, IsSqlite(database) ? kSqliteClaimSql : kPgClaimSql,
                       {claim.job, base::FormatIso8601(claim.slot), claim.owner,
                        base::FormatIso8601(now), base::FormatIso8601(stale_before)});
    if (!rows) return tl::unexpected(rows.error());
    return !rows->empty();
}

base::Result<void> FinishJobRun(Database& database,
                                const JobClaim& claim,
                                base::SystemTime now,
                                bool succeeded,
                                std::string_view result) {
    const bool sqlite = IsSqlite(database);
    auto rows = RunOne(
        database, true, sqlite ? kSqliteFinishSql : kPgFinishSql,
        {claim.job, base::FormatIso8601(claim.slot), claim.owner, base::FormatIso8601(now),
         sqlite ? (succeeded ? "1" : "0") : (succeeded ? "true" : "false"), std::string(result)});
    if (!rows) return tl::unexpected(rows.error());
    return {};
}

base::Result<JobHistory> LatestJobRuns(Database& database, std::string_view job) {
    auto rows = RunOne(database, false, IsSqlite(database) ? kSqliteLatestSql : kPgLatestSql,
                       {std::string(job)});
    if (!rows) return tl::unexpected(rows.error());
    JobHistory history;
    for (auto& row : *rows) {
        if (row.size() != 5) return base::Fail(base::ErrorCode::kInternal, "job_runs: bad row");
        auto slot = TimeOf(row[1]);
        if (!slot) return tl::unexpected(slot.error());
        auto finished = TimeOf(row[2]);
        if (!finished) return tl::unexpected(finished.error());
        FinishedJobRun run{*slot, *finished, row[3] == std::optional<std::string>("1"),
                           row[4].value_or("")};
        (row[0] == std::optional<std::string>("run") ? history.last_run : history.last_success) =
            std::move(run);
    }
    return history;
}

base::Result<bool> JobRunFinished(Database& database, std::string_view job, base::SystemTime slot) {
    auto rows = RunOne(database, false, IsSqlite(database) ? kSqliteFinishedSql : kPgFinishedSql,
                       {std::string(job), base::FormatIso8601(slot)});
    if (!rows) return tl::unexpected(rows.error());
    return !rows->empty();
}

}  // namespace attrition::store
