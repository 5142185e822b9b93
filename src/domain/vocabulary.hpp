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
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "domain/category_aliases.hpp"
#include "domain/fields.hpp"

namespace attrition::domain {

// Optional inputs a model may declare, at most (the validator keeps their slots on the stack).
inline constexpr std::size_t kMaxOptionalInputs = 8;

class Vocabulary {
  public:
    // Canonical training values per categorical, in CategoricalFields() order.
    using TrainingValues = std::array<std::vector<std::string>, kCategoricalCount>;

    // An optional categorical input a model declares in its metadata (optional_features).
    struct OptionalInput {
        std::string name;
        std::vector<std::string> values;                           // canonical training values
        std::vector<std::pair<std::string, std::string>> aliases;  // spelling, canonical value
        // Known only to the shadow model: a value it cannot use is dropped (the shadow imputes
        // it), never an error for the client.
        bool lenient = false;
    };

    struct Alias {
        std::string spelling;     // what a client may send
        std::size_t value_index;  // into Values(categorical_index)
    };

    // Fails with kInvalidConfig when a categorical has no values, a value is empty or repeated,
    // an alias names an unknown feature, an alias's canonical value is not in the vocabulary,
    // or one alias spelling stands for two values (or shadows a different training value); an
    // optional input is unnamed, named like a field of the table or another optional input, or
    // one too many (kMaxOptionalInputs).
    static base::Result<Vocabulary> Make(TrainingValues training_values,
                                         std::span<const CategoryAlias> aliases = CategoryAliases(),
                                         std::vector<OptionalInput> optional = {});

    // This vocabulary plus the optional inputs of `other` it lacks, marked lenient: what a request
    // is read with when `other` shadows the model this vocabulary belongs to.
    Vocabulary WithLenientInputs(const Vocabulary& other) const;

    // Categorical indices: the field table's first (0 .. kCategoricalCount - 1), then the
    // optional inputs in declaration order. Every function below takes any of them.
    std::size_t Count() const noexcept { return fields_.size(); }
    std::size_t OptionalCount() const noexcept { return fields_.size() - kCategoricalCount; }
    std::string_view Name(std::size_t categorical_index) const noexcept;
    bool IsLenient(std::size_t categorical_index) const noexcept;

    // The canonical training value for `value`, or nullopt. The view points into this object.
    std::optional<std::string_view> Canonical(std::size_t categorical_index,
                                              std::string_view value) const noexcept;

    // Canonical values of one categorical, in artifact order.
    std::span<const std::string> Values(std::size_t categorical_index) const noexcept;

    // Aliases of one categorical that differ from every training value, in table order.
    std::span<const Alias> Aliases(std::size_t categorical_index) const noexcept;

    // Every accepted spelling (case aside): the training values, then the aliases.
    std::vector<std::string> AcceptedSpellings(std::size_t categorical_index) const;

    // The 422 message (categorical_index < Count()) for a value that matches nothing,
    // e.g. "Input should be 'F' or 'M' (aliases accepted, case-insensitive: 'Male', 'Female')".
    const std::string& AllowedValuesMessage(std::size_t categorical_index) const noexcept;

  private:
    struct Folded {
        std::string spelling;                    // ASCII-lowercased
        std::optional<std::size_t> value_index;  // nullopt: ambiguous, matches nothing
    };
    struct Field {
        std::string name;
        bool lenient = false;
        std::vector<std::string> values;
        std::vector<Alias> aliases;  // matched exactly, then case-insensitively
        std::vector<Folded> folded;  // case-insensitive fallback
        std::string message;
    };

    Vocabulary() = default;
    base::Result<void> AddAlias(std::size_t index,
                                std::string_view alias,
                                std::string_view canonical);
    void Finish(Field& field);

    std::vector<Field> fields_;  // Count() entries
};

}  // namespace attrition::domain
