// Live performance computed in the database (store::ReadLivePerformance) on SQLite, PostgreSQL
// direct and through pgbouncer, over a handful of predictions whose labels and figures are
// worked out by hand below: each boundary of the horizon rule, ties, another version, shadow
// rows, predictions without an employee_id and an empty window.
#include "store/monitoring.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "integration/store/store_test_support.hpp"
#include "store/outcomes.hpp"
#include "store/uuid.hpp"

namespace attrition::test {
namespace {

using namespace std::chrono_literals;

// 2026-01-10T12:00:00Z: the day every prediction below is made.
const base::SystemTime kMadeAt =
    std::chrono::sys_days(std::chrono::year(2026) / std::chrono::January / 10) + 12h;
// A day when every prediction below is due, whatever the horizon used here.
const base::SystemTime kLater =
    std::chrono::sys_days(std::chrono::year(2027) / std::chrono::January / 1);

struct Scored {
    std::optional<std::string> employee_id;
    double probability = 0;
    std::string genre = "F";
    std::string version = "test_v1";
    bool shadow = false;
};

class MonitoringTest : public MigratedBackendTest {
  protected:
    void SetUp() override {
        MigratedBackendTest::SetUp();
        if (IsSkipped()) return;
        // Horizon 30 days: the prediction's window of departure is [2026-01-10, 2026-02-09].
        // The snapshot holds genre and age (P1 is 25, everyone else 45), no marital status.
        const std::vector<Scored> scored{
            {"P1", 0.9},          // left on the day of the prediction: positive
            {"P2", 0.3, "M"},     // left on the last day of the horizon: positive
            {"N1", 0.4},          // left the day after the horizon: negative
            {"N2", 0.2, "M"},     // still employed on the last day of the horizon: negative
            {"N3", 0.9},          // employed on 03-01 (and 02-08): negative; ties with P1
            {"U1", 0.6, "M"},     // employed on 02-08 only: too early to tell
            {"U2", 0.7},          // left before the prediction: unresolved
            {"U3", 0.1, "M"},     // no outcome
            {std::nullopt, 0.5},  // no employee_id: never resolved
            {"P1", 0.05, "F", "other_v1"},        // another version: left out
            {"P1", 0.8, "F", "shadow_v1", true},  // the shadow's own rows
            {"N1", 0.1, "F", "shadow_v1", true},
        };
        store::RequestRecord record = MakeRecord(0, kMadeAt);
        record.endpoint = "/api/v1/predict/batch";
        for (const auto& row : scored) {
            store::PredictionRecord prediction;
            prediction.id = store::NewUuid();
            prediction.prediction_date = kMadeAt;
            prediction.employee_id = row.employee_id;
            prediction.attrition_prob = row.probability;
            prediction.risk_level = "LOW";
            prediction.model_version = row.version;
            prediction.features_snapshot_json = R"({"age": )" +
                                                std::string(row.employee_id == "P1" ? "25" : "45") +
                                                R"(, "genre": ")" + row.genre + R"("})";
            prediction.shadow = row.shadow;
            record.predictions.push_back(prediction);
        }
        ASSERT_TRUE(database_->InsertBatch({&record, 1}));
        const std::vector<store::OutcomeRecord> outcomes{
            {"P1", "left", "2026-01-10"},   {"P2", "left", "2026-02-09"},
            {"N1", "left", "2026-02-10"},   {"N2", "stayed", "2026-02-09"},
            {"N3", "stayed", "2026-02-08"}, {"N3", "stayed", "2026-03-01"},
            {"U1", "stayed", "2026-02-08"}, {"U2", "left", "2026-01-09"},
        };
        ASSERT_TRUE(store::RecordOutcomes(*database_, outcomes));
    }

    // The service's attributes and age bands (model::kGroupedInputs, kAgeBands), as
    // monitoring::LabelledQuery hands them.
    static store::FairnessGrouping Grouping(
        std::vector<std::pair<double, std::string>> bands = {
            {30, "18-29"}, {40, "30-39"}, {50, "40-49"}, {1e300, "50+"}}) {
        return {.by_value = {"genre", "statut_marital"},
                .banded = "age",
                .banded_as = "age_band",
                .bands = std::move(bands)};
    }

    store::LivePerformance Read(store::PerformanceQuery query) {
        auto live = store::ReadLivePerformance(*database_, query);
        EXPECT_TRUE(live) << live.error().message;
        return live ? *live : store::LivePerformance{};
    }
};

TEST_P(MonitoringTest, TheHorizonRuleLabelsEachPrediction) {
    const auto live =
        Read({.model_version = "test_v1", .horizon_days = 30, .threshold = 0.5, .as_of = kLater});
    EXPECT_EQ(live.resolved, 5U);  // P1, P2, N1, N2, N3
    EXPECT_EQ(live.positives, 2U);
    EXPECT_EQ(live.unresolved, 4U);  // U1, U2, U3 and the anonymous one
    // Positive-negative pairs: P1 (0.9) beats N1 and N2 and ties N3; P2 (0.3) beats N2 only.
    EXPECT_DOUBLE_EQ(live.auc_pairs, 3.5);
    // From the highest: 0.9 holds P1 and N3 (recall 1/2 at precision 1/2), 0.4 adds N1 (no
    // recall), 0.3 adds P2 (recall 1/2 more at precision 2/4).
    // (precision gain: 1 x 1/2 + 1 x 2/4, over the 2 positives: average precision 0.5)
    EXPECT_DOUBLE_EQ(live.precision_gain, 0.5 + 0.5);
    EXPECT_NEAR(live.squared_error, 0.01 + 0.49 + 0.16 + 0.04 + 0.81, 1e-12);
    EXPECT_NEAR(live.squared_error_squared,
                0.01 * 0.01 + 0.49 * 0.49 + 0.16 * 0.16 + 0.04 * 0.04 + 0.81 * 0.81, 1e-12);
    // Flagged at 0.5: P1 (true positive) and N3 (false positive); P2 is missed.
    EXPECT_EQ(live.true_positive, 1U);
    EXPECT_EQ(live.false_positive, 1U);
    EXPECT_EQ(live.false_negative, 1U);
    // Five rows by increasing probability (0.2, 0.3, 0.4, 0.9, 0.9): row i falls in the 0-based
    // decile ((i + 1) * 10 - 1) / 5, as CalibrationTable cuts, i.e. 1, 3, 5, 7 and 9.
    ASSERT_EQ(live.deciles.size(), 5U);
    const std::vector<int> deciles{1, 3, 5, 7, 9};
    const std::vector<double> means{0.2, 0.3, 0.4, 0.9, 0.9};
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(live.deciles[i].decile, deciles[i]);
        EXPECT_EQ(live.deciles[i].n, 1U);
        EXPECT_DOUBLE_EQ(live.deciles[i].sum_predicted, means[i]);
    }
    EXPECT_EQ(live.deciles[0].positives, 0U);  // N2
    EXPECT_EQ(live.deciles[1].positives, 1U);  // P2
    EXPECT_EQ(live.deciles[2].positives, 0U);  // N1
    // P1 and N3 tie: one positive between the two top deciles, in either order.
    EXPECT_EQ(live.deciles[3].positives + live.deciles[4].positives, 1U);
}

// A prediction is judged once due (d + horizon <= the day asked about): before, its employee's
// departure makes it an early departure, counted and not judged (issue 29, item 1).
TEST_P(MonitoringTest, OnlyDuePredictionsAreJudged) {
    const auto day = [](int month, int d) {
        return std::chrono::sys_days(std::chrono::year(2026) / month / d) + 23h;
    };
    // Horizon 30: the predictions of 2026-01-10 are due on 2026-02-09.
    const auto young = Read(
        {.model_version = "test_v1", .horizon_days = 30, .threshold = 0.5, .as_of = day(2, 8)});
    EXPECT_EQ(young.resolved, 0U);
    EXPECT_EQ(young.positives, 0U);
    EXPECT_EQ(young.unresolved, 9U);
    EXPECT_EQ(young.young, 9U);             // every test_v1 prediction, the anonymous one too
    EXPECT_EQ(young.early_departures, 2U);  // P1 and P2 left within the horizon already
    EXPECT_EQ(young.true_positive + young.false_positive + young.false_negative, 0U);
    EXPECT_TRUE(young.deciles.empty());
    EXPECT_EQ(young.auc_pairs, 0.0);
    const auto due = Read(
        {.model_version = "test_v1", .horizon_days = 30, .threshold = 0.5, .as_of = day(2, 9)});
    EXPECT_EQ(due.resolved, 5U);
    EXPECT_EQ(due.positives, 2U);
    EXPECT_EQ(due.young, 0U);
    EXPECT_EQ(due.early_departures, 0U);
    // The fairness counts judge the same predictions: none while they are young.
    const auto groups = store::ReadFairnessGroups(*database_, {.model_version = "test_v1",
                                                               .horizon_days = 30,
                                                               .as_of = day(2, 8),
                                                               .fairness = Grouping()});
    ASSERT_TRUE(groups) << groups.error().message;
    ASSERT_FALSE(groups->empty());
    for (const auto& group : *groups) {
        EXPECT_GT(group.n, 0U) << group.attribute << " " << group.group;
        EXPECT_EQ(group.resolved, 0U) << group.attribute << " " << group.group;
    }
}

// Employees who left more than once (rehired): any departure in the horizon makes the
// prediction positive; otherwise a later departure (or stay) makes it negative.
TEST_P(MonitoringTest, AnEmployeeWhoLeftSeveralTimesIsLabelledByEachDeparture) {
    store::RequestRecord record = MakeRecord(0, kMadeAt);
    for (const auto& [id, probability] :
         {std::pair{"R1", 0.8}, std::pair{"R2", 0.6}, std::pair{"R3", 0.4}, std::pair{"R4", 0.2}}) {
        store::PredictionRecord prediction;
        prediction.id = store::NewUuid();
        prediction.prediction_date = kMadeAt;
        prediction.employee_id = id;
        prediction.attrition_prob = probability;
        prediction.risk_level = "LOW";
        prediction.model_version = "rehire_v1";
        prediction.features_snapshot_json = "{}";
        record.predictions.push_back(prediction);
    }
    ASSERT_TRUE(database_->InsertBatch({&record, 1}));
    const std::vector<store::OutcomeRecord> outcomes{
        {"R1", "left", "2025-12-01"}, {"R1", "left", "2026-01-20"},    // the second in the horizon
        {"R2", "left", "2025-12-01"}, {"R2", "left", "2026-03-15"},    // the second after it
        {"R3", "left", "2025-11-01"}, {"R3", "left", "2025-12-01"},    // both before: unresolved
        {"R4", "left", "2025-12-01"}, {"R4", "stayed", "2026-02-09"},  // rehired, still there
    };
    ASSERT_TRUE(store::RecordOutcomes(*database_, outcomes));
    const auto live =
        Read({.model_version = "rehire_v1", .horizon_days = 30, .threshold = 0.5, .as_of = kLater});
    EXPECT_EQ(live.resolved, 3U);  // R1 positive; R2 and R4 negative
    EXPECT_EQ(live.positives, 1U);
    EXPECT_EQ(live.unresolved, 1U);
    EXPECT_DOUBLE_EQ(live.auc_pairs, 2.0);  // R1 (0.8) above R2 (0.6) and R4 (0.2)
    EXPECT_EQ(live.true_positive, 1U);
    EXPECT_EQ(live.false_positive, 1U);  // R2
}

TEST_P(MonitoringTest, AtHorizonZeroOnlyTheDayOfThePredictionCounts) {
    const auto live =
        Read({.model_version = "test_v1", .horizon_days = 0, .threshold = 0.5, .as_of = kLater});
    // P1 left that day; P2 and N1 left after it; N2, N3 and U1 were employed after it.
    EXPECT_EQ(live.positives, 1U);
    EXPECT_EQ(live.resolved, 6U);
    EXPECT_EQ(live.unresolved, 3U);  // U2 (left before), U3, the anonymous one
}

TEST_P(MonitoringTest, ShadowRowsCountAsTheirOwnVersionAndTheWindowFilters) {
    const auto shadow = Read({.model_version = "shadow_v1", .horizon_days = 30, .as_of = kLater});
    EXPECT_EQ(shadow.resolved, 2U);
    EXPECT_EQ(shadow.positives, 1U);
    EXPECT_DOUBLE_EQ(shadow.auc_pairs, 1.0);  // its one pair, in order

    const auto later = Read({.model_version = "test_v1", .since = kMadeAt + 1s, .as_of = kLater});
    EXPECT_EQ(later.resolved + later.unresolved, 0U);
    EXPECT_EQ(later.auc_pairs, 0.0);
    EXPECT_EQ(later.squared_error, 0.0);
    EXPECT_TRUE(later.deciles.empty());
    const auto inside = Read(
        {.model_version = "test_v1", .since = kMadeAt, .until = kMadeAt + 1s, .as_of = kLater});
    EXPECT_EQ(inside.resolved + inside.unresolved, 9U);

    const auto unknown = Read({.model_version = "nobody", .as_of = kLater});
    EXPECT_EQ(unknown.resolved + unknown.unresolved, 0U);
    EXPECT_FALSE(
        store::ReadLivePerformance(*database_, {.model_version = "test_v1", .horizon_days = -1}));
}

TEST_P(MonitoringTest, FairnessGroupsCountTheSameLabels) {
    auto groups = store::ReadFairnessGroups(
        *database_,
        {.model_version = "test_v1", .horizon_days = 30, .as_of = kLater, .fairness = Grouping()});
    ASSERT_TRUE(groups) << groups.error().message;
    std::map<std::string, store::FairnessGroupRow> by_key;
    for (const auto& row : *groups) by_key[row.attribute + "=" + row.group] = row;
    // No marital status in the snapshots: no such group.
    ASSERT_EQ(by_key.size(), 4U);
    const auto expect = [&](const std::string& key, std::uint64_t n, std::uint64_t flagged,
                            double sum, std::uint64_t resolved, std::uint64_t positives,
                            std::uint64_t tp, std::uint64_t fp) {
        SCOPED_TRACE(key);
        ASSERT_EQ(by_key.count(key), 1U);
        const auto& row = by_key[key];
        EXPECT_EQ(row.n, n);
        EXPECT_EQ(row.flagged, flagged);
        EXPECT_NEAR(row.sum_predicted, sum, 1e-12);
        EXPECT_EQ(row.resolved, resolved);
        EXPECT_EQ(row.positives, positives);
        EXPECT_EQ(row.true_positive, tp);
        EXPECT_EQ(row.false_positive, fp);
    };
    // F: P1, N1, N3, U2 and the anonymous one; flagged at 0.5: P1, N3, U2, the anonymous one.
    expect("genre=F", 5, 4, 0.9 + 0.4 + 0.9 + 0.7 + 0.5, 3, 1, 1, 1);
    // M: P2, N2, U1, U3; flagged: U1 (unresolved).
    expect("genre=M", 4, 1, 0.3 + 0.2 + 0.6 + 0.1, 2, 1, 0, 0);
    expect("age_band=18-29", 1, 1, 0.9, 1, 1, 1, 0);
    expect("age_band=40-49", 8, 4, 0.3 + 0.4 + 0.2 + 0.9 + 0.6 + 0.7 + 0.1 + 0.5, 4, 1, 0, 1);
}

// The age bands are the query's: others give other groups, and a name that could break out
// of its quotes is refused before any SQL is written.
TEST_P(MonitoringTest, TheAgeBandsAreTheOnesHandedToTheQuery) {
    const auto halves = store::ReadFairnessGroups(
        *database_, {.model_version = "test_v1",
                     .horizon_days = 30,
                     .as_of = kLater,
                     .fairness = Grouping({{45, "under 45"}, {1e300, "45+"}})});
    ASSERT_TRUE(halves) << halves.error().message;
    std::map<std::string, std::uint64_t> bands;
    for (const auto& row : *halves) {
        if (row.attribute == "age_band") bands[row.group] = row.n;
    }
    // The 18-29 row and the 40-49 rows as the default bands count them (9 in all).
    ASSERT_EQ(bands.size(), 2U) << ::testing::PrintToString(bands);
    EXPECT_EQ(bands["under 45"] + bands["45+"], 9U);
    const auto refused = store::ReadFairnessGroups(
        *database_, {.model_version = "test_v1",
                     .horizon_days = 30,
                     .as_of = kLater,
                     .fairness = Grouping({{30, "young' OR '1'='1"}, {1e300, "old"}})});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, base::ErrorCode::kInvalidInput);
}

// So are the attributes: one grouped by value reports its groups under its own name, one
// banded under the name it is given; an input name that could break out of its quotes is
// refused.
TEST_P(MonitoringTest, TheAttributesAreTheOnesHandedToTheQuery) {
    const auto grouped =
        store::ReadFairnessGroups(*database_, {.model_version = "test_v1",
                                               .horizon_days = 30,
                                               .as_of = kLater,
                                               .fairness = {.by_value = {"genre"},
                                                            .banded = "age",
                                                            .banded_as = "age_group",
                                                            .bands = {{1e300, "all"}}}});
    ASSERT_TRUE(grouped) << grouped.error().message;
    std::map<std::string, std::uint64_t> counts;
    for (const auto& row : *grouped) counts[row.attribute + "=" + row.group] = row.n;
    const std::map<std::string, std::uint64_t> expected{
        {"genre=F", 5}, {"genre=M", 4}, {"age_group=all", 9}};
    EXPECT_EQ(counts, expected);
    for (const auto& name : {"genre' OR '1'='1", "Genre", ""}) {
        SCOPED_TRACE(name);
        const auto refused =
            store::ReadFairnessGroups(*database_, {.model_version = "test_v1",
                                                   .horizon_days = 30,
                                                   .as_of = kLater,
                                                   .fairness = {.by_value = {name},
                                                                .banded = "age",
                                                                .banded_as = "age_band",
                                                                .bands = {{1e300, "all"}}}});
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, base::ErrorCode::kInvalidInput);
    }
}

// The training rows (train --from-log) are the labelled predictions above, one per employee:
// its latest resolved one, answered rows only, with its snapshot as the log kept it.
TEST_P(MonitoringTest, TrainingRowsAreEachEmployeesLatestResolvedPrediction) {
    store::PerformanceQuery query{
        .model_version = "test_v1", .horizon_days = 30, .threshold = 0.5, .as_of = kLater};
    auto rows = store::ReadTrainingRows(*database_, query);
    ASSERT_TRUE(rows) << rows.error().message;
    std::vector<std::tuple<std::string, int, bool>> got;
    for (const auto& row : *rows) got.emplace_back(row.employee_id, row.label, row.flagged);
    const std::vector<std::tuple<std::string, int, bool>> expected{
        {"N1", 0, false}, {"N2", 0, false}, {"N3", 0, true}, {"P1", 1, true}, {"P2", 1, false}};
    EXPECT_EQ(got, expected);
    ASSERT_EQ(rows->size(), expected.size());
    const auto p1 = nlohmann::json::parse((*rows)[3].features_snapshot_json);
    EXPECT_EQ(p1, nlohmann::json({{"age", 25}, {"genre", "F"}}));
    EXPECT_EQ(nlohmann::json::parse((*rows)[4].features_snapshot_json)["genre"], "M");

    // Any version: P1's other_v1 row (same day) is P1's too, and P1 is still one row.
    query.model_version = "";
    rows = store::ReadTrainingRows(*database_, query);
    ASSERT_TRUE(rows) << rows.error().message;
    std::vector<std::string> employees;
    for (const auto& row : *rows) employees.push_back(row.employee_id);
    EXPECT_EQ(employees, (std::vector<std::string>{"N1", "N2", "N3", "P1", "P2"}));

    // Before the horizon has passed, nothing is mature: no row.
    query.as_of = kMadeAt + std::chrono::days(10);
    rows = store::ReadTrainingRows(*database_, query);
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_TRUE(rows->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         MonitoringTest,
                         ::testing::ValuesIn(kAllStoreBackends),
                         BackendParamName);

}  // namespace
}  // namespace attrition::test
