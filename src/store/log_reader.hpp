// The read side of the prediction log, on top of the Database interface (so it works on both
// backends through RunTransaction, with unnamed parameterised statements only: safe behind
// pgbouncer in transaction mode): history of predictions with keyset paging, daily statistics,
// GDPR erasure of one employee, and the dry-run count of the retention job.
// Stateless free functions: thread-safe as the Database is. They block for a round trip or a
// few; callers on an event loop run them on a worker thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "store/database.hpp"

namespace attrition::store {

inline constexpr std::size_t kMaxHistoryLimit = 500;

// Open bounds stand in for absent time filters, so that each query is one fixed statement with
// plain text parameters (SqlSession has no NULL parameters).
inline constexpr std::string_view kEarliestTimestamp = "0001-01-01T00:00:00.000000Z";
inline constexpr std::string_view kLatestTimestamp = "9999-12-31T23:59:59.999999Z";

// A position in the history (newest first): the last row of a page. Encoded as an opaque
// base64url token for clients.
struct HistoryCursor {
    std::string created_at;  // ISO 8601 UTC with microseconds (FormatIso8601)
    std::string id;          // the predictions row id
};
std::string EncodeCursor(const HistoryCursor& cursor);
// kInvalidInput when the token is not one EncodeCursor produced.
base::Result<HistoryCursor> DecodeCursor(std::string_view token);

struct HistoryQuery {
    std::optional<std::string> employee_id;
    std::optional<std::string> risk_level;    // LOW, MEDIUM or HIGH
    std::optional<base::SystemTime> since;    // created_at >= since
    std::optional<base::SystemTime> until;    // created_at < until
    std::optional<HistoryCursor> after;       // rows strictly after this one (older)
    std::size_t limit = 100;                  // 1..kMaxHistoryLimit
    bool include_shadow = false;              // shadow scoring's rows too (left out by default)
    std::optional<std::string> x_request_id;  // the rows of the request the client knows by it
};

struct HistoryRow {
    std::string id;
    std::string request_id;
    std::string created_at;       // ISO 8601 UTC, microseconds
    std::string prediction_date;  // ISO 8601 UTC, microseconds
    std::optional<std::string> employee_id;
    double attrition_prob = 0;  // 0..1
    std::string risk_level;
    std::string model_version;
    std::string endpoint;
    bool shadow = false;
    std::optional<std::string> x_request_id;  // null for rows logged before it was kept
};

struct HistoryPage {
    std::vector<HistoryRow> rows;       // newest first (created_at DESC, id DESC)
    std::optional<HistoryCursor> next;  // set when more rows may follow
};

base::Result<HistoryPage> ReadHistory(Database& database, const HistoryQuery& query);

struct RiskCounts {
    std::uint64_t low = 0;
    std::uint64_t medium = 0;
    std::uint64_t high = 0;
    std::uint64_t Total() const { return low + medium + high; }
};

// One model version's share of a day or a window.
struct VersionStats {
    std::string model_version;
    RiskCounts counts;
    double mean_probability = 0;  // 0..1
};

struct DayStats {
    std::string date;  // YYYY-MM-DD (UTC)
    RiskCounts counts;
    double mean_probability = 0;         // 0..1
    std::vector<VersionStats> versions;  // by name; their counts add up to the day's
};

struct PredictionStats {
    std::string since;  // ISO 8601: the start of the window
    RiskCounts counts;
    double mean_probability = 0;         // 0 when there are no predictions
    std::vector<DayStats> days;          // ascending, only days with predictions
    std::vector<VersionStats> versions;  // by name; their counts add up to the window's
};

// Predictions created at or after `since` (answered ones: shadow rows are not counted).
base::Result<PredictionStats> ReadStats(Database& database, base::SystemTime since);

struct ErasureResult {
    std::uint64_t predictions_deleted = 0;  // every predictions row of the employee
    std::uint64_t requests_deleted = 0;     // api_requests rows removed whole
    std::uint64_t requests_redacted = 0;    // batch rows with the id taken out of employee_ids
    std::uint64_t outcomes_deleted = 0;     // every outcomes row of the employee
};

// Erases one employee's data in one transaction:
// - every predictions row with this employee_id;
// - every api_requests row whose stored payload is theirs: a single predict/explain request
//   (request_data.employee_id, or a predictions row of theirs under a non-batch request), a
//   rejected batch whose stored body lists them in employees[], and a batch whose
//   employee_ids holds only them;
// - a batch that scored other employees too keeps its row: the id is removed from
//   request_data.employee_ids (employee_count stays: it is the number scored, not personal
//   data) and only their predictions rows go;
// - every outcomes row with this employee_id.
base::Result<ErasureResult> EraseEmployee(Database& database, std::string_view employee_id);

struct RetentionCount {
    std::uint64_t requests = 0;
    std::uint64_t predictions = 0;
};

// What DeleteOlderThan(database, cutoff, ...) would delete now (the cleanup's --dry-run).
base::Result<RetentionCount> CountOlderThan(Database& database, base::SystemTime cutoff);

}  // namespace attrition::store
