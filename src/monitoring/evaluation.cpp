#include "monitoring/evaluation.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <utility>

#include "monitoring/realized.hpp"

namespace attrition::monitoring {

namespace {

// model's fairness attributes as the store's query takes them (the last band's bound is never
// written).
store::FairnessGrouping Grouping() {
    store::FairnessGrouping grouping{
        .by_value = {model::kGroupedInputs.begin(), model::kGroupedInputs.end()},
        .banded = std::string(model::kBandedInput),
        .banded_as = std::string(model::kAgeBandAttribute),
        .bands = {}};
    grouping.bands.reserve(model::kAgeBands.size());
    for (const auto& band : model::kAgeBands) grouping.bands.emplace_back(band.below, band.name);
    return grouping;
}

}  // namespace

store::PerformanceQuery LabelledQuery(const model::ModelMetadata& meta,
                                      const JudgedWindow& window,
                                      base::SystemTime now) {
    return {.model_version = meta.model_version,
            .since = window.since,
            .until = window.until,
            .horizon_days = window.horizon_days,
            .threshold = meta.decision_threshold,
            .as_of = now,
            .fairness = Grouping()};
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

DriftComparison CompareDrift(const model::ModelMetadata& meta, store::DriftSample sample) {
    const auto& training = *meta.distributions;
    std::map<std::string, model::ValueCounts> live;
    for (auto& input : sample.inputs) {
        live[input.input].emplace_back(std::move(input.value), input.count);
    }
    DriftComparison comparison{model::CompareInputs(training, live, meta.training_rows),
                               std::nullopt};
    if (training.prediction) {
        comparison.prediction =
            model::CompareScores(*training.prediction, sample.probabilities, meta.training_rows);
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

std::vector<RatioCheck> CheckRatios(const std::vector<model::AttributeFairness>& live,
                                    std::span<const model::GroupCounts> training) {
    const auto at_training = model::SummarizeFairness(training);
    std::vector<RatioCheck> checks;
    for (const auto& attribute : live) {
        if (!attribute.selection_rate_ratio || attribute.groups.empty()) continue;
        const auto by_rate = [](const auto& a, const auto& b) {
            return a.selection_rate < b.selection_rate;
        };
        const auto& low =
            *std::min_element(attribute.groups.begin(), attribute.groups.end(), by_rate);
        const auto& high =
            *std::max_element(attribute.groups.begin(), attribute.groups.end(), by_rate);
        const auto interval = ProportionRatioInterval(low.flagged, low.n, high.flagged, high.n);
        RatioCheck check{attribute.attribute,
                         *attribute.selection_rate_ratio,
                         {interval.first, std::min(1.0, interval.second)},
                         std::min(low.n, high.n),
                         std::nullopt};
        for (const auto& trained : at_training) {
            if (trained.attribute == attribute.attribute) {
                check.training_ratio = trained.selection_rate_ratio;
            }
        }
        checks.push_back(std::move(check));
    }
    return checks;
}

}  // namespace attrition::monitoring
