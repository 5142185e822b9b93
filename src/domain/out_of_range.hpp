// Out-of-distribution warnings: the contract's ranges are wider than the data the model was
// trained on (SPEC §1), so a valid value may still lie outside the training min/max. Such a
// value is scored anyway; these warnings tell the client the model extrapolates. They name the
// field and the training range, never the submitted value. Pure functions, thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "domain/employee.hpp"
#include "domain/fields.hpp"

namespace attrition::domain {

// One warning per numeric field outside [training_min, training_max] (per field, in field-table
// order, as the model artifact stores them), e.g.
// "age is above the range seen in training (18 to 60): the model extrapolates".
std::vector<std::string> OutOfRangeWarnings(const Employee& employee,
                                            std::span<const double, kNumericCount> training_min,
                                            std::span<const double, kNumericCount> training_max);

}  // namespace attrition::domain
