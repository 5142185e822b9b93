// `attrition score`: scores a roster CSV (columns named like the API's fields; extra columns
// pass through) into an output CSV, streaming in chunks of rows so that any size works in
// bounded memory. An invalid row gets its line number and reason in an `error` column (and on
// stderr) and does not stop the run. The predictions go to the prediction log when a database is
// configured (app/score_log.hpp), as the API's do.
#pragma once

#include <string>

namespace attrition::app {

struct ScoreConfig {
    std::string model_dir = "model";  // a model repository, as serve --model-dir
    std::string model_version;        // empty: the repository's default (OC5_DEFAULT_MODEL)
    std::string in_path;              // "-": standard input
    std::string out_path;             // "-": standard output
    bool explain = false;             // add the top 5 reasons per row
    // The prediction log: empty is the embedded SQLite default, used when its file exists
    // (the quick start's); "none" logs nothing.
    std::string database_url;
    std::string agent;  // "attrition/<version>": the user agent of the logged records
};

int RunScore(const ScoreConfig& config);

}  // namespace attrition::app
