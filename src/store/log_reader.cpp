#include "store/log_reader.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <nlohmann/json.hpp>

namespace attrition::store {
namespace {

using base::ErrorCode;
using base::Fail;

constexpr std::string_view kLastId = "ffffffff-ffff-ffff-ffff-ffffffffffff";

// PostgreSQL: casts on every parameter (the same $n in two contexts would otherwise get two
// deduced types), timestamps printed as FormatIso8601 does.
// {x_request_id}: nothing, or the filter on $9 (a plain condition, so that its index serves it).
constexpr std::string_view kPgHistorySql =
    "SELECT p.id::text, p.request_id::text, "
    "to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "to_char(p.prediction_date AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "p.employee_id, p.attrition_prob, p.risk_level, p.model_version, r.endpoint, "
    "p.shadow::int, r.x_request_id "
    "FROM predictions p JOIN api_requests r ON r.id = p.request_id "
    "WHERE ($1::text = '' OR p.employee_id = $1::text) {x_request_id}"
    "AND ($8::text = '1' OR NOT p.shadow) "
    "AND ($2::text = '' OR p.risk_level = $2::text) "
    "AND p.created_at >= $3::timestamptz AND p.created_at < $4::timestamptz "
    "AND (p.created_at, p.id) < ($5::timestamptz, $6::uuid) "
    "ORDER BY p.created_at DESC, p.id DESC LIMIT $7::int";
// SQLite: timestamps are ISO-8601 text with microseconds, which compares in time order.
constexpr std::string_view kSqliteHistorySql =
    "SELECT p.id, p.request_id, p.created_at, p.prediction_date, p.employee_id, "
    "p.attrition_prob, p.risk_level, p.model_version, r.endpoint, p.shadow, r.x_request_id "
    "FROM predictions p JOIN api_requests r ON r.id = p.request_id "
    "WHERE (?1 = '' OR p.employee_id = ?1) AND (?2 = '' OR p.risk_level = ?2) {x_request_id}"
    "AND (?8 = '1' OR NOT p.shadow) "
    "AND p.created_at >= ?3 AND p.created_at < ?4 "
    "AND (p.created_at, p.id) < (?5, ?6) "
    "ORDER BY p.created_at DESC, p.id DESC LIMIT CAST(?7 AS INTEGER)";

constexpr std::string_view kPgStatsSql =
    "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), risk_level, count(*), "
    "sum(attrition_prob), model_version FROM predictions WHERE created_at >= $1::timestamptz "
    "AND NOT shadow GROUP BY 1, 2, 5 ORDER BY 1, 2, 5";
constexpr std::string_view kSqliteStatsSql =
    "SELECT substr(created_at, 1, 10), risk_level, count(*), sum(attrition_prob), model_version "
    "FROM predictions WHERE created_at >= ?1 AND NOT shadow GROUP BY 1, 2, 5 ORDER BY 1, 2, 5";

// The api_requests rows that may hold the employee's data (locked until the erasure commits).
// Full scans of api_requests: erasure is rare, and no index covers the JSON payload.
constexpr std::string_view kPgErasureCandidatesSql =
    "SELECT r.id::text, r.request_data::text FROM api_requests r "
    "WHERE r.request_data->>'employee_id' = $1::text "
    "OR r.request_data->'employee_ids' ? $1::text "
    "OR r.request_data->'employees' @> "
    "jsonb_build_array(jsonb_build_object('employee_id', $1::text)) "
    "OR r.id IN (SELECT request_id FROM predictions WHERE employee_id = $1::text) "
    "FOR UPDATE";
constexpr std::string_view kSqliteErasureCandidatesSql =
    "SELECT r.id, r.request_data FROM api_requests r "
    "WHERE json_extract(r.request_data, '$.employee_id') = ?1 "
    "OR EXISTS (SELECT 1 FROM json_each(r.request_data, '$.employee_ids') WHERE value = ?1) "
    "OR EXISTS (SELECT 1 FROM json_each(r.request_data, '$.employees') e WHERE "
    "CASE WHEN e.type = 'object' THEN json_extract(e.value, '$.employee_id') END = ?1) "
    "OR r.id IN (SELECT request_id FROM predictions WHERE employee_id = ?1) "
    // A rejected body stored whole before it was kept as a marked prefix may name the employee
    // in a duplicate key that json_extract (first key) does not read: every key counts.
    "OR (r.http_status >= 400 AND json_valid(r.request_data) AND EXISTS (SELECT 1 FROM "
    "json_tree(r.request_data) t WHERE t.key = 'employee_id' AND t.value = ?1))";
constexpr std::string_view kPgDeleteRequestPredictionsSql =
    "DELETE FROM predictions WHERE request_id = $1::uuid RETURNING id";
constexpr std::string_view kSqliteDeleteRequestPredictionsSql =
    "DELETE FROM predictions WHERE request_id = ?1 RETURNING id";
constexpr std::string_view kPgDeleteRequestSql = "DELETE FROM api_requests WHERE id = $1::uuid";
constexpr std::string_view kSqliteDeleteRequestSql = "DELETE FROM api_requests WHERE id = ?1";
constexpr std::string_view kPgRedactRequestSql =
    "UPDATE api_requests SET request_data = $2::jsonb WHERE id = $1::uuid";
constexpr std::string_view kSqliteRedactRequestSql =
    "UPDATE api_requests SET request_data = ?2 WHERE id = ?1";
constexpr std::string_view kPgDeleteEmployeePredictionsSql =
    "DELETE FROM predictions WHERE employee_id = $1::text RETURNING id";
constexpr std::string_view kSqliteDeleteEmployeePredictionsSql =
    "DELETE FROM predictions WHERE employee_id = ?1 RETURNING id";

constexpr std::string_view kPgDeleteEmployeeOutcomesSql =
    "DELETE FROM outcomes WHERE employee_id = $1::text RETURNING 1";
constexpr std::string_view kSqliteDeleteEmployeeOutcomesSql =
    "DELETE FROM outcomes WHERE employee_id = ?1 RETURNING 1";

constexpr std::string_view kPgCountOlderSql =
    "SELECT (SELECT count(*) FROM api_requests WHERE created_at < $1::timestamptz), "
    "(SELECT count(*) FROM predictions WHERE request_id IN "
    "(SELECT id FROM api_requests WHERE created_at < $1::timestamptz))";
constexpr std::string_view kSqliteCountOlderSql =
    "SELECT (SELECT count(*) FROM api_requests WHERE created_at < ?1), "
    "(SELECT count(*) FROM predictions WHERE request_id IN "
    "(SELECT id FROM api_requests WHERE created_at < ?1))";

std::string_view Pick(const Database& database, std::string_view pg, std::string_view sqlite) {
    return database.Kind() == Backend::kPostgres ? pg : sqlite;
}

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view bytes) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : bytes) {
        buffer = (buffer << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kBase64Url[(buffer >> bits) & 0x3F];
        }
    }
    if (bits > 0) out += kBase64Url[(buffer << (6 - bits)) & 0x3F];
    return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const auto index = kBase64Url.find(c);
        if (index == std::string_view::npos) return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(index);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

// "2026-11-27T09:23:32.123456Z": what FormatIso8601 writes and the queries compare against.
bool IsIsoMicros(std::string_view text) {
    constexpr std::string_view kPattern = "9999-99-99T99:99:99.999999Z";
    if (text.size() != kPattern.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool ok =
            kPattern[i] == '9' ? (text[i] >= '0' && text[i] <= '9') : text[i] == kPattern[i];
        if (!ok) return false;
    }
    return true;
}

bool IsUuidText(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const char c = text[i];
        const bool ok = dash ? c == '-' : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        if (!ok) return false;
    }
    return true;
}

std::uint64_t ToCount(const std::optional<std::string>& text) {
    return text ? std::stoull(*text) : 0;
}

double ToDouble(const std::optional<std::string>& text) { return text ? std::stod(*text) : 0.0; }

void AddToCounts(RiskCounts& counts, std::string_view risk, std::uint64_t n) {
    if (risk == "LOW") counts.low += n;
    if (risk == "MEDIUM") counts.medium += n;
    if (risk == "HIGH") counts.high += n;
}

base::Error ShapeError(std::string_view what) {
    return base::Error::Make(ErrorCode::kInternal, fmt::format("unexpected {} result", what));
}

// What to do with one api_requests row that may hold the employee's data.
enum class RowFate { kDelete, kRedact, kKeep };

RowFate Decide(std::string_view request_data,
               std::string_view employee_id,
               std::string* redacted_json) {
    auto json = nlohmann::json::parse(request_data, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return RowFate::kDelete;
    // A rejected body's prefix may hold anyone's data: the whole row goes.
    if (json.contains("rejected")) return RowFate::kDelete;
    const auto ids = json.find("employee_ids");
    if (ids == json.end() || !ids->is_array()) return RowFate::kDelete;  // single or rejected
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& id : *ids) {
        if (!(id.is_string() && id.get<std::string>() == employee_id)) kept.push_back(id);
    }
    if (kept.empty()) return RowFate::kDelete;
    if (kept.size() == ids->size()) return RowFate::kKeep;
    *ids = std::move(kept);
    *redacted_json = json.dump();
    return RowFate::kRedact;
}

// Deletes or redacts, as Decide says, each api_requests row that may hold the employee's data.
base::Result<void> EraseEmployeeRequests(Database& database,
                                         SqlSession& session,
                                         const std::string& id,
                                         ErasureResult* result) {
    auto candidates =
        session.Query(Pick(database, kPgErasureCandidatesSql, kSqliteErasureCandidatesSql), {id});
    if (!candidates) return tl::unexpected(candidates.error());
    for (const auto& row : *candidates) {
        if (row.size() != 2 || !row[0] || !row[1]) {
            return tl::unexpected(ShapeError("erasure"));
        }
        std::string redacted;
        switch (Decide(*row[1], id, &redacted)) {
            case RowFate::kDelete: {
                auto gone = session.Query(Pick(database, kPgDeleteRequestPredictionsSql,
                                               kSqliteDeleteRequestPredictionsSql),
                                          {*row[0]});
                if (!gone) return tl::unexpected(gone.error());
                result->predictions_deleted += gone->size();
                auto deleted = session.Query(
                    Pick(database, kPgDeleteRequestSql, kSqliteDeleteRequestSql), {*row[0]});
                if (!deleted) return tl::unexpected(deleted.error());
                ++result->requests_deleted;
                break;
            }
            case RowFate::kRedact: {
                auto updated =
                    session.Query(Pick(database, kPgRedactRequestSql, kSqliteRedactRequestSql),
                                  {*row[0], redacted});
                if (!updated) return tl::unexpected(updated.error());
                ++result->requests_redacted;
                break;
            }
            case RowFate::kKeep:
                break;
        }
    }
    return {};
}

// Deletes the predictions and outcomes filed under the employee's id.
base::Result<void> DeleteEmployeeRows(Database& database,
                                      SqlSession& session,
                                      const std::string& id,
                                      ErasureResult* result) {
    auto gone = session.Query(
        Pick(database, kPgDeleteEmployeePredictionsSql, kSqliteDeleteEmployeePredictionsSql), {id});
    if (!gone) return tl::unexpected(gone.error());
    result->predictions_deleted += gone->size();
    auto outcomes = session.Query(
        Pick(database, kPgDeleteEmployeeOutcomesSql, kSqliteDeleteEmployeeOutcomesSql), {id});
    if (!outcomes) return tl::unexpected(outcomes.error());
    result->outcomes_deleted = outcomes->size();
    return {};
}

}  // namespace

std::string EncodeCursor(const HistoryCursor& cursor) {
    return Base64UrlEncode(cursor.created_at + "|" + cursor.id);
}

base::Result<HistoryCursor> DecodeCursor(std::string_view token) {
    const auto invalid = [] {
        return Fail(ErrorCode::kInvalidInput, "cursor is not one this service returned");
    };
    const auto text = Base64UrlDecode(token);
    if (!text) return invalid();
    const auto bar = text->find('|');
    if (bar == std::string::npos) return invalid();
    HistoryCursor cursor{text->substr(0, bar), text->substr(bar + 1)};
    if (!IsIsoMicros(cursor.created_at) || !IsUuidText(cursor.id)) return invalid();
    return cursor;
}

base::Result<HistoryPage> ReadHistory(Database& database, const HistoryQuery& query) {
    if (query.limit == 0 || query.limit > kMaxHistoryLimit) {
        return Fail(ErrorCode::kInvalidInput,
                    fmt::format("limit must be between 1 and {}", kMaxHistoryLimit));
    }
    std::vector<std::string> params{
        query.employee_id.value_or(""),
        query.risk_level.value_or(""),
        query.since ? base::FormatIso8601(*query.since) : std::string(kEarliestTimestamp),
        query.until ? base::FormatIso8601(*query.until) : std::string(kLatestTimestamp),
        query.after ? query.after->created_at : std::string(kLatestTimestamp),
        query.after ? query.after->id : std::string(kLastId),
        std::to_string(query.limit + 1),  // one more tells whether a next page exists
        query.include_shadow ? "1" : "0",
    };
    std::string filter;
    if (query.x_request_id) {
        params.push_back(*query.x_request_id);
        filter = Pick(database, "AND r.x_request_id = $9::text ", "AND r.x_request_id = ?9 ");
    }
    const auto sql = fmt::format(fmt::runtime(Pick(database, kPgHistorySql, kSqliteHistorySql)),
                                 fmt::arg("x_request_id", filter));
    auto rows = QueryInTransaction(database, MigrationLock::kNone, sql, params);
    if (!rows) return tl::unexpected(rows.error());

    HistoryPage page;
    for (const auto& row : *rows) {
        if (page.rows.size() == query.limit) {
            const auto& last = page.rows.back();
            page.next = HistoryCursor{last.created_at, last.id};
            break;
        }
        if (row.size() != 11 || !row[0] || !row[1] || !row[2] || !row[3] || !row[6] || !row[7] ||
            !row[8] || !row[9]) {
            return tl::unexpected(ShapeError("history"));
        }
        page.rows.push_back(HistoryRow{*row[0], *row[1], *row[2], *row[3], row[4], ToDouble(row[5]),
                                       *row[6], *row[7], *row[8], *row[9] == "1", row[10]});
    }
    return page;
}

base::Result<PredictionStats> ReadStats(Database& database, base::SystemTime since) {
    const auto since_text = base::FormatIso8601(since);
    auto rows = QueryInTransaction(database, MigrationLock::kNone,
                                   Pick(database, kPgStatsSql, kSqliteStatsSql), {since_text});
    if (!rows) return tl::unexpected(rows.error());

    // Counts and sums of probabilities of the window, by day, and by version within each.
    struct Sums {
        RiskCounts counts;
        double sum = 0;
        void Add(std::string_view risk, std::uint64_t count, double probabilities) {
            AddToCounts(counts, risk, count);
            sum += probabilities;
        }
        double Mean() const {
            const auto n = counts.Total();
            return n > 0 ? sum / static_cast<double>(n) : 0;
        }
    };
    struct Day {
        Sums all;
        std::map<std::string, Sums> versions;
    };
    Day window;
    std::map<std::string, Day> days;
    for (const auto& row : *rows) {
        if (row.size() != 5 || !row[0] || !row[1] || !row[4]) {
            return tl::unexpected(ShapeError("stats"));
        }
        const auto count = ToCount(row[2]);
        const auto sum = ToDouble(row[3]);
        for (Day* day : {&days[*row[0]], &window}) {
            day->all.Add(*row[1], count, sum);
            day->versions[*row[4]].Add(*row[1], count, sum);
        }
    }
    const auto versions = [](const Day& day) {
        std::vector<VersionStats> out;
        for (const auto& [name, sums] : day.versions) {
            out.push_back({name, sums.counts, sums.Mean()});
        }
        return out;
    };
    PredictionStats stats{since_text, window.all.counts, window.all.Mean(), {}, versions(window)};
    for (const auto& [date, day] : days) {
        stats.days.push_back({date, day.all.counts, day.all.Mean(), versions(day)});
    }
    return stats;
}

base::Result<ErasureResult> EraseEmployee(Database& database, std::string_view employee_id) {
    if (employee_id.empty()) return Fail(ErrorCode::kInvalidInput, "employee_id is empty");
    const std::string id(employee_id);
    ErasureResult result;
    // SQLite takes the write lock up front (BEGIN IMMEDIATE): a deferred transaction that reads
    // and then writes could fail to upgrade while the log writer commits. PostgreSQL locks the
    // candidate rows with FOR UPDATE instead.
    const auto lock =
        database.Kind() == Backend::kSqlite ? MigrationLock::kExclusive : MigrationLock::kNone;
    auto done = database.RunTransaction(lock, [&](SqlSession& session) -> base::Result<void> {
        result = ErasureResult{};
        if (auto erased = EraseEmployeeRequests(database, session, id, &result); !erased) {
            return erased;
        }
        return DeleteEmployeeRows(database, session, id, &result);
    });
    if (!done) return tl::unexpected(done.error());
    // The id is personal data: the log line carries only the counts.
    spdlog::info(
        "msg=\"employee data erased\" predictions_deleted={} requests_deleted={} "
        "requests_redacted={} outcomes_deleted={}",
        result.predictions_deleted, result.requests_deleted, result.requests_redacted,
        result.outcomes_deleted);
    return result;
}

base::Result<RetentionCount> CountOlderThan(Database& database, base::SystemTime cutoff) {
    const auto cutoff_text = base::FormatIso8601(cutoff);
    RetentionCount count;
    auto done = database.RunTransaction(
        MigrationLock::kNone, [&](SqlSession& session) -> base::Result<void> {
            auto rows = session.Query(Pick(database, kPgCountOlderSql, kSqliteCountOlderSql),
                                      {cutoff_text});
            if (!rows) return tl::unexpected(rows.error());
            if (rows->size() != 1 || rows->front().size() != 2) {
                return tl::unexpected(ShapeError("retention count"));
            }
            count.requests = ToCount(rows->front()[0]);
            count.predictions = ToCount(rows->front()[1]);
            return {};
        });
    if (!done) return tl::unexpected(done.error());
    return count;
}

}  // namespace attrition::store
