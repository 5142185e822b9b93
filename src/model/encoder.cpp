#include "model/encoder.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>

namespace attrition::model {

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
    const std::array<std::string, domain::kCategoricalCount>& modes) {
    EncodingSpec spec;
    spec.numeric_medians = numeric_medians;
    spec.modes = modes;
    for (const auto& field : domain::NumericFields()) spec.column_names.emplace_back(field.name);
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        auto& values = vocabulary[i];
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        spec.group_offsets[i] = spec.column_names.size();
        const std::string_view field = domain::CategoricalFields()[i].name;
        if (IsBinary(values)) {
            spec.column_names.push_back(ColumnName(field, values[1]));
        } else {
            for (const auto& value : values) spec.column_names.push_back(ColumnName(field, value));
        }
    }
    spec.vocabulary = std::move(vocabulary);
    return spec;
}

EncodingSpec Fit(const std::vector<domain::Employee>& rows) {
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
        std::map<std::string, std::size_t> counts;  // sorted: the first maximum is the smallest
        for (const auto& row : rows) {
            if (!row.categorical[i].empty()) ++counts[row.categorical[i]];
        }
        std::size_t best = 0;
        for (const auto& [value, count] : counts) {
            vocabulary[i].push_back(value);
            if (count > best) {
                best = count;
                modes[i] = value;
            }
        }
    }
    return MakeEncodingSpec(std::move(vocabulary), medians, modes);
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
        const std::string& value = raw.empty() ? spec.modes[i] : raw;
        const auto& vocabulary = spec.vocabulary[i];
        std::size_t index = vocabulary.size();  // unknown
        for (std::size_t v = 0; v < vocabulary.size(); ++v) {
            if (vocabulary[v] == value) {
                index = v;
                break;
            }
        }
        const std::size_t offset = spec.group_offsets[i];
        if (IsBinary(vocabulary)) {
            out[offset] = index == 1 ? 1.0F : 0.0F;
            continue;
        }
        for (std::size_t v = 0; v < vocabulary.size(); ++v) {
            out[offset + v] = v == index ? 1.0F : 0.0F;
        }
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
