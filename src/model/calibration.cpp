#include "model/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "model/evaluation.hpp"
#include "model/json_problem.hpp"

namespace attrition::model {
namespace {

using Json = nlohmann::ordered_json;

double Brier(std::span<const double> scores, std::span<const int> labels) {
    double sum = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const double error = scores[i] - labels[i];
        sum += error * error;
    }
    return scores.empty() ? 0 : sum / static_cast<double>(scores.size());
}

constexpr double kClamp = 1e-9;

double Logit(double p) {
    const double q = std::clamp(p, kClamp, 1 - kClamp);
    return std::log(q / (1 - q));
}

// Brier score and expected ROC AUC of `probabilities`, rows grouped by equal score.
CalibrationCheck Check(std::span<const double> scores,
                       std::span<const double> probabilities,
                       std::span<const int> labels) {
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    std::vector<ClassWeights> groups;
    for (std::size_t k = 0; k < order.size(); ++k) {
        const std::size_t i = order[k];
        if (k == 0 || scores[order[k - 1]] != scores[i]) groups.emplace_back();
        groups.back().positive += probabilities[i];
        groups.back().negative += 1 - probabilities[i];
    }
    return {Brier(probabilities, labels), ExpectedRocAuc(groups)};
}

}  // namespace

double LogisticMap::Apply(double score) const {
    return 1 / (1 + std::exp(-(slope * Logit(score) + intercept)));
}

LogisticMap FitLogistic(std::span<const double> scores, std::span<const int> labels) {
    LogisticMap map;
    for (int iteration = 0; iteration < 100; ++iteration) {
        double g_slope = 0;  // gradient and Hessian of the log loss
        double g_intercept = 0;
        double h_ss = 0;
        double h_si = 0;
        double h_ii = 0;
        for (std::size_t i = 0; i < scores.size(); ++i) {
            const double z = Logit(scores[i]);
            const double q = map.Apply(scores[i]);
            const double residual = q - labels[i];
            const double weight = q * (1 - q);
            g_slope += residual * z;
            g_intercept += residual;
            h_ss += weight * z * z;
            h_si += weight * z;
            h_ii += weight;
        }
        const double determinant = h_ss * h_ii - h_si * h_si;
        if (!(determinant > 0)) break;  // separable or degenerate: keep the last fit
        const double step_slope = (h_ii * g_slope - h_si * g_intercept) / determinant;
        const double step_intercept = (h_ss * g_intercept - h_si * g_slope) / determinant;
        map.slope -= step_slope;
        map.intercept -= step_intercept;
        if (std::abs(step_slope) + std::abs(step_intercept) < 1e-12) break;
    }
    if (!std::isfinite(map.slope) || !std::isfinite(map.intercept)) return LogisticMap{};
    return map;
}

double ScoreCalibrator::Apply(double score) const {
    if (method == "isotonic") return isotonic_map.Apply(score);
    if (method == "logistic") return logistic_map.Apply(score);
    return score;
}

double IsotonicMap::Apply(double score) const {
    if (x.empty()) return score;
    if (score <= x.front()) return y.front();
    if (score >= x.back()) return y.back();
    const auto above = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), score) -
                                                x.begin());  // 1..size-1
    const std::size_t below = above - 1;
    const double span = x[above] - x[below];
    if (span <= 0) return y[above];
    return y[below] + (y[above] - y[below]) * (score - x[below]) / span;
}

IsotonicMap FitIsotonic(std::span<const double> scores, std::span<const int> labels) {
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    // Blocks of equal score, then pooled while a block's rate is below the one before it.
    struct Block {
        double low, high, sum, weight;
    };
    std::vector<Block> blocks;
    for (const std::size_t i : order) {
        if (!blocks.empty() && blocks.back().high == scores[i]) {
            blocks.back().sum += labels[i];
            blocks.back().weight += 1;
        } else {
            blocks.push_back({scores[i], scores[i], static_cast<double>(labels[i]), 1});
        }
        while (blocks.size() > 1) {
            const Block last = blocks.back();
            Block& before = blocks[blocks.size() - 2];
            if (before.sum / before.weight < last.sum / last.weight) break;
            before.high = last.high;
            before.sum += last.sum;
            before.weight += last.weight;
            blocks.pop_back();
        }
    }
    IsotonicMap map;
    for (const auto& block : blocks) {
        const double rate = block.sum / block.weight;
        map.x.push_back(block.low);
        map.y.push_back(rate);
        if (block.high > block.low) {
            map.x.push_back(block.high);
            map.y.push_back(rate);
        }
    }
    return map;
}

std::optional<ScoreCalibrator> ChooseCalibrator(std::span<const double> scores,
                                                std::span<const int> labels,
                                                int folds,
                                                std::uint64_t seed) {
    const auto positives = std::count(labels.begin(), labels.end(), 1);
    if (folds < 2 || scores.size() < static_cast<std::size_t>(folds) || positives == 0 ||
        static_cast<std::size_t>(positives) == labels.size()) {
        return std::nullopt;
    }
    const auto fold_of = StratifiedFolds(labels, folds, seed);
    std::vector<double> isotonic(scores.size());
    std::vector<double> logistic(scores.size());
    for (int fold = 0; fold < folds; ++fold) {
        std::vector<double> fit_scores;
        std::vector<int> fit_labels;
        for (std::size_t i = 0; i < scores.size(); ++i) {
            if (fold_of[i] == fold) continue;
            fit_scores.push_back(scores[i]);
            fit_labels.push_back(labels[i]);
        }
        const auto isotonic_map = FitIsotonic(fit_scores, fit_labels);
        const auto logistic_map = FitLogistic(fit_scores, fit_labels);
        for (std::size_t i = 0; i < scores.size(); ++i) {
            if (fold_of[i] != fold) continue;
            isotonic[i] = isotonic_map.Apply(scores[i]);
            logistic[i] = logistic_map.Apply(scores[i]);
        }
    }
    ScoreCalibrator calibrator;
    calibrator.fitted_on = scores.size();
    calibrator.realized_roc_auc = RocAuc(labels, scores);
    calibrator.raw = Check(scores, scores, labels);
    calibrator.isotonic = Check(scores, isotonic, labels);
    calibrator.logistic = Check(scores, logistic, labels);
    const auto error = [&](const CalibrationCheck& check) {
        return std::abs(check.expected_roc_auc - calibrator.realized_roc_auc);
    };
    const double best =
        std::min({error(calibrator.raw), error(calibrator.isotonic), error(calibrator.logistic)});
    if (best == error(calibrator.raw)) return calibrator;
    if (best == error(calibrator.logistic)) {
        calibrator.method = "logistic";
        calibrator.logistic_map = FitLogistic(scores, labels);
    } else {
        calibrator.method = "isotonic";
        calibrator.isotonic_map = FitIsotonic(scores, labels);
    }
    return calibrator;
}

Json CalibratorToJson(const ScoreCalibrator& calibrator) {
    const auto check = [](const CalibrationCheck& c) {
        return Json{{"brier", c.brier}, {"expected_roc_auc", c.expected_roc_auc}};
    };
    return Json{
        {"method", calibrator.method},
        {"scores", "out-of-fold"},
        {"fitted_on", calibrator.fitted_on},
        {"cross_fitted", Json{{"realized_roc_auc", calibrator.realized_roc_auc},
                              {"raw", check(calibrator.raw)},
                              {"isotonic", check(calibrator.isotonic)},
                              {"logistic", check(calibrator.logistic)}}},
        {"isotonic", Json{{"x", calibrator.isotonic_map.x}, {"y", calibrator.isotonic_map.y}}},
        {"logistic", Json{{"slope", calibrator.logistic_map.slope},
                          {"intercept", calibrator.logistic_map.intercept}}}};
}

base::Result<ScoreCalibrator> CalibratorFromJson(const Json& json) {
    const auto invalid = [](const std::string& why) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          "model metadata: score_calibrator: " + why);
    };
    const auto check = [](const Json& c) {
        return CalibrationCheck{c.at("brier").get<double>(),
                                c.at("expected_roc_auc").get<double>()};
    };
    try {
        ScoreCalibrator calibrator;
        calibrator.method = json.at("method").get<std::string>();
        calibrator.fitted_on = json.at("fitted_on").get<std::size_t>();
        const Json& cross_fitted = json.at("cross_fitted");
        calibrator.realized_roc_auc = cross_fitted.at("realized_roc_auc").get<double>();
        calibrator.raw = check(cross_fitted.at("raw"));
        calibrator.isotonic = check(cross_fitted.at("isotonic"));
        calibrator.logistic = check(cross_fitted.at("logistic"));
        calibrator.isotonic_map.x = json.at("isotonic").at("x").get<std::vector<double>>();
        calibrator.isotonic_map.y = json.at("isotonic").at("y").get<std::vector<double>>();
        calibrator.logistic_map = {json.at("logistic").at("slope").get<double>(),
                                   json.at("logistic").at("intercept").get<double>()};
        const auto& [x, y] = calibrator.isotonic_map;
        if (calibrator.method != "isotonic" && calibrator.method != "logistic" &&
            calibrator.method != "none") {
            return invalid("unknown method");
        }
        if (x.size() != y.size()) return invalid("x and y differ in length");
        if (calibrator.method == "isotonic" && x.empty()) return invalid("no point");
        if (!std::is_sorted(x.begin(), x.end()) || !std::is_sorted(y.begin(), y.end())) {
            return invalid("points are not non-decreasing");
        }
        if (!y.empty() && (!(y.front() >= 0) || !(y.back() <= 1))) {
            return invalid("a rate outside [0, 1]");
        }
        const auto& logistic = calibrator.logistic_map;
        if (!(logistic.slope >= 0) || !std::isfinite(logistic.slope) ||
            !std::isfinite(logistic.intercept)) {
            return invalid("a logistic slope below 0 or not finite");
        }
        return calibrator;
    } catch (const nlohmann::json::exception& e) {
        return invalid(JsonProblem(e));
    }
}

}  // namespace attrition::model
