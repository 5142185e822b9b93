#include "monitoring/evaluation.hpp"

#include <chrono>
#include <map>
#include <string>
#include <utility>

namespace attrition::monitoring {

store::PerformanceQuery LabelledQuery(const model::ModelMetadata& meta,
                                      const JudgedWindow& window,
                                      base::SystemTime now) {
    return {.model_version = meta.model_version,
            .since = window.since,
            .until = window.until,
            .horizon_days = window.horizon_days,
            .threshold = meta.decision_threshold,
            .as_of = now};
}

store::ScoreQuery EstimateQuery(const model::ModelMetadata& meta, const JudgedWindow& window) {
    return {.model_version = meta.model_version,
            .since = window.since,
            .until = window.until,
            .threshold = meta.decision_threshold};
}

store::DriftQuery DriftWindow(const model::ModelMetadata& meta, int days, base::SystemTime now) {
    const auto today = std::chrono::floor<std::chrono::days>(now);
    return {.model_version = meta.model_version,
            .since = today - std::chrono::days(days - 1),
            .until = std::nullopt,
            .sample_rows = kDriftSampleRows};
}

DriftComparison CompareDrift(const model::TrainingDistributions& training,
                             store::DriftSample sample) {
    std::map<std::string, model::ValueCounts> live;
    for (auto& input : sample.inputs) {
        live[input.input].emplace_back(std::move(input.value), input.count);
    }
    DriftComparison comparison{model::CompareInputs(training, live), std::nullopt};
    if (training.prediction) {
        comparison.prediction = model::CompareScores(*training.prediction, sample.probabilities);
    }
    return comparison;
}

std::vector<model::AttributeFairness> LiveFairness(std::vector<store::FairnessGroupRow> rows) {
    std::vector<model::GroupCounts> counts;
    counts.reserve(rows.size());
    for (auto& row : rows) {
        counts.push_back({std::move(row.attribute), std::move(row.group), row.n, row.flagged,
                          row.sum_predicted, row.resolved, row.positives, row.true_positive,
                          row.false_positive});
    }
    return model::SummarizeFairness(counts);
}

}  // namespace attrition::monitoring
