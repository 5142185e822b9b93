// The model's input encoding (SPEC §3): the 18 numerics in field-table order (median-imputed),
// then each categorical in field-table order one-hot over its sorted training values, a binary
// categorical as one column for its second value (most-frequent imputation), then the optional
// categoricals the model declares, encoded alike (absent: most frequent value). 41 columns on
// the TechNova data, 44 with frequence_deplacement. An EncodingSpec is a value built once (by Fit
// at training, from the artifact at serving) and then only read: Encode is allocation-free and safe
// from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/employee.hpp"
#include "domain/fields.hpp"

namespace attrition::model {

// An optional categorical input: encoded like the field table's, declared by the model.
struct OptionalGroup {
    std::string name;
    std::vector<std::string> vocabulary;  // sorted, distinct training values
    std::string mode;                     // imputed when the input is absent
    std::size_t offset = 0;               // first encoded column
};

struct EncodingSpec {
    // Sorted, distinct training values of each categorical (field-table order).
    std::array<std::vector<std::string>, domain::kCategoricalCount> vocabulary;
    // Imputation values: a missing numeric (NaN) takes its median, a missing categorical
    // (empty string) its most frequent value.
    std::array<double, domain::kNumericCount> numeric_medians{};
    std::array<std::string, domain::kCategoricalCount> modes;
    // "age", ..., "genre=M", "statut_marital=Célibataire", ...
    std::vector<std::string> column_names;
    // First encoded column of each categorical.
    std::array<std::size_t, domain::kCategoricalCount> group_offsets{};
    // The optional inputs, in declaration order; their columns follow the table's.
    std::vector<OptionalGroup> optional;

    std::size_t ColumnCount() const noexcept { return column_names.size(); }
    // Columns of categorical i: 1 for a binary one, else its vocabulary size.
    std::size_t GroupWidth(std::size_t i) const noexcept;
};

// True when a categorical with this vocabulary is encoded as a single column.
inline bool IsBinary(const std::vector<std::string>& vocabulary) noexcept {
    return vocabulary.size() == 2;
}

// "field" for a numeric column, "field=value" for a one-hot column.
std::string ColumnName(std::string_view field, std::string_view value);

// Builds the column layout from the vocabulary and the imputation values (the offsets of
// `optional` are set here). Each vocabulary is sorted and de-duplicated here, so any order in
// gives the training order out.
EncodingSpec MakeEncodingSpec(
    std::array<std::vector<std::string>, domain::kCategoricalCount> vocabulary,
    const std::array<double, domain::kNumericCount>& numeric_medians,
    const std::array<std::string, domain::kCategoricalCount>& modes,
    std::vector<OptionalGroup> optional = {});

// Learns vocabulary, medians and modes from training rows (NaN and "" are missing values),
// and those of the optional inputs named in `optional_names` (a row lacking one is missing).
// Ties between most frequent values go to the smallest value, as scikit-learn does.
EncodingSpec Fit(const std::vector<domain::Employee>& rows,
                 std::span<const std::string> optional_names = {});

// Writes the ColumnCount() encoded values of one employee to `out` (which must have exactly
// that size). An unknown categorical value gives an all-zero group; the API validates values
// against the vocabulary first, so that only happens on training folds that lack a value.
void Encode(const domain::Employee& employee,
            const EncodingSpec& spec,
            std::span<float> out) noexcept;

// Row-major matrix of many employees (training path; allocates).
std::vector<float> EncodeRows(const std::vector<domain::Employee>& rows, const EncodingSpec& spec);

}  // namespace attrition::model
