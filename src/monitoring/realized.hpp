// Realized figures: what the mature, judged predictions of a window say of a model version,
// each with its sample size and, where a standard one exists, a 95 % confidence interval; a
// figure that the judged predictions cannot support is absent with a machine-readable reason,
// never 0 and never 1.0 from one class. Pure functions over store::LivePerformance's counts;
// the endpoint, the page and the daily job's gauges all read these. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "model/evaluation.hpp"
#include "model/fairness.hpp"
#include "store/monitoring.hpp"

namespace attrition::monitoring {

// The fewest judged predictions of each class (left, stayed) below which no figure that
// compares the classes is given (as the live-AUC alert requires).
inline constexpr std::uint64_t kMinPerClass = 30;

struct Figure {
    std::optional<double> value;  // absent: see reason
    std::string_view reason;      // why absent (a kReason* constant); empty when present
    std::uint64_t n = 0;          // the predictions the figure is computed on
    std::optional<std::pair<double, double>> interval;  // 95 %, where one is defined
};

// Reasons a figure is absent.
inline constexpr std::string_view kReasonNothingJudged = "no_mature_outcomes";
inline constexpr std::string_view kReasonTooFewLeavers = "fewer_than_30_leavers";
inline constexpr std::string_view kReasonTooFewStayers = "fewer_than_30_stayers";
inline constexpr std::string_view kReasonNothingFlagged = "nothing_flagged";
inline constexpr std::string_view kReasonUndefined = "precision_and_recall_zero";

struct Realized {
    Figure roc_auc;    // interval: Hanley & McNeil (1982)
    Figure pr_auc;     // average precision; interval: logit (Boyd, Eng & Page 2013), n = leavers
    Figure precision;  // at the decision threshold; interval: Wilson, n = flagged
    Figure recall;     // at the decision threshold; interval: Wilson, n = leavers
    Figure f1_score;   // no interval
    Figure brier;      // interval: normal, from the squared errors' own variance
};

// The figures of `live`: each one absent unless at least kMinPerClass judged predictions of
// each class exist (precision also needs a flagged one, F1 a non-zero precision or recall).
// Defined once from the counts: ROC AUC the Mann-Whitney count over the pairs, PR AUC the
// precision gain over the leavers, Brier the mean squared error, and precision, recall and
// F1 those of model::Confusion (the training's definitions).
Realized Judge(const store::LivePerformance& live);

// The 95 % Wilson score interval of `successes` out of `n` (n > 0).
std::pair<double, double> WilsonInterval(std::uint64_t successes, std::uint64_t n);
// The same for a rate observed over `n` trials, n > 0 and not necessarily whole (an expected
// count).
std::pair<double, double> RateInterval(double rate, double n);

// The 95 % logit interval of an average precision over `positives` leavers (Boyd, Eng & Page
// 2013): logit(ap) +- z / sqrt(positives ap (1 - ap)); nullopt at 0 or 1.
std::optional<std::pair<double, double>> AveragePrecisionInterval(double ap,
                                                                  std::uint64_t positives);

// The 95 % normal interval of a mean of squared errors (the Brier score) from their sum, the
// sum of their squares and their count (n > 1), clamped to [0, 1].
std::pair<double, double> BrierInterval(double sum, double sum_of_squares, std::uint64_t n);

// The 95 % interval of the ratio of two proportions, (a / n_a) / (b / n_b), by Katz's log
// method (half a success added to a group that has none), the groups taken as independent;
// n_a, n_b, b > 0.
std::pair<double, double> ProportionRatioInterval(std::uint64_t a,
                                                  std::uint64_t n_a,
                                                  std::uint64_t b,
                                                  std::uint64_t n_b);

// The 95 % Wilson intervals of a fairness group's rates, each over the rows it divides by
// (absent when there are none): the selection rate over the group, the observed rate over its
// resolved predictions, TPR over its leavers, FPR over its resolved stayers and precision over
// its flagged resolved ones.
struct GroupIntervals {
    std::optional<std::pair<double, double>> selection_rate, observed_rate, tpr, fpr, precision;
};
GroupIntervals IntervalsOf(const model::GroupFairness& group);

// The 95 % interval of an AUC from Hanley & McNeil's standard error (1982, eq. 2), clamped to
// [0, 1]; positives and negatives > 0 (expected counts need not be whole).
std::pair<double, double> AucInterval(double auc, double positives, double negatives);

}  // namespace attrition::monitoring
