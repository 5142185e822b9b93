#include "domain/vocabulary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <utility>

namespace attrition::domain {
namespace {

char FoldAscii(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string Fold(std::string_view text) {
    std::string folded(text);
    std::transform(folded.begin(), folded.end(), folded.begin(), FoldAscii);
    return folded;
}

bool EqualsFolded(std::string_view folded, std::string_view text) noexcept {
    if (folded.size() != text.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (folded[i] != FoldAscii(text[i])) return false;
    }
    return true;
}

std::optional<std::size_t> IndexOf(const std::vector<std::string>& values, std::string_view value) {
    const auto found = std::find(values.begin(), values.end(), value);
    if (found == values.end()) return std::nullopt;
    return static_cast<std::size_t>(found - values.begin());
}

// "'a'", "'a' or 'b'", "'a', 'b' or 'c'" — pydantic's wording for enum errors.
std::string QuotedList(const std::vector<std::string>& items, std::string_view last_separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += (i + 1 == items.size()) ? last_separator : std::string_view(", ");
        out += fmt::format("'{}'", items[i]);
    }
    return out;
}

base::Error ConfigError(std::string message) {
    return base::Error::Make(base::ErrorCode::kInvalidConfig, std::move(message));
}

// Checks one categorical's training values: present, non-empty, distinct.
base::Result<void> CheckValues(std::string_view name, const std::vector<std::string>& values) {
    if (values.empty()) {
        return tl::unexpected(
            ConfigError(fmt::format("vocabulary: categorical '{}' has no training values", name)));
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i].empty()) {
            return tl::unexpected(
                ConfigError(fmt::format("vocabulary: categorical '{}' has an empty value", name)));
        }
        if (std::find(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i), values[i]) !=
            values.begin() + static_cast<std::ptrdiff_t>(i)) {
            return tl::unexpected(ConfigError(
                fmt::format("vocabulary: categorical '{}' repeats '{}'", name, values[i])));
        }
    }
    return {};
}

}  // namespace

base::Result<void> Vocabulary::AddAlias(std::size_t index,
                                        std::string_view alias,
                                        std::string_view canonical) {
    auto& field = fields_[index];
    const auto target = IndexOf(field.values, canonical);
    if (!target) {
        return tl::unexpected(ConfigError(fmt::format(
            "category aliases: {} '{}' maps to '{}', which the model's vocabulary lacks",
            field.name, alias, canonical)));
    }
    if (const auto same = IndexOf(field.values, alias)) {
        if (*same != *target) {
            return tl::unexpected(ConfigError(fmt::format(
                "category aliases: {} '{}' is a training value and cannot stand for '{}'",
                field.name, alias, canonical)));
        }
        return {};  // an alias equal to its own training value adds nothing
    }
    const auto existing = std::find_if(field.aliases.begin(), field.aliases.end(),
                                       [&](const Alias& a) { return a.spelling == alias; });
    if (existing != field.aliases.end()) {
        if (existing->value_index != *target) {
            return tl::unexpected(ConfigError(
                fmt::format("category aliases: {} '{}' stands for two values", field.name, alias)));
        }
        return {};
    }
    field.aliases.push_back(Alias{std::string(alias), *target});
    return {};
}

void Vocabulary::Finish(Field& field) {
    const auto add_folded = [&field](std::string_view spelling, std::size_t value_index) {
        std::string folded = Fold(spelling);
        for (auto& entry : field.folded) {
            if (entry.spelling == folded) {
                if (entry.value_index != value_index) entry.value_index = std::nullopt;
                return;
            }
        }
        field.folded.push_back(Folded{std::move(folded), value_index});
    };
    for (std::size_t i = 0; i < field.values.size(); ++i) add_folded(field.values[i], i);
    for (const auto& alias : field.aliases) add_folded(alias.spelling, alias.value_index);

    field.message = "Input should be " + QuotedList(field.values, " or ");
    if (!field.aliases.empty()) {
        std::vector<std::string> spellings;
        for (const auto& alias : field.aliases) spellings.push_back(alias.spelling);
        field.message +=
            " (aliases accepted, case-insensitive: " + QuotedList(spellings, ", ") + ")";
    }
}

base::Result<Vocabulary> Vocabulary::Make(TrainingValues training_values,
                                          std::span<const CategoryAlias> aliases,
                                          std::vector<OptionalInput> optional) {
    Vocabulary vocabulary;
    const auto specs = CategoricalFields();
    for (std::size_t c = 0; c < kCategoricalCount; ++c) {
        if (auto ok = CheckValues(specs[c].name, training_values[c]); !ok) {
            return tl::unexpected(ok.error());
        }
        vocabulary.fields_.push_back(
            Field{std::string(specs[c].name), false, std::move(training_values[c]), {}, {}, {}});
    }
    for (const auto& alias : aliases) {
        const auto c = CategoricalIndex(alias.feature);
        if (!c) {
            return tl::unexpected(ConfigError(
                fmt::format("category aliases: '{}' is not a categorical field", alias.feature)));
        }
        if (auto ok = vocabulary.AddAlias(*c, alias.alias, alias.canonical); !ok) {
            return tl::unexpected(ok.error());
        }
    }

    if (optional.size() > kMaxOptionalInputs) {
        return tl::unexpected(ConfigError(fmt::format("vocabulary: {} optional inputs, at most {}",
                                                      optional.size(), kMaxOptionalInputs)));
    }
    for (auto& input : optional) {
        const bool taken = input.name.empty() || input.name == "employee_id" ||
                           NumericIndex(input.name) || CategoricalIndex(input.name) ||
                           std::any_of(vocabulary.fields_.begin(), vocabulary.fields_.end(),
                                       [&](const Field& f) { return f.name == input.name; });
        if (taken) {
            return tl::unexpected(ConfigError(fmt::format(
                "vocabulary: optional input '{}' is unnamed or already a field", input.name)));
        }
        if (auto ok = CheckValues(input.name, input.values); !ok) {
            return tl::unexpected(ok.error());
        }
        vocabulary.fields_.push_back(
            Field{input.name, input.lenient, std::move(input.values), {}, {}, {}});
        for (const auto& [spelling, canonical] : input.aliases) {
            if (auto ok = vocabulary.AddAlias(vocabulary.fields_.size() - 1, spelling, canonical);
                !ok) {
                return tl::unexpected(ok.error());
            }
        }
    }
    for (auto& field : vocabulary.fields_) vocabulary.Finish(field);
    return vocabulary;
}

Vocabulary Vocabulary::WithLenientInputs(const Vocabulary& other) const {
    Vocabulary merged = *this;
    for (std::size_t i = kCategoricalCount; i < other.fields_.size(); ++i) {
        if (merged.fields_.size() == kMaxOptionalInputs + kCategoricalCount) break;
        const auto& field = other.fields_[i];
        const bool known = std::any_of(merged.fields_.begin(), merged.fields_.end(),
                                       [&](const Field& f) { return f.name == field.name; });
        if (known) continue;
        merged.fields_.push_back(field);
        merged.fields_.back().lenient = true;
    }
    return merged;
}

std::string_view Vocabulary::Name(std::size_t categorical_index) const noexcept {
    if (categorical_index >= fields_.size()) return {};
    return fields_[categorical_index].name;
}

bool Vocabulary::IsLenient(std::size_t categorical_index) const noexcept {
    return categorical_index < fields_.size() && fields_[categorical_index].lenient;
}

std::optional<std::string_view> Vocabulary::Canonical(std::size_t categorical_index,
                                                      std::string_view value) const noexcept {
    if (categorical_index >= fields_.size()) return std::nullopt;
    const auto& field = fields_[categorical_index];
    for (const auto& canonical : field.values) {
        if (canonical == value) return std::string_view(canonical);
    }
    for (const auto& alias : field.aliases) {
        if (alias.spelling == value) return std::string_view(field.values[alias.value_index]);
    }
    for (const auto& entry : field.folded) {
        if (EqualsFolded(entry.spelling, value)) {
            if (!entry.value_index) return std::nullopt;
            return std::string_view(field.values[*entry.value_index]);
        }
    }
    return std::nullopt;
}

std::span<const std::string> Vocabulary::Values(std::size_t categorical_index) const noexcept {
    if (categorical_index >= fields_.size()) return {};
    return fields_[categorical_index].values;
}

std::span<const Vocabulary::Alias> Vocabulary::Aliases(
    std::size_t categorical_index) const noexcept {
    if (categorical_index >= fields_.size()) return {};
    return fields_[categorical_index].aliases;
}

std::vector<std::string> Vocabulary::AcceptedSpellings(std::size_t categorical_index) const {
    std::vector<std::string> spellings;
    if (categorical_index >= fields_.size()) return spellings;
    const auto& field = fields_[categorical_index];
    spellings = field.values;
    for (const auto& alias : field.aliases) spellings.push_back(alias.spelling);
    return spellings;
}

const std::string& Vocabulary::AllowedValuesMessage(std::size_t categorical_index) const noexcept {
    assert(categorical_index < fields_.size());
    return fields_[categorical_index].message;
}

}  // namespace attrition::domain
