// What the monitoring endpoints and the daily monitoring job (app/monitoring_job) compute alike
// from the prediction log: which predictions a version's live performance and fairness judge,
// the drift window and its comparison with training, the live fairness table. Pure functions
// over the store's counts; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/clock.hpp"
#include "model/artifact.hpp"
#include "model/distributions.hpp"
#include "model/fairness.hpp"
#include "store/monitoring.hpp"

namespace attrition::monitoring {

// The predictions a drift report samples at most (store::DriftQuery::sample_rows).
inline constexpr std::uint64_t kDriftSampleRows = 20000;

// Which predictions of a version are judged, and on which day ("as of": maturity).
struct JudgedWindow {
    std::optional<base::SystemTime> since;
    std::optional<base::SystemTime> until;
    int horizon_days = 365;
};

// The labelled predictions of a version's live performance and fairness queries, judged as of
// `now` (store::PerformanceQuery: only mature predictions are).
store::PerformanceQuery LabelledQuery(const model::ModelMetadata& meta,
                                      const JudgedWindow& window,
                                      base::SystemTime now);
// Every prediction of the version in the window, for the performance estimate (no maturity:
// the horizon is not needed).
store::ScoreQuery EstimateQuery(const model::ModelMetadata& meta, const JudgedWindow& window);
// The drift window: whole UTC days, as GET /api/v1/stats (today and the days-1 before it).
store::DriftQuery DriftWindow(const model::ModelMetadata& meta, int days, base::SystemTime now);
// A sampled window against the training distributions: per input, and the score (when the
// artifact keeps its distribution).
struct DriftComparison {
    std::vector<model::FeatureDrift> features;
    std::optional<model::FeatureDrift> prediction;
};
DriftComparison CompareDrift(const model::TrainingDistributions& training,
                             store::DriftSample sample);
// The live fairness table from the per-group counts of the log.
std::vector<model::AttributeFairness> LiveFairness(std::vector<store::FairnessGroupRow> rows);

}  // namespace attrition::monitoring
