// The performance estimate (monitoring::Estimate) against CBPE computed here from the raw
// probabilities, independently of the bins: each probability p (calibrated) counts p of a
// leaver and 1 - p of a stayer; the expected ROC curve is traced threshold by threshold and its
// area taken by trapezoids (NannyML's definition), the expected confusion matrix summed.
#include "monitoring/estimated.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <vector>

namespace attrition::monitoring {
namespace {

struct Reference {
    double auc, precision, recall, f1, leavers;
};

Reference Cbpe(std::vector<double> scores,
               double threshold,
               const std::function<double(double)>& calibrate) {
    std::sort(scores.begin(), scores.end(), std::greater<>());
    double total1 = 0;
    double total0 = 0;
    for (const double s : scores) {
        total1 += calibrate(s);
        total0 += 1 - calibrate(s);
    }
    double tp = 0;
    double fp = 0;
    double area = 0;
    double previous_tpr = 0;
    double previous_fpr = 0;
    double flagged_tp = 0;
    double flagged = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        tp += calibrate(scores[i]);
        fp += 1 - calibrate(scores[i]);
        if (scores[i] >= threshold) {
            flagged_tp += calibrate(scores[i]);
            flagged += 1;
        }
        if (i + 1 < scores.size() && scores[i + 1] == scores[i]) continue;  // one threshold
        const double tpr = tp / total1;
        const double fpr = fp / total0;
        area += (fpr - previous_fpr) * (tpr + previous_tpr) / 2;
        previous_tpr = tpr;
        previous_fpr = fpr;
    }
    const double precision = flagged_tp / flagged;
    const double recall = flagged_tp / total1;
    return {area, precision, recall, 2 * precision * recall / (precision + recall), total1};
}

// What store::ReadScoreBins gives for these scores.
std::vector<store::ScoreBin> Bins(const std::vector<double>& scores, double threshold) {
    std::map<std::pair<long, bool>, store::ScoreBin> bins;
    for (const double s : scores) {
        const bool flagged = s >= threshold;
        auto& bin = bins[{static_cast<long>(s * store::kScoreBinsPerUnit), flagged}];
        bin.flagged = flagged;
        bin.n += 1;
        bin.sum_score += s;
    }
    std::vector<store::ScoreBin> out;
    for (const auto& [key, bin] : bins) out.push_back(bin);
    return out;
}

std::vector<double> Scores(std::size_t n, unsigned seed) {
    std::mt19937 random(seed);
    std::gamma_distribution<double> a(1.2, 1);
    std::gamma_distribution<double> b(4, 1);
    std::vector<double> scores;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = a(random);
        scores.push_back(x / (x + b(random)));  // Beta(1.2, 4): mostly low, as attrition
    }
    return scores;
}

TEST(EstimateTest, MatchesCbpeComputedFromTheRawProbabilities) {
    const auto scores = Scores(5000, 3);
    const double threshold = 0.5;
    const auto reference = Cbpe(scores, threshold, [](double p) { return p; });
    const auto estimated = Estimate(Bins(scores, threshold), std::nullopt);
    EXPECT_EQ(estimated.n, 5000U);
    EXPECT_EQ(estimated.calibration, "none");
    EXPECT_NEAR(estimated.expected_positives, reference.leavers, 1e-9);
    ASSERT_TRUE(estimated.roc_auc.value);
    // Pairs inside one 1/10,000 bin count half: at most a few in 10^4 of the pairs.
    EXPECT_NEAR(*estimated.roc_auc.value, reference.auc, 2e-4);
    EXPECT_NEAR(*estimated.precision.value, reference.precision, 1e-9);
    EXPECT_NEAR(*estimated.recall.value, reference.recall, 1e-9);
    EXPECT_NEAR(*estimated.f1_score.value, reference.f1, 1e-9);
    ASSERT_TRUE(estimated.roc_auc.interval);
    EXPECT_LT(estimated.roc_auc.interval->first, *estimated.roc_auc.value);
    EXPECT_GT(estimated.roc_auc.interval->second, *estimated.roc_auc.value);
}

TEST(EstimateTest, MapsTheProbabilitiesThroughTheCalibrator) {
    const auto scores = Scores(4000, 5);
    model::ScoreCalibrator calibrator;
    calibrator.method = "isotonic";
    calibrator.isotonic_map = {{0.0, 0.3, 0.6, 1.0}, {0.0, 0.1, 0.5, 0.9}};
    const double threshold = 0.35;
    const auto reference =
        Cbpe(scores, threshold, [&](double p) { return calibrator.isotonic_map.Apply(p); });
    const auto estimated = Estimate(Bins(scores, threshold), calibrator);
    EXPECT_EQ(estimated.calibration, "isotonic");
    // A bin's rows are mapped at the bin's mean: the map is linear within 1/10,000.
    EXPECT_NEAR(estimated.expected_positives, reference.leavers, 1e-6);
    EXPECT_NEAR(*estimated.roc_auc.value, reference.auc, 2e-4);
    EXPECT_NEAR(*estimated.precision.value, reference.precision, 1e-6);
    EXPECT_NEAR(*estimated.recall.value, reference.recall, 1e-6);
}

TEST(EstimateTest, IntervalIsTheSamplingErrorOfTheWindowsSize) {
    // Four times the rows with the same shape: the interval about halves.
    const auto small = Estimate(Bins(Scores(2000, 9), 0.5), std::nullopt);
    std::vector<double> repeated;
    const auto base = Scores(2000, 9);
    for (int i = 0; i < 4; ++i) repeated.insert(repeated.end(), base.begin(), base.end());
    const auto large = Estimate(Bins(repeated, 0.5), std::nullopt);
    EXPECT_NEAR(*large.roc_auc.value, *small.roc_auc.value, 1e-9);
    const double small_width = small.roc_auc.interval->second - small.roc_auc.interval->first;
    const double large_width = large.roc_auc.interval->second - large.roc_auc.interval->first;
    EXPECT_NEAR(large_width / small_width, 0.5, 0.02);
}

TEST(EstimateTest, AbsentWithAReasonWhereItCannotBeComputed) {
    const auto none = Estimate({}, std::nullopt);
    EXPECT_EQ(none.n, 0U);
    EXPECT_FALSE(none.roc_auc.value);
    EXPECT_EQ(none.roc_auc.reason, kReasonNoPredictions);
    // 1,000 rows at 0.02: 20 expected leavers, under the floor.
    const auto few = Estimate(std::vector<store::ScoreBin>{{false, 1000, 20.0}}, std::nullopt);
    EXPECT_FALSE(few.recall.value);
    EXPECT_EQ(few.roc_auc.reason, kReasonTooFewExpectedLeavers);
    EXPECT_NEAR(few.expected_positives, 20, 1e-9);
    const auto stayers = Estimate(std::vector<store::ScoreBin>{{true, 1000, 980.0}}, std::nullopt);
    EXPECT_EQ(stayers.precision.reason, kReasonTooFewExpectedStayers);
    // Nothing flagged: precision and F1 undefined; recall is a true 0 (300 expected leavers,
    // none flagged).
    const auto unflagged = Estimate(
        std::vector<store::ScoreBin>{{false, 1000, 300.0}, {false, 1000, 310.0}}, std::nullopt);
    EXPECT_EQ(unflagged.precision.reason, kReasonNothingFlagged);
    EXPECT_EQ(unflagged.f1_score.reason, kReasonNothingFlagged);
    ASSERT_TRUE(unflagged.recall.value);
    EXPECT_EQ(*unflagged.recall.value, 0.0);
}

}  // namespace
}  // namespace attrition::monitoring
