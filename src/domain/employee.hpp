// One validated employee: numeric values in field-table order and canonical categorical values
// (training vocabulary, aliases already resolved), plus the optional inputs a model declares
// (its metadata's optional_features) that the request gave. What the model encodes and the log
// stores.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/fields.hpp"

namespace attrition::domain {

// One optional categorical input that was given: its name and canonical value.
struct OptionalValue {
    std::string name;
    std::string value;
    bool operator==(const OptionalValue&) const = default;
};

struct Employee {
    std::array<double, kNumericCount> numeric{};
    std::array<std::string, kCategoricalCount> categorical;  // canonical training values
    std::optional<std::string> employee_id;
    // Given optional inputs in the vocabulary's order; an absent one is not listed (the model
    // imputes it).
    std::vector<OptionalValue> optional;

    // The canonical value of the optional input `name`, or null when it was not given.
    const std::string* Optional(std::string_view name) const noexcept {
        for (const auto& entry : optional) {
            if (entry.name == name) return &entry.value;
        }
        return nullptr;
    }
};

}  // namespace attrition::domain
