// The prediction forest: an XGBoost 1.7 binary-logistic booster flattened once into contiguous
// node arrays, predicting bit-identically to XGBoost's CPU predictor (float sum of leaf values
// in tree order starting from the base margin, `x < split` goes left, NaN follows default_left,
// XGBoost's float sigmoid). Immutable after loading: one instance is shared read-only by every
// thread; all predict functions are noexcept and allocation-free.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "model/booster_json.hpp"

namespace attrition::model {

class Forest {
  public:
    // Trees at most this deep use the complete-tree layout (branch-free, fixed step count);
    // deeper forests use a compact node layout with ordinary traversal.
    static constexpr std::size_t kMaxCompleteDepth = 8;

    static base::Result<Forest> LoadBoosterJson(const std::filesystem::path& path);
    static base::Result<Forest> ParseBoosterJson(std::string_view json);
    static Forest FromBooster(BoosterModel booster);

    [[nodiscard]] std::size_t FeatureCount() const noexcept {
        return booster_.feature_names.size();
    }
    [[nodiscard]] const std::vector<std::string>& FeatureNames() const noexcept {
        return booster_.feature_names;
    }
    [[nodiscard]] std::size_t TreeCount() const noexcept { return booster_.trees.size(); }
    [[nodiscard]] std::size_t Depth() const noexcept { return depth_; }
    [[nodiscard]] bool UsesCompleteLayout() const noexcept { return depth_ <= kMaxCompleteDepth; }
    // The margin every prediction starts from: logit(base_score), computed as XGBoost does.
    [[nodiscard]] float BaseMargin() const noexcept { return base_margin_; }
    // The source trees with covers, in XGBoost's numbering (for TreeSHAP).
    [[nodiscard]] const std::vector<TreeArrays>& Trees() const noexcept { return booster_.trees; }

    // The sorted, distinct thresholds of every split on `feature` (empty when none splits on it).
    [[nodiscard]] std::vector<float> SplitThresholds(std::size_t feature) const;

    // row.size() must be FeatureCount() (NaN = missing); otherwise the result is NaN.
    [[nodiscard]] float PredictMargin(std::span<const float> row) const noexcept;
    [[nodiscard]] float PredictProbability(std::span<const float> row) const noexcept;

    // rows: row-major, margins.size() rows of FeatureCount() values; on a size mismatch every
    // output is NaN.
    void PredictMargins(std::span<const float> rows, std::span<float> margins) const noexcept;
    void PredictProbabilities(std::span<const float> rows,
                              std::span<float> probabilities) const noexcept;

    // XGBoost 1.7's float sigmoid (common::Sigmoid), bit for bit.
    [[nodiscard]] static float Sigmoid(float margin) noexcept;

    // XGBoost's split rule as 0 (left) or 1 (right): left on `x < threshold`, a missing value
    // follows the default. Branch-free: both comparisons are false for NaN.
    [[nodiscard]] static std::uint32_t GoesRight(float x,
                                                 float threshold,
                                                 std::uint32_t default_right) noexcept {
        return static_cast<std::uint32_t>(x >= threshold) |
               (static_cast<std::uint32_t>(std::isnan(x)) & default_right);
    }

  private:
    // Complete layout: internal node i has children 2i+1 and 2i+2; a leaf shallower than the
    // forest depth is padded with always-left nodes so every row takes exactly depth_ steps.
    struct CompleteNode {
        float threshold;
        std::uint32_t feature_bits;  // feature | kDefaultRightBit
    };
    // Compact layout: children adjacent (right = left + 1), nodes of all trees in one array.
    struct CompactNode {
        float value;                 // split threshold, or the leaf value
        std::uint32_t feature_bits;  // feature | kDefaultRightBit | kLeafBit
        std::uint32_t left;
    };

    explicit Forest(BoosterModel booster);
    void BuildComplete();
    void BuildCompact();
    void FillComplete(const TreeArrays& tree,
                      std::size_t tree_index,
                      std::size_t node,
                      std::size_t slot,
                      std::size_t level);
    void MarginsUnchecked(const float* rows, std::size_t row_count, float* out) const noexcept;

    BoosterModel booster_;
    float base_margin_ = 0.0F;
    std::size_t depth_ = 0;
    std::vector<CompleteNode> complete_nodes_;  // TreeCount() * (2^depth - 1)
    std::vector<float> complete_leaves_;        // TreeCount() * 2^depth
    std::vector<CompactNode> compact_nodes_;
    std::vector<std::uint32_t> compact_roots_;
};

}  // namespace attrition::model
