// Reads the three TechNova extracts (HR system, evaluations, survey) and joins them on the
// employee number into training rows: the 24 model features of the field table plus the label.
// Pure functions over text, plus one entry point that reads the files of a folder. No shared
// state; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "domain/category_aliases.hpp"
#include "domain/employee.hpp"
#include "model/training_spec.hpp"

namespace attrition::model {

inline constexpr std::string_view kSirhFile = "extrait_sirh.csv";
inline constexpr std::string_view kEvalFile = "extrait_eval.csv";
inline constexpr std::string_view kSondageFile = "extrait_sondage.csv";
inline constexpr std::array<std::string_view, 3> kExtractFiles = {kSirhFile, kEvalFile,
                                                                  kSondageFile};

// A parsed CSV file: header names (trimmed) and rows of raw field text.
struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::size_t> line_numbers;  // 1-based line on which each row starts

    std::optional<std::size_t> Column(std::string_view name) const noexcept;
};

// Comma-separated text: an optional UTF-8 BOM, LF or CRLF line ends, quoted fields with ""
// escapes (which may hold commas and line breaks), blank lines skipped. Every row must have as
// many fields as the header; errors name `file_name` and the line.
base::Result<CsvTable> ParseCsv(std::string_view text, std::string_view file_name);

// A number as the extracts write it: "42", " 3.5 ", "11 %" (percent kept as 11). nullopt when
// the text is not a number (empty text included).
std::optional<double> ParseNumber(std::string_view text) noexcept;

// The employee number in a join key: "12", "000012" (any zero padding), or with a prefix such
// as "E_12" when `prefix` is "E_". nullopt when malformed.
std::optional<long> ParseEmployeeNumber(std::string_view text, std::string_view prefix) noexcept;

// Training rows in HR-extract order. A missing numeric value is NaN and a missing categorical
// value is the empty string (the encoder imputes both). employee_id holds the employee number.
struct TrainingSet {
    std::vector<domain::Employee> employees;
    std::vector<int> labels;  // 1 = left the company (target "Oui")

    std::size_t PositiveCount() const noexcept;
};

struct ExtractTexts {
    std::string_view sirh;
    std::string_view eval;
    std::string_view sondage;
};

// Joins the three extracts: every employee number must appear exactly once in each file.
// Columns that are not model features (SPEC §3) are ignored.
// The extract columns the trainer can add to a model as optional categorical inputs
// (`attrition train --optional-feature NAME`), with what the model's metadata then tells the
// API about them. The service learns an optional input from the metadata only.
struct OptionalColumn {
    std::string_view name;
    std::string_view description;
    std::span<const domain::CategoryAlias> aliases;
};
std::span<const OptionalColumn> OptionalColumns() noexcept;
// The column named `name`, or null.
const OptionalColumn* FindOptionalColumn(std::string_view name) noexcept;

// `optional_columns` (OptionalColumns() names) are read as optional inputs: an empty cell
// leaves the input absent from that row.
base::Result<TrainingSet> JoinExtracts(const ExtractTexts& texts,
                                       std::span<const std::string> optional_columns = {});

// Reads kExtractFiles from `dir` and joins them.
base::Result<TrainingSet> ReadTechnova(const std::filesystem::path& dir,
                                       std::span<const std::string> optional_columns = {});

// The whole content of a file, or an kIo error naming it.
base::Result<std::string> ReadFileText(const std::filesystem::path& path);

}  // namespace attrition::model
