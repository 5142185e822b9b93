#include "model/evaluation.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace attrition::model {
namespace {

double Ratio(std::size_t num, std::size_t den) noexcept {
    return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

// Row indices by decreasing score; equal scores keep row order (stable).
std::vector<std::size_t> ByDecreasingScore(std::span<const double> scores) {
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    return order;
}

// numpy's random_interval(max): a uniform integer in [0, max] from 32-bit draws masked to the
// smallest covering power of two, rejecting draws above max.
std::size_t NumpyInterval(std::mt19937& rng, std::size_t max) {
    if (max == 0) return 0;
    std::uint32_t mask = static_cast<std::uint32_t>(max);
    for (int shift = 1; shift < 32; shift <<= 1) mask |= mask >> shift;
    std::uint32_t value = static_cast<std::uint32_t>(rng()) & mask;
    while (value > max) value = static_cast<std::uint32_t>(rng()) & mask;
    return value;
}

}  // namespace

double Confusion::Accuracy() const noexcept {
    return Ratio(true_positive + true_negative,
                 true_positive + true_negative + false_positive + false_negative);
}
double Confusion::Precision() const noexcept {
    return Ratio(true_positive, true_positive + false_positive);
}
double Confusion::Recall() const noexcept {
    return Ratio(true_positive, true_positive + false_negative);
}
double Confusion::F1() const noexcept {
    return Ratio(2 * true_positive, 2 * true_positive + false_positive + false_negative);
}

Confusion Count(std::span<const int> labels, std::span<const double> scores, double threshold) {
    assert(labels.size() == scores.size());
    Confusion c;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const bool predicted = scores[i] >= threshold;
        const bool actual = labels[i] == 1;
        if (predicted && actual) ++c.true_positive;
        if (predicted && !actual) ++c.false_positive;
        if (!predicted && actual) ++c.false_negative;
        if (!predicted && !actual) ++c.true_negative;
    }
    return c;
}

double ExpectedRocAuc(std::span<const ClassWeights> ascending) {
    double negatives_below = 0;
    double positives = 0;
    double pairs = 0;
    for (const auto& group : ascending) {
        pairs += group.positive * (negatives_below + 0.5 * group.negative);
        negatives_below += group.negative;
        positives += group.positive;
    }
    if (!(positives > 0) || !(negatives_below > 0)) return std::numeric_limits<double>::quiet_NaN();
    return pairs / (positives * negatives_below);
}

double RocAuc(std::span<const int> labels, std::span<const double> scores) {
    assert(labels.size() == scores.size());
    // Average ranks (ties share the mean rank), then the Mann-Whitney U of the positives.
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    double positive_rank_sum = 0;
    std::size_t positives = 0;
    for (std::size_t start = 0; start < order.size();) {
        std::size_t end = start;
        while (end < order.size() && scores[order[end]] == scores[order[start]]) ++end;
        const double rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2;
        for (std::size_t k = start; k < end; ++k) {
            if (labels[order[k]] == 1) {
                positive_rank_sum += rank;
                ++positives;
            }
        }
        start = end;
    }
    const std::size_t negatives = labels.size() - positives;
    if (positives == 0 || negatives == 0) return std::numeric_limits<double>::quiet_NaN();
    const double p = static_cast<double>(positives);
    return (positive_rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(negatives));
}

double AveragePrecision(std::span<const int> labels, std::span<const double> scores) {
    assert(labels.size() == scores.size());
    const std::size_t positives =
        static_cast<std::size_t>(std::count(labels.begin(), labels.end(), 1));
    if (positives == 0) return std::numeric_limits<double>::quiet_NaN();
    const auto order = ByDecreasingScore(scores);
    double ap = 0;
    double previous_recall = 0;
    std::size_t tp = 0;
    std::size_t predicted = 0;
    for (std::size_t start = 0; start < order.size();) {
        std::size_t end = start;
        while (end < order.size() && scores[order[end]] == scores[order[start]]) {
            tp += labels[order[end]] == 1 ? 1 : 0;
            ++predicted;
            ++end;
        }
        const double recall = Ratio(tp, positives);
        ap += (recall - previous_recall) * Ratio(tp, predicted);
        previous_recall = recall;
        start = end;
    }
    return ap;
}

ClassificationMetrics Evaluate(std::span<const int> labels,
                               std::span<const double> scores,
                               double threshold) {
    const Confusion c = Count(labels, scores, threshold);
    return ClassificationMetrics{
        c.Accuracy(), c.Precision(),          c.Recall(),
        c.F1(),       RocAuc(labels, scores), AveragePrecision(labels, scores)};
}

MeanStd Summarize(std::span<const double> values) {
    if (values.empty()) return {};
    const double n = static_cast<double>(values.size());
    const double mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
    double squares = 0;
    for (const double v : values) squares += (v - mean) * (v - mean);
    return MeanStd{mean, std::sqrt(squares / n)};
}

MetricSummary Summarize(std::span<const ClassificationMetrics> folds) {
    auto over = [&](double ClassificationMetrics::*member) {
        std::vector<double> values;
        for (const auto& fold : folds) values.push_back(fold.*member);
        return Summarize(values);
    };
    return MetricSummary{
        over(&ClassificationMetrics::accuracy), over(&ClassificationMetrics::precision),
        over(&ClassificationMetrics::recall),   over(&ClassificationMetrics::f1),
        over(&ClassificationMetrics::roc_auc),  over(&ClassificationMetrics::pr_auc)};
}

std::vector<int> StratifiedFolds(std::span<const int> labels, int folds, std::uint64_t seed) {
    assert(folds > 0);
    // Classes numbered by first appearance, as StratifiedKFold does (np.unique of first indices).
    std::vector<int> classes;
    std::vector<std::size_t> encoded(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        auto it = std::find(classes.begin(), classes.end(), labels[i]);
        if (it == classes.end()) it = classes.insert(classes.end(), labels[i]);
        encoded[i] = static_cast<std::size_t>(it - classes.begin());
    }
    // allocation[f][k]: rows of class k in fold f, dealt from the sorted class codes with
    // stride `folds` (y_order[f::folds]), so each class's share differs by at most one row.
    std::vector<std::size_t> sorted = encoded;
    std::sort(sorted.begin(), sorted.end());
    const auto fold_count = static_cast<std::size_t>(folds);
    std::vector<std::vector<std::size_t>> allocation(fold_count,
                                                     std::vector<std::size_t>(classes.size(), 0));
    for (std::size_t i = 0; i < sorted.size(); ++i) ++allocation[i % fold_count][sorted[i]];

    std::mt19937 rng(static_cast<std::uint32_t>(seed));  // numpy's RandomState(seed) generator
    std::vector<int> fold_of(labels.size(), 0);
    for (std::size_t k = 0; k < classes.size(); ++k) {
        std::vector<int> folds_for_class;
        for (std::size_t f = 0; f < fold_count; ++f) {
            folds_for_class.insert(folds_for_class.end(), allocation[f][k], static_cast<int>(f));
        }
        // RandomState.shuffle: Fisher-Yates from the end with a masked rejection draw.
        for (std::size_t i = folds_for_class.size(); i-- > 1;) {
            std::swap(folds_for_class[i], folds_for_class[NumpyInterval(rng, i)]);
        }
        std::size_t next = 0;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (encoded[i] == k) fold_of[i] = folds_for_class[next++];
        }
    }
    return fold_of;
}

ThresholdPoint AtThreshold(std::span<const int> labels,
                           std::span<const double> scores,
                           double threshold) {
    const Confusion c = Count(labels, scores, threshold);
    return ThresholdPoint{threshold, c.Precision(), c.Recall(), c.F1()};
}

ThresholdPoint BestF1Threshold(std::span<const int> labels, std::span<const double> scores) {
    assert(labels.size() == scores.size());
    const std::size_t positives =
        static_cast<std::size_t>(std::count(labels.begin(), labels.end(), 1));
    const auto order = ByDecreasingScore(scores);
    ThresholdPoint best{1.0, 0, 0, -1};
    std::size_t tp = 0;
    std::size_t predicted = 0;
    for (std::size_t start = 0; start < order.size();) {
        std::size_t end = start;
        while (end < order.size() && scores[order[end]] == scores[order[start]]) {
            tp += labels[order[end]] == 1 ? 1 : 0;
            ++predicted;
            ++end;
        }
        const Confusion c{tp, predicted - tp, 0, positives - tp};
        if (c.F1() > best.f1)
            best = ThresholdPoint{scores[order[start]], c.Precision(), c.Recall(), c.F1()};
        start = end;
    }
    if (best.f1 < 0) best.f1 = 0;
    return best;
}

std::vector<CalibrationBin> CalibrationTable(std::span<const int> labels,
                                             std::span<const double> scores,
                                             std::size_t bins) {
    assert(labels.size() == scores.size() && bins > 0);
    auto order = ByDecreasingScore(scores);
    std::reverse(order.begin(), order.end());  // increasing score
    std::vector<CalibrationBin> table;
    const std::size_t n = order.size();
    for (std::size_t b = 0; b < bins; ++b) {
        const std::size_t begin = n * b / bins;
        const std::size_t end = n * (b + 1) / bins;
        if (begin == end) continue;
        CalibrationBin bin;
        bin.min_predicted = scores[order[begin]];
        bin.max_predicted = scores[order[end - 1]];
        double sum = 0;
        std::size_t positives = 0;
        for (std::size_t k = begin; k < end; ++k) {
            sum += scores[order[k]];
            positives += labels[order[k]] == 1 ? 1 : 0;
        }
        bin.count = end - begin;
        bin.mean_predicted = sum / static_cast<double>(bin.count);
        bin.observed_rate = Ratio(positives, bin.count);
        table.push_back(bin);
    }
    return table;
}

}  // namespace attrition::model
