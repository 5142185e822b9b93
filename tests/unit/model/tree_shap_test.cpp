// TreeShapExplainer against XGBoost's pred_contribs, against Shapley values computed from
// their definition (every subset), and by additivity.
#include "model/tree_shap.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "support/committed_models.hpp"
#include "xgboost_oracle.hpp"

namespace attrition::model {
namespace {

using testing::Dataset;
using testing::MakeDataset;
using testing::Params;
using testing::XgbBooster;

// XGBoost accumulates in float; 1e-5 absolute holds for values of order one.
constexpr double kTolerance = 1e-5;

std::vector<float> TestRows(const Forest& forest,
                            const std::vector<float>& base,
                            std::size_t probes,
                            std::uint32_t seed) {
    std::vector<float> rows = base;
    const auto more = testing::ProbeRows(
        base, forest.FeatureNames(),
        testing::SplitThresholds(forest.Trees(), forest.FeatureCount()), probes, seed);
    rows.insert(rows.end(), more.begin(), more.end());
    // A DMatrix refuses infinities (pred_contribs has no in-place form): use the largest floats.
    for (float& v : rows) {
        if (std::isinf(v)) v = std::copysign(std::numeric_limits<float>::max(), v);
    }
    return rows;
}

// Every row: each contribution and the bias within kTolerance of XGBoost's, and the sum equal
// to the forest's margin (additivity).
void ExpectAgreement(const Forest& forest,
                     const TreeShapExplainer& explainer,
                     const XgbBooster& booster,
                     const std::vector<float>& rows) {
    const std::size_t cols = forest.FeatureCount();
    const std::size_t count = rows.size() / cols;
    const std::vector<float> want = booster.PredictContributions(rows, cols);
    std::vector<double> phi(cols);
    double worst = 0.0;
    double worst_additivity = 0.0;
    for (std::size_t r = 0; r < count; ++r) {
        const std::span<const float> row(&rows[r * cols], cols);
        double base = 0.0;
        explainer.Explain(row, phi, base);
        const float* expected = &want[r * (cols + 1)];
        for (std::size_t j = 0; j < cols; ++j) {
            worst = std::max(worst, std::abs(phi[j] - static_cast<double>(expected[j])));
        }
        worst = std::max(worst, std::abs(base - static_cast<double>(expected[cols])));
        const double total = std::accumulate(phi.begin(), phi.end(), base);
        worst_additivity = std::max(
            worst_additivity, std::abs(total - static_cast<double>(forest.PredictMargin(row))));
    }
    EXPECT_LE(worst, kTolerance) << "largest difference from pred_contribs over " << count
                                 << " rows";
    EXPECT_LE(worst_additivity, kTolerance) << "largest |sum + base - margin|";
}

struct ShapCase {
    const char* name;
    std::size_t rows;
    std::size_t cols;
    int rounds;
    Params params;
    Params later;
};

class TreeShapOracleTest : public ::testing::TestWithParam<ShapCase> {};

TEST_P(TreeShapOracleTest, AgreesWithPredContribsOnEveryRow) {
    const ShapCase& c = GetParam();
    const Dataset data = MakeDataset(c.rows, c.cols, 13);
    const XgbBooster booster = XgbBooster::Train(data, c.params, c.rounds, c.later);
    auto forest = Forest::ParseBoosterJson(booster.SaveJson());
    ASSERT_TRUE(forest) << forest.error().message;
    auto explainer = TreeShapExplainer::Build(*forest);
    ASSERT_TRUE(explainer) << explainer.error().message;
    std::vector<float> base(data.x.begin(),
                            data.x.begin() + static_cast<std::ptrdiff_t>(200 * c.cols));
    ExpectAgreement(*forest, *explainer, booster, TestRows(*forest, base, 300, 17));
}

INSTANTIATE_TEST_SUITE_P(
    Boosters,
    TreeShapOracleTest,
    ::testing::Values(
        ShapCase{"spec_like",
                 1500,
                 41,
                 40,
                 {{"objective", "binary:logistic"},
                  {"max_depth", "7"},
                  {"eta", "0.1"},
                  {"min_child_weight", "3"},
                  {"subsample", "0.7"},
                  {"reg_alpha", "1"},
                  {"reg_lambda", "5"},
                  {"tree_method", "hist"},
                  {"seed", "42"}},
                 {}},
        ShapCase{"stumps_base_score",
                 600,
                 12,
                 30,
                 {{"objective", "binary:logistic"}, {"max_depth", "1"}, {"base_score", "0.3"}},
                 {}},
        ShapCase{"single_leaf_tail",
                 600,
                 12,
                 20,
                 {{"objective", "binary:logistic"}, {"max_depth", "4"}},
                 {{"gamma", "1e9"}}},
        ShapCase{"exact_midpoints",
                 600,
                 8,
                 20,
                 {{"objective", "binary:logistic"}, {"max_depth", "6"}, {"tree_method", "exact"}},
                 {}},
        ShapCase{"deep",
                 2000,
                 14,
                 6,
                 {{"objective", "binary:logistic"},
                  {"max_depth", "11"},
                  {"min_child_weight", "0"},
                  {"eta", "0.5"}},
                 {}}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// Path-dependent expectation of one tree given the features in `known` (bit j = feature j).
double Expectation(const TreeArrays& tree,
                   std::size_t node,
                   std::span<const float> row,
                   std::uint32_t known) {
    if (tree.IsLeaf(node)) return tree.split_conditions[node];
    const auto left = static_cast<std::size_t>(tree.left_children[node]);
    const auto right = static_cast<std::size_t>(tree.right_children[node]);
    const std::uint32_t feature = tree.split_indices[node];
    if ((known >> feature & 1U) != 0) {
        const bool goes_right = Forest::GoesRight(row[feature], tree.split_conditions[node],
                                                  tree.default_left[node] != 0 ? 0 : 1) != 0;
        return Expectation(tree, goes_right ? right : left, row, known);
    }
    const double cover = tree.sum_hessian[node];
    return (tree.sum_hessian[left] * Expectation(tree, left, row, known) +
            tree.sum_hessian[right] * Expectation(tree, right, row, known)) /
           cover;
}

// Shapley values from their definition: every subset of the features, weighted.
std::vector<double> BruteForceShap(const Forest& forest, std::span<const float> row) {
    const std::size_t m = forest.FeatureCount();
    auto value = [&](std::uint32_t known) {
        double sum = forest.BaseMargin();
        for (const TreeArrays& tree : forest.Trees()) sum += Expectation(tree, 0, row, known);
        return sum;
    };
    std::vector<double> factorial(m + 1, 1.0);
    for (std::size_t i = 1; i <= m; ++i) factorial[i] = factorial[i - 1] * static_cast<double>(i);
    std::vector<double> phi(m, 0.0);
    for (std::size_t j = 0; j < m; ++j) {
        for (std::uint32_t subset = 0; subset < (1U << m); ++subset) {
            if ((subset >> j & 1U) != 0) continue;
            const auto s = static_cast<std::size_t>(std::popcount(subset));
            const double weight = factorial[s] * factorial[m - s - 1] / factorial[m];
            phi[j] += weight * (value(subset | (1U << j)) - value(subset));
        }
    }
    return phi;
}

void ExpectMatchesBruteForce(const Forest& forest, const std::vector<float>& rows) {
    auto explainer = TreeShapExplainer::Build(forest);
    ASSERT_TRUE(explainer) << explainer.error().message;
    const std::size_t cols = forest.FeatureCount();
    std::vector<double> phi(cols);
    for (std::size_t r = 0; r < rows.size() / cols; ++r) {
        const std::span<const float> row(&rows[r * cols], cols);
        double base = 0.0;
        explainer->Explain(row, phi, base);
        const std::vector<double> want = BruteForceShap(forest, row);
        for (std::size_t j = 0; j < cols; ++j) {
            EXPECT_NEAR(phi[j], want[j], 1e-9) << "row " << r << " feature " << j;
        }
    }
}

TEST(TreeShapDefinitionTest, MatchesShapleyValuesFromTheirDefinition) {
    const Dataset data = MakeDataset(500, 7, 21);
    const XgbBooster booster = XgbBooster::Train(
        data, {{"objective", "binary:logistic"}, {"max_depth", "5"}, {"base_score", "0.4"}}, 8);
    auto forest = Forest::ParseBoosterJson(booster.SaveJson());
    ASSERT_TRUE(forest);
    ExpectMatchesBruteForce(
        *forest,
        TestRows(*forest, std::vector<float>(data.x.begin(), data.x.begin() + 7 * 20), 60, 3));
}

// A hand-made tree: feature 0 split twice on one path, and a child with zero cover, which
// rules out dividing by the zero fraction (XGBoost itself returns NaN there).
TEST(TreeShapDefinitionTest, RepeatedFeaturesAndZeroCoverChildren) {
    const Dataset data = MakeDataset(200, 3, 3);
    const std::string seed =
        XgbBooster::Train(data, {{"objective", "binary:logistic"}}, 1).SaveJson();
    TreeArrays tree;
    // 0: f0<0 ? 1 : 2;  1: f1<1 ? 3 : 4;  2: leaf;  3: f0<-1 ? 5 : 6;  4: leaf(zero cover)
    tree.left_children = {1, 3, -1, 5, -1, -1, -1};
    tree.right_children = {2, 4, -1, 6, -1, -1, -1};
    tree.split_indices = {0, 1, 0, 0, 0, 0, 0};
    tree.split_conditions = {0.0F, 1.0F, 0.7F, -1.0F, -0.4F, 0.25F, -0.9F};
    tree.default_left = {1, 0, 0, 1, 0, 0, 0};
    tree.sum_hessian = {10.0F, 6.0F, 4.0F, 6.0F, 0.0F, 2.0F, 4.0F};
    TreeArrays second = tree;
    second.sum_hessian = {10.0F, 6.0F, 4.0F, 6.0F, 3.0F, 0.0F, 6.0F};
    second.sum_hessian[1] = 9.0F;
    second.sum_hessian[3] = 6.0F;
    auto forest = Forest::ParseBoosterJson(testing::ReplaceTrees(seed, {tree, second}));
    ASSERT_TRUE(forest) << forest.error().message;
    std::vector<float> rows;
    for (const float f0 : {-2.0F, -1.0F, -0.5F, 0.0F, 1.0F, NAN}) {
        for (const float f1 : {0.0F, 1.0F, 2.0F, NAN}) rows.insert(rows.end(), {f0, f1, 5.0F});
    }
    ExpectMatchesBruteForce(*forest, rows);
}

TEST(TreeShapExplainerTest, WrongSizesGiveNaN) {
    const Dataset data = MakeDataset(200, 4, 3);
    auto forest = Forest::ParseBoosterJson(
        XgbBooster::Train(data, {{"objective", "binary:logistic"}}, 2).SaveJson());
    ASSERT_TRUE(forest);
    auto explainer = TreeShapExplainer::Build(*forest);
    ASSERT_TRUE(explainer);
    std::vector<double> phi(4);
    double base = 0.0;
    explainer->Explain(std::vector<float>(3, 0.0F), phi, base);
    EXPECT_TRUE(std::isnan(base));
    EXPECT_TRUE(std::all_of(phi.begin(), phi.end(), [](double v) { return std::isnan(v); }));
}

TEST(FeatureSumTest, ColumnsGroupUnderTheirFieldAndSumsArePreserved) {
    const std::vector<std::string> features = {"age", "poste", "genre"};
    const std::vector<std::string> columns = {"age", "poste=Manager", "poste=Tech Lead", "genre=M"};
    auto mapping = MapColumnsToFeatures(columns, features);
    ASSERT_TRUE(mapping) << mapping.error().message;
    EXPECT_EQ(*mapping, (std::vector<std::size_t>{0, 1, 1, 2}));
    const std::vector<double> values = {0.5, -0.25, 0.125, 2.0};
    std::vector<double> summed(3, 99.0);
    SumByFeature(values, *mapping, summed);
    EXPECT_EQ(summed[1], values[1] + values[2]);
    EXPECT_EQ(std::accumulate(summed.begin(), summed.end(), 0.0),
              std::accumulate(values.begin(), values.end(), 0.0));
    const std::vector<std::string> unknown = {"salaire=haut"};
    auto refused = MapColumnsToFeatures(unknown, features);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, base::ErrorCode::kInvalidInput);
}

// The committed models (v1, and v2 with its optional input's columns).
class TreeShapRealModelTest : public ::testing::TestWithParam<std::string_view> {};

TEST_P(TreeShapRealModelTest, AgreesWithPredContribsOnTheCommittedBooster) {
    const char* source = std::getenv("ATTRITION_SOURCE_DIR");
    const std::filesystem::path path = std::filesystem::path(source != nullptr ? source : ".") /
                                       "model" / std::string(GetParam()) / "booster.json";
    if (!std::filesystem::exists(path)) {
        GTEST_SKIP() << path << " is absent (committed by the training issue)";
    }
    auto forest = Forest::LoadBoosterJson(path);
    ASSERT_TRUE(forest) << forest.error().message;
    auto explainer = TreeShapExplainer::Build(*forest);
    ASSERT_TRUE(explainer) << explainer.error().message;
    const XgbBooster booster = XgbBooster::LoadFile(path);
    const std::size_t cols = forest->FeatureCount();
    std::vector<float> base(2 * cols, 0.0F);
    std::fill(base.begin() + static_cast<std::ptrdiff_t>(cols), base.end(), 1.0F);
    ExpectAgreement(*forest, *explainer, booster, TestRows(*forest, base, 400, 9));
}

INSTANTIATE_TEST_SUITE_P(Committed,
                         TreeShapRealModelTest,
                         ::testing::ValuesIn(test::kCommittedVersions),
                         [](const auto& param_info) {
                             return test::VersionTestName(param_info.param);
                         });

}  // namespace
}  // namespace attrition::model
