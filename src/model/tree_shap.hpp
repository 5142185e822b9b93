// Exact path-dependent TreeSHAP (the values XGBoost's pred_contribs returns) for a Forest, in
// the "Fast TreeSHAP v2" form: for every leaf a table over the subsets of its path's features
// is computed once at Build, so explaining a row costs one table read per (leaf, path feature)
// instead of the classic algorithm's quadratic path unwinding. The explainer is immutable after
// Build and shared read-only by threads; Explain is noexcept and allocation-free (its scratch is
// a fixed-size stack array).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "model/forest.hpp"

namespace attrition::model {

class TreeShapExplainer {
  public:
    // A leaf's table has 2^(distinct features on its path) entries.
    static constexpr std::size_t kMaxPathFeatures = 16;
    static constexpr std::size_t kMaxTableEntries = std::size_t{1} << 24;  // 128 MiB
    static constexpr std::size_t kMaxDepth = 64;                           // traversal stack

    // Fails (kInvalidConfig) when a tree is deeper than kMaxDepth, a path has more than
    // kMaxPathFeatures distinct features, the tables would exceed kMaxTableEntries, or an
    // internal node has zero cover (SHAP is undefined there).
    static base::Result<TreeShapExplainer> Build(const Forest& forest);

    [[nodiscard]] std::size_t FeatureCount() const noexcept { return feature_count_; }
    // The expected margin over the training distribution (XGBoost's bias column).
    [[nodiscard]] double BaseValue() const noexcept { return base_value_; }
    [[nodiscard]] std::size_t TableEntries() const noexcept { return tables_.size(); }

    // contributions[j] is column j's SHAP value on the margin scale; base_value receives
    // BaseValue(), so sum(contributions) + base_value equals the margin. Sizes must both be
    // FeatureCount(); otherwise every output is NaN.
    void Explain(std::span<const float> row,
                 std::span<double> contributions,
                 double& base_value) const noexcept;

  private:
    struct Node {
        float threshold;
        std::uint32_t feature_bits;  // feature | default-right bit | leaf bit
        std::uint32_t right;         // right child (left is the next node); a leaf's index
        std::uint32_t position;      // bit of the split feature within the path's features
    };
    struct Leaf {
        double value;
        std::uint32_t table_offset;
        std::uint32_t path_offset;
        std::uint32_t path_size;
        std::uint32_t has_zero_fraction;  // a path feature with zero cover ratio: no division
    };
    struct PathFeature {
        std::uint32_t feature;
        double zero_fraction;  // product of cover ratios of this feature's splits on the path
    };
    class Builder;

    void ExplainLeaf(const Leaf& leaf, std::uint32_t hot, double* contributions) const noexcept;

    std::size_t feature_count_ = 0;
    double base_value_ = 0.0;
    std::vector<Node> nodes_;  // every tree in preorder
    std::vector<std::uint32_t> roots_;
    std::vector<Leaf> leaves_;
    std::vector<std::uint32_t> path_features_;
    std::vector<double> path_zero_fractions_;
    std::vector<double> path_hot_scales_;  // (1 - z) / z: hot feature's factor on the table
    std::vector<double> tables_;           // per leaf: value * A(Q) for every subset Q
    std::vector<double> shapley_weights_;  // [d][s] = s! (d - s - 1)! / d!
};

// Maps each encoded column to the input feature it came from: a column named "field=value"
// belongs to "field", any other column to the feature of its own name. kInvalidInput names
// the first column without a feature.
base::Result<std::vector<std::size_t>> MapColumnsToFeatures(
    std::span<const std::string> column_names, std::span<const std::string> feature_names);

// feature_values[f] = sum of column_values[c] over the columns c of feature f (exact by SHAP
// additivity). Sizes: column_to_feature matches column_values, every index < feature count.
void SumByFeature(std::span<const double> column_values,
                  std::span<const std::size_t> column_to_feature,
                  std::span<double> feature_values) noexcept;

}  // namespace attrition::model
