#include "serving/scoring.hpp"

#include <string>
#include <utility>

#include "serving/log_rows.hpp"

namespace attrition::serving {
namespace {

// One child per risk level, resolved once: scoring then skips the family's label lookup.
std::array<ops::Counter*, 3> RiskCounters(ops::Family<ops::Counter>& family) {
    std::array<ops::Counter*, 3> counters{};
    for (const auto risk :
         {model::RiskLevel::kLow, model::RiskLevel::kMedium, model::RiskLevel::kHigh}) {
        counters[static_cast<std::size_t>(risk)] =
            &family.With({std::string(model::RiskLevelName(risk))});
    }
    return counters;
}

}  // namespace

Scoring::Scoring(const base::Clock& clock, ops::Registry& metrics)
    : clock_(clock),
      predictions_by_risk_(RiskCounters(metrics.AddCounter(
          "attrition_predictions_total", "Employees scored, by risk level", {"risk_level"}))),
      out_of_range_warnings_(
          metrics.AddCounter("attrition_out_of_range_warnings_total",
                             "Scored values outside the range seen in training, by field",
                             {"field"})),
      imputed_inputs_(metrics.AddCounter(
          "attrition_imputed_inputs_total",
          "Optional inputs a request left out, imputed with their training mode, by feature",
          {"feature"})),
      shadow_predictions_(metrics.AddCounter("attrition_shadow_predictions_total",
                                             "Employees scored by the shadow version (logged as "
                                             "shadow rows, never answered), by version",
                                             {"version"})) {}

Scored Scoring::Score(const model::Repository& models,
                      const model::ServedModel& model,
                      std::span<const domain::Employee> employees) {
    std::vector<model::Prediction> predictions;
    if (employees.size() == 1) {
        predictions.push_back(model.predictor.Predict(employees.front()));
    } else {
        predictions = model.predictor.PredictMany(employees);
    }
    return Record(models, model, employees, std::move(predictions));
}

Scored Scoring::Record(const model::Repository& models,
                       const model::ServedModel& model,
                       std::span<const domain::Employee> employees,
                       std::vector<model::Prediction> predictions) {
    Scored scored;
    scored.predictions = std::move(predictions);
    const model::ServedModel* shadow = models.Shadow();
    if (shadow == &model) shadow = nullptr;
    const auto now = clock_.Now();
    scored.warnings.reserve(employees.size());
    scored.rows.reserve(employees.size() * (shadow != nullptr ? 2 : 1));
    for (std::size_t i = 0; i < employees.size(); ++i) {
        const auto& prediction = scored.predictions[i];
        predictions_by_risk_[static_cast<std::size_t>(prediction.risk)]->Inc();
        auto& warnings = scored.warnings.emplace_back(model.predictor.Warnings(employees[i]));
        for (const auto& warning : warnings) {
            auto& family = warning.kind == domain::InputWarning::Kind::kOutOfRange
                               ? out_of_range_warnings_
                               : imputed_inputs_;
            family.With({std::string(warning.field)}).Inc();
        }
        scored.rows.push_back(PredictionRow(model.predictor.Version(), employees[i], prediction,
                                            now, FeaturesSnapshot(employees[i])));
    }
    if (shadow == nullptr) return scored;
    const auto shadowed = shadow->predictor.PredictMany(employees);
    for (std::size_t i = 0; i < employees.size(); ++i) {
        auto row = PredictionRow(shadow->predictor.Version(), employees[i], shadowed[i], now,
                                 scored.rows[i].features_snapshot_json);  // the same snapshot
        row.shadow = true;
        scored.rows.push_back(std::move(row));
    }
    shadow_predictions_.With({shadow->predictor.Version()})
        .Inc(static_cast<double>(employees.size()));
    return scored;
}

}  // namespace attrition::serving
