#include "store/monitoring.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string_view>

#include "store/log_reader.hpp"

namespace attrition::store {
namespace {

using base::ErrorCode;

// The predictions of the window with their UTC day d and d + horizon (e), per dialect;
// {inputs}: snapshot inputs the query needs too.
constexpr std::string_view kPgWindow =
    "SELECT attrition_prob AS s, employee_id, (created_at AT TIME ZONE 'UTC')::date AS d, "
    "(created_at AT TIME ZONE 'UTC')::date + $4::int AS e{inputs} FROM predictions "
    "WHERE model_version = $1::text AND created_at >= $2::timestamptz "
    "AND created_at < $3::timestamptz";
constexpr std::string_view kSqliteWindow =
    "SELECT attrition_prob AS s, employee_id, substr(created_at, 1, 10) AS d, "
    "date(substr(created_at, 1, 10), '+' || CAST(?4 AS INTEGER) || ' days') AS e{inputs} "
    "FROM predictions WHERE model_version = ?1 AND created_at >= ?2 AND created_at < ?3";
// The training rows' window: every answered prediction of an employee with its features
// snapshot (of one version when $1 is not empty), and its times and id.
constexpr std::string_view kPgTrainingWindow =
    "SELECT attrition_prob AS s, employee_id, (created_at AT TIME ZONE 'UTC')::date AS d, "
    "(created_at AT TIME ZONE 'UTC')::date + $4::int AS e, features_snapshot::text AS snap, "
    "created_at AS c, prediction_date AS pd, id::text AS pid FROM predictions "
    "WHERE NOT shadow AND employee_id IS NOT NULL AND features_snapshot IS NOT NULL "
    "AND ($1::text = '' OR model_version = $1::text) AND created_at >= $2::timestamptz "
    "AND created_at < $3::timestamptz";
constexpr std::string_view kSqliteTrainingWindow =
    "SELECT attrition_prob AS s, employee_id, substr(created_at, 1, 10) AS d, "
    "date(substr(created_at, 1, 10), '+' || CAST(?4 AS INTEGER) || ' days') AS e, "
    "features_snapshot AS snap, created_at AS c, prediction_date AS pd, id AS pid "
    "FROM predictions WHERE NOT shadow AND employee_id IS NOT NULL "
    "AND features_snapshot IS NOT NULL AND (?1 = '' OR model_version = ?1) "
    "AND created_at >= ?2 AND created_at < ?3";
struct WindowSql {
    std::string_view pg, sqlite;
};
constexpr WindowSql kVersionWindow{kPgWindow, kSqliteWindow};
constexpr WindowSql kTrainingWindow{kPgTrainingWindow, kSqliteTrainingWindow};
// An input of the feature snapshot, per dialect.
constexpr std::string_view kPgSnapshotInput = "features_snapshot->>'{}'";
constexpr std::string_view kSqliteSnapshotInput = "json_extract(features_snapshot, '$.{}')";

// The rest is the same SQL on both: {window} above, {threshold} the parameter. Outcome dates
// are `date` (PostgreSQL) or YYYY-MM-DD text (SQLite), which compare in time order either way.
// {labels} is each prediction with its label y (1, 0 or NULL: not judged), whether it is young
// (its horizon ends after {today}) and whether it is an early departure (young, and the
// employee left within its horizon already), and {columns}. Each employee's outcomes are
// summed up once and joined to their predictions (a hash join on PostgreSQL): a mature
// prediction (e <= today) is positive when a departure falls in [d, e], negative when a stay
// is dated e or later or a departure after e; a young one is never judged, so that early
// leavers are not counted before the stayers can be. With at most one departure the summary
// decides; only an employee who left several times (rehired) is probed row by row. (Two
// index probes per prediction cost 3x the time at 1,000,000 rows: docs/performance.md.)
constexpr std::string_view kLabelledSql = R"sql(
WITH outcome_summary AS (
  SELECT employee_id, sum(CASE WHEN event = 'left' THEN 1 ELSE 0 END) AS departures,
         min(CASE WHEN event = 'left' THEN event_date END) AS first_left,
         max(CASE WHEN event = 'left' THEN event_date END) AS last_left,
         max(CASE WHEN event = 'stayed' THEN event_date END) AS last_stayed
  FROM outcomes GROUP BY employee_id),
departed AS (
  SELECT w.s, w.e{columns}, o.employee_id AS reported, o.last_stayed, o.last_left,
         o.first_left, CASE
    WHEN o.employee_id IS NULL THEN 0
    WHEN o.departures <= 1 THEN CASE
      WHEN o.first_left >= w.d AND o.first_left <= w.e THEN 1 ELSE 0 END
    WHEN EXISTS (SELECT 1 FROM outcomes x WHERE x.employee_id = w.employee_id
                 AND x.event = 'left' AND x.event_date >= w.d AND x.event_date <= w.e) THEN 1
    ELSE 0
  END AS left_in
  FROM ({window}) w LEFT JOIN outcome_summary o ON o.employee_id = w.employee_id),
labelled AS MATERIALIZED (
  SELECT s{plain_columns}, CASE
    WHEN reported IS NULL OR e > {today} THEN NULL
    WHEN left_in = 1 THEN 1
    WHEN last_stayed >= e OR last_left > e THEN 0
  END AS y,
  CASE WHEN e > {today} THEN 1 ELSE 0 END AS young,
  CASE WHEN e > {today} AND left_in = 1 THEN 1 ELSE 0 END AS early
  FROM departed))sql";

// After the labels, every figure from one sort of the resolved rows by score: per row the
// rows and positives scored at most as high (RANGE: ties included), its rank, and the rows
// and positives tied with it. A positive's Mann-Whitney count is the negatives below it plus
// half the tied ones; its precision is that of the threshold at its score (scikit-learn's
// average precision sums them). The service receives at most ten rows.
constexpr std::string_view kPerformanceSql = R"sql(,
ranked AS MATERIALIZED (
  SELECT s, y, count(*) OVER upto AS n_le, sum(y) OVER upto AS pos_le,
         row_number() OVER upto AS i, count(*) OVER tied AS n_eq, sum(y) OVER tied AS pos_eq
  FROM labelled WHERE y IS NOT NULL
  WINDOW upto AS (ORDER BY s RANGE UNBOUNDED PRECEDING), tied AS (PARTITION BY s)),
totals AS (SELECT count(*) AS n, coalesce(sum(y), 0) AS p FROM labelled WHERE y IS NOT NULL),
summary AS (
  SELECT (SELECT count(*) FROM labelled) AS total, count(*) AS resolved,
         (SELECT coalesce(sum(young), 0) FROM labelled) AS young,
         (SELECT coalesce(sum(early), 0) FROM labelled) AS early,
         coalesce(sum(y), 0) AS positives,
         coalesce(sum(CASE WHEN y = 1 AND s >= {threshold} THEN 1 ELSE 0 END), 0) AS tp,
         coalesce(sum(CASE WHEN y = 0 AND s >= {threshold} THEN 1 ELSE 0 END), 0) AS fp,
         coalesce(sum(CASE WHEN y = 1 AND s < {threshold} THEN 1 ELSE 0 END), 0) AS fn,
         coalesce(sum((s - y) * (s - y)), 0) AS sq,
         coalesce(sum((s - y) * (s - y) * (s - y) * (s - y)), 0) AS sq2,
         sum(CASE WHEN y = 1 THEN CAST(n_le - pos_le AS double precision)
                                  - 0.5 * CAST(n_eq - pos_eq AS double precision) END) AS auc_num,
         sum(CASE WHEN y = 1 THEN CAST(t.p - pos_le + pos_eq AS double precision)
                                  / CAST(t.n - n_le + n_eq AS double precision) END) AS ap_num
  FROM ranked CROSS JOIN totals t),
deciles AS (
  SELECT (i * 10 - 1) / t.n AS k, count(*) AS n, sum(s) AS sum_s, sum(y) AS pos
  FROM ranked CROSS JOIN totals t GROUP BY (i * 10 - 1) / t.n)
SELECT m.total, m.resolved, m.positives, m.tp, m.fp, m.fn, m.sq, m.auc_num, m.ap_num,
       m.young, m.early, d.k, d.n, d.sum_s, d.pos, m.sq2
FROM summary m LEFT JOIN deciles d ON 1 = 1 ORDER BY d.k)sql";

// After the labels, each employee's latest resolved prediction (the rows of one record share
// created_at: prediction_date, then the id, break the tie): its snapshot, label and whether the
// version that made it flagged it.
constexpr std::string_view kTrainingSql = R"sql(,
latest AS (
  SELECT emp, snap, y, CASE WHEN s >= {threshold} THEN 1 ELSE 0 END AS f,
         row_number() OVER (PARTITION BY emp ORDER BY c DESC, pd DESC, pid DESC) AS k
  FROM labelled WHERE y IS NOT NULL)
SELECT emp, snap, y, f FROM latest WHERE k = 1)sql";

// Per attribute and group: rows, flagged, sum of probabilities, resolved, positives, true and
// false positives (sum() leaves unresolved rows' NULL products out). {groups}: the grouped
// inputs g0, g1, ... and the band; {selects}: one SELECT per attribute, joined by UNION ALL.
constexpr std::string_view kFairnessSql = R"sql(,
marked AS (
  SELECT CASE WHEN s >= {threshold} THEN 1 ELSE 0 END AS f, s, y{groups}
  FROM labelled)
{selects})sql";
constexpr std::string_view kFairnessSelect =
    "SELECT '{attribute}', {column}, count(*), sum(f), sum(s), count(y), coalesce(sum(y), 0), "
    "coalesce(sum(f * y), 0), coalesce(sum(f * (1 - y)), 0) FROM marked "
    "WHERE {column} IS NOT NULL GROUP BY {column}";

bool PlainName(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(),
                                        [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

// "WHEN banded < 30 THEN '18-29' … ELSE '50+'" from the query's bands (names checked: they are
// written into the statement).
base::Result<std::string> BandCases(const std::vector<std::pair<double, std::string>>& bands) {
    if (bands.empty()) return base::Fail(ErrorCode::kInvalidInput, "no band");
    std::string cases;
    for (std::size_t i = 0; i < bands.size(); ++i) {
        const auto& [below, name] = bands[i];
        const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' ||
                   c == ' ';
        });
        if (!plain || !std::isfinite(below)) {
            return base::Fail(ErrorCode::kInvalidInput, "band: a name or bound not allowed");
        }
        if (i + 1 < bands.size()) {
            cases += fmt::format("WHEN banded < {} THEN '{}' ", below, name);
        } else {
            cases += fmt::format("ELSE '{}'", name);
        }
    }
    return cases;
}

// What the labelled query adds for the fairness attributes: the snapshot inputs of the window
// ({inputs}), carried through ({columns}, {plain_columns}), then grouped ({tail}).
struct FairnessParts {
    std::string inputs, columns, plain_columns, tail;
};

base::Result<FairnessParts> FairnessSql(Backend backend, const FairnessGrouping& grouping) {
    const bool pg = backend == Backend::kPostgres;
    if (!PlainName(grouping.banded) || !PlainName(grouping.banded_as) ||
        !std::all_of(grouping.by_value.begin(), grouping.by_value.end(), PlainName)) {
        return base::Fail(ErrorCode::kInvalidInput, "fairness: an input name not allowed");
    }
    auto cases = BandCases(grouping.bands);
    if (!cases) return tl::unexpected(cases.error());
    const auto input = fmt::runtime(pg ? kPgSnapshotInput : kSqliteSnapshotInput);
    FairnessParts parts;
    std::string groups, selects;
    for (std::size_t i = 0; i < grouping.by_value.size(); ++i) {
        const auto column = fmt::format("g{}", i);
        parts.inputs += fmt::format(", {} AS {}", fmt::format(input, grouping.by_value[i]), column);
        parts.columns += ", w." + column;
        parts.plain_columns += ", " + column;
        groups += ", " + column;
        selects +=
            fmt::format(fmt::runtime(kFairnessSelect), fmt::arg("attribute", grouping.by_value[i]),
                        fmt::arg("column", column)) +
            "\nUNION ALL\n";
    }
    const auto banded = fmt::format(input, grouping.banded);
    parts.inputs += pg ? fmt::format(", ({})::float8 AS banded", banded)
                       : fmt::format(", {} AS banded", banded);
    parts.columns += ", w.banded";
    parts.plain_columns += ", banded";
    groups += fmt::format(", CASE WHEN banded IS NULL THEN NULL {} END AS band", *cases);
    selects += fmt::format(fmt::runtime(kFairnessSelect), fmt::arg("attribute", grouping.banded_as),
                           fmt::arg("column", "band"));
    parts.tail = fmt::format(fmt::runtime(kFairnessSql), fmt::arg("groups", groups),
                             fmt::arg("selects", selects),
                             fmt::arg("threshold", "{threshold}"));  // LabelledSql's
    return parts;
}

// The labels over the window with `fairness`'s inputs, then `tail`.
std::string LabelledSql(Backend backend,
                        const WindowSql& window_sql,
                        std::string_view tail,
                        const FairnessParts& fairness) {
    const bool pg = backend == Backend::kPostgres;
    const auto window = fmt::format(fmt::runtime(pg ? window_sql.pg : window_sql.sqlite),
                                    fmt::arg("inputs", fairness.inputs));
    const auto labelled = fmt::format(fmt::runtime(kLabelledSql), fmt::arg("window", window),
                                      fmt::arg("columns", fairness.columns),
                                      fmt::arg("plain_columns", fairness.plain_columns),
                                      fmt::arg("today", pg ? "$6::date" : "?6"));
    return labelled + fmt::format(fmt::runtime(tail),
                                  fmt::arg("threshold", pg ? "$5::float8" : "CAST(?5 AS REAL)"));
}

// The parameters of a labelled query ($1..$6).
std::vector<std::string> LabelledParameters(const PerformanceQuery& query) {
    return {query.model_version,
            query.since ? base::FormatIso8601(*query.since) : std::string(kEarliestTimestamp),
            query.until ? base::FormatIso8601(*query.until) : std::string(kLatestTimestamp),
            std::to_string(query.horizon_days),
            fmt::format("{}", query.threshold),
            base::FormatIso8601(query.as_of).substr(0, 10)};
}

base::Result<std::vector<Row>> RunLabelled(Database& database,
                                           const PerformanceQuery& query,
                                           std::string_view tail,
                                           const FairnessParts& fairness,
                                           const WindowSql& window = kVersionWindow) {
    if (query.horizon_days < 0 || query.horizon_days > kMaxHorizonDays) {
        return base::Fail(ErrorCode::kInvalidInput,
                          fmt::format("horizon_days must be between 0 and {}", kMaxHorizonDays));
    }
    const auto sql = LabelledSql(database.Kind(), window, tail, fairness);
    const auto params = LabelledParameters(query);
    // Compiling this one statement takes PostgreSQL longer than JIT saves it (0.5 to 1 s of 5
    // at 1,000,000 rows); SET LOCAL ends with the transaction (pgbouncer-safe).
    return QueryInTransaction(database, MigrationLock::kNone, sql, params,
                              database.Kind() == Backend::kPostgres ? "SET LOCAL jit = off" : "");
}

constexpr std::string_view kPgWindowCountSql =
    "SELECT count(*) FROM predictions WHERE model_version = $1::text "
    "AND created_at >= $2::timestamptz AND created_at < $3::timestamptz";
constexpr std::string_view kSqliteWindowCountSql =
    "SELECT count(*) FROM predictions WHERE model_version = ?1 AND created_at >= ?2 "
    "AND created_at < ?3";
// One statement, so that both parts see the same rows: the inputs of the sampled snapshots by
// (key, value), then their probabilities under the key '' (no input is named so). The id's
// last two hex digits compare as text against the bound ("zz": every row).
constexpr std::string_view kPgDriftSql =
    "WITH sampled AS MATERIALIZED (SELECT attrition_prob, features_snapshot FROM predictions "
    "WHERE model_version = $1::text AND created_at >= $2::timestamptz "
    "AND created_at < $3::timestamptz AND right(id::text, 2) COLLATE \"C\" < $4::text) "
    "SELECT j.key, j.value, count(*) FROM sampled s, jsonb_each_text(s.features_snapshot) j "
    "GROUP BY 1, 2 UNION ALL "
    "SELECT '', attrition_prob::text, count(*) FROM sampled GROUP BY attrition_prob";
constexpr std::string_view kSqliteDriftSql =
    "WITH sampled AS MATERIALIZED (SELECT attrition_prob, features_snapshot FROM predictions "
    "WHERE model_version = ?1 AND created_at >= ?2 AND created_at < ?3 "
    "AND substr(id, 35, 2) < ?4) "
    "SELECT j.key, j.value, count(*) FROM sampled s, json_each(s.features_snapshot) j "
    "GROUP BY 1, 2 UNION ALL "
    "SELECT '', attrition_prob, count(*) FROM sampled GROUP BY attrition_prob";

// The bound on the ids' last two hex digits that keeps about `wanted` of `rows`.
std::string SampleBound(std::uint64_t rows, std::uint64_t wanted) {
    if (rows <= wanted) return "zz";
    const auto kept = (wanted * 256 + rows - 1) / rows;  // of 256, rounded up
    return fmt::format("{:02x}", std::max<std::uint64_t>(kept, 1));
}

double Number(const std::optional<std::string>& text) { return text ? std::stod(*text) : 0.0; }

}  // namespace

base::Result<DriftSample> ReadDriftSample(Database& database, const DriftQuery& query) {
    const bool pg = database.Kind() == Backend::kPostgres;
    std::vector<std::string> params{
        query.model_version, base::FormatIso8601(query.since),
        query.until ? base::FormatIso8601(*query.until) : std::string(kLatestTimestamp)};
    DriftSample sample;
    auto done = database.RunTransaction(
        MigrationLock::kNone, [&](SqlSession& session) -> base::Result<void> {
            sample = DriftSample{};
            auto counted = session.Query(pg ? kPgWindowCountSql : kSqliteWindowCountSql, params);
            if (!counted) return tl::unexpected(counted.error());
            if (counted->size() != 1 || counted->front().size() != 1) {
                return base::Fail(ErrorCode::kInternal, "unexpected window count result");
            }
            sample.window_rows = CountCell(counted->front()[0]);
            auto bounded = params;
            bounded.push_back(SampleBound(sample.window_rows, query.sample_rows));
            auto rows = session.Query(pg ? kPgDriftSql : kSqliteDriftSql, bounded);
            if (!rows) return tl::unexpected(rows.error());
            for (auto& row : *rows) {
                if (row.size() != 3 || !row[0] || !row[1]) continue;  // a JSON null value
                const auto count = CountCell(row[2]);
                if (row[0]->empty()) {
                    sample.probabilities.emplace_back(std::stod(*row[1]), count);
                    sample.sampled_rows += count;
                } else {
                    sample.inputs.push_back({std::move(*row[0]), std::move(*row[1]), count});
                }
            }
            return {};
        });
    if (!done) return tl::unexpected(done.error());
    return sample;
}

base::Result<LivePerformance> ReadLivePerformance(Database& database,
                                                  const PerformanceQuery& query) {
    auto result = RunLabelled(database, query, kPerformanceSql, FairnessParts{});
    if (!result) return tl::unexpected(result.error());
    const auto& rows = *result;
    if (rows.empty() || rows.front().size() != 16) {
        return base::Fail(ErrorCode::kInternal, "unexpected live performance result");
    }
    const auto& first = rows.front();
    LivePerformance live;
    live.resolved = CountCell(first[1]);
    live.unresolved = CountCell(first[0]) - live.resolved;
    live.positives = CountCell(first[2]);
    live.true_positive = CountCell(first[3]);
    live.false_positive = CountCell(first[4]);
    live.false_negative = CountCell(first[5]);
    live.squared_error = Number(first[6]);
    live.squared_error_squared = Number(first[15]);
    live.auc_pairs = Number(first[7]);
    live.precision_gain = Number(first[8]);
    live.young = CountCell(first[9]);
    live.early_departures = CountCell(first[10]);
    for (const auto& row : rows) {
        if (!row[11]) continue;  // nothing resolved: the one row has no decile
        live.deciles.push_back(DecileSums{static_cast<int>(CountCell(row[11])), CountCell(row[12]),
                                          Number(row[13]), CountCell(row[14])});
    }
    return live;
}

base::Result<std::vector<ScoreBin>> ReadScoreBins(Database& database, const ScoreQuery& query) {
    const bool pg = database.Kind() == Backend::kPostgres;
    const auto sql = fmt::format(
        "SELECT {step} AS b, "
        "CASE WHEN attrition_prob >= {threshold} THEN 1 ELSE 0 END AS f, count(*), "
        "sum(attrition_prob) FROM predictions WHERE model_version = {version} "
        "AND created_at >= {since} AND created_at < {until} GROUP BY 1, 2 ORDER BY 1, 2",
        fmt::arg("step",
                 pg ? fmt::format("floor(attrition_prob * {})::int", kScoreBinsPerUnit)
                    : fmt::format("CAST(attrition_prob * {} AS INTEGER)", kScoreBinsPerUnit)),
        fmt::arg("threshold", pg ? "$4::float8" : "CAST(?4 AS REAL)"),
        fmt::arg("version", pg ? "$1::text" : "?1"),
        fmt::arg("since", pg ? "$2::timestamptz" : "?2"),
        fmt::arg("until", pg ? "$3::timestamptz" : "?3"));
    auto rows = QueryInTransaction(
        database, MigrationLock::kNone, sql,
        {query.model_version,
         query.since ? base::FormatIso8601(*query.since) : std::string(kEarliestTimestamp),
         query.until ? base::FormatIso8601(*query.until) : std::string(kLatestTimestamp),
         fmt::format("{}", query.threshold)});
    if (!rows) return tl::unexpected(rows.error());
    std::vector<ScoreBin> bins;
    bins.reserve(rows->size());
    for (const auto& row : *rows) {
        if (row.size() != 4) return base::Fail(ErrorCode::kInternal, "unexpected score bins");
        bins.push_back({CountCell(row[1]) == 1, CountCell(row[2]), Number(row[3])});
    }
    return bins;
}

base::Result<std::vector<FairnessGroupRow>> ReadFairnessGroups(Database& database,
                                                               const PerformanceQuery& query) {
    const auto fairness = FairnessSql(database.Kind(), query.fairness);
    if (!fairness) return tl::unexpected(fairness.error());
    auto rows = RunLabelled(database, query, fairness->tail, *fairness);
    if (!rows) return tl::unexpected(rows.error());
    std::vector<FairnessGroupRow> groups;
    for (auto& row : *rows) {
        if (row.size() != 9 || !row[0] || !row[1]) {
            return base::Fail(ErrorCode::kInternal, "unexpected fairness result");
        }
        groups.push_back({std::move(*row[0]), std::move(*row[1]), CountCell(row[2]),
                          CountCell(row[3]), Number(row[4]), CountCell(row[5]), CountCell(row[6]),
                          CountCell(row[7]), CountCell(row[8])});
    }
    return groups;
}

base::Result<std::vector<TrainingRow>> ReadTrainingRows(Database& database,
                                                        const PerformanceQuery& query) {
    const FairnessParts carried{.columns = ", w.snap, w.c, w.pd, w.pid, w.employee_id AS emp",
                                .plain_columns = ", snap, c, pd, pid, emp"};
    auto rows = RunLabelled(database, query, kTrainingSql, carried, kTrainingWindow);
    if (!rows) return tl::unexpected(rows.error());
    std::vector<TrainingRow> out;
    out.reserve(rows->size());
    for (const auto& row : *rows) {
        if (row.size() != 4 || !row[0] || !row[1] || !row[2] || !row[3]) {
            return base::Fail(ErrorCode::kInternal, "unexpected training rows result");
        }
        out.push_back({*row[0], *row[1], *row[2] == "1" ? 1 : 0, *row[3] == "1"});
    }
    // By bytes on both backends (an SQL ORDER BY would follow PostgreSQL's collation): the same
    // log gives the same rows in the same order, so the same model.
    std::sort(out.begin(), out.end(), [](const TrainingRow& a, const TrainingRow& b) {
        return a.employee_id < b.employee_id;
    });
    return out;
}

}  // namespace attrition::store
