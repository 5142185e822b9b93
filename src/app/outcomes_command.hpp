// `attrition outcomes import --in departures.csv`: the CSV counterpart of POST /api/v1/outcomes.
// Streams a CSV with the columns employee_id, event, date (any order; other columns ignored),
// checks each row with the endpoint's rules (domain::CheckOutcome), stores the valid ones in
// transactions of up to 1,000 (store::RecordOutcomes: idempotent, so a re-run stores nothing
// twice) and reports each invalid row by line on stderr, never with its values. Exit status 0
// when every row was stored or already there, 2 when some rows were invalid (the valid ones are
// stored), 1 when the input or the database failed. Single-threaded; runs once per process.
#pragma once

#include <string>

namespace attrition::app {

struct OutcomesImportConfig {
    std::string database_url;  // empty: the embedded SQLite default
    std::string in_path;       // "-": stdin
};

int RunOutcomesImport(const OutcomesImportConfig& config);

}  // namespace attrition::app
