#include "model/tree_shap.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>

// Why the tables are exact. For one leaf with value v and distinct path features F (|F| = d),
// the path-dependent expectation is g(S) = v * prod_{k in F} (k in S ? o_k : z_k), where z_k is
// the product of the cover ratios of k's splits on the path and o_k is 1 when the row satisfies
// every split on k (the feature is "hot"), else 0. Its Shapley value for j in F is
//   phi_j = v (o_j - z_j) sum_{S subset of H\{j}} w(|S|) prod_{k in F\{j}\S} z_k,
// H = the hot features, w(s) = s! (d-s-1)! / d!. With A(Q) = sum_{S subset of Q} w(|S|)
// prod_{k in F\S} z_k (one table entry per subset Q, built once):
//   cold j: phi_j = -v A(H),    hot j: phi_j = v (1 - z_j) / z_j * A(H \ {j}).
// A tree's expected value is the sum of v * prod z_k over its leaves (g of the empty set).

namespace attrition::model {
namespace {

constexpr std::uint32_t kDefaultRightBit = std::uint32_t{1} << 31;
constexpr std::uint32_t kLeafBit = std::uint32_t{1} << 30;
constexpr std::uint32_t kFeatureMask = kLeafBit - 1;
constexpr std::size_t kWeightStride = TreeShapExplainer::kMaxPathFeatures + 1;

tl::unexpected<base::Error> Unsupported(std::string message) {
    return base::Fail(base::ErrorCode::kInvalidConfig, "TreeSHAP: " + std::move(message));
}

}  // namespace

class TreeShapExplainer::Builder {
  public:
    explicit Builder(TreeShapExplainer& out) : out_(out) {}

    base::Result<void> AddTree(const TreeArrays& tree, std::size_t tree_index) {
        if (tree.depth > kMaxDepth) {
            return Unsupported("tree " + std::to_string(tree_index) + " is deeper than " +
                               std::to_string(kMaxDepth));
        }
        tree_index_ = tree_index;
        out_.roots_.push_back(static_cast<std::uint32_t>(out_.nodes_.size()));
        path_.clear();
        return Visit(tree, 0);
    }

    [[nodiscard]] double ExpectedValue() const noexcept { return expected_value_; }

  private:
    base::Result<void> Visit(const TreeArrays& tree, std::size_t node) {
        const std::size_t index = out_.nodes_.size();
        out_.nodes_.push_back(Node{0.0F, kLeafBit, 0, 0});
        if (tree.IsLeaf(node)) {
            out_.nodes_[index].right = static_cast<std::uint32_t>(out_.leaves_.size());
            return AddLeaf(tree.split_conditions[node]);
        }
        const double cover = tree.sum_hessian[node];
        if (!(cover > 0.0)) {
            return Unsupported("tree " + std::to_string(tree_index_) + " node " +
                               std::to_string(node) + " splits with zero cover");
        }
        const std::uint32_t feature = tree.split_indices[node];
        const auto found = std::find_if(path_.begin(), path_.end(),
                                        [feature](const auto& p) { return p.feature == feature; });
        const auto position = static_cast<std::size_t>(found - path_.begin());
        const bool first_on_path = found == path_.end();
        if (first_on_path) {
            if (path_.size() == kMaxPathFeatures) {
                return Unsupported("a path of tree " + std::to_string(tree_index_) +
                                   " has more than " + std::to_string(kMaxPathFeatures) +
                                   " distinct features");
            }
            path_.push_back(PathFeature{feature, 1.0});
        }
        const std::uint32_t default_right = tree.default_left[node] != 0 ? 0 : kDefaultRightBit;
        out_.nodes_[index] = Node{tree.split_conditions[node], feature | default_right, 0,
                                  static_cast<std::uint32_t>(position)};
        const double zero_fraction = path_[position].zero_fraction;
        const auto left = static_cast<std::size_t>(tree.left_children[node]);
        const auto right = static_cast<std::size_t>(tree.right_children[node]);

        path_[position].zero_fraction = zero_fraction * (tree.sum_hessian[left] / cover);
        if (auto visited = Visit(tree, left); !visited) return visited;
        out_.nodes_[index].right = static_cast<std::uint32_t>(out_.nodes_.size());
        path_[position].zero_fraction = zero_fraction * (tree.sum_hessian[right] / cover);
        if (auto visited = Visit(tree, right); !visited) return visited;

        path_[position].zero_fraction = zero_fraction;
        if (first_on_path) path_.pop_back();
        return {};
    }

    base::Result<void> AddLeaf(double value) {
        const std::size_t d = path_.size();
        const std::size_t size = std::size_t{1} << d;
        if (out_.tables_.size() + size > kMaxTableEntries) {
            return Unsupported("the leaf tables would exceed " + std::to_string(kMaxTableEntries) +
                               " entries");
        }
        Leaf leaf{value, static_cast<std::uint32_t>(out_.tables_.size()),
                  static_cast<std::uint32_t>(out_.path_features_.size()),
                  static_cast<std::uint32_t>(d), 0};
        double all_zero_fractions = 1.0;
        for (const PathFeature& p : path_) {
            all_zero_fractions *= p.zero_fraction;
            if (p.zero_fraction == 0.0) leaf.has_zero_fraction = 1;
            out_.path_features_.push_back(p.feature);
            out_.path_zero_fractions_.push_back(p.zero_fraction);
            out_.path_hot_scales_.push_back(
                p.zero_fraction == 0.0 ? 0.0 : (1.0 - p.zero_fraction) / p.zero_fraction);
        }
        expected_value_ += value * all_zero_fractions;

        // h(S) = w(|S|) prod_{k not in S} z_k, then A(Q) = sum over S subset of Q (a subset-sum
        // transform, d 2^d steps). The full set is never read (j is always left out).
        const double* weights = &out_.shapley_weights_[d * kWeightStride];
        const std::size_t offset = out_.tables_.size();
        out_.tables_.resize(offset + size, 0.0);
        double* table = &out_.tables_[offset];
        for (std::size_t subset = 0; subset + 1 < size; ++subset) {
            double product = 1.0;
            for (std::size_t k = 0; k < d; ++k) {
                if ((subset >> k & 1U) == 0) product *= path_[k].zero_fraction;
            }
            table[subset] = weights[std::popcount(subset)] * product;
        }
        for (std::size_t k = 0; k < d; ++k) {
            for (std::size_t subset = 0; subset < size; ++subset) {
                if ((subset >> k & 1U) != 0) table[subset] += table[subset ^ (std::size_t{1} << k)];
            }
        }
        for (std::size_t subset = 0; subset < size; ++subset) table[subset] *= value;
        out_.leaves_.push_back(leaf);
        return {};
    }

    TreeShapExplainer& out_;
    std::vector<PathFeature> path_;
    std::size_t tree_index_ = 0;
    double expected_value_ = 0.0;
};

base::Result<TreeShapExplainer> TreeShapExplainer::Build(const Forest& forest) {
    TreeShapExplainer explainer;
    explainer.feature_count_ = forest.FeatureCount();
    // w[d][s] = s! (d - s - 1)! / d!, for a path of d distinct features.
    explainer.shapley_weights_.assign(kWeightStride * kWeightStride, 0.0);
    std::array<double, kWeightStride> factorial{};
    factorial[0] = 1.0;
    for (std::size_t i = 1; i < kWeightStride; ++i) {
        factorial[i] = factorial[i - 1] * static_cast<double>(i);
    }
    for (std::size_t d = 1; d < kWeightStride; ++d) {
        for (std::size_t s = 0; s < d; ++s) {
            explainer.shapley_weights_[d * kWeightStride + s] =
                factorial[s] * factorial[d - s - 1] / factorial[d];
        }
    }
    Builder builder(explainer);
    for (std::size_t t = 0; t < forest.TreeCount(); ++t) {
        if (auto added = builder.AddTree(forest.Trees()[t], t); !added) {
            return tl::unexpected<base::Error>(std::move(added.error()));
        }
    }
    explainer.base_value_ = static_cast<double>(forest.BaseMargin()) + builder.ExpectedValue();
    return explainer;
}

void TreeShapExplainer::Explain(std::span<const float> row,
                                std::span<double> contributions,
                                double& base_value) const noexcept {
    if (row.size() != feature_count_ || contributions.size() != feature_count_) {
        std::fill(contributions.begin(), contributions.end(),
                  std::numeric_limits<double>::quiet_NaN());
        base_value = std::numeric_limits<double>::quiet_NaN();
        return;
    }
    std::fill(contributions.begin(), contributions.end(), 0.0);
    base_value = base_value_;
    struct Pending {
        std::uint32_t node;
        std::uint32_t cold;  // path features the row fails somewhere above this node
    };
    std::array<Pending, kMaxDepth + 1> stack;  // one pending sibling per level at most
    const float* x = row.data();
    double* out = contributions.data();
    for (const std::uint32_t root : roots_) {
        std::size_t top = 0;
        stack[top++] = Pending{root, 0};
        while (top > 0) {
            auto [index, cold] = stack[--top];
            // Follow the row's own direction; the sibling is visited later with the split's
            // feature marked cold.
            while ((nodes_[index].feature_bits & kLeafBit) == 0) {
                const Node& node = nodes_[index];
                const std::uint32_t right = Forest::GoesRight(
                    x[node.feature_bits & kFeatureMask], node.threshold, node.feature_bits >> 31);
                const std::uint32_t hot_child = right != 0 ? node.right : index + 1;
                const std::uint32_t cold_child = right != 0 ? index + 1 : node.right;
                stack[top++] = Pending{cold_child, cold | (std::uint32_t{1} << node.position)};
                index = hot_child;
            }
            const Leaf& leaf = leaves_[nodes_[index].right];
            const std::uint32_t all = (std::uint32_t{1} << leaf.path_size) - 1;
            ExplainLeaf(leaf, all & ~cold, out);
        }
    }
}

void TreeShapExplainer::ExplainLeaf(const Leaf& leaf,
                                    std::uint32_t hot,
                                    double* contributions) const noexcept {
    const std::uint32_t d = leaf.path_size;
    const double* table = &tables_[leaf.table_offset];
    const std::uint32_t* features = &path_features_[leaf.path_offset];
    if (leaf.has_zero_fraction == 0) {
        const double* scales = &path_hot_scales_[leaf.path_offset];
        for (std::uint32_t p = 0; p < d; ++p) {
            const std::uint32_t bit = std::uint32_t{1} << p;
            const double factor = (hot & bit) != 0 ? scales[p] : -1.0;
            contributions[features[p]] += factor * table[hot & ~bit];
        }
        return;
    }
    // A zero cover ratio forbids dividing by z: sum the hot features' terms directly.
    const double* zero_fractions = &path_zero_fractions_[leaf.path_offset];
    const double* weights = &shapley_weights_[d * kWeightStride];
    for (std::uint32_t p = 0; p < d; ++p) {
        const std::uint32_t bit = std::uint32_t{1} << p;
        if ((hot & bit) == 0) {
            contributions[features[p]] -= table[hot];
            continue;
        }
        const std::uint32_t rest = hot & ~bit;
        double sum = 0.0;
        for (std::uint32_t subset = rest;; subset = (subset - 1) & rest) {
            double product = 1.0;
            for (std::uint32_t k = 0; k < d; ++k) {
                if (k != p && (subset >> k & 1U) == 0) product *= zero_fractions[k];
            }
            sum += weights[std::popcount(subset)] * product;
            if (subset == 0) break;
        }
        contributions[features[p]] += leaf.value * (1.0 - zero_fractions[p]) * sum;
    }
}

base::Result<std::vector<std::size_t>> MapColumnsToFeatures(
    std::span<const std::string> column_names, std::span<const std::string> feature_names) {
    std::unordered_map<std::string_view, std::size_t> index;
    for (std::size_t f = 0; f < feature_names.size(); ++f) index.emplace(feature_names[f], f);
    std::vector<std::size_t> mapping;
    mapping.reserve(column_names.size());
    for (const std::string& column : column_names) {
        auto found = index.find(column);
        if (found == index.end()) {
            const auto equals = column.find('=');
            if (equals != std::string::npos) {
                found = index.find(std::string_view(column).substr(0, equals));
            }
        }
        if (found == index.end()) {
            return base::Fail(base::ErrorCode::kInvalidInput,
                              "column '" + column + "' belongs to no input feature");
        }
        mapping.push_back(found->second);
    }
    return mapping;
}

void SumByFeature(std::span<const double> column_values,
                  std::span<const std::size_t> column_to_feature,
                  std::span<double> feature_values) noexcept {
    std::fill(feature_values.begin(), feature_values.end(), 0.0);
    const std::size_t count = std::min(column_values.size(), column_to_feature.size());
    for (std::size_t c = 0; c < count; ++c) {
        if (column_to_feature[c] < feature_values.size()) {
            feature_values[column_to_feature[c]] += column_values[c];
        }
    }
}

}  // namespace attrition::model
