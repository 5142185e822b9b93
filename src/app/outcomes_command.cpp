#include "app/outcomes_command.hpp"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <iostream>
#include <optional>
#include <vector>

#include "base/clock.hpp"
#include "base/csv.hpp"
#include "base/error.hpp"
#include "domain/outcome.hpp"
#include "store/database.hpp"
#include "store/database_url.hpp"
#include "store/migrator.hpp"
#include "store/outcomes.hpp"

namespace attrition::app {
namespace {

constexpr std::array<std::string_view, 3> kColumns{"employee_id", "event", "date"};

// A French Excel writes a date cell as DD/MM/YYYY in its semicolon CSV: read as YYYY-MM-DD
// there (only there: elsewhere 03/04/2026 could be either). Anything else unchanged, for the
// date rule to judge.
std::string IsoDate(std::string date, char delimiter) {
    const bool french = delimiter == ';' && date.size() == 10 && date[2] == '/' && date[5] == '/';
    if (!french) return date;
    return date.substr(6, 4) + "-" + date.substr(3, 2) + "-" + date.substr(0, 2);
}

int Fail(const std::string& message) {
    fmt::print(stderr, "attrition outcomes import: {}\n", message);
    return 1;
}

// Where each of kColumns is in the input, from its header line.
base::Result<std::array<std::size_t, kColumns.size()>> ReadHeader(base::CsvReader& reader) {
    std::vector<std::string> header;
    auto has_header = reader.Next(header);
    if (!has_header || !*has_header) {
        return base::Fail(base::ErrorCode::kInvalidInput,
                          has_header ? "the input is empty" : has_header.error().message);
    }
    std::array<std::optional<std::size_t>, kColumns.size()> found;
    for (std::size_t c = 0; c < header.size(); ++c) {
        for (std::size_t f = 0; f < kColumns.size(); ++f) {
            if (header[c] == kColumns[f]) found[f] = c;
        }
    }
    std::array<std::size_t, kColumns.size()> columns{};
    for (std::size_t f = 0; f < kColumns.size(); ++f) {
        if (!found[f]) {
            return base::Fail(base::ErrorCode::kInvalidInput,
                              fmt::format("the header lacks the column {}", kColumns[f]));
        }
        columns[f] = *found[f];
    }
    return columns;
}

// A record's employee_id, event and date (an absent cell empty, the date as ISO).
std::array<std::string, kColumns.size()> RowValues(
    const std::vector<std::string>& fields,
    const std::array<std::size_t, kColumns.size()>& columns,
    char delimiter) {
    std::array<std::string, kColumns.size()> values;
    for (std::size_t f = 0; f < kColumns.size(); ++f) {
        if (columns[f] < fields.size()) values[f] = fields[columns[f]];
    }
    values[2] = IsoDate(std::move(values[2]), delimiter);
    return values;
}

// Why a row's outcome is refused ("field: reason; ..."), or nullopt when it is valid.
std::optional<std::string> OutcomeProblems(const std::array<std::string, kColumns.size()>& values,
                                           long today) {
    std::vector<base::FieldIssue> issues;
    if (domain::CheckOutcome(values[0], values[1], values[2], today, {}, issues)) {
        return std::nullopt;
    }
    std::string reasons;
    for (const auto& issue : issues) {
        reasons +=
            fmt::format("{}{}: {}", reasons.empty() ? "" : "; ", issue.loc.back(), issue.msg);
    }
    return reasons;
}

}  // namespace

int RunOutcomesImport(const OutcomesImportConfig& config) {
    auto url = store::ParseDatabaseUrl(config.database_url);
    if (!url) return Fail(url.error().message);
    if (url->backend == store::Backend::kNone) {
        return Fail("OC5_DATABASE_URL=none: logging is off, there is nowhere to store outcomes");
    }
    std::ifstream in_file;
    if (config.in_path != "-") {
        in_file.open(config.in_path, std::ios::binary);
        if (!in_file) return Fail("cannot read " + config.in_path);
    }
    std::istream& in = config.in_path == "-" ? std::cin : in_file;
    base::CsvReader reader(in);
    const auto columns = ReadHeader(reader);
    if (!columns) return Fail(columns.error().message);

    auto database = store::OpenCurrentDatabase(*url, store::DatabaseOptions{});
    if (!database) return Fail(database.error().message);

    const base::SystemClock clock;
    const long today = domain::UtcDay(clock.Now());
    store::OutcomeCounts total;
    std::size_t rows = 0;
    std::size_t invalid = 0;
    std::vector<store::OutcomeRecord> pending;
    const auto flush = [&]() -> bool {
        if (pending.empty()) return true;
        auto stored = store::RecordOutcomes(**database, pending);
        if (!stored) {
            Fail(store::ScrubSecret(stored.error().message, url->password));
            return false;
        }
        total.accepted += stored->accepted;
        total.duplicates += stored->duplicates;
        pending.clear();
        return true;
    };
    std::vector<std::string> fields;
    for (;;) {
        auto more = reader.Next(fields);
        if (!more) return Fail(more.error().message);
        if (!*more) break;
        if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
        ++rows;
        auto values = RowValues(fields, *columns, reader.Delimiter());
        if (auto reasons = OutcomeProblems(values, today)) {
            ++invalid;
            fmt::print(stderr, "line {}: {}\n", reader.RecordLine(), *reasons);
            continue;
        }
        pending.push_back({std::move(values[0]), std::move(values[1]), std::move(values[2])});
        if (pending.size() == domain::kMaxOutcomesPerRequest && !flush()) return 1;
    }
    if (!flush()) return 1;
    fmt::print("{}: {} rows: {} stored, {} already stored, {} invalid\n", url->redacted, rows,
               total.accepted, total.duplicates, invalid);
    return invalid == 0 ? 0 : 2;
}

}  // namespace attrition::app
