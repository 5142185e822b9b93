// Estimated figures: what a window's probabilities alone say of a version's performance, before
// any outcome is due (confidence-based performance estimation, NannyML's CBPE). Each
// probability, mapped through the version's calibrator (model::ScoreCalibrator), is taken as the
// chance that this employee leaves within the horizon; the expected confusion matrix at the
// decision threshold and the expected ROC curve follow from them. The estimate holds while
// the probabilities stay calibrated: under covariate shift (other employees, same relation
// between inputs and leaving) it follows the realized figures, under a change of that relation
// (concept drift) or of the base rate alone (label shift) it does not (docs/monitoring.md).
// Pure functions over store::ReadScoreBins's bins; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/calibration.hpp"
#include "monitoring/realized.hpp"
#include "store/monitoring.hpp"

namespace attrition::monitoring {

inline constexpr std::string_view kReasonNoPredictions = "no_predictions";
inline constexpr std::string_view kReasonTooFewExpectedLeavers = "fewer_than_30_expected_leavers";
inline constexpr std::string_view kReasonTooFewExpectedStayers = "fewer_than_30_expected_stayers";

struct Estimated {
    std::uint64_t n = 0;            // the window's predictions
    std::string calibration;        // the calibrator's method: "isotonic" or "none"
    double expected_positives = 0;  // sum of the calibrated probabilities
    // Each absent below kMinPerClass expected leavers or stayers; intervals are the sampling
    // error of a window of this size: ROC AUC Hanley & McNeil at the expected class sizes,
    // precision Wilson over the flagged (its n), recall Wilson over the expected leavers.
    Figure roc_auc;
    Figure precision;
    Figure recall;
    Figure f1_score;
};

// `bins` ascending by score, as ReadScoreBins gives them (a bin's mean score stands for its
// rows: bins are 1/10,000 wide). No calibrator: the probabilities as they are.
Estimated Estimate(std::span<const store::ScoreBin> bins,
                   const std::optional<model::ScoreCalibrator>& calibrator);

}  // namespace attrition::monitoring
