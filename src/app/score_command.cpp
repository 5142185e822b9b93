#include "app/score_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "app/score_log.hpp"
#include "base/clock.hpp"
#include "base/csv.hpp"
#include "domain/fields.hpp"
#include "domain/validation.hpp"
#include "domain/vocabulary.hpp"
#include "model/predictor.hpp"
#include "model/repository.hpp"
#include "ops/metrics.hpp"
#include "serving/scoring.hpp"
#include "serving/version.hpp"

namespace attrition::app {
namespace {

constexpr std::size_t kTopReasons = 5;
constexpr std::size_t kProgressEvery = 100'000;
// Rows per log record (and per write of the output): bounds the memory a run holds.
constexpr std::size_t kRowsPerChunk = 1000;
// The exit status of a run that wrote every row but could not score some (1: no run at all).
constexpr int kSomeRowsInvalid = 2;  // as `outcomes import`

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

// The version to score with: --model-version, else the repository's default, as the API chooses
// (--model-version scores with that version even when serving.json names another default).
base::Result<const model::ServedModel*> ChooseModel(const model::Repository& repository,
                                                    const ScoreConfig& config) {
    auto served = serving::ResolveVersion(repository, config.model_version);
    if (!served) served.error().message += " (model folder " + config.model_dir + ")";
    return served;
}

// Where each input is in the header; kInvalidInput naming the missing ones.
base::Result<Columns> FindColumns(const std::vector<std::string>& header,
                                  const domain::Vocabulary& vocabulary) {
    Columns columns;
    for (std::size_t c = 0; c < header.size(); ++c) {
        for (std::size_t f = 0; f < domain::kFieldCount; ++f) {
            if (header[c] == FieldName(f)) columns.field[f] = c;
        }
        if (header[c] == "employee_id") columns.employee_id = c;
        for (std::size_t o = domain::kCategoricalCount; o < vocabulary.Count(); ++o) {
            if (header[c] == vocabulary.Name(o)) columns.optional.emplace_back(header[c], c);
        }
    }
    std::string missing;
    for (std::size_t f = 0; f < domain::kFieldCount; ++f) {
        if (!columns.field[f]) missing += (missing.empty() ? "" : ", ") + std::string(FieldName(f));
    }
    if (!missing.empty()) {
        return base::Fail(base::ErrorCode::kInvalidInput,
                          "the input lacks the columns: " + missing);
    }
    return columns;
}

// How the output is written: as the input was (a French Excel reads back its semicolons and
// decimal commas), always UTF-8.
struct Dialect {
    char delimiter = ',';
    bool decimal_comma = false;  // semicolon files: "3,5" is a number, and numbers are written so
};

// "3,5" → "3.5" in a semicolon file; anything else unchanged.
std::string Cell(const std::string& cell, const Dialect& dialect) {
    if (!dialect.decimal_comma) return cell;
    const auto comma = cell.find(',');
    if (comma == std::string::npos || cell.find(',', comma + 1) != std::string::npos) return cell;
    std::string dotted = cell;
    dotted[comma] = '.';
    double value = 0;
    const char* end = dotted.data() + dotted.size();
    const auto parsed = std::from_chars(dotted.data(), end, value);
    return parsed.ec == std::errc() && parsed.ptr == end ? dotted : cell;
}

// A number as the output dialect writes it.
std::string Number(double value, int decimals, const Dialect& dialect) {
    auto text = fmt::format("{:.{}f}", value, decimals);
    if (dialect.decimal_comma) std::replace(text.begin(), text.end(), '.', ',');
    return text;
}

// The row as the API's JSON request, so that its validator judges it as it judges a request.
std::string RowJson(const std::vector<std::string>& fields,
                    const Columns& columns,
                    const Dialect& dialect) {
    std::string json = "{";
    const auto add = [&](std::string_view name, std::size_t c) {
        if (c >= fields.size() || fields[c].empty()) return;  // absent: missing, or imputed
        if (json.size() > 1) json += ',';
        json += fmt::format("\"{}\":", name);
        AppendJsonValue(json, Cell(fields[c], dialect));
    };
    for (std::size_t f = 0; f < domain::kFieldCount; ++f) add(FieldName(f), *columns.field[f]);
    for (const auto& [name, c] : columns.optional) add(name, c);
    if (columns.employee_id && *columns.employee_id < fields.size() &&
        !fields[*columns.employee_id].empty()) {
        json += json.size() > 1 ? ",\"employee_id\":\"" : "\"employee_id\":\"";
        for (const char ch : fields[*columns.employee_id]) {
            if (ch == '"' || ch == '\\') json += '\\';
            json += ch;
        }
        json += '"';
    }
    json += '}';
    return json;
}

std::string OutputHeader(const std::vector<std::string>& header, bool explain, char delimiter) {
    std::string line;
    for (std::size_t c = 0; c < header.size(); ++c) {
        if (c > 0) line += delimiter;
        base::AppendCsvField(line, header[c], delimiter);
    }
    std::vector<std::string> added{"probability_leave", "risk_level", "will_leave", "warnings",
                                   "error"};
    for (std::size_t k = 1; explain && k <= kTopReasons; ++k) {
        for (const auto* part : {"feature", "impact", "shap_value"}) {
            added.push_back(fmt::format("reason_{}_{}", k, part));
        }
    }
    for (const auto& name : added) line += delimiter + name;
    return line;
}

// The cells appended to a valid row: the prediction, its warnings, an empty error, the reasons.
std::string ScoredCells(const model::Predictor& predictor,
                        const domain::Employee& employee,
                        const model::Prediction& prediction,
                        const std::vector<domain::InputWarning>& given,
                        bool explain,
                        const Dialect& dialect) {
    const char d = dialect.delimiter;
    std::string warnings;
    for (const auto& warning : given) {
        warnings += (warnings.empty() ? "" : "; ") + warning.message;
    }
    std::string cells = fmt::format(
        "{}{}{}{}{}{}", d, Number(std::round(prediction.probability * 10000.0) / 100.0, 2, dialect),
        d, model::RiskLevelName(prediction.risk), d, prediction.will_leave);
    cells += d;
    base::AppendCsvField(cells, warnings, d);
    cells += d;  // no error
    if (!explain) return cells;
    const auto explanation = predictor.Explain(employee);
    for (std::size_t k = 0; k < kTopReasons; ++k) {
        if (k >= explanation.features.size()) {
            cells += std::string(3, d);
            continue;
        }
        // As the API rounds it, so that the impact agrees with the value shown.
        const double shown = std::round(explanation.features[k].shap_value * 1e6) / 1e6;
        cells += fmt::format("{}{}{}{}{}{}", d, explanation.features[k].feature, d,
                             model::ImpactOf(shown), d, Number(shown, 6, dialect));
    }
    return cells;
}

// The rows of a chunk of the roster: their output lines, and what the log keeps of them.
struct Chunk {
    std::string lines;
    std::vector<store::PredictionRecord> rows;
    std::size_t rows_read = 0;
    std::size_t invalid = 0;
    std::size_t first_line = 0;
    std::size_t last_line = 0;
    std::chrono::steady_clock::time_point started;
};

// One run: scores each row into the current chunk; a full chunk is logged, then written.
class Scorer {
  public:
    Scorer(const model::Repository& repository,
           const model::ServedModel& served,
           const ScoreConfig& config,
           ScoreLog* log,
           std::ostream& out)
        : repository_(repository),
          served_(served),
          vocabulary_(repository.RequestVocabulary(served)),
          scoring_(clock_, metrics_),
          config_(config),
          log_(log),
          out_(out) {}

    const domain::Vocabulary& Vocabulary() const { return vocabulary_; }

    void Start(const Columns& columns, const Dialect& dialect) {
        columns_ = &columns;
        dialect_ = dialect;
    }

    // Scores one record (input line `line`) into the chunk; an invalid row gets its reason.
    void Row(const std::vector<std::string>& fields, std::size_t header_size, std::size_t line) {
        if (chunk_.rows_read++ == 0) {
            chunk_.first_line = line;
            chunk_.started = std::chrono::steady_clock::now();
        }
        chunk_.last_line = line;
        const char d = dialect_.delimiter;
        std::string& out = chunk_.lines;
        for (std::size_t c = 0; c < fields.size(); ++c) {
            if (c > 0) out += d;
            base::AppendCsvField(out, fields[c], d);
        }
        // Rows with fewer cells keep their shape; the missing fields are reported below.
        for (std::size_t c = fields.size(); c < header_size; ++c) out += d;
        std::string error;
        if (fields.size() > header_size) {
            error = fmt::format("expected {} fields, found {}", header_size, fields.size());
        }
        auto employee =
            domain::ParseEmployee(RowJson(fields, *columns_, dialect_), vocabulary_, parser_);
        if (!employee && error.empty()) error = DescribeIssues(employee.error());
        if (error.empty()) {
            Scored(*employee);
        } else {
            ++chunk_.invalid;
            ++invalid_;
            fmt::print(stderr, "line {}: {}\n", line, error);
            out += std::string(5, d);
            base::AppendCsvField(out, fmt::format("line {}: {}", line, error), d);
            if (config_.explain) out += std::string(3 * kTopReasons, d);
        }
        out += '\n';
    }

    // Logs the chunk (when logging), then writes its lines. kUnavailable & co from the log.
    base::Result<void> Flush() {
        if (chunk_.rows_read == 0) return {};
        if (log_ != nullptr) {
            const auto elapsed = std::chrono::steady_clock::now() - chunk_.started;
            auto committed = log_->Commit(
                std::move(chunk_.rows), chunk_.first_line, chunk_.last_line, chunk_.invalid,
                static_cast<int>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
            if (!committed) {
                return base::Fail(
                    committed.error().code,
                    fmt::format("logging lines {} to {} failed ({}); the output "
                                "holds the {} rows read before, their predictions logged",
                                chunk_.first_line, chunk_.last_line, committed.error().message,
                                rows_written_));
            }
        }
        // Checked at each chunk: a full disk or a closed pipe stops the run before the next
        // chunk is logged.
        out_ << chunk_.lines << std::flush;
        if (!out_) {
            return base::Fail(
                base::ErrorCode::kIo,
                fmt::format("writing the output failed at lines {} to {}{}; the {} rows read "
                            "before them were written",
                            chunk_.first_line, chunk_.last_line,
                            log_ != nullptr ? ", whose predictions are logged" : "",
                            rows_written_));
        }
        rows_written_ += chunk_.rows_read;
        chunk_ = Chunk{};
        return {};
    }

    bool ChunkFull() const { return chunk_.rows_read == kRowsPerChunk; }
    std::size_t Rows() const { return rows_written_ + chunk_.rows_read; }
    std::size_t Invalid() const { return invalid_; }

  private:
    // Scored as the API scores (serving::Scoring): with the shadow's rows too, as the API's.
    void Scored(const domain::Employee& employee) {
        auto scored = scoring_.Score(repository_, served_, {&employee, 1});
        chunk_.lines += ScoredCells(served_.predictor, employee, scored.predictions.front(),
                                    scored.warnings.front(), config_.explain, dialect_);
        if (log_ == nullptr) return;
        for (auto& row : scored.rows) chunk_.rows.push_back(std::move(row));
    }

    base::SystemClock clock_;
    ops::Registry metrics_;  // the scoring's counters, which a run does not export
    const model::Repository& repository_;
    const model::ServedModel& served_;
    const domain::Vocabulary& vocabulary_;
    serving::Scoring scoring_;
    const ScoreConfig& config_;
    ScoreLog* log_;
    std::ostream& out_;
    const Columns* columns_ = nullptr;
    Dialect dialect_;
    domain::JsonParser parser_;
    Chunk chunk_;
    std::size_t rows_written_ = 0;
    std::size_t invalid_ = 0;
};

// Every record after the header, scored, logged and written chunk by chunk. An unreadable
// record stops the run once the rows before it are kept.
base::Result<void> ScoreRows(base::CsvReader& reader, std::size_t header_size, Scorer& scorer) {
    std::vector<std::string> fields;
    for (;;) {
        auto more = reader.Next(fields);
        if (!more) {
            auto flushed = scorer.Flush();
            if (!flushed) return flushed;
            return base::Fail(more.error().code,
                              fmt::format("{}; the output holds the {} rows before it",
                                          more.error().message, scorer.Rows()));
        }
        if (!*more) return scorer.Flush();
        if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
        scorer.Row(fields, header_size, reader.RecordLine());
        if (scorer.ChunkFull()) {
            if (auto flushed = scorer.Flush(); !flushed) return flushed;
        }
        if (scorer.Rows() % kProgressEvery == 0) {
            fmt::print(stderr, "attrition score: {} rows scored ({} invalid)\n", scorer.Rows(),
                       scorer.Invalid());
        }
    }
}

// The log of the run, or nullopt when none is configured (said on stderr).
base::Result<std::optional<ScoreLog>> OpenLog(const ScoreConfig& config) {
    std::string why_not;
    auto log = ScoreLog::Open(
        {.database_url = config.database_url, .input = config.in_path, .user_agent = config.agent},
        why_not);
    if (log && !*log) fmt::print(stderr, "attrition score: not logged: {}\n", why_not);
    return log;
}

}  // namespace

int RunScore(const ScoreConfig& config) {
    const auto fail = [](std::string_view message) {
        fmt::print(stderr, "attrition score: {}\n", message);
        return 1;
    };
    const auto repository = model::LoadRepository(
        config.model_dir, {.default_version = config.model_version, .fallback_only = true});
    if (!repository) return fail(repository.error().message);
    const auto served = ChooseModel(*repository, config);
    if (!served) return fail(served.error().message);
    std::ifstream in_file;
    if (config.in_path != "-") {
        in_file.open(config.in_path, std::ios::binary);
        if (!in_file) return fail("cannot read " + config.in_path);
    }
    auto log = OpenLog(config);
    if (!log) return fail(log.error().message);
    std::ofstream out_file;
    if (config.out_path != "-") {
        out_file.open(config.out_path, std::ios::binary | std::ios::trunc);
        if (!out_file) return fail("cannot write " + config.out_path);
    }
    std::istream& in = config.in_path == "-" ? std::cin : in_file;
    std::ostream& out = config.out_path == "-" ? std::cout : out_file;

    Scorer scorer(*repository, **served, config, *log ? &**log : nullptr, out);
    base::CsvReader reader(in);
    std::vector<std::string> header;
    auto has_header = reader.Next(header);
    if (!has_header || !*has_header) {
        return fail(has_header ? "the input is empty" : has_header.error().message);
    }
    const auto columns = FindColumns(header, scorer.Vocabulary());
    if (!columns) return fail(columns.error().message);
    const Dialect dialect{reader.Delimiter(), reader.Delimiter() == ';'};
    out << OutputHeader(header, config.explain, dialect.delimiter) << '\n';
    scorer.Start(*columns, dialect);

    if (auto scored = ScoreRows(reader, header.size(), scorer); !scored) {
        return fail(scored.error().message);
    }
    out.flush();  // a roster without rows: its header
    if (!out) return fail("writing the output failed");
    const std::size_t rows = scorer.Rows();
    const std::size_t invalid = scorer.Invalid();
    fmt::print(stderr, "attrition score: done: {} rows, {} scored, {} invalid ({}, {})\n", rows,
               rows - invalid, invalid, base::CsvEncodingName(reader.Encoding()),
               dialect.delimiter == ';' ? "semicolons" : "commas");
    if (*log) {
        fmt::print(stderr, "attrition score: logged {} predictions to {} (x_request_id {})\n",
                   (*log)->Logged(), (*log)->Describe(), (*log)->RunId());
    }
    // 0 only when every row scored: a script sees a partial roster without reading stderr.
    return invalid == 0 ? 0 : kSomeRowsInvalid;
}

}  // namespace attrition::app
