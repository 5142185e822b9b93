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

// The min and max a numeric field took in the training data (from the model artifact).
struct TrainingRange {
    double min = 0;
    double max = 0;
};

// One warning per numeric field outside its training range, in field-table order, e.g.
// "age is above the range seen in training (18 to 60): the model extrapolates".
std::vector<std::string> OutOfRangeWarnings(
    const Employee& employee, std::span<const TrainingRange, kNumericCount> training_ranges);

}  // namespace attrition::domain
