// Realized figures (monitoring::Judge): absent with a reason under the floor of judged
// predictions per class, never 0 or 1.0 from one class; each with its n; intervals checked
// against independent computations here (Wilson as the roots of its quadratic, Hanley-McNeil
// against DeLong's variance on a sample where its exponential model holds).
#include "monitoring/realized.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace attrition::monitoring {
namespace {

constexpr double kZ = 1.959963984540054;

store::LivePerformance Counts(std::uint64_t leavers, std::uint64_t stayers) {
    store::LivePerformance live;
    live.resolved = leavers + stayers;
    live.positives = leavers;
    live.true_positive = leavers / 2;
    live.false_negative = leavers - live.true_positive;
    live.false_positive = stayers / 4;
    live.auc_pairs = 0.75 * static_cast<double>(leavers) * static_cast<double>(stayers);
    live.precision_gain = 0.6 * static_cast<double>(leavers);
    live.squared_error = 0.15 * static_cast<double>(live.resolved);
    live.squared_error_squared = 0.05 * static_cast<double>(live.resolved);
    return live;
}

TEST(JudgeTest, UnderTheFloorEveryFigureIsAbsentWithItsReason) {
    const std::vector<std::pair<store::LivePerformance, std::string_view>> cases{
        {store::LivePerformance{}, kReasonNothingJudged},
        {Counts(kMinPerClass - 1, 500), kReasonTooFewLeavers},
        {Counts(500, kMinPerClass - 1), kReasonTooFewStayers},
        {Counts(40, 0), kReasonTooFewStayers},  // one class: never 1.0
    };
    for (const auto& [live, reason] : cases) {
        const auto realized = Judge(live);
        for (const auto* figure : {&realized.roc_auc, &realized.pr_auc, &realized.precision,
                                   &realized.recall, &realized.f1_score, &realized.brier}) {
            EXPECT_FALSE(figure->value) << reason;
            EXPECT_EQ(figure->reason, reason);
            EXPECT_FALSE(figure->interval);
        }
        EXPECT_EQ(realized.roc_auc.n, live.resolved);
        EXPECT_EQ(realized.recall.n, live.positives);
    }
}

TEST(JudgeTest, AtTheFloorTheFiguresAreTheCountsOwn) {
    const auto live = Counts(kMinPerClass, 3 * kMinPerClass);
    const auto realized = Judge(live);
    // Counts(30, 90): 15 of 30 leavers flagged, 22 of 90 stayers; pairs 0.75 of all, gain 0.6
    // per leaver, squared error 0.15 per row.
    EXPECT_DOUBLE_EQ(*realized.roc_auc.value, 0.75);
    EXPECT_DOUBLE_EQ(*realized.pr_auc.value, 0.6);
    EXPECT_DOUBLE_EQ(*realized.precision.value, 15.0 / (15 + 22));
    EXPECT_DOUBLE_EQ(*realized.recall.value, 15.0 / 30);
    EXPECT_DOUBLE_EQ(*realized.f1_score.value, 2.0 * 15 / (2 * 15 + 22 + 15));
    EXPECT_DOUBLE_EQ(*realized.brier.value, 0.15);
    EXPECT_EQ(realized.precision.n, live.true_positive + live.false_positive);
    EXPECT_EQ(realized.recall.n, live.positives);
    for (const auto* figure : {&realized.roc_auc, &realized.pr_auc, &realized.precision,
                               &realized.recall, &realized.brier}) {
        ASSERT_TRUE(figure->interval);
        EXPECT_LE(figure->interval->first, *figure->value);
        EXPECT_GE(figure->interval->second, *figure->value);
        EXPECT_TRUE(figure->reason.empty());
    }
}

TEST(IntervalTest, BrierIsTheMeanSquaredErrorsNormalInterval) {
    // Squared errors of a sample, their mean's interval from their sample standard deviation,
    // computed here term by term.
    std::mt19937 random(5);
    std::uniform_real_distribution<double> uniform(0, 1);
    std::vector<double> errors;
    double sum = 0;
    double sum_of_squares = 0;
    for (int i = 0; i < 500; ++i) {
        const double p = uniform(random);
        const double y = uniform(random) < p ? 1.0 : 0.0;
        const double e = (p - y) * (p - y);
        errors.push_back(e);
        sum += e;
        sum_of_squares += e * e;
    }
    double mean = 0;
    for (const double e : errors) mean += e / 500;
    double deviations = 0;
    for (const double e : errors) deviations += (e - mean) * (e - mean);
    const double standard_error = std::sqrt(deviations / 499) / std::sqrt(500.0);
    const auto [low, high] = BrierInterval(sum, sum_of_squares, 500);
    ASSERT_GT(mean - kZ * standard_error, 0.0);  // not clamped
    EXPECT_NEAR(low, mean - kZ * standard_error, 1e-12);
    EXPECT_NEAR(high, mean + kZ * standard_error, 1e-12);
}

TEST(IntervalTest, ProportionRatioIsKatzsLogInterval) {
    // 10 of 100 against 20 of 100: ratio 0.5, log standard error sqrt(1/10 - 1/100 + 1/20 -
    // 1/100) = sqrt(0.13).
    const auto [low, high] = ProportionRatioInterval(10, 100, 20, 100);
    EXPECT_NEAR(low, 0.5 * std::exp(-kZ * std::sqrt(0.13)), 1e-12);
    EXPECT_NEAR(high, 0.5 * std::exp(kZ * std::sqrt(0.13)), 1e-12);
    EXPECT_NEAR(low, 0.2467, 1e-4);
    // None flagged in the first group: half a success stands in, so the bound stays finite.
    const auto none = ProportionRatioInterval(0, 100, 20, 100);
    EXPECT_NEAR(none.second, (0.5 / 100) / 0.2 * std::exp(kZ * std::sqrt(2 - 0.01 + 0.05 - 0.01)),
                1e-12);
}

TEST(IntervalTest, AveragePrecisionLogitInterval) {
    // AP 0.6 over 100 leavers: logit 0.4055 +- 1.96 / sqrt(24).
    const auto interval = AveragePrecisionInterval(0.6, 100);
    ASSERT_TRUE(interval);
    const double centre = std::log(0.6 / 0.4);
    const double half = kZ / std::sqrt(24.0);
    EXPECT_NEAR(interval->first, 1 / (1 + std::exp(-(centre - half))), 1e-12);
    EXPECT_NEAR(interval->second, 1 / (1 + std::exp(-(centre + half))), 1e-12);
    EXPECT_NEAR(interval->first, 0.5013, 1e-4);
    EXPECT_FALSE(AveragePrecisionInterval(1.0, 100));
}

TEST(JudgeTest, NothingFlaggedLeavesPrecisionAndF1Undefined) {
    auto live = Counts(50, 50);
    live.false_negative += live.true_positive;
    live.true_positive = 0;
    live.false_positive = 0;
    const auto realized = Judge(live);
    EXPECT_FALSE(realized.precision.value);
    EXPECT_EQ(realized.precision.reason, kReasonNothingFlagged);
    EXPECT_FALSE(realized.f1_score.value);
    EXPECT_EQ(*realized.recall.value, 0.0);  // defined: no leaver was flagged
    live.false_positive = 5;                 // flagged, none of them a leaver
    EXPECT_EQ(Judge(live).f1_score.reason, kReasonUndefined);
    EXPECT_EQ(*Judge(live).precision.value, 0.0);
}

TEST(IntervalTest, WilsonBoundsAreTheRootsOfItsQuadratic) {
    for (const auto& [k, n] : {std::pair<std::uint64_t, std::uint64_t>{0, 10},
                               {3, 10},
                               {50, 100},
                               {99, 100},
                               {100, 100},
                               {7, 1000}}) {
        // (p_hat - p)^2 = z^2 p (1 - p) / n, as a p^2 + b p + c = 0.
        const double p_hat = static_cast<double>(k) / static_cast<double>(n);
        const double z2n = kZ * kZ / static_cast<double>(n);
        const double a = 1 + z2n, b = -(2 * p_hat + z2n), c = p_hat * p_hat;
        const double root = std::sqrt(b * b - 4 * a * c);
        const auto [low, high] = WilsonInterval(k, n);
        EXPECT_NEAR(low, std::max(0.0, (-b - root) / (2 * a)), 1e-12) << k << "/" << n;
        EXPECT_NEAR(high, std::min(1.0, (-b + root) / (2 * a)), 1e-12) << k << "/" << n;
    }
}

// A fairness group's intervals: each rate's Wilson interval over the rows it divides by, none
// where there are no such rows.
TEST(IntervalTest, AGroupsRatesCarryTheWilsonIntervalOfTheirOwnCounts) {
    model::GroupFairness group;
    group.n = 200;
    group.flagged = 40;
    group.resolved = 120;
    group.positives = 30;
    group.true_positive = 18;
    group.false_positive = 12;
    const auto intervals = IntervalsOf(group);
    const std::pair<const std::optional<std::pair<double, double>>*, std::pair<int, int>>
        expected[] = {{&intervals.selection_rate, {40, 200}},
                      {&intervals.observed_rate, {30, 120}},
                      {&intervals.tpr, {18, 30}},
                      {&intervals.fpr, {12, 90}},
                      {&intervals.precision, {18, 30}}};
    for (const auto& [interval, counts] : expected) {
        ASSERT_TRUE(interval->has_value());
        const auto wilson = WilsonInterval(counts.first, counts.second);
        EXPECT_EQ(**interval, wilson) << counts.first << "/" << counts.second;
    }
    model::GroupFairness unresolved;
    unresolved.n = 10;
    unresolved.flagged = 0;
    const auto none = IntervalsOf(unresolved);
    ASSERT_TRUE(none.selection_rate);
    EXPECT_EQ(none.selection_rate->first, 0.0);
    EXPECT_FALSE(none.observed_rate);
    EXPECT_FALSE(none.tpr);
    EXPECT_FALSE(none.fpr);
    EXPECT_FALSE(none.precision);
}

// DeLong's variance of the empirical AUC, from the placement values of each class.
double DeLongVariance(const std::vector<double>& positives, const std::vector<double>& negatives) {
    const auto psi = [](double x, double y) { return x > y ? 1.0 : x == y ? 0.5 : 0.0; };
    std::vector<double> v10, v01;
    for (const double x : positives) {
        double s = 0;
        for (const double y : negatives) s += psi(x, y);
        v10.push_back(s / static_cast<double>(negatives.size()));
    }
    for (const double y : negatives) {
        double s = 0;
        for (const double x : positives) s += psi(x, y);
        v01.push_back(s / static_cast<double>(positives.size()));
    }
    const auto variance = [](const std::vector<double>& v) {
        double mean = 0;
        for (const double x : v) mean += x;
        mean /= static_cast<double>(v.size());
        double sum = 0;
        for (const double x : v) sum += (x - mean) * (x - mean);
        return sum / static_cast<double>(v.size() - 1);
    };
    return variance(v10) / static_cast<double>(positives.size()) +
           variance(v01) / static_cast<double>(negatives.size());
}

TEST(IntervalTest, HanleyMcNeilAgreesWithDeLongWhereItsModelHolds) {
    // Exponential scores (Hanley & McNeil's model): leavers' rate 1, stayers' rate 2.5.
    std::mt19937_64 random(20261205);
    std::exponential_distribution<double> leaver(1.0), stayer(2.5);
    std::vector<double> positives(300), negatives(1200);
    for (auto& x : positives) x = leaver(random);
    for (auto& y : negatives) y = stayer(random);
    double pairs = 0;
    for (const double x : positives) {
        for (const double y : negatives) pairs += x > y ? 1.0 : x == y ? 0.5 : 0.0;
    }
    const double auc = pairs / static_cast<double>(positives.size() * negatives.size());
    const auto [low, high] = AucInterval(auc, static_cast<double>(positives.size()),
                                         static_cast<double>(negatives.size()));
    const double half_delong = kZ * std::sqrt(DeLongVariance(positives, negatives));
    EXPECT_NEAR((high - low) / 2, half_delong, 0.15 * half_delong);
    EXPECT_NEAR((low + high) / 2, auc, 1e-12);
    // Clamped to [0, 1] near a perfect separation.
    EXPECT_EQ(AucInterval(1.0, 30, 30).second, 1.0);
}

}  // namespace
}  // namespace attrition::monitoring
