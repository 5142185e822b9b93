#include "monitoring/realized.hpp"

#include <algorithm>
#include <cmath>

namespace attrition::monitoring {
namespace {

constexpr double kZ95 = 1.959963984540054;  // the standard normal's 97.5th percentile

// The confusion matrix of the judged predictions at the decision threshold.
model::Confusion ConfusionOf(const store::LivePerformance& live) {
    return {.true_positive = live.true_positive,
            .false_positive = live.false_positive,
            .true_negative = live.Negatives() - live.false_positive,
            .false_negative = live.false_negative};
}

}  // namespace

std::pair<double, double> WilsonInterval(std::uint64_t successes, std::uint64_t n) {
    return RateInterval(static_cast<double>(successes) / static_cast<double>(n),
                        static_cast<double>(n));
}

GroupIntervals IntervalsOf(const model::GroupFairness& group) {
    const auto wilson = [](std::uint64_t part,
                           std::uint64_t whole) -> std::optional<std::pair<double, double>> {
        if (whole == 0) return std::nullopt;
        return WilsonInterval(part, whole);
    };
    const auto stayed = group.resolved - group.positives;
    return {.selection_rate = wilson(group.flagged, group.n),
            .observed_rate = wilson(group.positives, group.resolved),
            .tpr = wilson(group.true_positive, group.positives),
            .fpr = wilson(group.false_positive, stayed),
            .precision = wilson(group.true_positive, group.true_positive + group.false_positive)};
}

std::pair<double, double> RateInterval(double p, double total) {
    const double z2 = kZ95 * kZ95;
    const double centre = (p + z2 / (2 * total)) / (1 + z2 / total);
    const double half =
        kZ95 * std::sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total);
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::pair<double, double> AucInterval(double auc, double np, double nn) {
    const double q1 = auc / (2 - auc);
    const double q2 = 2 * auc * auc / (1 + auc);
    const double variance =
        (auc * (1 - auc) + (np - 1) * (q1 - auc * auc) + (nn - 1) * (q2 - auc * auc)) / (np * nn);
    const double half = kZ95 * std::sqrt(std::max(0.0, variance));
    return {std::max(0.0, auc - half), std::min(1.0, auc + half)};
}

std::optional<std::pair<double, double>> AveragePrecisionInterval(double ap,
                                                                  std::uint64_t positives) {
    if (!(ap > 0 && ap < 1) || positives == 0) return std::nullopt;
    const double centre = std::log(ap / (1 - ap));
    const double half = kZ95 / std::sqrt(static_cast<double>(positives) * ap * (1 - ap));
    const auto expit = [](double x) { return 1 / (1 + std::exp(-x)); };
    return std::pair{expit(centre - half), expit(centre + half)};
}

std::pair<double, double> ProportionRatioInterval(std::uint64_t a,
                                                  std::uint64_t n_a,
                                                  std::uint64_t b,
                                                  std::uint64_t n_b) {
    const double x = std::max(0.5, static_cast<double>(a));
    const double y = std::max(0.5, static_cast<double>(b));
    const double m = static_cast<double>(n_a);
    const double n = static_cast<double>(n_b);
    const double log_ratio = std::log((x / m) / (y / n));
    const double error = std::sqrt(1 / x - 1 / m + 1 / y - 1 / n);
    return {std::exp(log_ratio - kZ95 * error), std::exp(log_ratio + kZ95 * error)};
}

std::pair<double, double> BrierInterval(double sum, double sum_of_squares, std::uint64_t n) {
    const double count = static_cast<double>(n);
    const double mean = sum / count;
    const double variance = std::max(0.0, (sum_of_squares / count - mean * mean)) * count /
                            (count - 1);  // of one squared error
    const double half = kZ95 * std::sqrt(variance / count);
    return {std::max(0.0, mean - half), std::min(1.0, mean + half)};
}

Realized Judge(const store::LivePerformance& live) {
    const std::uint64_t leavers = live.positives;
    const std::uint64_t stayers = live.Negatives();
    const std::string_view floor = live.resolved == 0       ? kReasonNothingJudged
                                   : leavers < kMinPerClass ? kReasonTooFewLeavers
                                   : stayers < kMinPerClass ? kReasonTooFewStayers
                                                            : std::string_view();
    const auto absent = [&](std::uint64_t n, std::string_view reason) {
        return Figure{std::nullopt, reason, n, std::nullopt};
    };
    const std::uint64_t flagged = live.true_positive + live.false_positive;
    Realized realized;
    if (!floor.empty()) {
        realized.roc_auc = absent(live.resolved, floor);
        realized.pr_auc = absent(live.resolved, floor);
        realized.precision = absent(flagged, floor);
        realized.recall = absent(leavers, floor);
        realized.f1_score = absent(live.resolved, floor);
        realized.brier = absent(live.resolved, floor);
        return realized;
    }
    const auto count = [](std::uint64_t n) { return static_cast<double>(n); };
    const double auc = live.auc_pairs / (count(leavers) * count(stayers));
    realized.roc_auc = {auc, {}, live.resolved, AucInterval(auc, count(leavers), count(stayers))};
    const double ap = live.precision_gain / count(leavers);
    realized.pr_auc = {ap, {}, live.resolved, AveragePrecisionInterval(ap, leavers)};
    realized.brier = {live.squared_error / count(live.resolved),
                      {},
                      live.resolved,
                      BrierInterval(live.squared_error, live.squared_error_squared, live.resolved)};
    const auto confusion = ConfusionOf(live);
    realized.recall = {
        confusion.Recall(), {}, leavers, WilsonInterval(live.true_positive, leavers)};
    realized.precision =
        flagged == 0
            ? absent(0, kReasonNothingFlagged)
            : Figure{
                  confusion.Precision(), {}, flagged, WilsonInterval(live.true_positive, flagged)};
    if (flagged == 0 || live.true_positive == 0) {
        realized.f1_score =
            absent(live.resolved, flagged == 0 ? kReasonNothingFlagged : kReasonUndefined);
    } else {
        realized.f1_score = {confusion.F1(), {}, live.resolved, std::nullopt};
    }
    return realized;
}

}  // namespace attrition::monitoring
