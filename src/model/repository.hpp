// The model repository: a folder holding one folder per model version, each an artifact as
// model/artifact.hpp describes (booster.json + metadata.json), named by its model_version:
//
//   model/
//     xgb_enhanced_v2.0/booster.json, metadata.json
//     <another version>/...
//
// A folder that itself holds booster.json (the layout before versions) is a repository of that
// one version. Loading checks every version as Predictor::Load does; a version that fails is
// kept with its reason (listed as failed, never served); only a broken or missing default
// stops the load. Values only: a Repository is immutable once loaded and shared read-only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "domain/vocabulary.hpp"
#include "model/predictor.hpp"

namespace attrition::model {

// What scoring needs of one version: the predictor and the vocabulary that validates input.
struct ServedModel {
    Predictor predictor;
    domain::Vocabulary vocabulary;
};

// Loads and checks the artifact in `dir` (kIo / kInvalidConfig naming the problem).
base::Result<ServedModel> LoadServedModel(const std::filesystem::path& dir);

struct RepositoryVersion {
    std::string name;  // the folder's name; equals the metadata's model_version when loaded
    std::filesystem::path dir;
    std::shared_ptr<const ServedModel> model;  // null when the version failed
    std::string failure;                       // why it failed; empty when loaded
};

struct Repository {
    std::vector<RepositoryVersion> versions;  // sorted by name
    std::string default_version;              // empty only when versions is empty

    // The version named `name`, loaded or failed; null when there is none.
    const RepositoryVersion* Find(std::string_view name) const;
    // The default version's model; null when the repository is empty.
    const ServedModel* Default() const;
    // The loaded versions' names, comma-separated ("a, b"): what an unknown version's error
    // offers instead.
    std::string LoadedNames() const;
};

// Loads every version under `dir`. `default_version` names the default; empty: the only
// version there is. A missing `dir` is an empty repository (the service then runs without a
// model, as before versions). Errors (kInvalidConfig): the default is not in the repository
// or failed its checks (the message says why), or several versions and none named default.
base::Result<Repository> LoadRepository(const std::filesystem::path& dir,
                                        std::string_view default_version);

}  // namespace attrition::model
