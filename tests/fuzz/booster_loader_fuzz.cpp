// libFuzzer target: arbitrary bytes through the booster loader (model::ParseBoosterJson) and,
// when it accepts them, the Forest built from the result (Forest::FromBooster, the second half of
// Forest::ParseBoosterJson). The loader promises that Forest can trust every index of an accepted
// booster, so beyond the sanitizers this checks what Forest then promises: counts and depth agree
// with the trees, every prediction equals a plain walk of XGBoost's node arrays (bit for bit,
// both layouts, single rows and batches, with and without missing values), and every
// probability is a finite number in [0, 1].
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "model/booster_json.hpp"
#include "model/forest.hpp"

namespace {

using attrition::model::BoosterModel;
using attrition::model::Forest;
using attrition::model::TreeArrays;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

void Require(bool condition) {
    if (!condition) __builtin_trap();  // libFuzzer reports the input that broke the promise
}

bool SameBits(float a, float b) {
    return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
}

// The longest root-to-leaf path, walked independently of the loader, checking on the way what
// it promises of every reachable node: in range, reached once, usable numbers.
std::size_t ReachableDepth(const TreeArrays& tree, std::size_t feature_count) {
    std::size_t depth = 0;
    std::vector<std::pair<std::size_t, std::size_t>> stack{{0, 0}};
    std::size_t visited = 0;
    while (!stack.empty()) {
        const auto [node, level] = stack.back();
        stack.pop_back();
        Require(node < tree.NodeCount() && ++visited <= tree.NodeCount());
        if (tree.IsLeaf(node)) {
            Require(tree.right_children[node] == -1 && std::isfinite(tree.split_conditions[node]));
            depth = std::max(depth, level);
            continue;
        }
        Require(tree.split_indices[node] < feature_count &&
                !std::isnan(tree.split_conditions[node]));
        stack.emplace_back(static_cast<std::size_t>(tree.left_children[node]), level + 1);
        stack.emplace_back(static_cast<std::size_t>(tree.right_children[node]), level + 1);
    }
    return depth;
}

// XGBoost's CPU predictor in its plainest form: per tree, `x < split` goes left, NaN follows
// default_left; leaf values added in tree order to the base margin.
float ReferenceMargin(const BoosterModel& booster, float base_margin, std::span<const float> row) {
    float margin = base_margin;
    for (const TreeArrays& tree : booster.trees) {
        std::size_t node = 0;
        while (!tree.IsLeaf(node)) {
            const float x = row[tree.split_indices[node]];
            const bool left =
                std::isnan(x) ? tree.default_left[node] != 0 : x < tree.split_conditions[node];
            node = static_cast<std::size_t>(left ? tree.left_children[node]
                                                 : tree.right_children[node]);
        }
        margin += tree.split_conditions[node];
    }
    return margin;
}

// Rows that reach the interesting branches: all missing, all zero, both infinities, every
// feature at a threshold it is split on (`x == split` goes right) and just below it.
std::vector<std::vector<float>> ProbeRows(const BoosterModel& booster) {
    const std::size_t features = booster.feature_names.size();
    std::vector<float> at_split(features, 0.0F);
    for (const TreeArrays& tree : booster.trees) {
        for (std::size_t node = 0; node < tree.NodeCount(); ++node) {
            // Unreachable (deleted) nodes are not validated: their fields may be anything.
            if (!tree.IsLeaf(node) && tree.split_indices[node] < features &&
                !std::isnan(tree.split_conditions[node])) {
                at_split[tree.split_indices[node]] = tree.split_conditions[node];
            }
        }
    }
    std::vector<float> below_split = at_split;
    for (float& x : below_split) x = std::nextafter(x, -kInf);
    return {std::vector<float>(features, kNaN),
            std::vector<float>(features, 0.0F),
            std::vector<float>(features, kInf),
            std::vector<float>(features, -kInf),
            std::move(at_split),
            std::move(below_split)};
}

void CheckPrediction(const Forest& forest, const BoosterModel& booster) {
    const std::size_t features = forest.FeatureCount();
    const auto probes = ProbeRows(booster);
    // A batch of 17 rows: a block of 8 with missing values, a block of 8 without (the two
    // template paths of the batch loop), one row left over for the single-row path.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < 8; ++i) order.push_back(i % probes.size());
    for (std::size_t i = 0; i < 8; ++i) order.push_back(1 + i % (probes.size() - 1));
    order.push_back(0);
    std::vector<float> batch;
    std::vector<float> expected;
    for (const std::size_t probe : order) {
        const auto& row = probes[probe];
        batch.insert(batch.end(), row.begin(), row.end());
        const float reference = ReferenceMargin(booster, forest.BaseMargin(), row);
        const float margin = forest.PredictMargin(row);
        Require(SameBits(margin, reference) && !std::isnan(margin));
        const float probability = forest.PredictProbability(row);
        Require(std::isfinite(probability) && probability >= 0.0F && probability <= 1.0F);
        Require(SameBits(probability, Forest::Sigmoid(margin)));
        expected.push_back(margin);
    }
    std::vector<float> margins(order.size());
    forest.PredictMargins(batch, margins);
    for (std::size_t i = 0; i < order.size(); ++i) Require(SameBits(margins[i], expected[i]));
    std::vector<float> probabilities(order.size());
    forest.PredictProbabilities(batch, probabilities);
    for (std::size_t i = 0; i < order.size(); ++i) {
        Require(SameBits(probabilities[i], Forest::Sigmoid(expected[i])));
    }
    // A row of the wrong width is refused with NaN, never read past its end.
    const std::vector<float> wide(features + 1, 0.0F);
    Require(std::isnan(forest.PredictMargin(wide)));
    forest.PredictMargins(std::span<const float>(batch).first(batch.size() - 1), margins);
    for (const float margin : margins) Require(std::isnan(margin));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    auto booster = attrition::model::ParseBoosterJson(json);
    if (!booster) {
        Require(booster.error().code == attrition::base::ErrorCode::kInvalidConfig);
        return 0;
    }
    const std::size_t features = booster->feature_names.size();
    Require(features >= 1);
    Require(booster->base_score > 0.0F && booster->base_score < 1.0F);
    std::size_t depth = 0;
    for (const TreeArrays& tree : booster->trees) {
        const std::size_t n = tree.NodeCount();
        Require(n >= 1 && tree.right_children.size() == n && tree.split_indices.size() == n &&
                tree.split_conditions.size() == n && tree.default_left.size() == n &&
                tree.sum_hessian.size() == n);
        Require(tree.depth == ReachableDepth(tree, features));
        depth = std::max(depth, tree.depth);
    }

    const Forest forest = Forest::FromBooster(*booster);
    Require(forest.TreeCount() == booster->trees.size());
    Require(forest.FeatureCount() == features && forest.FeatureNames() == booster->feature_names);
    Require(forest.Depth() == depth);
    Require(forest.UsesCompleteLayout() == (depth <= Forest::kMaxCompleteDepth));
    CheckPrediction(forest, *booster);
    return 0;
}
