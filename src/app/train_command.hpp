// `attrition train`: reads the TechNova extracts, or the prediction log's mature, resolved
// predictions (--from-log, optionally with the extracts), cross-validates, fits the final model
// and writes the artifact folder (booster.json + metadata.json, which names its sources). Prints
// the CV report to stdout, progress to stderr. Single-threaded driver; runs once per process.
#pragma once

#include <string>
#include <vector>

#include "model/training.hpp"

namespace attrition::app {

struct TrainConfig {
    std::string data_dir = "../shared/data/technova";  // relative to the repository root
    std::string out_dir;  // empty: model/<model_version>, the version's repository folder
    int threads = 1;
    bool cross_validate = true;
    std::string model_version{model::kModelVersion};
    std::vector<std::string> optional_features;  // model::OptionalColumns() names
    bool force = false;                          // write over a folder that already holds a version
    bool from_log = false;       // the prediction log's rows (store::ReadTrainingRows)
    bool with_extracts = false;  // with from_log: the extracts' rows too
    std::string database_url;    // empty: the embedded SQLite default
    int horizon_days = 365;
    std::string log_model_version;  // empty: any version's predictions
};

int RunTrain(const TrainConfig& config);

}  // namespace attrition::app
