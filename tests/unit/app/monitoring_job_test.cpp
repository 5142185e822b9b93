// The monitoring job's figures as job_runs keeps them, and as the gauges export them: a round
// trip through the stored JSON, a result that is not the figures' JSON refused, and an export
// that replaces the previous run's series (one no longer computed is gone) and leaves out what
// this build does not know.
#include "app/monitoring_job.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ops/metrics.hpp"

namespace attrition::app {
namespace {

bool Contains(const std::string& text, const std::string& line) {
    return text.find(line) != std::string::npos;
}

TEST(MonitoringJobTest, FiguresSurviveTheStoredJson) {
    const std::vector<GaugeFigure> figures{
        {"attrition_feature_psi", {"v1", "age"}, 0.123456789012345},
        {"attrition_live_roc_auc", {"v1"}, 0.8},
        {"attrition_live_labelled_predictions", {"v1", "left"}, 237}};
    const auto json = FiguresToJson(figures);
    auto back = FiguresFromJson(json);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, figures);
    EXPECT_TRUE(FiguresFromJson(FiguresToJson({}))->empty());
    for (const char* bad :
         {"", "[]", R"({"figures": 1})",
          R"({"figures": [{"metric": "m", "labels": [1], "value": 1}]})",
          R"({"figures": [{"metric": "m", "labels": [], "value": "x"}]})", "database error"}) {
        const auto refused = FiguresFromJson(bad);
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.error().code, base::ErrorCode::kInternal);
    }
}

TEST(MonitoringJobTest, AnExportReplacesThePreviousRunsSeries) {
    ops::Registry registry;
    MonitoringGauges gauges(registry);
    gauges.Export(std::vector<GaugeFigure>{{"attrition_feature_psi", {"v1", "age"}, 0.31},
                                           {"attrition_feature_psi", {"v1", "genre"}, 0.01},
                                           {"attrition_live_roc_auc", {"v1"}, 0.81}});
    auto text = registry.Expose();
    EXPECT_TRUE(
        Contains(text, "attrition_feature_psi{model_version=\"v1\",feature=\"age\"} 0.31\n"));
    EXPECT_TRUE(Contains(text, "attrition_live_roc_auc{model_version=\"v1\"} 0.81\n"));

    gauges.Export(std::vector<GaugeFigure>{
        {"attrition_feature_psi", {"v1", "genre"}, 0.02},
        {"attrition_some_future_figure", {"v1"}, 1},       // unknown here: left out
        {"attrition_live_roc_auc", {"v1", "extra"}, 0.5}}  // wrong labels: left out
    );
    text = registry.Expose();
    EXPECT_FALSE(Contains(text, "feature=\"age\""));
    EXPECT_TRUE(
        Contains(text, "attrition_feature_psi{model_version=\"v1\",feature=\"genre\"} 0.02\n"));
    EXPECT_FALSE(Contains(text, "attrition_live_roc_auc{"));
    EXPECT_FALSE(Contains(text, "attrition_some_future_figure"));
    // The family is declared even without a series, so dashboards and rules find its name.
    EXPECT_TRUE(Contains(text, "# TYPE attrition_live_roc_auc gauge\n"));
}

TEST(MonitoringJobTest, HistoryGaugesAreTheRunsFinishTimes) {
    ops::Registry registry;
    MonitoringGauges gauges(registry);
    auto text = registry.Expose();
    EXPECT_TRUE(Contains(text, "attrition_monitoring_last_success_timestamp_seconds 0\n"));
    store::JobHistory history;
    history.last_run =
        store::FinishedJobRun{base::SystemTime(std::chrono::seconds(2000)),
                              base::SystemTime(std::chrono::seconds(2100)), false, ""};
    history.last_success =
        store::FinishedJobRun{base::SystemTime(std::chrono::seconds(1000)),
                              base::SystemTime(std::chrono::seconds(1050)), true, ""};
    gauges.ExportHistory(history);
    text = registry.Expose();
    EXPECT_TRUE(Contains(text, "attrition_monitoring_last_run_timestamp_seconds 2100\n"));
    EXPECT_TRUE(Contains(text, "attrition_monitoring_last_success_timestamp_seconds 1050\n"));
}

}  // namespace
}  // namespace attrition::app
