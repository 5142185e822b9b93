#include "model/technova_reader.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace attrition::model {
namespace {

using base::ErrorCode;

std::string_view Trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool IsBlank(const std::vector<std::string>& fields) {
    return fields.size() == 1 && Trim(fields[0]).empty();
}

// The records of a CSV text, split one character at a time, and the state of the split.
struct CsvSplitter {
    std::vector<std::vector<std::string>> records;
    std::vector<std::size_t> record_lines;                          // line each record starts on
    std::vector<std::string> fields = std::vector<std::string>(1);  // of the record being read
    std::size_t line = 1;
    std::size_t record_line = 1;
    bool quoted = false;
    bool field_was_quoted = false;

    // Ends the record being read; a blank line is no record, unless it held a quoted field.
    void EndRecord() {
        if (!IsBlank(fields) || field_was_quoted) {
            records.push_back(std::move(fields));
            record_lines.push_back(record_line);
        }
        fields.assign(1, std::string());
        field_was_quoted = false;
    }

    // Reads text[i] inside a quoted field; returns the index of the last character it used.
    std::size_t ReadQuoted(std::string_view text, std::size_t i) {
        const char c = text[i];
        if (c == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else {
                quoted = false;
            }
        } else {
            if (c == '\n') ++line;
            fields.back() += c;
        }
        return i;
    }

    // Reads text[i] outside quotes; false on a quote inside an unquoted field.
    bool ReadUnquoted(std::string_view text, std::size_t i) {
        const char c = text[i];
        switch (c) {
            case '"':
                if (!Trim(fields.back()).empty()) return false;
                fields.back().clear();
                quoted = true;
                field_was_quoted = true;
                break;
            case ',':
                fields.emplace_back();
                break;
            case '\r':
                if (i + 1 < text.size() && text[i + 1] == '\n') break;  // CRLF: LF ends it
                fields.back() += c;
                break;
            case '\n':
                EndRecord();
                ++line;
                record_line = line;
                break;
            default:
                fields.back() += c;
        }
        return true;
    }

    // Splits all of `text` into records; `file_name` names it in errors.
    base::Result<void> Split(std::string_view text, std::string_view file_name) {
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (quoted) {
                i = ReadQuoted(text, i);
            } else if (!ReadUnquoted(text, i)) {
                return base::Fail(
                    ErrorCode::kInvalidInput,
                    fmt::format("{} line {}: quote inside an unquoted field", file_name, line));
            }
        }
        if (quoted) {
            return base::Fail(
                ErrorCode::kInvalidInput,
                fmt::format("{} line {}: unterminated quoted field", file_name, record_line));
        }
        EndRecord();
        return {};
    }
};

// One table of the join: its parsed rows and where each employee number sits.
struct KeyedTable {
    std::string_view file;
    CsvTable table;
    std::vector<long> numbers;                     // employee number of each row
    std::unordered_map<long, std::size_t> row_of;  // employee number -> row index
};

base::Result<KeyedTable> IndexByKey(std::string_view file,
                                    std::string_view text,
                                    std::string_view key_column,
                                    std::string_view prefix) {
    auto table = ParseCsv(text, file);
    if (!table) return tl::unexpected(table.error());
    const auto key = table->Column(key_column);
    if (!key) {
        return base::Fail(ErrorCode::kInvalidInput,
                          fmt::format("{}: no column {}", file, key_column));
    }
    KeyedTable out{file, std::move(*table), {}, {}};
    for (std::size_t r = 0; r < out.table.rows.size(); ++r) {
        const std::string& raw = out.table.rows[r][*key];
        const std::size_t line = out.table.line_numbers[r];
        const auto number = ParseEmployeeNumber(raw, prefix);
        if (!number) {
            return base::Fail(ErrorCode::kInvalidInput,
                              fmt::format("{} line {}: {} is {}", file, line, key_column,
                                          Trim(raw).empty() ? "missing" : "malformed"));
        }
        out.numbers.push_back(*number);
        if (!out.row_of.emplace(*number, r).second) {
            return base::Fail(
                ErrorCode::kInvalidInput,
                fmt::format("{} line {}: employee {} appears twice", file, line, *number));
        }
    }
    return out;
}

// Where one of the 24 features (or the target) is read: which table, which column.
struct Source {
    const KeyedTable* table = nullptr;
    std::size_t column = 0;
};

base::Result<Source> Locate(std::string_view name, const std::array<const KeyedTable*, 3>& tables) {
    Source found;
    for (const KeyedTable* t : tables) {
        if (const auto column = t->table.Column(name)) {
            if (found.table != nullptr) {
                return base::Fail(ErrorCode::kInvalidInput,
                                  fmt::format("column {} is in both {} and {}", name,
                                              found.table->file, t->file));
            }
            found = Source{t, *column};
        }
    }
    if (found.table == nullptr) {
        return base::Fail(ErrorCode::kInvalidInput,
                          fmt::format("no extract has the column {}", name));
    }
    return found;
}

// Fails when an employee of `other` has no row in the HR extract (the reverse is checked
// while joining).
base::Result<void> CheckNoExtraRows(const KeyedTable& other, const KeyedTable& sirh) {
    for (std::size_t r = 0; r < other.numbers.size(); ++r) {
        if (!sirh.row_of.contains(other.numbers[r])) {
            return base::Fail(
                ErrorCode::kInvalidInput,
                fmt::format("{} line {}: employee {} has no row in {}", other.file,
                            other.table.line_numbers[r], other.numbers[r], sirh.file));
        }
    }
    return {};
}

// Where each input of a training row is read, and its label.
struct RowSources {
    std::array<Source, domain::kNumericCount> numeric;
    std::array<Source, domain::kCategoricalCount> categorical;
    std::vector<Source> optional;  // one per optional column asked for, in that order
    Source target;
};

// Locates the features, the optional columns asked for and the target in the three tables.
base::Result<RowSources> LocateRowSources(const std::array<const KeyedTable*, 3>& tables,
                                          std::span<const std::string> optional_columns) {
    RowSources sources;
    for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
        auto source = Locate(domain::NumericFields()[i].name, tables);
        if (!source) return tl::unexpected(source.error());
        sources.numeric[i] = *source;
    }
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        auto source = Locate(domain::CategoricalFields()[i].name, tables);
        if (!source) return tl::unexpected(source.error());
        sources.categorical[i] = *source;
    }
    for (const auto& name : optional_columns) {
        if (FindOptionalColumn(name) == nullptr) {
            return base::Fail(
                ErrorCode::kInvalidInput,
                fmt::format("{} is not a column the trainer reads as an optional input", name));
        }
        auto source = Locate(name, tables);
        if (!source) return tl::unexpected(source.error());
        sources.optional.push_back(*source);
    }
    const auto target = Locate(kTargetColumn, tables);
    if (!target) return tl::unexpected(target.error());
    sources.target = *target;
    return sources;
}

// One employee's row in each of the three tables.
struct JoinedRow {
    std::array<const KeyedTable*, 3> tables{};
    std::array<std::size_t, 3> rows{};  // rows[t]: the employee's row in tables[t]

    // The cell `s` names in the employee's row of its table, and that row's line.
    std::pair<const std::string&, std::size_t> Cell(const Source& s) const {
        std::size_t t = 0;
        while (tables[t] != s.table) ++t;
        return {s.table->table.rows[rows[t]][s.column], s.table->table.line_numbers[rows[t]]};
    }
};

// Finds the row of employee `number` (on `sirh_line` of the HR extract) in each table.
base::Result<JoinedRow> JoinEmployeeRows(const std::array<const KeyedTable*, 3>& tables,
                                         long number,
                                         std::size_t sirh_line) {
    JoinedRow joined{tables, {}};
    for (std::size_t t = 0; t < tables.size(); ++t) {
        const auto it = tables[t]->row_of.find(number);
        if (it == tables[t]->row_of.end()) {
            return base::Fail(ErrorCode::kInvalidInput,
                              fmt::format("{} line {}: employee {} has no row in {}", kSirhFile,
                                          sirh_line, number, tables[t]->file));
        }
        joined.rows[t] = it->second;
    }
    return joined;
}

// Reads the numeric features of a row: an empty cell is missing (NaN), any other a number.
base::Result<void> ReadNumericCells(const JoinedRow& row,
                                    const RowSources& sources,
                                    domain::Employee& employee) {
    for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
        const auto [raw, line] = row.Cell(sources.numeric[i]);
        if (Trim(raw).empty()) {
            employee.numeric[i] = std::numeric_limits<double>::quiet_NaN();
            continue;
        }
        const auto value = ParseNumber(raw);
        if (!value) {
            return base::Fail(
                ErrorCode::kInvalidInput,
                fmt::format("{} line {}: {} is not a number", sources.numeric[i].table->file, line,
                            domain::NumericFields()[i].name));
        }
        employee.numeric[i] = *value;
    }
    return {};
}

// Reads the features of employee `number` from their joined row.
base::Result<domain::Employee> ReadTrainingEmployee(long number,
                                                    const JoinedRow& row,
                                                    const RowSources& sources,
                                                    std::span<const std::string> optional_columns) {
    domain::Employee employee;
    employee.employee_id = std::to_string(number);
    if (auto numeric = ReadNumericCells(row, sources, employee); !numeric) {
        return tl::unexpected(numeric.error());
    }
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        employee.categorical[i] = std::string(Trim(row.Cell(sources.categorical[i]).first));
    }
    for (std::size_t i = 0; i < sources.optional.size(); ++i) {
        const std::string_view value = Trim(row.Cell(sources.optional[i]).first);
        if (!value.empty()) {
            employee.optional.push_back(
                domain::OptionalValue{optional_columns[i], std::string(value)});
        }
    }
    return employee;
}

// Reads the label of a joined row: 1 when the target is "Oui" (the employee left), 0 for "Non".
base::Result<int> ReadTrainingLabel(const JoinedRow& row, const Source& target) {
    const auto [label_raw, label_line] = row.Cell(target);
    const std::string_view label = Trim(label_raw);
    if (label != "Oui" && label != "Non") {
        return base::Fail(ErrorCode::kInvalidInput,
                          fmt::format("{} line {}: {} must be Oui or Non", target.table->file,
                                      label_line, kTargetColumn));
    }
    return label == "Oui" ? 1 : 0;
}

}  // namespace

std::optional<std::size_t> CsvTable::Column(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) return i;
    }
    return std::nullopt;
}

base::Result<CsvTable> ParseCsv(std::string_view text, std::string_view file_name) {
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());

    CsvSplitter csv;
    if (auto split = csv.Split(text, file_name); !split) return tl::unexpected(split.error());
    auto& records = csv.records;
    const auto& record_lines = csv.record_lines;
    if (records.empty()) {
        return base::Fail(ErrorCode::kInvalidInput, fmt::format("{}: empty file", file_name));
    }
    CsvTable table;
    for (const std::string& name : records.front()) table.header.emplace_back(Trim(name));
    for (std::size_t r = 1; r < records.size(); ++r) {
        if (records[r].size() != table.header.size()) {
            return base::Fail(ErrorCode::kInvalidInput,
                              fmt::format("{} line {}: {} fields, the header has {}", file_name,
                                          record_lines[r], records[r].size(), table.header.size()));
        }
        table.rows.push_back(std::move(records[r]));
        table.line_numbers.push_back(record_lines[r]);
    }
    return table;
}

std::optional<double> ParseNumber(std::string_view text) noexcept {
    text = Trim(text);
    if (!text.empty() && text.back() == '%') {
        text.remove_suffix(1);
        text = Trim(text);
    }
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty()) return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

std::optional<long> ParseEmployeeNumber(std::string_view text, std::string_view prefix) noexcept {
    text = Trim(text);
    if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
    text.remove_prefix(prefix.size());
    if (text.empty()) return std::nullopt;
    long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

std::size_t TrainingSet::PositiveCount() const noexcept {
    std::size_t n = 0;
    for (const int label : labels) n += label == 1 ? 1 : 0;
    return n;
}

namespace {

// IBM's sample HR data names the travel frequencies in English.
constexpr std::array<domain::CategoryAlias, 3> kTravelAliases{{
    {"frequence_deplacement", "Non-Travel", "Aucun"},
    {"frequence_deplacement", "Travel_Rarely", "Occasionnel"},
    {"frequence_deplacement", "Travel_Frequently", "Frequent"},
}};

constexpr std::array<OptionalColumn, 1> kOptionalColumns{{
    {"frequence_deplacement", "Business travel frequency", kTravelAliases},
}};

}  // namespace

std::span<const OptionalColumn> OptionalColumns() noexcept { return kOptionalColumns; }

const OptionalColumn* FindOptionalColumn(std::string_view name) noexcept {
    for (const auto& column : kOptionalColumns) {
        if (column.name == name) return &column;
    }
    return nullptr;
}

base::Result<TrainingSet> JoinExtracts(const ExtractTexts& texts,
                                       std::span<const std::string> optional_columns) {
    auto sirh = IndexByKey(kSirhFile, texts.sirh, "id_employee", "");
    if (!sirh) return tl::unexpected(sirh.error());
    auto eval = IndexByKey(kEvalFile, texts.eval, "eval_number", "E_");
    if (!eval) return tl::unexpected(eval.error());
    auto sondage = IndexByKey(kSondageFile, texts.sondage, "code_sondage", "");
    if (!sondage) return tl::unexpected(sondage.error());
    const std::array<const KeyedTable*, 3> tables = {&*sirh, &*eval, &*sondage};
    const auto sources = LocateRowSources(tables, optional_columns);
    if (!sources) return tl::unexpected(sources.error());

    for (const KeyedTable* other : {&*eval, &*sondage}) {
        if (auto extra = CheckNoExtraRows(*other, *sirh); !extra) {
            return tl::unexpected(extra.error());
        }
    }

    TrainingSet out;
    out.employees.reserve(sirh->table.rows.size());
    out.labels.reserve(sirh->table.rows.size());
    for (std::size_t r = 0; r < sirh->table.rows.size(); ++r) {
        const long number = sirh->numbers[r];
        const auto row = JoinEmployeeRows(tables, number, sirh->table.line_numbers[r]);
        if (!row) return tl::unexpected(row.error());
        auto employee = ReadTrainingEmployee(number, *row, *sources, optional_columns);
        if (!employee) return tl::unexpected(employee.error());
        const auto label = ReadTrainingLabel(*row, sources->target);
        if (!label) return tl::unexpected(label.error());
        out.employees.push_back(std::move(*employee));
        out.labels.push_back(*label);
    }
    return out;
}

base::Result<std::string> ReadFileText(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return base::Fail(ErrorCode::kIo, fmt::format("cannot open {}", path.string()));
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return base::Fail(ErrorCode::kIo, fmt::format("cannot read {}", path.string()));
    return content.str();
}

base::Result<TrainingSet> ReadTechnova(const std::filesystem::path& dir,
                                       std::span<const std::string> optional_columns) {
    std::array<std::string, 3> texts;
    for (std::size_t i = 0; i < kExtractFiles.size(); ++i) {
        auto text = ReadFileText(dir / kExtractFiles[i]);
        if (!text) return tl::unexpected(text.error());
        texts[i] = std::move(*text);
    }
    return JoinExtracts(ExtractTexts{texts[0], texts[1], texts[2]}, optional_columns);
}

}  // namespace attrition::model
