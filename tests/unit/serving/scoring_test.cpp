// serving::Scoring: the one scoring operation of every route and of `attrition score`. Its
// predictions are the predictor's, its log rows one per employee (then the shadow's, sharing
// the snapshot), its warnings the predictor's, and its counters count what it scored.
#include "serving/scoring.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "domain/fields.hpp"
#include "model/repository.hpp"
#include "model/technova_reader.hpp"
#include "serving/log_rows.hpp"
#include "support/committed_models.hpp"
#include "support/synthetic_technova.hpp"

namespace attrition::serving {
namespace {

constexpr std::string_view kV20 = test::kCommittedVersions[0];
constexpr std::string_view kV21 = test::kCommittedVersions[1];  // takes frequence_deplacement

// Synthetic employees with every optional input the committed versions take left out.
std::vector<domain::Employee> Employees(std::size_t rows) {
    const auto texts = test::MakeSyntheticTechnova({.rows = rows, .seed = 5});
    auto set = model::JoinExtracts({texts.sirh, texts.eval, texts.sondage}, {});
    EXPECT_TRUE(set.has_value());
    for (std::size_t i = 0; i < set->employees.size(); ++i) {
        set->employees[i].employee_id = "E" + std::to_string(i);
    }
    return set->employees;
}

// The value of the sample `series` (name and labels, as exposed) in `registry`; 0 when absent.
double Sample(const ops::Registry& registry, const std::string& series) {
    std::istringstream lines(registry.Expose());
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return 0;
}

const model::ServedModel& Version(const model::Repository& models, std::string_view name) {
    const auto* version = models.Find(name);
    EXPECT_NE(version, nullptr);
    return *version->model;
}

TEST(ScoringTest, OneRowPerEmployeeThenTheShadowsSharingTheSnapshot) {
    auto models = test::CommittedRepository();
    models.default_version = kV20;
    models.shadow_version = kV21;
    const auto& chosen = Version(models, kV20);
    const auto employees = Employees(40);
    base::SystemClock clock;
    ops::Registry metrics;
    Scoring scoring(clock, metrics);

    const auto scored = scoring.Score(models, chosen, employees);
    const auto expected = chosen.predictor.PredictMany(employees);
    const auto shadowed = Version(models, kV21).predictor.PredictMany(employees);
    ASSERT_EQ(scored.predictions.size(), employees.size());
    ASSERT_EQ(scored.warnings.size(), employees.size());
    ASSERT_EQ(scored.rows.size(), 2 * employees.size());
    for (std::size_t i = 0; i < employees.size(); ++i) {
        EXPECT_EQ(scored.predictions[i].probability, expected[i].probability) << i;
        const auto& row = scored.rows[i];
        EXPECT_EQ(row.model_version, kV20);
        EXPECT_FALSE(row.shadow);
        EXPECT_EQ(row.employee_id, employees[i].employee_id);
        EXPECT_EQ(row.attrition_prob, expected[i].probability);
        EXPECT_EQ(row.features_snapshot_json, FeaturesSnapshot(employees[i]));
        const auto& shadow = scored.rows[employees.size() + i];
        EXPECT_EQ(shadow.model_version, kV21);
        EXPECT_TRUE(shadow.shadow);
        EXPECT_EQ(shadow.employee_id, employees[i].employee_id);
        EXPECT_EQ(shadow.attrition_prob, shadowed[i].probability);
        EXPECT_EQ(shadow.features_snapshot_json, row.features_snapshot_json);
        EXPECT_NE(shadow.id, row.id);
    }
    double counted = 0;
    for (const auto* risk : {"LOW", "MEDIUM", "HIGH"}) {
        counted += Sample(metrics,
                          "attrition_predictions_total{risk_level=\"" + std::string(risk) + "\"}");
    }
    EXPECT_EQ(counted, static_cast<double>(employees.size()));
    EXPECT_EQ(Sample(metrics,
                     "attrition_shadow_predictions_total{version=\"" + std::string(kV21) + "\"}"),
              static_cast<double>(employees.size()));
}

TEST(ScoringTest, TheShadowVersionItselfAndNoShadowGiveOnlyTheChosenRows) {
    auto models = test::CommittedRepository();
    models.shadow_version = kV21;
    const auto employees = Employees(5);
    base::SystemClock clock;
    ops::Registry metrics;
    Scoring scoring(clock, metrics);
    const auto as_shadow = scoring.Score(models, Version(models, kV21), employees);
    EXPECT_EQ(as_shadow.rows.size(), employees.size());
    models.shadow_version.clear();
    const auto alone = scoring.Score(models, Version(models, kV20), employees);
    EXPECT_EQ(alone.rows.size(), employees.size());
    for (const auto& row : alone.rows) EXPECT_FALSE(row.shadow);
    EXPECT_EQ(Sample(metrics,
                     "attrition_shadow_predictions_total{version=\"" + std::string(kV21) + "\"}"),
              0);
}

TEST(ScoringTest, WarningsAreThePredictorsAndCountedByTheirField) {
    auto models = test::CommittedRepository();
    models.shadow_version.clear();
    const auto& chosen = Version(models, kV21);
    auto employees = Employees(1);
    const auto age = domain::NumericIndex("age").value();
    employees[0].numeric[age] = chosen.predictor.Metadata().numeric_max[age] + 1;
    base::SystemClock clock;
    ops::Registry metrics;
    Scoring scoring(clock, metrics);

    const auto scored = scoring.Score(models, chosen, employees);
    const auto expected = chosen.predictor.Warnings(employees[0]);
    ASSERT_EQ(scored.warnings.front().size(), expected.size());
    ASSERT_EQ(expected.size(), 2U);  // age out of range, frequence_deplacement imputed
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(scored.warnings.front()[i].message, expected[i].message);
    }
    EXPECT_EQ(Sample(metrics, "attrition_out_of_range_warnings_total{field=\"age\"}"), 1);
    EXPECT_EQ(Sample(metrics, "attrition_imputed_inputs_total{feature=\"frequence_deplacement\"}"),
              1);
    EXPECT_EQ(
        Sample(metrics, "attrition_out_of_range_warnings_total{field=\"frequence_deplacement\"}"),
        0);
}

TEST(ScoringTest, RecordKeepsThePredictionsItIsGiven) {
    auto models = test::CommittedRepository();
    const auto& chosen = Version(models, kV20);
    const auto employees = Employees(1);
    auto given = chosen.predictor.Predict(employees[0]);
    given.probability = 0.123;  // not what the model says: Record must not score again
    base::SystemClock clock;
    ops::Registry metrics;
    Scoring scoring(clock, metrics);
    const auto scored = scoring.Record(models, chosen, employees, {given});
    EXPECT_EQ(scored.predictions.front().probability, 0.123);
    EXPECT_EQ(scored.rows.front().attrition_prob, 0.123);
}

}  // namespace
}  // namespace attrition::serving
