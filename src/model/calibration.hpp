// The score calibrator a version keeps for estimating its performance before outcomes arrive
// (monitoring/estimated.hpp): a map from the model's probability to the share of leavers,
// fitted by `attrition train` on the out-of-fold probabilities (never on the training rows' own
// scores), as NannyML calibrates before its confidence-based estimation. Two maps are tried:
// isotonic (NannyML's), and logistic on the logit (Platt scaling: two parameters, which
// corrects an over-confident model's spread where isotonic overfits a small sample). Each is
// cross-fitted (each fifth of the out-of-fold rows mapped by a map fitted on the other four)
// and judged by what it is for: how far the expected ROC AUC of the mapped probabilities lies
// from the realized one of the same rows. The map with the smallest error is kept, or none when
// neither beats the probabilities as they are. (The Brier score is reported too; it barely
// tells the candidates apart on the real data: docs/monitoring.md.) Values; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"

namespace attrition::model {

// A non-decreasing map, linear between its points and constant beyond them (scikit-learn's
// IsotonicRegression with out_of_bounds="clip"): each pooled block of the fit is kept as its
// lowest and highest score with the block's rate.
struct IsotonicMap {
    std::vector<double> x;  // non-decreasing
    std::vector<double> y;  // non-decreasing, in [0, 1]
    double Apply(double score) const;
};

// Pool-adjacent-violators on (score, label) pairs, equal scores pooled first; labels 0 or 1.
// Empty input gives an empty map (Apply is then the identity).
IsotonicMap FitIsotonic(std::span<const double> scores, std::span<const int> labels);

// p -> 1 / (1 + exp(-(slope * logit(p) + intercept))), p clamped to [1e-9, 1 - 1e-9].
struct LogisticMap {
    double slope = 1;
    double intercept = 0;
    double Apply(double score) const;
};

// Maximum likelihood (Newton's method on the log loss); labels 0 or 1, both present.
LogisticMap FitLogistic(std::span<const double> scores, std::span<const int> labels);

// A candidate map's cross-fitted figures on the out-of-fold rows.
struct CalibrationCheck {
    double brier = 0;
    double expected_roc_auc = 0;  // of the mapped probabilities, rows ordered by score
};

struct ScoreCalibrator {
    // "isotonic" or "logistic", whichever brought the expected ROC AUC closest to the realized
    // one, else "none" (the identity).
    std::string method = "none";
    std::size_t fitted_on = 0;  // out-of-fold probabilities
    double realized_roc_auc = 0;
    CalibrationCheck raw;  // the probabilities as they are
    CalibrationCheck isotonic;
    CalibrationCheck logistic;
    IsotonicMap isotonic_map;  // fitted on all of them; empty unless "isotonic"
    LogisticMap logistic_map;  // fitted on all of them; the identity unless "logistic"
    double Apply(double score) const;
};

// Chooses and fits the calibrator from out-of-fold probabilities and their labels; `folds`
// (>= 2) cross-fitting folds dealt by StratifiedFolds with `seed`. nullopt for fewer rows than
// folds or a single class.
std::optional<ScoreCalibrator> ChooseCalibrator(std::span<const double> scores,
                                                std::span<const int> labels,
                                                int folds,
                                                std::uint64_t seed);

// metadata.json's "score_calibrator", and back: kInvalidConfig naming the problem when the
// method is unknown, the points are not non-decreasing, a rate lies outside [0, 1], or an
// isotonic map has no point.
nlohmann::ordered_json CalibratorToJson(const ScoreCalibrator& calibrator);
base::Result<ScoreCalibrator> CalibratorFromJson(const nlohmann::ordered_json& json);

}  // namespace attrition::model
