// Forest against XGBoost's own predictor: boosters trained here on generated data (and the
// committed model when present), compared bit for bit on every row.
#include "model/forest.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
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

std::uint32_t Bits(float value) { return std::bit_cast<std::uint32_t>(value); }

// Predicts `rows` with both and expects identical bits: single-row and batch, margin and
// probability.
void ExpectBitIdentical(const Forest& forest,
                        const XgbBooster& booster,
                        const std::vector<float>& rows) {
    const std::size_t cols = forest.FeatureCount();
    const std::size_t count = rows.size() / cols;
    const std::vector<float> want_margin = booster.PredictInplace(rows, cols, true);
    const std::vector<float> want_probability = booster.PredictInplace(rows, cols, false);
    std::vector<float> batch_margin(count);
    std::vector<float> batch_probability(count);
    forest.PredictMargins(rows, batch_margin);
    forest.PredictProbabilities(rows, batch_probability);
    std::size_t mismatches = 0;
    for (std::size_t r = 0; r < count; ++r) {
        const std::span<const float> row(&rows[r * cols], cols);
        const float margin = forest.PredictMargin(row);
        const float probability = forest.PredictProbability(row);
        const bool same = Bits(margin) == Bits(want_margin[r]) &&
                          Bits(batch_margin[r]) == Bits(want_margin[r]) &&
                          Bits(probability) == Bits(want_probability[r]) &&
                          Bits(batch_probability[r]) == Bits(want_probability[r]);
        if (!same && mismatches++ < 5) {
            ADD_FAILURE() << "row " << r << ": margin " << margin << " batch " << batch_margin[r]
                          << " xgboost " << want_margin[r] << "; probability " << probability
                          << " batch " << batch_probability[r] << " xgboost "
                          << want_probability[r];
        }
    }
    EXPECT_EQ(mismatches, 0U) << "of " << count << " rows";
}

std::vector<float> TestRows(const Forest& forest, const Dataset& data, std::uint32_t seed) {
    std::vector<float> rows = data.x;
    const auto probes = testing::ProbeRows(
        data.x, forest.FeatureNames(),
        testing::SplitThresholds(forest.Trees(), forest.FeatureCount()), 1500, seed);
    rows.insert(rows.end(), probes.begin(), probes.end());
    return rows;
}

struct OracleCase {
    const char* name;
    std::size_t rows;
    std::size_t cols;
    int rounds;
    Params params;
    Params later;  // applied from the middle round on
};

class ForestOracleTest : public ::testing::TestWithParam<OracleCase> {};

TEST_P(ForestOracleTest, BitIdenticalToXgboostOnEveryRow) {
    const OracleCase& c = GetParam();
    const Dataset data = MakeDataset(c.rows, c.cols, 7);
    const XgbBooster booster = XgbBooster::Train(data, c.params, c.rounds, c.later);
    auto forest = Forest::ParseBoosterJson(booster.SaveJson());
    ASSERT_TRUE(forest) << forest.error().message;
    EXPECT_EQ(forest->FeatureCount(), c.cols);
    EXPECT_EQ(forest->TreeCount(), static_cast<std::size_t>(c.rounds));
    EXPECT_EQ(forest->FeatureNames(), booster.FeatureNames());
    ExpectBitIdentical(*forest, booster, TestRows(*forest, data, 11));
}

const Params kSpecLike = {{"objective", "binary:logistic"},
                          {"max_depth", "7"},
                          {"eta", "0.1"},
                          {"min_child_weight", "3"},
                          {"subsample", "0.7"},
                          {"reg_alpha", "1"},
                          {"reg_lambda", "5"},
                          {"tree_method", "hist"},
                          {"seed", "42"}};

INSTANTIATE_TEST_SUITE_P(
    Boosters,
    ForestOracleTest,
    ::testing::Values(
        OracleCase{"spec_like", 1500, 41, 60, kSpecLike, {}},
        OracleCase{"stumps_base_score",
                   800,
                   12,
                   30,
                   {{"objective", "binary:logistic"}, {"max_depth", "1"}, {"base_score", "0.3"}},
                   {}},
        OracleCase{"single_leaf_tail",
                   800,
                   12,
                   20,
                   {{"objective", "binary:logistic"}, {"max_depth", "3"}},
                   {{"gamma", "1e9"}}},
        OracleCase{"only_single_leaves",
                   300,
                   5,
                   6,
                   {{"objective", "binary:logistic"}, {"gamma", "1e9"}},
                   {}},
        OracleCase{"exact_midpoints",
                   600,
                   10,
                   25,
                   {{"objective", "binary:logistic"}, {"max_depth", "5"}, {"tree_method", "exact"}},
                   {}},
        OracleCase{"reg_logistic",
                   600,
                   10,
                   25,
                   {{"objective", "reg:logistic"}, {"max_depth", "4"}, {"base_score", "0.7"}},
                   {}},
        OracleCase{"deep_compact_layout",
                   3000,
                   20,
                   12,
                   {{"objective", "binary:logistic"},
                    {"max_depth", "14"},
                    {"min_child_weight", "0"},
                    {"eta", "0.5"},
                    {"lambda", "0"}},
                   {}}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// The cases above mean what they say: some trees are single leaves, some forests are deeper
// than the complete layout allows.
TEST(ForestShapeTest, EdgeCaseBoostersHaveTheIntendedShape) {
    const Dataset data = MakeDataset(800, 12, 7);
    const XgbBooster tail = XgbBooster::Train(
        data, {{"objective", "binary:logistic"}, {"max_depth", "3"}}, 20, {{"gamma", "1e9"}});
    auto forest = Forest::ParseBoosterJson(tail.SaveJson());
    ASSERT_TRUE(forest);
    EXPECT_EQ(forest->Trees().front().depth, 3U);
    EXPECT_EQ(forest->Trees().back().depth, 0U);
    EXPECT_TRUE(forest->UsesCompleteLayout());

    const Dataset wide = MakeDataset(3000, 20, 7);
    const XgbBooster deep = XgbBooster::Train(wide,
                                              {{"objective", "binary:logistic"},
                                               {"max_depth", "14"},
                                               {"min_child_weight", "0"},
                                               {"eta", "0.5"},
                                               {"lambda", "0"}},
                                              12);
    auto deep_forest = Forest::ParseBoosterJson(deep.SaveJson());
    ASSERT_TRUE(deep_forest);
    EXPECT_GT(deep_forest->Depth(), Forest::kMaxCompleteDepth);
    EXPECT_FALSE(deep_forest->UsesCompleteLayout());
}

// A chain tree whose leaves span margins far beyond the sigmoid's clamp (|margin| > 88.7):
// the probabilities must still match XGBoost's bit for bit, and so must the stair of
// thresholds (a deep tree, compact layout).
TEST(ForestEdgeTest, ExtremeMarginsAndThresholdTiesMatchXgboost) {
    const Dataset data = MakeDataset(200, 3, 3);
    const XgbBooster seed = XgbBooster::Train(data, {{"objective", "binary:logistic"}}, 1);
    std::vector<float> values;
    for (float v = -130.0F; v <= 130.0F; v += 2.5F) values.push_back(v);
    for (const float v : {-88.7F, 88.7F, -88.72283F, 103.97F, -103.97F, 0.0F, -0.0F}) {
        values.push_back(v);
    }
    TreeArrays chain;
    const std::size_t leaves = values.size();
    // Node 2i splits f1 < i; its left child 2i+1 is a leaf, its right child the next split.
    for (std::size_t i = 0; i + 1 < leaves; ++i) {
        const auto node = static_cast<std::int32_t>(chain.NodeCount());
        chain.left_children.insert(chain.left_children.end(), {node + 1, -1});
        chain.right_children.insert(chain.right_children.end(), {node + 2, -1});
        chain.split_indices.insert(chain.split_indices.end(), {1, 0});
        chain.split_conditions.insert(chain.split_conditions.end(),
                                      {static_cast<float>(i), values[i]});
        chain.default_left.insert(chain.default_left.end(), {static_cast<std::uint8_t>(i % 2), 0});
        chain.sum_hessian.insert(chain.sum_hessian.end(), {10.0F, 1.0F});
    }
    chain.left_children.push_back(-1);
    chain.right_children.push_back(-1);
    chain.split_indices.push_back(0);
    chain.split_conditions.push_back(values.back());
    chain.default_left.push_back(0);
    chain.sum_hessian.push_back(1.0F);
    const std::string json = testing::ReplaceTrees(seed.SaveJson(), {chain});
    const XgbBooster booster = XgbBooster::LoadJson(json);
    auto forest = Forest::ParseBoosterJson(json);
    ASSERT_TRUE(forest) << forest.error().message;
    std::vector<float> rows;
    for (std::size_t i = 0; i < leaves; ++i) {
        for (const float f1 : {static_cast<float>(i), static_cast<float>(i) - 0.5F}) {
            rows.insert(rows.end(), {0.0F, f1, 0.0F});
        }
    }
    rows.insert(rows.end(), {0.0F, NAN, 0.0F, 0.0F, INFINITY, 0.0F, 0.0F, -INFINITY, 0.0F});
    ExpectBitIdentical(*forest, booster, rows);
}

TEST(ForestEdgeTest, WrongRowSizeGivesNaN) {
    const Dataset data = MakeDataset(200, 4, 3);
    const XgbBooster booster = XgbBooster::Train(data, {{"objective", "binary:logistic"}}, 2);
    auto forest = Forest::ParseBoosterJson(booster.SaveJson());
    ASSERT_TRUE(forest);
    const std::vector<float> short_row(3, 0.0F);
    EXPECT_TRUE(std::isnan(forest->PredictMargin(short_row)));
    std::vector<float> out(2, 0.0F);
    forest->PredictMargins(short_row, out);
    EXPECT_TRUE(std::isnan(out[0]) && std::isnan(out[1]));
}

// The committed models (v1, and v2 with its optional input's columns).
class ForestRealModelTest : public ::testing::TestWithParam<std::string_view> {};

TEST_P(ForestRealModelTest, BitIdenticalOnTheCommittedBooster) {
    const char* source = std::getenv("ATTRITION_SOURCE_DIR");
    const std::filesystem::path path = std::filesystem::path(source != nullptr ? source : ".") /
                                       "model" / std::string(GetParam()) / "booster.json";
    if (!std::filesystem::exists(path)) {
        GTEST_SKIP() << path << " is absent (committed by the training issue)";
    }
    auto forest = Forest::LoadBoosterJson(path);
    ASSERT_TRUE(forest) << forest.error().message;
    const XgbBooster booster = XgbBooster::LoadFile(path);
    ASSERT_EQ(forest->FeatureCount(), booster.FeatureCount());
    // Base rows: zeros and ones; the probes put every feature at and around its thresholds.
    const std::size_t cols = forest->FeatureCount();
    std::vector<float> base(2 * cols, 0.0F);
    std::fill(base.begin() + static_cast<std::ptrdiff_t>(cols), base.end(), 1.0F);
    const auto rows = testing::ProbeRows(
        base, forest->FeatureNames(),
        testing::SplitThresholds(forest->Trees(), forest->FeatureCount()), 5000, 5);
    ExpectBitIdentical(*forest, booster, rows);
}

INSTANTIATE_TEST_SUITE_P(Committed,
                         ForestRealModelTest,
                         ::testing::ValuesIn(test::kCommittedVersions),
                         [](const auto& param_info) {
                             return test::VersionTestName(param_info.param);
                         });

}  // namespace
}  // namespace attrition::model
