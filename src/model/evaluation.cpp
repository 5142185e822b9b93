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

// Uniform integer in [0, bound) by rejection, so it is exact and library-independent.
std::uint64_t Below(std::mt19937_64& rng, std::uint64_t bound) {
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                                std::numeric_limits<std::uint64_t>::max() % bound;
    std::uint64_t draw = rng();
    while (draw >= limit) draw = rng();
    return draw % bound;
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
    std::vector<int> fold_of(labels.size(), 0);
    std::mt19937_64 rng(seed);
    int next_fold = 0;  // continue dealing across classes so fold sizes stay balanced
    for (const int label : {0, 1}) {
        std::vector<std::size_t> rows;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (labels[i] == label) rows.push_back(i);
        }
        for (std::size_t i = rows.size(); i > 1; --i) {
            std::swap(rows[i - 1], rows[Below(rng, i)]);
        }
        for (const std::size_t row : rows) {
            fold_of[row] = next_fold;
            next_fold = (next_fold + 1) % folds;
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
