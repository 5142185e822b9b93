// Training distributions and drift figures (model/distributions.hpp) against values worked out
// by hand or by their textbook formulas here: numpy's linear deciles, the bin rule, the PSI
// with its floor, the binned KS distance, the level thresholds, the comparison of live values
// and the JSON form with its checks.
#include "model/distributions.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <vector>

namespace attrition::model {
namespace {

using ::testing::HasSubstr;

TEST(DistributionsTest, DecilesOfOneToHundredAreNumpysLinearQuantiles) {
    std::vector<double> values(100);
    std::iota(values.begin(), values.end(), 1.0);
    values.push_back(std::nan(""));  // a missing value is left out
    const auto bins = DecileDistribution(values);
    ASSERT_EQ(bins.edges.size(), 9U);
    for (int k = 1; k <= 9; ++k) {
        // numpy.quantile(range(1, 101), k / 10): position 99 k / 10 between ranks.
        EXPECT_NEAR(bins.edges[k - 1], 1 + 9.9 * k, 1e-12) << k;
    }
    ASSERT_EQ(bins.frequencies.size(), 10U);
    for (const double share : bins.frequencies) EXPECT_DOUBLE_EQ(share, 0.1);
}

TEST(DistributionsTest, TiedDecilesMergeAndTheBinRuleCountsAnEdgeUpward) {
    const std::vector<double> values{1, 1, 1, 1, 1, 1, 1, 1, 2, 3};
    const auto bins = DecileDistribution(values);
    // Deciles 0.1..0.7 are 1; 0.8 at position 7.2 is 1.2; 0.9 at 8.1 is 2.1.
    ASSERT_EQ(bins.edges.size(), 3U);
    EXPECT_DOUBLE_EQ(bins.edges[0], 1.0);
    EXPECT_NEAR(bins.edges[1], 1.2, 1e-12);
    EXPECT_NEAR(bins.edges[2], 2.1, 1e-12);
    EXPECT_EQ(bins.frequencies, (std::vector<double>{0.0, 0.8, 0.1, 0.1}));
    EXPECT_EQ(BinOf(bins, 0.5), 0U);
    EXPECT_EQ(BinOf(bins, 1.0), 1U);  // on an edge: the bin above it
    EXPECT_EQ(BinOf(bins, 2.1), 3U);
    EXPECT_EQ(BinOf(bins, 1e9), 3U);
}

TEST(DistributionsTest, PsiIsTheTextbookSumWithEmptyBinsFloored) {
    const std::vector<double> expected{0.5, 0.5};
    const std::vector<double> actual{0.25, 0.75};
    EXPECT_NEAR(Psi(expected, actual),
                (0.25 - 0.5) * std::log(0.25 / 0.5) + (0.75 - 0.5) * std::log(0.75 / 0.5), 1e-15);
    EXPECT_DOUBLE_EQ(Psi(expected, expected), 0.0);
    const std::vector<double> emptied{0.0, 1.0};
    EXPECT_NEAR(Psi(expected, emptied),
                (1e-4 - 0.5) * std::log(1e-4 / 0.5) + (1.0 - 0.5) * std::log(1.0 / 0.5), 1e-12);
}

TEST(DistributionsTest, BinnedKsIsTheLargestGapOfTheCumulativeShares) {
    const std::vector<double> expected{0.2, 0.3, 0.5};
    const std::vector<double> actual{0.1, 0.5, 0.4};
    // Cumulative: 0.2 against 0.1, then 0.5 against 0.6.
    EXPECT_NEAR(BinnedKs(expected, actual), 0.1, 1e-12);
    EXPECT_DOUBLE_EQ(BinnedKs(expected, expected), 0.0);
}

TEST(DistributionsTest, LevelsChangeAtTheirThresholds) {
    EXPECT_EQ(LevelOf(0.0999), DriftLevel::kStable);
    EXPECT_EQ(LevelOf(0.1), DriftLevel::kModerate);
    EXPECT_EQ(LevelOf(0.2499), DriftLevel::kModerate);
    EXPECT_EQ(LevelOf(0.25), DriftLevel::kSignificant);
    EXPECT_EQ(DriftLevelName(DriftLevel::kSignificant), "significant");
}

TrainingDistributions Training() {
    TrainingDistributions training;
    training.numeric.push_back({"age", {{30.0, 40.0}, {0.25, 0.5, 0.25}}});
    training.categorical.push_back({"genre", {"F", "M"}, {0.4, 0.6}});
    training.prediction = BinnedDistribution{{0.5}, {0.8, 0.2}};
    return training;
}

TEST(DistributionsTest, LiveValuesAreBinnedAndComparedPerInput) {
    const std::map<std::string, ValueCounts> live{
        {"age", {{"25", 1}, {"30", 2}, {"39.5", 1}, {"45", 4}, {"not a number", 7}}},
        {"genre", {{"F", 4}, {"M", 4}, {"X", 9}}},
    };
    const auto drifts = CompareInputs(Training(), live, 100);
    ASSERT_EQ(drifts.size(), 2U);
    // age: 1 below 30, 3 in [30, 40), 4 from 40: shares 1/8, 3/8, 4/8.
    EXPECT_EQ(drifts[0].name, "age");
    EXPECT_TRUE(drifts[0].numeric);
    EXPECT_EQ(drifts[0].n, 8U);
    const std::vector<double> age_expected{0.25, 0.5, 0.25}, age_actual{0.125, 0.375, 0.5};
    EXPECT_DOUBLE_EQ(drifts[0].psi, Psi(age_expected, age_actual));
    EXPECT_NEAR(drifts[0].ks, 0.25, 1e-12);  // 0.75 against 0.5 below 40
    EXPECT_EQ(drifts[0].level, LevelOf(drifts[0].psi));
    // genre: the unseen value is left out; 4 and 4.
    EXPECT_EQ(drifts[1].n, 8U);
    EXPECT_FALSE(drifts[1].numeric);
    EXPECT_NEAR(drifts[1].psi,
                (0.5 - 0.4) * std::log(0.5 / 0.4) + (0.5 - 0.6) * std::log(0.5 / 0.6), 1e-15);
    EXPECT_EQ(drifts[1].level, DriftLevel::kStable);

    const auto none = CompareInputs(Training(), {}, 100);
    EXPECT_EQ(none[0].n, 0U);
    EXPECT_EQ(none[0].psi, 0.0);

    const std::vector<std::pair<double, std::uint64_t>> scores{{0.1, 5}, {0.5, 5}};
    const auto scored = CompareScores(*Training().prediction, scores, 100);
    EXPECT_EQ(scored.name, "prediction");
    EXPECT_EQ(scored.n, 10U);
    EXPECT_NEAR(scored.psi, (0.5 - 0.8) * std::log(0.5 / 0.8) + (0.5 - 0.2) * std::log(0.5 / 0.2),
                1e-15);
    EXPECT_EQ(scored.level, DriftLevel::kSignificant);
}

TEST(DistributionsTest, EachBinSaysWhatMovedLargestFirst) {
    const std::map<std::string, ValueCounts> live{
        {"age", {{"25", 1}, {"30", 2}, {"39.5", 1}, {"45", 4}}},
        {"genre", {{"F", 4}, {"M", 4}}},
    };
    const auto drifts = CompareInputs(Training(), live, 100);
    const auto& age = drifts[0];
    ASSERT_EQ(age.bins.size(), 3U);
    // From 40 up: 0.25 at training, 0.5 live, the largest part of the PSI.
    EXPECT_EQ(age.bins[0].lower, 40.0);
    EXPECT_FALSE(age.bins[0].upper);
    EXPECT_DOUBLE_EQ(age.bins[0].training_share, 0.25);
    EXPECT_DOUBLE_EQ(age.bins[0].live_share, 0.5);
    EXPECT_NEAR(age.bins[0].contribution, 0.25 * std::log(2.0), 1e-15);
    double sum = 0;
    for (std::size_t i = 0; i < age.bins.size(); ++i) {
        sum += age.bins[i].contribution;
        if (i > 0) {
            EXPECT_GE(age.bins[i - 1].contribution, age.bins[i].contribution);
        }
    }
    EXPECT_NEAR(sum, age.psi, 1e-15);
    const auto below =
        std::find_if(age.bins.begin(), age.bins.end(), [](const BinShift& b) { return !b.lower; });
    ASSERT_NE(below, age.bins.end());
    EXPECT_EQ(below->upper, 30.0);
    const auto& genre = drifts[1];
    ASSERT_EQ(genre.bins.size(), 2U);
    // F 0.4 -> 0.5 weighs 0.1 ln 1.25 = 0.022; M 0.6 -> 0.5 weighs 0.1 ln 1.2 = 0.018.
    EXPECT_EQ(genre.bins[0].value, "F");
    EXPECT_NEAR(genre.bins[0].contribution, 0.1 * std::log(1.25), 1e-15);
    EXPECT_EQ(genre.bins[1].value, "M");
}

TEST(DistributionsTest, ChiSquarePercentilesMatchTheTables) {
    // The 95th percentiles of chi-square (any statistics table).
    const std::vector<std::pair<std::size_t, double>> table{
        {1, 3.841}, {2, 5.991}, {5, 11.070}, {9, 16.919}, {20, 31.410}};
    for (const auto& [df, exact] : table) {
        EXPECT_NEAR(ChiSquare95(df) / exact, 1.0, df == 1 ? 0.03 : df == 2 ? 0.01 : 0.005) << df;
    }
    EXPECT_DOUBLE_EQ(PsiChanceBound(3, 8, 100), ChiSquare95(2) * (1.0 / 8 + 1.0 / 100));
    EXPECT_DOUBLE_EQ(PsiChanceBound(3, 8, 0), ChiSquare95(2) / 8);
    EXPECT_EQ(PsiChanceBound(1, 8, 100), 0.0);
}

TEST(DistributionsTest, TheChanceBoundIsExceededByChanceAboutOnceInTwenty) {
    // Live samples drawn from the training shares themselves (ten bins, uneven), 200 values
    // each: the PSI exceeds the bound in about 5 % of them.
    const std::vector<double> shares{0.3, 0.2, 0.1, 0.1, 0.08, 0.07, 0.05, 0.04, 0.03, 0.03};
    std::mt19937 random(17);
    std::discrete_distribution<std::size_t> draw(shares.begin(), shares.end());
    const std::uint64_t n = 200;
    const double bound = PsiChanceBound(shares.size(), n, 0);
    int above = 0;
    const int trials = 4000;
    for (int t = 0; t < trials; ++t) {
        std::vector<std::uint64_t> counts(shares.size(), 0);
        for (std::uint64_t i = 0; i < n; ++i) ++counts[draw(random)];
        if (Psi(shares, Shares(counts)) > bound) ++above;
    }
    const double rate = static_cast<double>(above) / trials;
    EXPECT_GT(rate, 0.02);
    EXPECT_LT(rate, 0.09);
}

TEST(DistributionsTest, TheJsonFormRoundTripsAndIsChecked) {
    const auto json = DistributionsToJson(Training());
    auto back = DistributionsFromJson(json);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(DistributionsToJson(*back), json);

    auto unsorted = json;
    unsorted["numeric"][0]["edges"] = {40.0, 30.0};
    ASSERT_FALSE(DistributionsFromJson(unsorted));
    EXPECT_THAT(DistributionsFromJson(unsorted).error().message, HasSubstr("age"));
    auto short_shares = json;
    short_shares["numeric"][0]["frequencies"] = {0.5, 0.5};
    EXPECT_FALSE(DistributionsFromJson(short_shares));
    auto not_one = json;
    not_one["categorical"][0]["frequencies"] = {0.5, 0.6};
    ASSERT_FALSE(DistributionsFromJson(not_one));
    EXPECT_THAT(DistributionsFromJson(not_one).error().message, HasSubstr("sum to 1"));
    auto no_prediction = json;
    no_prediction["prediction"] = nullptr;
    auto without = DistributionsFromJson(no_prediction);
    ASSERT_TRUE(without);
    EXPECT_FALSE(without->prediction);
    auto broken = json;
    broken.erase("categorical");
    EXPECT_FALSE(DistributionsFromJson(broken));
}

}  // namespace
}  // namespace attrition::model
