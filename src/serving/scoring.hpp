// Scoring, one way for every caller (v1 predict, batch, explain and what-if, V2 infer and
// `attrition score`): the chosen version's predictions and the warnings each employee gets, the
// prediction log's rows built once (the chosen version's, then the shadow version's), and the
// metrics counted. The adapters render a Scored; they neither score nor build rows themselves.
// Safe from any thread (the metric children are resolved once; counting is atomic).
#pragma once

#include <array>
#include <span>
#include <vector>

#include "base/clock.hpp"
#include "domain/employee.hpp"
#include "domain/out_of_range.hpp"
#include "model/predictor.hpp"
#include "model/repository.hpp"
#include "ops/metrics.hpp"
#include "store/records.hpp"

namespace attrition::serving {

// What scoring employees gives, in their order.
struct Scored {
    std::vector<model::Prediction> predictions;
    std::vector<std::vector<domain::InputWarning>> warnings;  // one list per employee
    // The log's rows: the chosen version's, one per employee in order (rows[i] is employee i's),
    // then the shadow version's, marked shadow, when the repository has a shadow other than the
    // chosen version. Never part of an answer.
    std::vector<store::PredictionRecord> rows;
};

class Scoring {
  public:
    // Registers its metrics in `metrics`: attrition_predictions_total{risk_level},
    // attrition_out_of_range_warnings_total{field}, attrition_imputed_inputs_total{feature},
    // attrition_shadow_predictions_total{version}.
    Scoring(const base::Clock& clock, ops::Registry& metrics);

    // Scores `employees` with `model`, one of `models`' versions.
    Scored Score(const model::Repository& models,
                 const model::ServedModel& model,
                 std::span<const domain::Employee> employees);

    // The same for predictions `model` made already (a what-if search scores the employee it
    // starts from): `predictions[i]` is employee i's.
    Scored Record(const model::Repository& models,
                  const model::ServedModel& model,
                  std::span<const domain::Employee> employees,
                  std::vector<model::Prediction> predictions);

  private:
    const base::Clock& clock_;
    std::array<ops::Counter*, 3> predictions_by_risk_;  // indexed by model::RiskLevel
    ops::Family<ops::Counter>& out_of_range_warnings_;
    ops::Family<ops::Counter>& imputed_inputs_;
    ops::Family<ops::Counter>& shadow_predictions_;
};

}  // namespace attrition::serving
