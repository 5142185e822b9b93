#include "model/predictor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "domain/fields.hpp"
#include "domain/vocabulary.hpp"
#include "model/encoder.hpp"

namespace attrition::model {

std::string_view ImpactOf(double shap_value) noexcept {
    return shap_value > 0 ? "increases risk" : shap_value < 0 ? "decreases risk" : "neutral";
}
namespace {

// The model's input features: the field table's, then its optional inputs (views into `m`).
std::vector<std::string_view> InputFeatureNames(const ModelMetadata& m) {
    std::vector<std::string_view> names;
    for (const auto& field : domain::NumericFields()) names.push_back(field.name);
    for (const auto& field : domain::CategoricalFields()) names.push_back(field.name);
    for (const auto& group : m.encoding.optional) names.push_back(group.name);
    return names;
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
    auto files = ReadArtifact(dir);
    if (!files) return tl::unexpected(files.error());
    return Load(*files, dir);
}

base::Result<Predictor> Predictor::Load(const ArtifactFiles& files,
                                        const std::filesystem::path& dir) {
    auto metadata = ParseMetadata(files.metadata_json);
    if (!metadata) return tl::unexpected(metadata.error());
    auto forest = Forest::ParseBoosterJson(files.booster_json);
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
    Predictor predictor;
    predictor.metadata_ = std::make_shared<const ModelMetadata>(std::move(*metadata));
    predictor.feature_names_ = InputFeatureNames(*predictor.metadata_);
    const std::vector<std::string> features(predictor.feature_names_.begin(),
                                            predictor.feature_names_.end());
    auto column_to_feature =
        MapColumnsToFeatures(predictor.metadata_->encoding.column_names, features);
    if (!column_to_feature) return tl::unexpected(column_to_feature.error());

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
    return PredictRows(rows);
}

void Predictor::EncodeRow(const domain::Employee& employee, std::span<float> row) const noexcept {
    Encode(employee, metadata_->encoding, row);
}

std::vector<Prediction> Predictor::PredictRows(std::span<const float> rows) const {
    std::vector<float> probabilities(rows.size() / metadata_->encoding.ColumnCount());
    forest_->PredictProbabilities(rows, probabilities);
    std::vector<Prediction> predictions;
    predictions.reserve(probabilities.size());
    for (const float p : probabilities) {
        const double probability = p;
        predictions.push_back(Prediction{probability, probability >= metadata_->decision_threshold,
                                         RiskOf(probability)});
    }
    return predictions;
}

std::vector<float> Predictor::SplitThresholds(std::size_t column) const {
    return forest_->SplitThresholds(column);
}

Explanation Predictor::Explain(const domain::Employee& employee) const {
    const std::size_t column_count = metadata_->encoding.ColumnCount();
    std::array<float, kMaxColumns> row{};
    const std::span<float> encoded(row.data(), column_count);
    Encode(employee, metadata_->encoding, encoded);

    std::vector<double> column_values(column_count);
    Explanation explanation;
    explainer_->Explain(encoded, column_values, explanation.base_value);

    const std::size_t feature_count = feature_names_.size();
    std::array<double, domain::kFieldCount + domain::kMaxOptionalInputs> all_values{};
    const std::span<double> feature_values(all_values.data(), feature_count);
    SumByFeature(column_values, column_to_feature_, feature_values);
    explanation.margin = explanation.base_value;
    for (const double v : column_values) explanation.margin += v;

    explanation.features.reserve(feature_count);
    for (std::size_t f = 0; f < feature_count; ++f) {
        explanation.features.push_back({feature_names_[f], feature_values[f]});
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

std::vector<domain::InputWarning> Predictor::Warnings(const domain::Employee& employee) const {
    auto warnings =
        domain::OutOfRangeWarnings(employee, metadata_->numeric_min, metadata_->numeric_max);
    for (const auto& group : metadata_->encoding.optional) {
        if (employee.Optional(group.name) != nullptr) continue;
        warnings.push_back(
            {domain::InputWarning::Kind::kImputed, group.name,
             fmt::format("{} was not given: imputed with its most frequent training value '{}'",
                         group.name, group.mode)});
    }
    return warnings;
}

}  // namespace attrition::model
