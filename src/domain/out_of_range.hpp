// Out-of-distribution warnings: the contract's ranges are wider than the data the model was
// trained on (SPEC §1), so a valid value may still lie outside the training min/max. Such a
// value is scored anyway; these warnings tell the client the model extrapolates. They name the
// field and the training range, never the submitted value. Pure functions, thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/employee.hpp"
#include "domain/fields.hpp"

namespace attrition::domain {

// What a client is told of a scored employee's input: the field it is about (a view into the
// field table, or into the model's metadata for an optional input) and the message.
struct InputWarning {
    enum class Kind { kOutOfRange, kImputed };
    Kind kind;
    std::string_view field;
    std::string message;
};

// One warning per numeric field outside [training_min, training_max] (per field, in field-table
// order, as the model artifact stores them), e.g.
// "age is above the range seen in training (18 to 60): the model extrapolates".
std::vector<InputWarning> OutOfRangeWarnings(const Employee& employee,
                                             std::span<const double, kNumericCount> training_min,
                                             std::span<const double, kNumericCount> training_max);

}  // namespace attrition::domain
