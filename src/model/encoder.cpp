#include "model/encoder.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <tuple>
#include <utility>

namespace attrition::model {
namespace {

void SortDistinct(std::vector<std::string>& values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
}

// The encoded columns of one categorical: one for a binary one (its second value), else one
// per value.
void AppendColumns(std::string_view field,
                   const std::vector<std::string>& values,
                   std::vector<std::string>& columns) {
    if (IsBinary(values)) {
        columns.push_back(ColumnName(field, values[1]));
        return;
    }
    for (const auto& value : values) columns.push_back(ColumnName(field, value));
}

// The sorted distinct values seen (empty ones skipped) and the most frequent one, ties to the
// smallest value.
template <typename ValueOf>
std::pair<std::vector<std::string>, std::string> Learn(const std::vector<domain::Employee>& rows,
                                                       ValueOf value_of) {
    std::map<std::string, std::size_t> counts;  // sorted: the first maximum is the smallest
    for (const auto& row : rows) {
        const std::string* value = value_of(row);
        if (value != nullptr && !value->empty()) ++counts[*value];
    }
    std::vector<std::string> values;
    std::string mode;
    std::size_t best = 0;
    for (const auto& [value, count] : counts) {
        values.push_back(value);
        if (count > best) {
            best = count;
            mode = value;
        }
    }
    return {std::move(values), std::move(mode)};
}

// Writes the encoded group of one categorical value at `offset`; an unknown value is all zero.
void EncodeGroup(const std::string& value,
                 const std::vector<std::string>& vocabulary,
                 std::size_t offset,
                 std::span<float> out) noexcept {
    std::size_t index = vocabulary.size();  // unknown
    for (std::size_t v = 0; v < vocabulary.size(); ++v) {
        if (vocabulary[v] == value) {
            index = v;
            break;
        }
    }
    if (IsBinary(vocabulary)) {
        out[offset] = index == 1 ? 1.0F : 0.0F;
        return;
    }
    for (std::size_t v = 0; v < vocabulary.size(); ++v) {
        out[offset + v] = v == index ? 1.0F : 0.0F;
    }
}

}  // namespace

std::size_t EncodingSpec::GroupWidth(std::size_t i) const noexcept {
    return IsBinary(vocabulary[i]) ? 1 : vocabulary[i].size();
}

std::string ColumnName(std::string_view field, std::string_view value) {
    std::string name(field);
    name += '=';
    name += value;
    return name;
}

EncodingSpec MakeEncodingSpec(
    std::array<std::vector<std::string>, domain::kCategoricalCount> vocabulary,
    const std::array<double, domain::kNumericCount>& numeric_medians,
    const std::array<std::string, domain::kCategoricalCount>& modes,
    std::vector<OptionalGroup> optional) {
    EncodingSpec spec;
    spec.numeric_medians = numeric_medians;
    spec.modes = modes;
    for (const auto& field : domain::NumericFields()) spec.column_names.emplace_back(field.name);
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        SortDistinct(vocabulary[i]);
        spec.group_offsets[i] = spec.column_names.size();
        AppendColumns(domain::CategoricalFields()[i].name, vocabulary[i], spec.column_names);
    }
    spec.vocabulary = std::move(vocabulary);
    for (auto& group : optional) {
        SortDistinct(group.vocabulary);
        group.offset = spec.column_names.size();
        AppendColumns(group.name, group.vocabulary, spec.column_names);
    }
    spec.optional = std::move(optional);
    return spec;
}

EncodingSpec Fit(const std::vector<domain::Employee>& rows,
                 std::span<const std::string> optional_names) {
    std::array<double, domain::kNumericCount> medians{};
    std::vector<double> values;
    values.reserve(rows.size());
    for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
        values.clear();
        for (const auto& row : rows) {
            if (!std::isnan(row.numeric[i])) values.push_back(row.numeric[i]);
        }
        if (values.empty()) {
            medians[i] = 0;  // nothing to learn from; any value is as good
            continue;
        }
        std::sort(values.begin(), values.end());
        const std::size_t mid = values.size() / 2;
        medians[i] = values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    std::array<std::vector<std::string>, domain::kCategoricalCount> vocabulary;
    std::array<std::string, domain::kCategoricalCount> modes;
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        std::tie(vocabulary[i], modes[i]) =
            Learn(rows, [i](const domain::Employee& row) { return &row.categorical[i]; });
    }
    std::vector<OptionalGroup> optional;
    for (const auto& name : optional_names) {
        auto [group_values, mode] =
            Learn(rows, [&name](const domain::Employee& row) { return row.Optional(name); });
        optional.push_back(OptionalGroup{name, std::move(group_values), std::move(mode), 0});
    }
    return MakeEncodingSpec(std::move(vocabulary), medians, modes, std::move(optional));
}

void Encode(const domain::Employee& employee,
            const EncodingSpec& spec,
            std::span<float> out) noexcept {
    assert(out.size() == spec.ColumnCount());
    for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
        const double value = employee.numeric[i];
        out[i] = static_cast<float>(std::isnan(value) ? spec.numeric_medians[i] : value);
    }
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        const std::string& raw = employee.categorical[i];
        EncodeGroup(raw.empty() ? spec.modes[i] : raw, spec.vocabulary[i], spec.group_offsets[i],
                    out);
    }
    for (const auto& group : spec.optional) {
        const std::string* given = employee.Optional(group.name);
        EncodeGroup(given != nullptr && !given->empty() ? *given : group.mode, group.vocabulary,
                    group.offset, out);
    }
}

std::vector<float> EncodeRows(const std::vector<domain::Employee>& rows, const EncodingSpec& spec) {
    const std::size_t columns = spec.ColumnCount();
    std::vector<float> matrix(rows.size() * columns);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        Encode(rows[r], spec, std::span<float>(matrix).subspan(r * columns, columns));
    }
    return matrix;
}

}  // namespace attrition::model
