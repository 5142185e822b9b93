// The prediction log's rows, built one way for every source of predictions (the API's routes and
// `attrition score`): what the log keeps of an employee (the features snapshot) and of a
// prediction, the default version's and the shadow's. Pure; safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "domain/employee.hpp"
#include "model/predictor.hpp"
#include "model/repository.hpp"
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

// Appends the shadow version's rows for `employees`, whose own rows are the last
// employees.size() of `rows` (their snapshots are shared): scored by `shadow`, marked shadow.
void AppendShadowRows(const model::ServedModel& shadow,
                      std::span<const domain::Employee> employees,
                      base::SystemTime now,
                      std::vector<store::PredictionRecord>& rows);

}  // namespace attrition::serving
