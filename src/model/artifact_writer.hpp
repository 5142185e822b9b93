// Writing a model artifact (`attrition train`): the metadata of a freshly trained model and the
// folder swapped in whole. The training side of the artifact: the serving path reads artifacts
// (model/artifact.hpp) and never includes this header, nor training or the CSV reader.
#pragma once

#include <filesystem>
#include <optional>

#include "base/error.hpp"
#include "model/artifact.hpp"
#include "model/training.hpp"

namespace attrition::model {

// Lowercase hex SHA-256 of a file's bytes (OpenSSL EVP).
base::Result<std::string> Sha256File(const std::filesystem::path& path);

// Where a training set came from: the extracts of a folder, the prediction log, or both.
struct TrainingSources {
    std::optional<std::filesystem::path> extracts_dir;
    std::optional<LogTrainingSource> log;
};

// Metadata of a freshly trained model: encoding, ranges of `data`, CV results, the sources
// (digests of the extracts, the log's selection), training date now.
base::Result<ModelMetadata> DescribeModel(const TrainedModel& model,
                                          const TrainingSet& data,
                                          const TrainingSources& sources,
                                          const TrainingOptions& options);

// Writes booster.json (XGBoosterSaveModel) and metadata.json into `dir` (its parent created if
// needed). Both are written into a new hidden folder beside `dir` and synced, which then takes
// `dir`'s place in one rename (an exchange when `dir` exists; its other files are carried over),
// so that a reader (ReadArtifact) never pairs a new booster with old metadata, and a crash
// leaves the old artifact or the new one. kInvalidInput when the metadata's model_version
// breaks VersionNameProblem's rule.
base::Result<void> SaveArtifact(const std::filesystem::path& dir,
                                const Booster& booster,
                                const ModelMetadata& metadata);

}  // namespace attrition::model
