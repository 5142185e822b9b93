// What the monitoring endpoints and the daily monitoring job (app/monitoring_job) compute alike
// from the prediction log: which predictions a version's live performance and fairness judge,
// the drift window and its comparison with training, the live fairness table. Pure functions
// over the store's counts; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
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
DriftComparison CompareDrift(const model::ModelMetadata& meta, store::DriftSample sample);
// The live fairness table from the per-group counts of the log.
std::vector<model::AttributeFairness> LiveFairness(std::vector<store::FairnessGroupRow> rows);

// What the fairness alert weighs for an attribute: the live selection-rate ratio (lowest
// group's rate / highest's), how sure it is, and the version's ratio at training.
struct RatioCheck {
    std::string attribute;
    double ratio = 0;
    // 95 % interval of the ratio of two proportions (Katz's log method; half a flagged row
    // added to a group that has none), the two groups' sizes and flags taken as independent.
    std::pair<double, double> interval;
    std::uint64_t smallest_group = 0;      // rows of the smaller of the two groups compared
    std::optional<double> training_ratio;  // on the out-of-fold predictions at training
};

// One per attribute of `live` with a ratio; `training` is the artifact's counts (may be
// empty).
std::vector<RatioCheck> CheckRatios(const std::vector<model::AttributeFairness>& live,
                                    std::span<const model::GroupCounts> training);

}  // namespace attrition::monitoring
