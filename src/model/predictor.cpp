#include "model/predictor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "domain/fields.hpp"
#include "model/encoder.hpp"

namespace attrition::model {
namespace {

std::vector<std::string> InputFeatureNames() {
    std::vector<std::string> names;
    for (const auto& field : domain::NumericFields()) names.emplace_back(field.name);
    for (const auto& field : domain::CategoricalFields()) names.emplace_back(field.name);
    return names;
}

std::string_view InputFeatureName(std::size_t index) {
    return index < domain::kNumericCount
               ? domain::NumericFields()[index].name
               : domain::CategoricalFields()[index - domain::kNumericCount].name;
}

}  // namespace

std::string_view RiskLevelName(RiskLevel level) noexcept {
    switch (level) {
        case RiskLevel::kLow:
            return "LOW";
        case RiskLevel::kMedium:
            return "MEDIUM";
        case RiskLevel::kHigh:
            return "HIGH";
    }
    return "HIGH";
}

base::Result<Predictor> Predictor::Load(const std::filesystem::path& dir) {
    auto metadata = LoadMetadata(dir);
    if (!metadata) return tl::unexpected(metadata.error());
    auto forest = Forest::LoadBoosterJson(dir / kBoosterFile);
    if (!forest) return tl::unexpected(forest.error());
    const auto& columns = metadata->encoding.column_names;
    if (forest->FeatureNames() != columns) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          fmt::format("model artifact in {} is inconsistent: the booster's {} "
                                      "feature names differ from the metadata's {} columns",
                                      dir.string(), forest->FeatureCount(), columns.size()));
    }
    if (columns.size() > kMaxColumns) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          fmt::format("model has {} columns; at most {} are supported",
                                      columns.size(), kMaxColumns));
    }
    auto explainer = TreeShapExplainer::Build(*forest);
    if (!explainer) return tl::unexpected(explainer.error());
    const auto features = InputFeatureNames();
    auto column_to_feature = MapColumnsToFeatures(columns, features);
    if (!column_to_feature) return tl::unexpected(column_to_feature.error());

    Predictor predictor;
    predictor.metadata_ = std::make_shared<const ModelMetadata>(std::move(*metadata));
    predictor.forest_ = std::make_shared<const Forest>(std::move(*forest));
    predictor.explainer_ = std::make_shared<const TreeShapExplainer>(std::move(*explainer));
    predictor.column_to_feature_ = std::move(*column_to_feature);
    return predictor;
}

RiskLevel Predictor::RiskOf(double probability) const noexcept {
    const auto& risk = metadata_->risk;
    if (probability < risk.low_below) return RiskLevel::kLow;
    if (probability < risk.medium_below) return RiskLevel::kMedium;
    return RiskLevel::kHigh;
}

Prediction Predictor::Predict(const domain::Employee& employee) const noexcept {
    std::array<float, kMaxColumns> row{};
    const std::span<float> columns(row.data(), metadata_->encoding.ColumnCount());
    Encode(employee, metadata_->encoding, columns);
    const double probability = forest_->PredictProbability(columns);
    return Prediction{probability, probability >= metadata_->decision_threshold,
                      RiskOf(probability)};
}

std::vector<Prediction> Predictor::PredictMany(std::span<const domain::Employee> employees) const {
    const std::size_t column_count = metadata_->encoding.ColumnCount();
    std::vector<float> rows(employees.size() * column_count);
    for (std::size_t i = 0; i < employees.size(); ++i) {
        Encode(employees[i], metadata_->encoding,
               std::span<float>(rows).subspan(i * column_count, column_count));
    }
    std::vector<float> probabilities(employees.size());
    forest_->PredictProbabilities(rows, probabilities);
    std::vector<Prediction> predictions;
    predictions.reserve(employees.size());
    for (const float p : probabilities) {
        const double probability = p;
        predictions.push_back(Prediction{probability, probability >= metadata_->decision_threshold,
                                         RiskOf(probability)});
    }
    return predictions;
}

Explanation Predictor::Explain(const domain::Employee& employee) const {
    const std::size_t column_count = metadata_->encoding.ColumnCount();
    std::array<float, kMaxColumns> row{};
    const std::span<float> encoded(row.data(), column_count);
    Encode(employee, metadata_->encoding, encoded);

    std::vector<double> column_values(column_count);
    Explanation explanation;
    explainer_->Explain(encoded, column_values, explanation.base_value);

    std::array<double, domain::kFieldCount> feature_values{};
    SumByFeature(column_values, column_to_feature_, feature_values);
    explanation.margin = explanation.base_value;
    for (const double v : column_values) explanation.margin += v;

    explanation.features.reserve(domain::kFieldCount);
    for (std::size_t f = 0; f < domain::kFieldCount; ++f) {
        explanation.features.push_back({InputFeatureName(f), feature_values[f]});
    }
    // Stable: equal magnitudes keep field-table order, so the answer is deterministic.
    std::stable_sort(explanation.features.begin(), explanation.features.end(),
                     [](const FeatureContribution& a, const FeatureContribution& b) {
                         return std::fabs(a.shap_value) > std::fabs(b.shap_value);
                     });
    explanation.columns.reserve(column_count);
    const auto& names = metadata_->encoding.column_names;
    for (std::size_t c = 0; c < column_count; ++c) {
        explanation.columns.push_back({names[c], column_values[c]});
    }
    return explanation;
}

std::vector<std::string> Predictor::Warnings(const domain::Employee& employee) const {
    return domain::OutOfRangeWarnings(employee, metadata_->numeric_min, metadata_->numeric_max);
}

}  // namespace attrition::model
