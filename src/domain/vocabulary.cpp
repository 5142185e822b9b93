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

}  // namespace

base::Result<Vocabulary> Vocabulary::Make(TrainingValues training_values,
                                          std::span<const CategoryAlias> aliases) {
    Vocabulary vocabulary;
    const auto specs = CategoricalFields();
    for (std::size_t c = 0; c < kCategoricalCount; ++c) {
        auto& values = training_values[c];
        if (values.empty()) {
            return tl::unexpected(ConfigError(
                fmt::format("vocabulary: categorical '{}' has no training values", specs[c].name)));
        }
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (values[i].empty()) {
                return tl::unexpected(ConfigError(
                    fmt::format("vocabulary: categorical '{}' has an empty value", specs[c].name)));
            }
            if (std::find(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i),
                          values[i]) != values.begin() + static_cast<std::ptrdiff_t>(i)) {
                return tl::unexpected(ConfigError(fmt::format(
                    "vocabulary: categorical '{}' repeats '{}'", specs[c].name, values[i])));
            }
        }
        vocabulary.fields_[c].values = std::move(values);
    }

    for (const auto& alias : aliases) {
        const auto c = CategoricalIndex(alias.feature);
        if (!c) {
            return tl::unexpected(ConfigError(
                fmt::format("category aliases: '{}' is not a categorical field", alias.feature)));
        }
        auto& field = vocabulary.fields_[*c];
        const auto target = IndexOf(field.values, alias.canonical);
        if (!target) {
            return tl::unexpected(ConfigError(fmt::format(
                "category aliases: {} '{}' maps to '{}', which the model's vocabulary lacks",
                alias.feature, alias.alias, alias.canonical)));
        }
        if (const auto same = IndexOf(field.values, alias.alias)) {
            if (*same != *target) {
                return tl::unexpected(ConfigError(fmt::format(
                    "category aliases: {} '{}' is a training value and cannot stand for '{}'",
                    alias.feature, alias.alias, alias.canonical)));
            }
            continue;  // an alias equal to its own training value adds nothing
        }
        const auto existing =
            std::find_if(field.aliases.begin(), field.aliases.end(),
                         [&](const Alias& a) { return a.spelling == alias.alias; });
        if (existing != field.aliases.end()) {
            if (existing->value_index != *target) {
                return tl::unexpected(
                    ConfigError(fmt::format("category aliases: {} '{}' stands for two values",
                                            alias.feature, alias.alias)));
            }
            continue;
        }
        field.aliases.push_back(Alias{std::string(alias.alias), *target});
    }

    for (std::size_t c = 0; c < kCategoricalCount; ++c) {
        auto& field = vocabulary.fields_[c];
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
    return vocabulary;
}

std::optional<std::string_view> Vocabulary::Canonical(std::size_t categorical_index,
                                                      std::string_view value) const noexcept {
    if (categorical_index >= kCategoricalCount) return std::nullopt;
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
    if (categorical_index >= kCategoricalCount) return {};
    return fields_[categorical_index].values;
}

std::span<const Vocabulary::Alias> Vocabulary::Aliases(
    std::size_t categorical_index) const noexcept {
    if (categorical_index >= kCategoricalCount) return {};
    return fields_[categorical_index].aliases;
}

std::vector<std::string> Vocabulary::AcceptedSpellings(std::size_t categorical_index) const {
    std::vector<std::string> spellings;
    if (categorical_index >= kCategoricalCount) return spellings;
    const auto& field = fields_[categorical_index];
    spellings = field.values;
    for (const auto& alias : field.aliases) spellings.push_back(alias.spelling);
    return spellings;
}

const std::string& Vocabulary::AllowedValuesMessage(std::size_t categorical_index) const noexcept {
    assert(categorical_index < kCategoricalCount);
    return fields_[categorical_index].message;
}

}  // namespace attrition::domain
