// Evaluation math for a binary classifier, in our own code so it can be checked by hand:
// confusion counts, ROC AUC, average precision (PR AUC), stratified shuffled folds, the
// threshold study and the calibration table. Pure functions over spans; thread-safe.
// Labels are 0/1; scores are predicted probabilities of class 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace attrition::model {

struct Confusion {
    std::size_t true_positive = 0;
    std::size_t false_positive = 0;
    std::size_t true_negative = 0;
    std::size_t false_negative = 0;

    // Each ratio is 0 when its denominator is 0 (scikit-learn's zero_division default).
    double Accuracy() const noexcept;
    double Precision() const noexcept;
    double Recall() const noexcept;
    double F1() const noexcept;
};

// A row is predicted positive when its score is >= threshold (the API's rule).
Confusion Count(std::span<const int> labels, std::span<const double> scores, double threshold);

// Probability that a random positive scores above a random negative, ties counting half
// (the Mann-Whitney statistic). NaN when a class is absent.
double RocAuc(std::span<const int> labels, std::span<const double> scores);

// Expected positives and negatives of a group of rows of one score: the sums of p and 1 - p
// over its rows when p is each row's probability of being positive.
struct ClassWeights {
    double positive = 0;
    double negative = 0;
};

// The area under the expected ROC curve of `ascending` (groups by increasing score): the
// Mann-Whitney count over fractional labels, pairs within a group counting half (RocAuc when
// every weight is 0 or 1). What confidence-based performance estimation takes as the expected
// ROC AUC. NaN when either total is 0.
double ExpectedRocAuc(std::span<const ClassWeights> ascending);

// Average precision: sum over distinct score thresholds, from the highest, of
// (recall gain) x precision — scikit-learn's average_precision_score. NaN without positives.
double AveragePrecision(std::span<const int> labels, std::span<const double> scores);

struct ClassificationMetrics {
    double accuracy = 0;
    double precision = 0;
    double recall = 0;
    double f1 = 0;
    double roc_auc = 0;
    double pr_auc = 0;
};

ClassificationMetrics Evaluate(std::span<const int> labels,
                               std::span<const double> scores,
                               double threshold = 0.5);

struct MeanStd {
    double mean = 0;
    double std = 0;  // population standard deviation (ddof 0, as numpy's default)
};

MeanStd Summarize(std::span<const double> values);

struct MetricSummary {
    MeanStd accuracy, precision, recall, f1, roc_auc, pr_auc;
};

MetricSummary Summarize(std::span<const ClassificationMetrics> folds);

// Fold index (0..folds-1) of each row, the test fold assignment of scikit-learn's
// StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed) (>= 0.22), so our CV splits
// the rows as the original service did: each class's fold labels are dealt so that every fold
// holds its share within one row, then shuffled with numpy's legacy RandomState (MT19937
// seeded like std::mt19937, Fisher-Yates with masked rejection draws). seed < 2^32; at most
// 2^32 rows (one 32-bit draw per swap).
std::vector<int> StratifiedFolds(std::span<const int> labels, int folds, std::uint64_t seed);

struct ThresholdPoint {
    double threshold = 0.5;
    double precision = 0;
    double recall = 0;
    double f1 = 0;
};

ThresholdPoint AtThreshold(std::span<const int> labels,
                           std::span<const double> scores,
                           double threshold);

// The threshold (one of the scores) that maximizes F1 with the rule score >= threshold;
// among equal F1 values the highest threshold wins.
ThresholdPoint BestF1Threshold(std::span<const int> labels, std::span<const double> scores);

struct CalibrationBin {
    double min_predicted = 0;
    double max_predicted = 0;
    double mean_predicted = 0;
    double observed_rate = 0;  // share of positives in the bin
    std::size_t count = 0;
};

// Rows sorted by score and cut into `bins` groups of equal size (within one row): deciles of
// predicted probability for bins = 10. Empty bins (fewer rows than bins) are left out.
std::vector<CalibrationBin> CalibrationTable(std::span<const int> labels,
                                             std::span<const double> scores,
                                             std::size_t bins = 10);

}  // namespace attrition::model
