// `attrition score`: scores a roster CSV (columns named like the API's fields; extra columns
// pass through) into an output CSV, streaming one row at a time so that any size works in
// bounded memory. An invalid row gets its line number and reason in an `error` column (and on
// stderr) and does not stop the run.
#pragma once

#include <string>

namespace attrition::app {

struct ScoreConfig {
    std::string model_dir = "model";  // a model repository, as serve --model-dir
    std::string model_version;        // empty: the repository's default (OC5_DEFAULT_MODEL)
    std::string in_path;              // "-": standard input
    std::string out_path;             // "-": standard output
    bool explain = false;             // add the top 5 reasons per row
};

int RunScore(const ScoreConfig& config);

}  // namespace attrition::app
