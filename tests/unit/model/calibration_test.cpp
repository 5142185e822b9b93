// The score calibrator (model/calibration.hpp): the isotonic fit against the min-max formula of
// isotonic regression computed independently here, ties pooled first, the map's interpolation
// and clipping, the logistic fit, the cross-fitted choice recomputed here, and metadata.json's
// form of it.
#include "model/calibration.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "model/evaluation.hpp"

namespace attrition::model {
namespace {

TEST(IsotonicTest, PoolsViolatorsAndInterpolatesBetweenBlocks) {
    const std::vector<double> scores{0.1, 0.2, 0.3, 0.4};
    const std::vector<int> labels{0, 1, 0, 1};
    const auto map = FitIsotonic(scores, labels);
    EXPECT_EQ(map.x, (std::vector<double>{0.1, 0.2, 0.3, 0.4}));
    EXPECT_EQ(map.y, (std::vector<double>{0, 0.5, 0.5, 1}));
    EXPECT_DOUBLE_EQ(map.Apply(0.25), 0.5);   // inside the pooled block
    EXPECT_DOUBLE_EQ(map.Apply(0.15), 0.25);  // halfway between 0 and 0.5
    EXPECT_DOUBLE_EQ(map.Apply(0.0), 0.0);    // clipped below
    EXPECT_DOUBLE_EQ(map.Apply(0.9), 1.0);    // clipped above
}

TEST(IsotonicTest, EqualScoresArePooledBeforeAnythingElse) {
    const std::vector<double> scores{0.5, 0.2, 0.5, 0.5, 0.8};
    const std::vector<int> labels{1, 0, 0, 0, 1};
    const auto map = FitIsotonic(scores, labels);
    EXPECT_EQ(map.x, (std::vector<double>{0.2, 0.5, 0.8}));
    ASSERT_EQ(map.y.size(), 3U);
    EXPECT_DOUBLE_EQ(map.y[1], 1.0 / 3);
}

TEST(IsotonicTest, EqualsTheMinMaxFormulaOnRandomData) {
    // Isotonic regression at i (distinct sorted scores) is max over j <= i of min over k >= i
    // of the mean label of j..k (Barlow et al. 1972): an O(n^3) computation independent of PAV.
    std::mt19937 random(7);
    std::uniform_real_distribution<double> uniform(0, 1);
    for (int trial = 0; trial < 20; ++trial) {
        const int n = 40;
        std::vector<double> scores;
        std::vector<int> labels;
        for (int i = 0; i < n; ++i) {
            const double s = (i + uniform(random) * 0.5) / n;  // distinct, ascending
            scores.push_back(s);
            labels.push_back(uniform(random) < s ? 1 : 0);
        }
        std::vector<double> expected(n);
        for (int i = 0; i < n; ++i) {
            double best = -1;
            for (int j = 0; j <= i; ++j) {
                double lowest = 2;
                for (int k = i; k < n; ++k) {
                    double sum = 0;
                    for (int m = j; m <= k; ++m) sum += labels[m];
                    lowest = std::min(lowest, sum / (k - j + 1));
                }
                best = std::max(best, lowest);
            }
            expected[i] = best;
        }
        std::shuffle(scores.begin(), scores.end(), random);  // order must not matter...
        std::vector<int> shuffled(n);
        std::vector<double> sorted = scores;
        std::sort(sorted.begin(), sorted.end());
        for (int i = 0; i < n; ++i) {  // ...so labels follow their scores
            const auto rank =
                std::lower_bound(sorted.begin(), sorted.end(), scores[i]) - sorted.begin();
            shuffled[i] = labels[static_cast<std::size_t>(rank)];
        }
        const auto map = FitIsotonic(scores, shuffled);
        for (int i = 0; i < n; ++i) {
            EXPECT_NEAR(map.Apply(sorted[i]), expected[i], 1e-12) << "trial " << trial;
        }
    }
}

// The expected ROC AUC of probabilities, computed pair by pair (O(n^2), no grouping).
double PairwiseExpectedAuc(const std::vector<double>& scores, const std::vector<double>& p) {
    double pairs = 0;
    double positives = 0;
    double negatives = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        positives += p[i];
        negatives += 1 - p[i];
        for (std::size_t j = 0; j < scores.size(); ++j) {
            if (i == j) continue;
            const double order = scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            pairs += p[i] * (1 - p[j]) * order;
        }
    }
    // Self-pairs: each row's p(1-p) counts half, as a group of one.
    for (std::size_t i = 0; i < scores.size(); ++i) pairs += 0.5 * p[i] * (1 - p[i]);
    return pairs / (positives * negatives);
}

// The choice recomputed here: each candidate cross-fitted by hand, judged by the distance of
// its expected ROC AUC (pairwise) from the realized one.
void ExpectChoiceIsTheClosest(const std::vector<double>& scores, const std::vector<int>& labels) {
    const auto chosen = ChooseCalibrator(scores, labels, 5, 42);
    ASSERT_TRUE(chosen);
    const auto fold_of = StratifiedFolds(labels, 5, 42);
    std::vector<double> isotonic(scores.size());
    std::vector<double> logistic(scores.size());
    for (int fold = 0; fold < 5; ++fold) {
        std::vector<double> s;
        std::vector<int> y;
        for (std::size_t i = 0; i < scores.size(); ++i) {
            if (fold_of[i] != fold) {
                s.push_back(scores[i]);
                y.push_back(labels[i]);
            }
        }
        const auto iso = FitIsotonic(s, y);
        const auto log = FitLogistic(s, y);
        for (std::size_t i = 0; i < scores.size(); ++i) {
            if (fold_of[i] == fold) {
                isotonic[i] = iso.Apply(scores[i]);
                logistic[i] = log.Apply(scores[i]);
            }
        }
    }
    const double realized = RocAuc(labels, scores);
    const double raw_error = std::abs(PairwiseExpectedAuc(scores, scores) - realized);
    const double isotonic_error = std::abs(PairwiseExpectedAuc(scores, isotonic) - realized);
    const double logistic_error = std::abs(PairwiseExpectedAuc(scores, logistic) - realized);
    EXPECT_NEAR(chosen->realized_roc_auc, realized, 1e-12);
    EXPECT_NEAR(std::abs(chosen->raw.expected_roc_auc - realized), raw_error, 1e-9);
    EXPECT_NEAR(std::abs(chosen->isotonic.expected_roc_auc - realized), isotonic_error, 1e-9);
    EXPECT_NEAR(std::abs(chosen->logistic.expected_roc_auc - realized), logistic_error, 1e-9);
    const double best = std::min({raw_error, isotonic_error, logistic_error});
    const char* expected = best == raw_error        ? "none"
                           : best == logistic_error ? "logistic"
                                                    : "isotonic";
    EXPECT_EQ(chosen->method, expected);
}

TEST(CalibratorTest, ChoosesTheMapWhoseExpectedAucIsClosestToTheRealized) {
    std::mt19937 random(11);
    std::uniform_real_distribution<double> uniform(0, 1);
    std::vector<double> scores;
    std::vector<int> labels;
    for (int i = 0; i < 600; ++i) {
        const double s = uniform(random);
        scores.push_back(s);
        labels.push_back(uniform(random) < s * s * s ? 1 : 0);  // true rate score^3
    }
    ExpectChoiceIsTheClosest(scores, labels);
    for (auto& s : scores) s = std::round(s * 20) / 20;  // ties
    ExpectChoiceIsTheClosest(scores, labels);
}

TEST(CalibratorTest, LogisticCorrectsAnOverConfidentModel) {
    // True log-odds are half the scores': the maximum-likelihood fit recovers slope 0.5 and
    // intercept 0 (within sampling error); the raw probabilities promise a far better ROC AUC
    // than they deliver, and the logistic map is chosen.
    std::mt19937 random(13);
    std::normal_distribution<double> logit(0, 3);
    std::uniform_real_distribution<double> uniform(0, 1);
    std::vector<double> scores;
    std::vector<int> labels;
    for (int i = 0; i < 800; ++i) {
        const double z = logit(random);
        scores.push_back(1 / (1 + std::exp(-z)));
        labels.push_back(uniform(random) < 1 / (1 + std::exp(-z / 2)) ? 1 : 0);
    }
    const auto fit = FitLogistic(scores, labels);
    EXPECT_NEAR(fit.slope, 0.5, 0.08);
    EXPECT_NEAR(fit.intercept, 0.0, 0.15);
    EXPECT_NEAR(fit.Apply(1 / (1 + std::exp(-2.0))),
                1 / (1 + std::exp(-(2.0 * fit.slope + fit.intercept))), 1e-12);
    const auto chosen = ChooseCalibrator(scores, labels, 5, 42);
    ASSERT_TRUE(chosen);
    EXPECT_EQ(chosen->method, "logistic");
    EXPECT_GT(chosen->raw.expected_roc_auc, chosen->realized_roc_auc + 0.05);
    EXPECT_DOUBLE_EQ(chosen->Apply(0.3), chosen->logistic_map.Apply(0.3));
    ExpectChoiceIsTheClosest(scores, labels);
}

TEST(CalibratorTest, NoneForASingleClassOrTooFewRows) {
    EXPECT_FALSE(ChooseCalibrator(std::vector<double>{0.2, 0.4, 0.6, 0.8, 0.9, 0.1},
                                  std::vector<int>(6, 1), 5, 42));
    EXPECT_FALSE(ChooseCalibrator(std::vector<double>{0.2, 0.4}, std::vector<int>{0, 1}, 5, 42));
    ScoreCalibrator none;
    EXPECT_DOUBLE_EQ(none.Apply(0.37), 0.37);
}

TEST(CalibratorTest, JsonRoundTripsAndInconsistentOnesAreRefused) {
    ScoreCalibrator calibrator;
    calibrator.method = "isotonic";
    calibrator.fitted_on = 4;
    calibrator.realized_roc_auc = 0.8;
    calibrator.raw = {0.2, 0.9};
    calibrator.isotonic = {0.1, 0.81};
    calibrator.logistic = {0.15, 0.83};
    calibrator.isotonic_map = {{0.1, 0.4}, {0.0, 0.75}};
    calibrator.logistic_map = {0.7, -0.2};
    const auto json = CalibratorToJson(calibrator);
    const auto back = CalibratorFromJson(json);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->method, "isotonic");
    EXPECT_EQ(back->isotonic_map.y, calibrator.isotonic_map.y);
    EXPECT_DOUBLE_EQ(back->isotonic.expected_roc_auc, 0.81);
    EXPECT_DOUBLE_EQ(back->logistic_map.slope, 0.7);
    const std::vector<std::pair<std::string, nlohmann::ordered_json>> broken{
        {"unknown method",
         [&] {
             auto j = json;
             j["method"] = "platt";
             return j;
         }()},
        {"non-decreasing",
         [&] {
             auto j = json;
             j["isotonic"]["y"] = {0.5, 0.25};
             return j;
         }()},
        {"outside [0, 1]",
         [&] {
             auto j = json;
             j["isotonic"]["y"] = {0.5, 1.5};
             return j;
         }()},
        {"no point",
         [&] {
             auto j = json;
             j["isotonic"]["x"] = nlohmann::ordered_json::array();
             j["isotonic"]["y"] = nlohmann::ordered_json::array();
             return j;
         }()},
        {"differ in length",
         [&] {
             auto j = json;
             j["isotonic"]["x"] = {0.1};
             return j;
         }()},
        {"slope below 0",
         [&] {
             auto j = json;
             j["logistic"]["slope"] = -1;
             return j;
         }()},
    };
    for (const auto& [why, body] : broken) {
        const auto parsed = CalibratorFromJson(body);
        ASSERT_FALSE(parsed) << why;
        EXPECT_NE(parsed.error().message.find(why), std::string::npos) << parsed.error().message;
    }
}

}  // namespace
}  // namespace attrition::model
