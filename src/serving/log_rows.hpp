// The prediction log's rows, built one way for every source of predictions (serving::Scoring, for
// the API's routes and `attrition score`): what the log keeps of an employee (the features
// snapshot), of a prediction, and of the request. Pure; safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "domain/employee.hpp"
#include "model/predictor.hpp"
#include "store/records.hpp"

namespace attrition::serving {

// The canonical features as stored in predictions.features_snapshot: the table's numeric and
// categorical inputs in their canonical values, then the optional inputs given.
std::string FeaturesSnapshot(const domain::Employee& employee);

// The logged row of `prediction`, made by `version` for `employee` at `now`: a new id, and
// `snapshot` (FeaturesSnapshot(employee)) as its features.
store::PredictionRecord PredictionRow(std::string_view version,
                                      const domain::Employee& employee,
                                      const model::Prediction& prediction,
                                      base::SystemTime now,
                                      std::string snapshot);

// What the request row keeps of an accepted single-employee body: the validated fields in their
// canonical values (`snapshot`, FeaturesSnapshot(employee), with the employee_id first when there
// is one), never the client's bytes: unknown fields, padding and duplicate keys are gone.
std::string SingleRequestData(const domain::Employee& employee, std::string_view snapshot);

// What the request row keeps of an accepted batch (v1 or V2): the count, as the original did, and
// the ids; the features are in each prediction row, not copied a second time.
std::string BatchRequestData(std::span<const domain::Employee> employees);

}  // namespace attrition::serving
