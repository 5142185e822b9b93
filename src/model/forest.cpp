#include "model/forest.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <type_traits>
#include <utility>

namespace attrition::model {
namespace {

constexpr std::uint32_t kDefaultRightBit = std::uint32_t{1} << 31;
constexpr std::uint32_t kLeafBit = std::uint32_t{1} << 30;
constexpr std::uint32_t kFeatureMask = kLeafBit - 1;
// Independent traversals interleaved so that their load chains overlap (trees for one row,
// rows for one tree). Eight fit the registers and cover the load latency.
constexpr std::size_t kLanes = 8;

// kMissing = false when the caller checked that the rows hold no NaN: the default-direction
// test then drops out of the inner loop (a quarter of its instructions).
template <bool kMissing>
inline std::uint32_t GoesRight(float x, float threshold, std::uint32_t bits) noexcept {
    if constexpr (kMissing) {
        return Forest::GoesRight(x, threshold, bits >> 31);
    } else {
        return static_cast<std::uint32_t>(x >= threshold);
    }
}

inline bool HasMissing(const float* values, std::size_t count) noexcept {
    bool missing = false;
    for (std::size_t i = 0; i < count; ++i) missing |= std::isnan(values[i]);
    return missing;
}

template <std::size_t kDepth>
constexpr std::size_t kInternalCount = (std::size_t{1} << kDepth) - 1;

// Adds tree leaves for one row in tree order, walking kLanes trees side by side.
template <std::size_t kDepth, bool kMissing, class Node>
float CompleteMarginWith(const Node* nodes,
                         const float* leaves,
                         std::size_t tree_count,
                         const float* row,
                         float margin) noexcept {
    constexpr std::size_t kInternal = kInternalCount<kDepth>;
    constexpr std::size_t kLeafCount = kInternal + 1;
    std::size_t t = 0;
    for (; t + kLanes <= tree_count; t += kLanes) {
        std::uint32_t slot[kLanes] = {};
        for (std::size_t level = 0; level < kDepth; ++level) {
            for (std::size_t k = 0; k < kLanes; ++k) {
                const Node& node = nodes[(t + k) * kInternal + slot[k]];
                const float x = row[node.feature_bits & kFeatureMask];
                slot[k] =
                    2 * slot[k] + 1 + GoesRight<kMissing>(x, node.threshold, node.feature_bits);
            }
        }
        for (std::size_t k = 0; k < kLanes; ++k) {
            margin += leaves[(t + k) * kLeafCount + slot[k] - kInternal];
        }
    }
    for (; t < tree_count; ++t) {
        std::uint32_t slot = 0;
        for (std::size_t level = 0; level < kDepth; ++level) {
            const Node& node = nodes[t * kInternal + slot];
            const float x = row[node.feature_bits & kFeatureMask];
            slot = 2 * slot + 1 + GoesRight<kMissing>(x, node.threshold, node.feature_bits);
        }
        margin += leaves[t * kLeafCount + slot - kInternal];
    }
    return margin;
}

// kLanes rows walk the same tree side by side; each row still sums in tree order.
template <std::size_t kDepth, bool kMissing, class Node>
void CompleteBlock(const Node* nodes,
                   const float* leaves,
                   std::size_t tree_count,
                   const float* block,
                   std::size_t feature_count,
                   float base_margin,
                   float* out) noexcept {
    constexpr std::size_t kInternal = kInternalCount<kDepth>;
    constexpr std::size_t kLeafCount = kInternal + 1;
    float sums[kLanes];
    std::fill(std::begin(sums), std::end(sums), base_margin);
    for (std::size_t t = 0; t < tree_count; ++t) {
        const Node* tree = nodes + t * kInternal;
        std::uint32_t slot[kLanes] = {};
        for (std::size_t level = 0; level < kDepth; ++level) {
            for (std::size_t k = 0; k < kLanes; ++k) {
                const Node& node = tree[slot[k]];
                const float x = block[k * feature_count + (node.feature_bits & kFeatureMask)];
                slot[k] =
                    2 * slot[k] + 1 + GoesRight<kMissing>(x, node.threshold, node.feature_bits);
            }
        }
        for (std::size_t k = 0; k < kLanes; ++k) {
            sums[k] += leaves[t * kLeafCount + slot[k] - kInternal];
        }
    }
    std::copy(std::begin(sums), std::end(sums), out);
}

template <std::size_t kDepth, class Node>
float CompleteMargin(const Node* nodes,
                     const float* leaves,
                     std::size_t tree_count,
                     const float* row,
                     std::size_t feature_count,
                     float margin) noexcept {
    return HasMissing(row, feature_count)
               ? CompleteMarginWith<kDepth, true>(nodes, leaves, tree_count, row, margin)
               : CompleteMarginWith<kDepth, false>(nodes, leaves, tree_count, row, margin);
}

template <std::size_t kDepth, class Node>
void CompleteMargins(const Node* nodes,
                     const float* leaves,
                     std::size_t tree_count,
                     const float* rows,
                     std::size_t row_count,
                     std::size_t feature_count,
                     float base_margin,
                     float* out) noexcept {
    std::size_t r = 0;
    for (; r + kLanes <= row_count; r += kLanes) {
        const float* block = rows + r * feature_count;
        if (HasMissing(block, kLanes * feature_count)) {
            CompleteBlock<kDepth, true>(nodes, leaves, tree_count, block, feature_count,
                                        base_margin, out + r);
        } else {
            CompleteBlock<kDepth, false>(nodes, leaves, tree_count, block, feature_count,
                                         base_margin, out + r);
        }
    }
    for (; r < row_count; ++r) {
        out[r] = CompleteMargin<kDepth>(nodes, leaves, tree_count, rows + r * feature_count,
                                        feature_count, base_margin);
    }
}

template <class Node>
float CompactMargin(const Node* nodes,
                    const std::uint32_t* roots,
                    std::size_t tree_count,
                    const float* row,
                    float margin) noexcept {
    for (std::size_t t = 0; t < tree_count; ++t) {
        std::uint32_t i = roots[t];
        while ((nodes[i].feature_bits & kLeafBit) == 0) {
            const Node& node = nodes[i];
            i = node.left + GoesRight<true>(row[node.feature_bits & kFeatureMask], node.value,
                                            node.feature_bits);
        }
        margin += nodes[i].value;
    }
    return margin;
}

// Turns the runtime depth into a template argument once, at the top of the hot loop.
template <std::size_t kDepth = 0, class Body>
void WithDepth(std::size_t depth, Body&& body) noexcept {
    if constexpr (kDepth == Forest::kMaxCompleteDepth) {
        body(std::integral_constant<std::size_t, kDepth>{});
    } else {
        if (depth == kDepth) {
            body(std::integral_constant<std::size_t, kDepth>{});
            return;
        }
        WithDepth<kDepth + 1>(depth, std::forward<Body>(body));
    }
}

}  // namespace

base::Result<Forest> Forest::LoadBoosterJson(const std::filesystem::path& path) {
    auto booster = ReadBoosterJson(path);
    if (!booster) return tl::unexpected<base::Error>(std::move(booster.error()));
    return FromBooster(std::move(*booster));
}

base::Result<Forest> Forest::ParseBoosterJson(std::string_view json) {
    auto booster = model::ParseBoosterJson(json);
    if (!booster) return tl::unexpected<base::Error>(std::move(booster.error()));
    return FromBooster(std::move(*booster));
}

Forest Forest::FromBooster(BoosterModel booster) { return Forest(std::move(booster)); }

Forest::Forest(BoosterModel booster) : booster_(std::move(booster)) {
    // LogisticRegression::ProbToMargin in float, as XGBoost sets the base margin.
    base_margin_ = -std::log(1.0F / booster_.base_score - 1.0F);
    for (const TreeArrays& tree : booster_.trees) depth_ = std::max(depth_, tree.depth);
    if (UsesCompleteLayout()) {
        BuildComplete();
    } else {
        BuildCompact();
    }
}

void Forest::BuildComplete() {
    const std::size_t internal = (std::size_t{1} << depth_) - 1;
    complete_nodes_.assign(TreeCount() * internal, CompleteNode{0.0F, 0});
    complete_leaves_.assign(TreeCount() * (internal + 1), 0.0F);
    for (std::size_t t = 0; t < TreeCount(); ++t) FillComplete(booster_.trees[t], t, 0, 0, 0);
}

void Forest::FillComplete(const TreeArrays& tree,
                          std::size_t tree_index,
                          std::size_t node,
                          std::size_t slot,
                          std::size_t level) {
    const std::size_t internal = (std::size_t{1} << depth_) - 1;
    if (level == depth_) {
        complete_leaves_[tree_index * (internal + 1) + slot - internal] =
            tree.split_conditions[node];
        return;
    }
    CompleteNode& out = complete_nodes_[tree_index * internal + slot];
    std::size_t left = node;
    std::size_t right = node;
    if (tree.IsLeaf(node)) {
        // A NaN threshold with default-left sends every row left: the padding is a no-op.
        out = CompleteNode{std::numeric_limits<float>::quiet_NaN(), 0};
    } else {
        const std::uint32_t default_right = tree.default_left[node] != 0 ? 0 : kDefaultRightBit;
        out = CompleteNode{tree.split_conditions[node], tree.split_indices[node] | default_right};
        left = static_cast<std::size_t>(tree.left_children[node]);
        right = static_cast<std::size_t>(tree.right_children[node]);
    }
    FillComplete(tree, tree_index, left, 2 * slot + 1, level + 1);
    FillComplete(tree, tree_index, right, 2 * slot + 2, level + 1);
}

void Forest::BuildCompact() {
    for (const TreeArrays& tree : booster_.trees) {
        compact_roots_.push_back(static_cast<std::uint32_t>(compact_nodes_.size()));
        compact_nodes_.push_back(CompactNode{});
        std::deque<std::pair<std::size_t, std::size_t>> queue{{0, compact_nodes_.size() - 1}};
        while (!queue.empty()) {
            const auto [node, slot] = queue.front();
            queue.pop_front();
            if (tree.IsLeaf(node)) {
                compact_nodes_[slot] = CompactNode{tree.split_conditions[node], kLeafBit, 0};
                continue;
            }
            const std::size_t left_slot = compact_nodes_.size();
            compact_nodes_.resize(left_slot + 2);
            const std::uint32_t default_right = tree.default_left[node] != 0 ? 0 : kDefaultRightBit;
            compact_nodes_[slot] =
                CompactNode{tree.split_conditions[node], tree.split_indices[node] | default_right,
                            static_cast<std::uint32_t>(left_slot)};
            queue.emplace_back(static_cast<std::size_t>(tree.left_children[node]), left_slot);
            queue.emplace_back(static_cast<std::size_t>(tree.right_children[node]), left_slot + 1);
        }
    }
}

void Forest::MarginsUnchecked(const float* rows, std::size_t row_count, float* out) const noexcept {
    if (UsesCompleteLayout()) {
        WithDepth(depth_, [&](auto depth) {
            CompleteMargins<decltype(depth)::value>(complete_nodes_.data(), complete_leaves_.data(),
                                                    TreeCount(), rows, row_count, FeatureCount(),
                                                    base_margin_, out);
        });
        return;
    }
    for (std::size_t r = 0; r < row_count; ++r) {
        out[r] = CompactMargin(compact_nodes_.data(), compact_roots_.data(), TreeCount(),
                               rows + r * FeatureCount(), base_margin_);
    }
}

std::vector<float> Forest::SplitThresholds(std::size_t feature) const {
    std::vector<float> thresholds;
    for (const auto& tree : booster_.trees) {
        for (std::size_t node = 0; node < tree.NodeCount(); ++node) {
            if (!tree.IsLeaf(node) && tree.split_indices[node] == feature) {
                thresholds.push_back(tree.split_conditions[node]);
            }
        }
    }
    std::sort(thresholds.begin(), thresholds.end());
    thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
    return thresholds;
}

float Forest::PredictMargin(std::span<const float> row) const noexcept {
    if (row.size() != FeatureCount()) return std::numeric_limits<float>::quiet_NaN();
    if (!UsesCompleteLayout()) {
        return CompactMargin(compact_nodes_.data(), compact_roots_.data(), TreeCount(), row.data(),
                             base_margin_);
    }
    float margin = base_margin_;
    WithDepth(depth_, [&](auto depth) {
        margin =
            CompleteMargin<decltype(depth)::value>(complete_nodes_.data(), complete_leaves_.data(),
                                                   TreeCount(), row.data(), FeatureCount(), margin);
    });
    return margin;
}

float Forest::PredictProbability(std::span<const float> row) const noexcept {
    return Sigmoid(PredictMargin(row));
}

void Forest::PredictMargins(std::span<const float> rows, std::span<float> margins) const noexcept {
    if (rows.size() != margins.size() * FeatureCount()) {
        std::fill(margins.begin(), margins.end(), std::numeric_limits<float>::quiet_NaN());
        return;
    }
    MarginsUnchecked(rows.data(), margins.size(), margins.data());
}

void Forest::PredictProbabilities(std::span<const float> rows,
                                  std::span<float> probabilities) const noexcept {
    PredictMargins(rows, probabilities);
    for (float& p : probabilities) p = Sigmoid(p);
}

float Forest::Sigmoid(float margin) noexcept {
    // xgboost/src/common/math.h (1.7): the exponent is clamped so expf cannot overflow.
    constexpr float kEps = 1e-16F;
    const float x = std::min(-margin, 88.7F);
    const float denominator = std::exp(x) + 1.0F + kEps;
    return 1.0F / denominator;
}

}  // namespace attrition::model
