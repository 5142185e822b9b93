// An employee as the prediction log keeps it (predictions.features_snapshot: the field table's
// inputs by name, then the optional inputs given), read back for training
// (`attrition train --from-log`). Pure; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "domain/employee.hpp"

namespace attrition::model {

// A numeric input absent or not a number is NaN and a categorical one absent or not a string is
// empty (the encoder imputes both, as for the extracts' missing cells); of the optional inputs,
// those named in `optional`, in that order, when present. kInvalidInput when the text is not a
// JSON object.
base::Result<domain::Employee> EmployeeFromSnapshot(std::string_view json,
                                                    std::span<const std::string> optional);

}  // namespace attrition::model
