#include "serving/log_rows.hpp"

#include <cstdint>
#include <utility>

#include "base/json_writer.hpp"
#include "domain/fields.hpp"
#include "store/uuid.hpp"

namespace attrition::serving {

static_assert(model::kMaxVersionChars == store::kMaxModelVersionChars,
              "a loaded version's name must fit the log's model_version column");

// Written into one reserved string: a batch of 100 builds 100 per request.
std::string FeaturesSnapshot(const domain::Employee& employee) {
    std::string out;
    out.reserve(768);
    base::JsonWriter json(out);
    json.BeginObject();
    const auto numeric = domain::NumericFields();
    for (std::size_t i = 0; i < numeric.size(); ++i) {
        json.Key(numeric[i].name);
        if (numeric[i].kind == domain::FieldKind::kInteger) {
            json.Int(static_cast<std::int64_t>(employee.numeric[i]));
        } else {
            json.Double(employee.numeric[i]);
        }
    }
    const auto categorical = domain::CategoricalFields();
    for (std::size_t i = 0; i < categorical.size(); ++i) {
        json.Key(categorical[i].name).String(employee.categorical[i]);
    }
    for (const auto& input : employee.optional) json.Key(input.name).String(input.value);
    json.EndObject();
    return out;
}

store::PredictionRecord PredictionRow(std::string_view version,
                                      const domain::Employee& employee,
                                      const model::Prediction& prediction,
                                      base::SystemTime now,
                                      std::string snapshot) {
    store::PredictionRecord row;
    row.id = store::NewUuid();
    row.prediction_date = now;
    row.employee_id = employee.employee_id;
    row.attrition_prob = prediction.probability;
    row.risk_level = std::string(model::RiskLevelName(prediction.risk));
    row.model_version = std::string(version);
    row.features_snapshot_json = std::move(snapshot);
    return row;
}

void AppendShadowRows(const model::ServedModel& shadow,
                      std::span<const domain::Employee> employees,
                      base::SystemTime now,
                      std::vector<store::PredictionRecord>& rows) {
    const auto predictions = shadow.predictor.PredictMany(employees);
    const std::size_t first = rows.size() - employees.size();
    rows.reserve(rows.size() + employees.size());
    for (std::size_t i = 0; i < employees.size(); ++i) {
        auto row = PredictionRow(shadow.predictor.Version(), employees[i], predictions[i], now,
                                 rows[first + i].features_snapshot_json);
        row.shadow = true;
        rows.push_back(std::move(row));
    }
}

}  // namespace attrition::serving
