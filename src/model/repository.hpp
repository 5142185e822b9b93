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
//
// The repository's serving.json (optional) names the default version and the shadow one:
// {"default": "name", "shadow": "name"} (either may be absent; "shadow": null is none). Each
// member wins over what the caller passes (--default-model, --shadow-model), at start and at
// each reload, so that an operator switches them by editing it and reloading. The shadow
// version scores every prediction after the one the client gets; it must be loaded and not
// the default, else there is none (and the reason is kept).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "domain/vocabulary.hpp"
#include "model/actions.hpp"
#include "model/predictor.hpp"

namespace attrition::model {

// What scoring needs of one version: the predictor, the vocabulary that validates input and
// what a what-if search may change (the metadata's actions, else the defaults).
struct ServedModel {
    Predictor predictor;
    domain::Vocabulary vocabulary;
    ActionSpace actions;
};

// Loads and checks the artifact in `dir` (kIo / kInvalidConfig naming the problem).
base::Result<ServedModel> LoadServedModel(const std::filesystem::path& dir);
// The same from files already read (ReadArtifact); `dir` names them in messages.
base::Result<ServedModel> LoadServedModel(const ArtifactFiles& files,
                                          const std::filesystem::path& dir);

// The file of the repository that names its default version, and its largest size.
inline constexpr std::string_view kServingFile = "serving.json";
inline constexpr std::size_t kMaxServingBytes = std::size_t{64} * 1024;

struct RepositoryVersion {
    std::string name;  // the folder's name; equals the metadata's model_version when loaded
    std::filesystem::path dir;
    std::shared_ptr<const ServedModel> model;  // null when the version failed
    std::string failure;                       // why it failed; empty when loaded
    // The SHA-256 of booster.json and of metadata.json, of the very bytes loaded (or why they
    // could not be read): a reload loads the folder again only when it differs.
    std::string fingerprint;
    // Set when a reload found this folder's files changed and broken and kept serving the
    // model loaded before (`model`): why the new files were refused.
    std::string refused;
};

struct Repository {
    std::vector<RepositoryVersion> versions;  // sorted by name
    std::string default_version;              // empty only when versions is empty
    std::string shadow_version;               // empty: no shadow scoring
    std::string shadow_refused;   // why the shadow named is not used; empty when it is or none is
    std::string default_refused;  // why the last reload kept the default it had; empty: it did not
    // With a shadow that takes optional inputs another version lacks: what reads that version's
    // requests (its vocabulary plus the shadow's inputs, lenient, so that the shadow scores them
    // and the client never sees an error about them).
    struct ShadowReader {
        std::string version;
        std::shared_ptr<const domain::Vocabulary> vocabulary;
    };
    std::vector<ShadowReader> shadow_readers;

    // The version named `name`, loaded or failed; null when there is none.
    const RepositoryVersion* Find(std::string_view name) const;
    // The default version's model; null when the repository is empty.
    const ServedModel* Default() const;
    // The shadow version's model; null when there is none.
    const ServedModel* Shadow() const;
    // The vocabulary that reads a request `model` answers: its own, or its ShadowReader's.
    const domain::Vocabulary& RequestVocabulary(const ServedModel& model) const;
    // The loaded versions' names, comma-separated ("a, b"): what an unknown version's error
    // offers instead.
    std::string LoadedNames() const;
};

// The versions serving.json does not name: --default-model and --shadow-model.
struct ServingFlags {
    std::string default_version;
    std::string shadow_version;
    // The flags only fill in what serving.json leaves out, and may differ from it (attrition
    // score's --model-version picks a version to score with, not the repository's default).
    // Otherwise (serve) a flag naming another version than serving.json refuses the load.
    bool fallback_only = false;
};

// Loads every version under `dir`. The default is the one serving.json names, else
// `flags.default_version`, else the only version there is; the shadow likewise (a shadow that
// cannot serve is no shadow, with its reason in shadow_refused, never an error). A missing `dir` is
// an empty repository (the service then runs without a model, as before versions). Errors
// (kInvalidConfig): an unreadable serving.json, the default is not in the repository or failed its
// checks (the message says why), several versions and none named default, or (unless
// fallback_only) serving.json and the flags naming different versions.
base::Result<Repository> LoadRepository(const std::filesystem::path& dir,
                                        const ServingFlags& flags);

// What a reload did to one version, or to the default.
struct ReloadChange {
    enum class Action {
        kAdded,     // a new folder, loaded
        kReplaced,  // changed files, loaded in place of the version's previous model
        kRemoved,   // its folder is gone
        kFailed,    // a new folder whose files failed: listed as failed, not served
        kRefused,   // changed files that failed, or a change to the default that cannot be
                    // made: the version (or the default) serves on as before
        kDefault,   // the default moved to `version`
        kShadow,    // the shadow moved to `version` (empty: no shadow any more)
    };
    std::string version;
    Action action = Action::kAdded;
    std::string reason;  // why, for kFailed and kRefused
};
std::string_view ReloadActionName(ReloadChange::Action action);

struct Reloaded {
    Repository repository;
    // Empty: nothing changed. A standing refusal (the same unusable default or shadow as at
    // the last reload) is reported once, not at each reload.
    std::vector<ReloadChange> changes;
};

// Scans `dir` again against `current`: unchanged folders (same fingerprint) keep their loaded
// model, new and changed ones are loaded and checked; a changed version whose new files fail
// keeps its previous model, and the default version is never removed nor moved to a version
// that is not loaded (both kRefused). The default is chosen as LoadRepository does, the
// current one when neither serving.json nor `flags` names one; the shadow as LoadRepository
// does (a shadow named but unusable is kRefused). Blocking (file reads and model checks):
// call it off the request path. Errors (kInvalidConfig): `dir` is gone or serving.json is
// unreadable; then nothing changes.
base::Result<Reloaded> ReloadRepository(const std::filesystem::path& dir,
                                        const Repository& current,
                                        const ServingFlags& flags);

}  // namespace attrition::model
