// The field table: the 24 input features of the contract (SPEC §1), their JSON types and
// allowed ranges, in the order the model encodes them. The single source of truth for the
// validator, the encoder, the OpenAPI document and the web form. Immutable, thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "base/text.hpp"

namespace attrition::domain {

enum class FieldKind { kInteger, kNumber, kCategorical };

struct FieldSpec {
    std::string_view name;
    FieldKind kind;
    // Numeric bounds of the contract (inclusive unless exclusive_minimum); nullopt = unbounded.
    std::optional<double> minimum;
    std::optional<double> maximum;
    bool exclusive_minimum = false;
    std::string_view description;
    double example = 0;                    // numeric example for docs and forms
    std::string_view categorical_example;  // categorical example for docs and forms
};

inline constexpr std::size_t kNumericCount = 18;
inline constexpr std::size_t kCategoricalCount = 6;
inline constexpr std::size_t kFieldCount = kNumericCount + kCategoricalCount;

// Numeric fields first (encoder column order), then categoricals (one-hot group order).
std::span<const FieldSpec, kNumericCount> NumericFields() noexcept;
std::span<const FieldSpec, kCategoricalCount> CategoricalFields() noexcept;

// Index into NumericFields() / CategoricalFields(), or nullopt.
std::optional<std::size_t> NumericIndex(std::string_view name) noexcept;
std::optional<std::size_t> CategoricalIndex(std::string_view name) noexcept;

// Maximum length of the optional employee_id string, in characters (base::CheckEmployeeId).
inline constexpr std::size_t kEmployeeIdMaxLength = base::kMaxEmployeeIdChars;

}  // namespace attrition::domain
