// One validated employee: numeric values in field-table order and canonical categorical values
// (training vocabulary, aliases already resolved). What the model encodes and the log stores.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "domain/fields.hpp"

namespace attrition::domain {

struct Employee {
    std::array<double, kNumericCount> numeric{};
    std::array<std::string, kCategoricalCount> categorical;  // canonical training values
    std::optional<std::string> employee_id;
};

}  // namespace attrition::domain
