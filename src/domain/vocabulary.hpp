// The categorical vocabulary the model was trained on (from the model artifact) plus the
// accepted aliases (category_aliases.hpp): maps what a client sends to the canonical training
// value, and lists the accepted spellings for error messages and the OpenAPI document.
// Matching: exact training value first, then exact alias, then an ASCII case-insensitive match
// of either ("male", "OUI", "sales executive"); only A-Z/a-z are folded, other bytes compare
// exactly, no whitespace is trimmed, and a folded spelling that would stand for two different
// values matches nothing. A value absent from the vocabulary is never produced.
// Immutable after Make; safe to share read-only between threads.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "domain/category_aliases.hpp"
#include "domain/fields.hpp"

namespace attrition::domain {

class Vocabulary {
  public:
    // Canonical training values per categorical, in CategoricalFields() order.
    using TrainingValues = std::array<std::vector<std::string>, kCategoricalCount>;

    struct Alias {
        std::string spelling;     // what a client may send
        std::size_t value_index;  // into Values(categorical_index)
    };

    // Fails with kInvalidConfig when a categorical has no values, a value is empty or repeated,
    // an alias names an unknown feature, an alias's canonical value is not in the vocabulary,
    // or one alias spelling stands for two values (or shadows a different training value).
    static base::Result<Vocabulary> Make(
        TrainingValues training_values, std::span<const CategoryAlias> aliases = CategoryAliases());

    // The canonical training value for `value`, or nullopt. The view points into this object.
    std::optional<std::string_view> Canonical(std::size_t categorical_index,
                                              std::string_view value) const noexcept;

    // Canonical values of one categorical, in artifact order.
    std::span<const std::string> Values(std::size_t categorical_index) const noexcept;

    // Aliases of one categorical that differ from every training value, in table order.
    std::span<const Alias> Aliases(std::size_t categorical_index) const noexcept;

    // Every accepted spelling (case aside): the training values, then the aliases.
    std::vector<std::string> AcceptedSpellings(std::size_t categorical_index) const;

    // The 422 message (categorical_index < kCategoricalCount) for a value that matches nothing,
    // e.g. "Input should be 'F' or 'M' (aliases accepted, case-insensitive: 'Male', 'Female')".
    const std::string& AllowedValuesMessage(std::size_t categorical_index) const noexcept;

  private:
    struct Folded {
        std::string spelling;                    // ASCII-lowercased
        std::optional<std::size_t> value_index;  // nullopt: ambiguous, matches nothing
    };
    struct Field {
        std::vector<std::string> values;
        std::vector<Alias> aliases;  // matched exactly, then case-insensitively
        std::vector<Folded> folded;  // case-insensitive fallback
        std::string message;
    };

    Vocabulary() = default;

    std::array<Field, kCategoricalCount> fields_;
};

}  // namespace attrition::domain
