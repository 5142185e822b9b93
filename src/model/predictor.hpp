// The loaded model as the service uses it: artifact metadata, the flat forest and the TreeSHAP
// explainer, checked against each other once at load. Scores and explains validated employees.
// Immutable after Load; shared read-only by all request threads. Predict is noexcept and
// allocation-free; Explain allocates only its result.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "domain/employee.hpp"
#include "domain/out_of_range.hpp"
#include "model/artifact.hpp"
#include "model/forest.hpp"
#include "model/tree_shap.hpp"

namespace attrition::model {

enum class RiskLevel { kLow, kMedium, kHigh };

// "LOW", "MEDIUM", "HIGH" (the API and database spelling).
std::string_view RiskLevelName(RiskLevel level) noexcept;

struct Prediction {
    double probability = 0;   // P(leave) in 0..1, as the forest computes it (float precision)
    bool will_leave = false;  // probability >= the decision threshold
    RiskLevel risk = RiskLevel::kLow;
};

struct FeatureContribution {
    std::string_view feature;  // input name (points into the field table or the metadata)
    double shap_value = 0;     // sum of its encoded columns' SHAP values (log-odds scale)
};

// How a SHAP value moves the risk, in the words the explanations use (the API's "impact", the
// CLI's reason_k_impact): "increases risk", "decreases risk" or "neutral" (exactly 0).
std::string_view ImpactOf(double shap_value) noexcept;

struct ColumnContribution {
    std::string_view column;  // encoded column name, e.g. "poste=Manager"
    double shap_value = 0;
};

struct Explanation {
    std::vector<FeatureContribution> features;  // every input, by |shap_value| descending
    std::vector<ColumnContribution> columns;    // all encoded columns, in column order
    double base_value = 0;                      // expected margin; base + sum = margin
    double margin = 0;
};

class Predictor {
  public:
    // Loads `dir`/metadata.json and `dir`/booster.json and checks that the booster's feature
    // names equal the metadata's encoded columns. kIo / kInvalidConfig name the problem.
    static base::Result<Predictor> Load(const std::filesystem::path& dir);
    // The same from the artifact's files already read (ReadArtifact); `dir` names them in
    // messages.
    static base::Result<Predictor> Load(const ArtifactFiles& files,
                                        const std::filesystem::path& dir);

    const ModelMetadata& Metadata() const noexcept { return *metadata_; }
    const std::string& Version() const noexcept { return metadata_->model_version; }

    Prediction Predict(const domain::Employee& employee) const noexcept;
    // Many employees in one pass, rows side by side through each tree (faster per row than
    // Predict in a loop); element i equals Predict(employees[i]) bit for bit.
    std::vector<Prediction> PredictMany(std::span<const domain::Employee> employees) const;
    Explanation Explain(const domain::Employee& employee) const;

    // Predict in two steps, for a caller that edits encoded rows in between (the what-if
    // search): EncodeRow writes the ColumnCount() encoded values of an employee; PredictRows
    // scores row-major rows, and PredictRows(EncodeRow(e)) equals Predict(e) bit for bit.
    std::size_t ColumnCount() const noexcept { return metadata_->encoding.ColumnCount(); }
    void EncodeRow(const domain::Employee& employee, std::span<float> row) const noexcept;
    std::vector<Prediction> PredictRows(std::span<const float> rows) const;
    // The sorted, distinct thresholds the forest splits encoded column `column` at: between two
    // neighbours, that column's value does not change any prediction.
    std::vector<float> SplitThresholds(std::size_t column) const;
    // The input features: the field table's 24, then the optional inputs, in encoding order.
    std::span<const std::string_view> FeatureNames() const noexcept { return feature_names_; }

    // One warning per numeric value outside the range seen in training, then one per optional
    // input not given (kImputed, in encoding order); fields are views into the field table and
    // this predictor's metadata.
    std::vector<domain::InputWarning> Warnings(const domain::Employee& employee) const;

    // Encoded columns are at most this many (checked at load), so encoding uses the stack.
    static constexpr std::size_t kMaxColumns = 256;

  private:
    Predictor() = default;
    RiskLevel RiskOf(double probability) const noexcept;

    // Held by pointer so the object stays cheap to move and internal views stay valid.
    std::shared_ptr<const ModelMetadata> metadata_;
    std::shared_ptr<const Forest> forest_;
    std::shared_ptr<const TreeShapExplainer> explainer_;
    std::vector<std::string_view> feature_names_;  // the 24, then the optional inputs
    std::vector<std::size_t> column_to_feature_;
};

}  // namespace attrition::model
