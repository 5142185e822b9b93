#include "model/evaluation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace attrition::model {
namespace {

TEST(EvaluationTest, RocAucCountsOrderedPairs) {
    // Pairs (positive, negative): 0.35>0.1 yes, 0.35>0.4 no, 0.8>0.1 yes, 0.8>0.4 yes: 3/4.
    const std::vector<int> labels = {0, 0, 1, 1};
    const std::vector<double> scores = {0.1, 0.4, 0.35, 0.8};
    EXPECT_DOUBLE_EQ(RocAuc(labels, scores), 0.75);
}

TEST(EvaluationTest, RocAucTiesCountHalf) {
    // Pairs: (0.5 vs 0.5) tie = 0.5, (0.5 vs 0.2) = 1, (0.9 vs 0.5) = 1, (0.9 vs 0.2) = 1.
    const std::vector<int> labels = {1, 0, 1, 0};
    const std::vector<double> scores = {0.5, 0.5, 0.9, 0.2};
    EXPECT_DOUBLE_EQ(RocAuc(labels, scores), 3.5 / 4);
    EXPECT_DOUBLE_EQ(RocAuc(std::vector<int>{1, 0}, std::vector<double>{0.3, 0.3}), 0.5);
    EXPECT_DOUBLE_EQ(RocAuc(std::vector<int>{0, 1}, std::vector<double>{0.9, 0.1}), 0.0);
    EXPECT_TRUE(std::isnan(RocAuc(std::vector<int>{1, 1}, std::vector<double>{0.9, 0.1})));
}

TEST(EvaluationTest, AveragePrecisionSumsPrecisionAtEachRecallStep) {
    // Descending: 0.8 (pos) P=1 R=.5; 0.4 (neg); 0.35 (pos) P=2/3 R=1.
    // AP = 0.5 * 1 + 0.5 * 2/3 = 5/6.
    const std::vector<int> labels = {0, 0, 1, 1};
    const std::vector<double> scores = {0.1, 0.4, 0.35, 0.8};
    EXPECT_DOUBLE_EQ(AveragePrecision(labels, scores), 5.0 / 6);
}

TEST(EvaluationTest, AveragePrecisionGroupsTies) {
    // One threshold 0.5 takes both rows at once: recall 1 at precision 1/2.
    EXPECT_DOUBLE_EQ(AveragePrecision(std::vector<int>{1, 0}, std::vector<double>{0.5, 0.5}), 0.5);
    EXPECT_TRUE(std::isnan(AveragePrecision(std::vector<int>{0, 0}, std::vector<double>{1, 0})));
}

TEST(EvaluationTest, ConfusionAtThreshold) {
    const std::vector<int> labels = {1, 1, 0, 1, 0, 0};
    const std::vector<double> scores = {0.9, 0.5, 0.6, 0.2, 0.1, 0.49};
    const Confusion c = Count(labels, scores, 0.5);  // 0.5 counts as positive
    EXPECT_EQ(c.true_positive, 2U);
    EXPECT_EQ(c.false_positive, 1U);
    EXPECT_EQ(c.false_negative, 1U);
    EXPECT_EQ(c.true_negative, 2U);
    EXPECT_DOUBLE_EQ(c.Accuracy(), 4.0 / 6);
    EXPECT_DOUBLE_EQ(c.Precision(), 2.0 / 3);
    EXPECT_DOUBLE_EQ(c.Recall(), 2.0 / 3);
    EXPECT_DOUBLE_EQ(c.F1(), 2.0 / 3);
    const Confusion none = Count(labels, scores, 0.95);
    EXPECT_EQ(none.Precision(), 0.0);  // no positive prediction: 0, not NaN
    EXPECT_EQ(none.F1(), 0.0);
}

TEST(EvaluationTest, BestF1ThresholdScansEveryScore) {
    // Thresholds from the top: 0.9 F1=2/4, 0.8 F1=4/5, 0.7 F1=4/6, 0.6 F1=6/7, 0.2 F1=6/8.
    const std::vector<int> labels = {1, 1, 0, 1, 0};
    const std::vector<double> scores = {0.9, 0.8, 0.7, 0.6, 0.2};
    const ThresholdPoint best = BestF1Threshold(labels, scores);
    EXPECT_DOUBLE_EQ(best.threshold, 0.6);
    EXPECT_DOUBLE_EQ(best.f1, 6.0 / 7);
    EXPECT_DOUBLE_EQ(best.precision, 0.75);
    EXPECT_DOUBLE_EQ(best.recall, 1.0);
    const ThresholdPoint at = AtThreshold(labels, scores, 0.75);
    EXPECT_DOUBLE_EQ(at.precision, 1.0);
    EXPECT_DOUBLE_EQ(at.recall, 2.0 / 3);
}

TEST(EvaluationTest, SummarizeUsesPopulationStd) {
    const std::vector<double> values = {1, 2, 3, 4};
    const MeanStd s = Summarize(values);
    EXPECT_DOUBLE_EQ(s.mean, 2.5);
    EXPECT_DOUBLE_EQ(s.std, std::sqrt(1.25));  // (2.25 + 0.25 + 0.25 + 2.25) / 4
}

TEST(EvaluationTest, StratifiedFoldsBalanceEachClass) {
    std::vector<int> labels;
    for (int i = 0; i < 103; ++i) labels.push_back(i % 5 == 0 ? 1 : 0);  // 21 positives
    const auto folds = StratifiedFolds(labels, 5, 42);
    ASSERT_EQ(folds.size(), labels.size());
    std::vector<int> positives(5, 0);
    std::vector<int> sizes(5, 0);
    for (std::size_t i = 0; i < labels.size(); ++i) {
        ASSERT_GE(folds[i], 0);
        ASSERT_LT(folds[i], 5);
        ++sizes[folds[i]];
        positives[folds[i]] += labels[i];
    }
    for (int f = 0; f < 5; ++f) {
        EXPECT_GE(positives[f], 21 / 5);
        EXPECT_LE(positives[f], 21 / 5 + 1);
        EXPECT_GE(sizes[f], 103 / 5);
        EXPECT_LE(sizes[f], 103 / 5 + 1);
    }
    EXPECT_EQ(StratifiedFolds(labels, 5, 42), folds);  // deterministic for a seed
    EXPECT_NE(StratifiedFolds(labels, 5, 43), folds);  // and shuffled by it
}

TEST(EvaluationTest, StratifiedFoldsAreScikitLearnsSplits) {
    // Expected values computed with scikit-learn 1.2.1 / numpy 1.24.2 (Debian 12 python3-sklearn):
    // fold of each row in StratifiedKFold(n_splits=3, shuffle=True, random_state=seed).split.
    const std::vector<int> labels = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
    EXPECT_EQ(StratifiedFolds(labels, 3, 42),
              (std::vector<int>{0, 1, 2, 2, 0, 2, 1, 0, 0, 0, 1, 1, 1, 2}));
    EXPECT_EQ(StratifiedFolds(labels, 3, 7),
              (std::vector<int>{1, 2, 2, 0, 0, 1, 0, 0, 0, 1, 2, 1, 2, 1}));
}

TEST(EvaluationTest, CalibrationTableCutsDecilesOfScore) {
    // 20 rows with scores 0.025, 0.075, ...; the upper half are positives.
    std::vector<int> labels;
    std::vector<double> scores;
    for (int i = 19; i >= 0; --i) {  // given in reverse: the table sorts
        scores.push_back(0.025 + 0.05 * i);
        labels.push_back(i >= 10 ? 1 : 0);
    }
    const auto table = CalibrationTable(labels, scores, 10);
    ASSERT_EQ(table.size(), 10U);
    for (std::size_t b = 0; b < 10; ++b) {
        EXPECT_EQ(table[b].count, 2U);
        EXPECT_NEAR(table[b].mean_predicted, 0.05 + 0.1 * static_cast<double>(b), 1e-12);
        EXPECT_NEAR(table[b].min_predicted, 0.025 + 0.1 * static_cast<double>(b), 1e-12);
        EXPECT_DOUBLE_EQ(table[b].observed_rate, b >= 5 ? 1.0 : 0.0);
    }
    EXPECT_EQ(
        CalibrationTable(std::vector<int>{1, 0, 1}, std::vector<double>{0.1, 0.2, 0.3}, 10).size(),
        3U);
}

TEST(EvaluationTest, EvaluateCombinesThresholdAndRankingMetrics) {
    const std::vector<int> labels = {0, 0, 1, 1};
    const std::vector<double> scores = {0.1, 0.4, 0.35, 0.8};
    const ClassificationMetrics m = Evaluate(labels, scores);
    EXPECT_DOUBLE_EQ(m.accuracy, 0.75);  // only 0.35 is on the wrong side of 0.5
    EXPECT_DOUBLE_EQ(m.precision, 1.0);
    EXPECT_DOUBLE_EQ(m.recall, 0.5);
    EXPECT_DOUBLE_EQ(m.f1, 2.0 / 3);
    EXPECT_DOUBLE_EQ(m.roc_auc, 0.75);
    EXPECT_DOUBLE_EQ(m.pr_auc, 5.0 / 6);
}

}  // namespace
}  // namespace attrition::model
