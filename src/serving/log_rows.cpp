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

std::string SingleRequestData(const domain::Employee& employee, std::string_view snapshot) {
    if (!employee.employee_id) return std::string(snapshot);
    std::string out;
    base::JsonWriter(out).BeginObject().Key("employee_id").String(*employee.employee_id);
    out += ',';
    out.append(snapshot.substr(1));  // the snapshot's members, after its '{'
    return out;
}

std::string BatchRequestData(std::span<const domain::Employee> employees) {
    std::string out;
    out.reserve(64 + 16 * employees.size());
    base::JsonWriter json(out);
    json.BeginObject().Key("employee_count").Uint(employees.size());
    json.Key("employee_ids").BeginArray();
    for (const auto& employee : employees) json.String(employee.employee_id.value_or(""));
    json.EndArray().EndObject();
    return out;
}

}  // namespace attrition::serving
