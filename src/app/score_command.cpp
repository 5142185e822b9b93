#include "app/score_command.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/csv.hpp"
#include "domain/fields.hpp"
#include "domain/validation.hpp"
#include "domain/vocabulary.hpp"
#include "model/predictor.hpp"
#include "model/repository.hpp"

namespace attrition::app {
namespace {

constexpr std::size_t kTopReasons = 5;
constexpr std::size_t kProgressEvery = 100'000;

// A CSV cell as a JSON value: a finite number stays a number, anything else becomes a string,
// so the API's validator (and its messages) judge every row exactly as it judges a request.
void AppendJsonValue(std::string& json, const std::string& cell) {
    double value = 0;
    const char* end = cell.data() + cell.size();
    const auto parsed = std::from_chars(cell.data(), end, value);
    if (!cell.empty() && parsed.ec == std::errc() && parsed.ptr == end && std::isfinite(value)) {
        json += fmt::format("{}", value);
        return;
    }
    json += '"';
    for (const char c : cell) {
        if (c == '"' || c == '\\') json += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            json += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
            continue;
        }
        json += c;
    }
    json += '"';
}

std::string DescribeIssues(const base::Error& error) {
    if (error.issues.empty()) return error.message;
    std::string out;
    for (const auto& issue : error.issues) {
        if (!out.empty()) out += "; ";
        out += (issue.loc.size() > 1 ? issue.loc.back() : std::string("row")) + ": " + issue.msg;
    }
    return out;
}

struct Columns {
    std::array<std::optional<std::size_t>, domain::kFieldCount>
        field;  // numerics then categoricals
    std::optional<std::size_t> employee_id;
    // The model's optional inputs the header has: name and column (a column may be left out).
    std::vector<std::pair<std::string_view, std::size_t>> optional;
};

std::string_view FieldName(std::size_t i) {
    return i < domain::kNumericCount ? domain::NumericFields()[i].name
                                     : domain::CategoricalFields()[i - domain::kNumericCount].name;
}

}  // namespace

int RunScore(const ScoreConfig& config) {
    const auto repository =
        model::LoadRepository(config.model_dir, {.default_version = config.model_version});
    if (!repository) {
        fmt::print(stderr, "attrition score: {}\n", repository.error().message);
        return 1;
    }
    // --model-version scores with that version even when serving.json names another default.
    const auto* named =
        config.model_version.empty() ? nullptr : repository->Find(config.model_version);
    const model::ServedModel* served = config.model_version.empty()
                                           ? repository->Default()
                                           : (named != nullptr ? named->model.get() : nullptr);
    if (served == nullptr) {
        fmt::print(stderr, "attrition score: no model{} in {}\n",
                   config.model_version.empty() ? "" : " version " + config.model_version,
                   config.model_dir);
        return 1;
    }
    const model::Predictor* predictor = &served->predictor;
    const domain::Vocabulary* vocabulary = &served->vocabulary;
    std::ifstream in_file;
    if (config.in_path != "-") {
        in_file.open(config.in_path, std::ios::binary);
        if (!in_file) {
            fmt::print(stderr, "attrition score: cannot read {}\n", config.in_path);
            return 1;
        }
    }
    std::ofstream out_file;
    if (config.out_path != "-") {
        out_file.open(config.out_path, std::ios::binary | std::ios::trunc);
        if (!out_file) {
            fmt::print(stderr, "attrition score: cannot write {}\n", config.out_path);
            return 1;
        }
    }
    std::istream& in = config.in_path == "-" ? std::cin : in_file;
    std::ostream& out = config.out_path == "-" ? std::cout : out_file;

    base::CsvReader reader(in);
    std::vector<std::string> header;
    auto has_header = reader.Next(header);
    if (!has_header || !*has_header) {
        fmt::print(stderr, "attrition score: {}\n",
                   has_header ? "the input is empty" : has_header.error().message);
        return 1;
    }
    Columns columns;
    for (std::size_t c = 0; c < header.size(); ++c) {
        for (std::size_t f = 0; f < domain::kFieldCount; ++f) {
            if (header[c] == FieldName(f)) columns.field[f] = c;
        }
        if (header[c] == "employee_id") columns.employee_id = c;
        for (std::size_t o = domain::kCategoricalCount; o < vocabulary->Count(); ++o) {
            if (header[c] == vocabulary->Name(o)) columns.optional.emplace_back(header[c], c);
        }
    }
    std::string missing;
    for (std::size_t f = 0; f < domain::kFieldCount; ++f) {
        if (!columns.field[f]) missing += (missing.empty() ? "" : ", ") + std::string(FieldName(f));
    }
    if (!missing.empty()) {
        fmt::print(stderr, "attrition score: the input lacks the columns: {}\n", missing);
        return 1;
    }

    std::string line;
    for (std::size_t c = 0; c < header.size(); ++c) {
        if (c > 0) line += ',';
        base::AppendCsvField(line, header[c]);
    }
    line += ",probability_leave,risk_level,will_leave,warnings,error";
    if (config.explain) {
        for (std::size_t k = 1; k <= kTopReasons; ++k) {
            line += fmt::format(",reason_{}_feature,reason_{}_shap_value", k, k);
        }
    }
    out << line << '\n';

    domain::JsonParser parser;
    std::vector<std::string> fields;
    std::size_t rows = 0;
    std::size_t invalid = 0;
    for (;;) {
        auto more = reader.Next(fields);
        if (!more) {
            fmt::print(stderr, "attrition score: {}\n", more.error().message);
            return 1;
        }
        if (!*more) break;
        if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
        ++rows;
        const std::size_t record_line = reader.RecordLine();
        line.clear();
        for (std::size_t c = 0; c < fields.size(); ++c) {
            if (c > 0) line += ',';
            base::AppendCsvField(line, fields[c]);
        }
        // Rows with fewer cells keep their shape; the missing fields are reported below.
        for (std::size_t c = fields.size(); c < header.size(); ++c) line += ',';

        std::string json = "{";
        for (std::size_t f = 0; f < domain::kFieldCount; ++f) {
            const std::size_t c = *columns.field[f];
            if (c >= fields.size() || fields[c].empty()) continue;  // absent: reported missing
            if (json.size() > 1) json += ',';
            json += fmt::format("\"{}\":", FieldName(f));
            AppendJsonValue(json, fields[c]);
        }
        for (const auto& [name, c] : columns.optional) {
            if (c >= fields.size() || fields[c].empty()) continue;  // absent: imputed
            if (json.size() > 1) json += ',';
            json += fmt::format("\"{}\":", name);
            AppendJsonValue(json, fields[c]);
        }
        if (columns.employee_id && *columns.employee_id < fields.size() &&
            !fields[*columns.employee_id].empty()) {
            json += json.size() > 1 ? ",\"employee_id\":" : "\"employee_id\":";
            std::string id_cell = fields[*columns.employee_id];
            json += '"';
            for (const char ch : id_cell) {
                if (ch == '"' || ch == '\\') json += '\\';
                json += ch;
            }
            json += '"';
        }
        json += '}';

        std::string error;
        if (fields.size() > header.size()) {
            error = fmt::format("expected {} fields, found {}", header.size(), fields.size());
        }
        auto employee = domain::ParseEmployee(json, *vocabulary, parser);
        if (!employee && error.empty()) error = DescribeIssues(employee.error());
        if (!error.empty()) {
            ++invalid;
            fmt::print(stderr, "line {}: {}\n", record_line, error);
            line += ",,,,,";
            base::AppendCsvField(line, fmt::format("line {}: {}", record_line, error));
            if (config.explain) line += std::string(2 * kTopReasons, ',');
            out << line << '\n';
            continue;
        }
        const auto prediction = predictor->Predict(*employee);
        std::string warnings;
        for (const auto& warning : predictor->Warnings(*employee)) {
            warnings += (warnings.empty() ? "" : "; ") + warning;
        }
        line += fmt::format(",{:.2f},{},{},", std::round(prediction.probability * 10000.0) / 100.0,
                            model::RiskLevelName(prediction.risk), prediction.will_leave);
        base::AppendCsvField(line, warnings);
        line += ',';
        if (config.explain) {
            const auto explanation = predictor->Explain(*employee);
            for (std::size_t k = 0; k < kTopReasons; ++k) {
                if (k < explanation.features.size()) {
                    line += fmt::format(",{},{:.6f}", explanation.features[k].feature,
                                        explanation.features[k].shap_value);
                } else {
                    line += ",,";
                }
            }
        }
        out << line << '\n';
        if (rows % kProgressEvery == 0) {
            fmt::print(stderr, "attrition score: {} rows scored ({} invalid)\n", rows, invalid);
        }
    }
    out.flush();
    if (!out) {
        fmt::print(stderr, "attrition score: writing the output failed\n");
        return 1;
    }
    fmt::print(stderr, "attrition score: done: {} rows, {} scored, {} invalid\n", rows,
               rows - invalid, invalid);
    return 0;
}

}  // namespace attrition::app
