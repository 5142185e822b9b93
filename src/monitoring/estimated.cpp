#include "monitoring/estimated.hpp"

#include <vector>

#include "model/evaluation.hpp"

namespace attrition::monitoring {

Estimated Estimate(std::span<const store::ScoreBin> bins,
                   const std::optional<model::ScoreCalibrator>& calibrator) {
    Estimated estimated;
    estimated.calibration = calibrator ? calibrator->method : "none";
    // Expected leavers and stayers of each bin, ascending by score.
    std::vector<model::ClassWeights> weights;
    weights.reserve(bins.size());
    double true_positive = 0;
    double false_negative = 0;
    std::uint64_t flagged = 0;
    for (const auto& bin : bins) {
        if (bin.n == 0) continue;
        const double n = static_cast<double>(bin.n);
        const double mean = bin.sum_score / n;
        const double w1 = n * (calibrator ? calibrator->Apply(mean) : mean);
        weights.push_back({w1, n - w1});
        estimated.n += bin.n;
        estimated.expected_positives += w1;
        if (bin.flagged) {
            true_positive += w1;
            flagged += bin.n;
        } else {
            false_negative += w1;
        }
    }
    const double leavers = estimated.expected_positives;
    const double stayers = static_cast<double>(estimated.n) - leavers;
    const auto floor = static_cast<double>(kMinPerClass);
    const std::string_view reason = estimated.n == 0  ? kReasonNoPredictions
                                    : leavers < floor ? kReasonTooFewExpectedLeavers
                                    : stayers < floor ? kReasonTooFewExpectedStayers
                                                      : std::string_view();
    const auto absent = [&](std::string_view why) {
        return Figure{std::nullopt, why, estimated.n, std::nullopt};
    };
    if (!reason.empty()) {
        estimated.roc_auc = estimated.precision = estimated.recall = estimated.f1_score =
            absent(reason);
        return estimated;
    }
    const double auc = model::ExpectedRocAuc(weights);
    estimated.roc_auc = {auc, {}, estimated.n, AucInterval(auc, leavers, stayers)};
    const double recall = true_positive / leavers;
    estimated.recall = {recall, {}, estimated.n, RateInterval(recall, leavers)};
    if (flagged == 0) {
        estimated.precision = estimated.f1_score = absent(kReasonNothingFlagged);
        return estimated;
    }
    const auto flagged_rows = static_cast<double>(flagged);
    const double precision = true_positive / flagged_rows;
    estimated.precision = {precision, {}, flagged, RateInterval(precision, flagged_rows)};
    const double f1_denominator =
        2 * true_positive + (flagged_rows - true_positive) + false_negative;
    estimated.f1_score =
        true_positive > 0
            ? Figure{2 * true_positive / f1_denominator, {}, estimated.n, std::nullopt}
            : absent(kReasonUndefined);
    return estimated;
}

}  // namespace attrition::monitoring
