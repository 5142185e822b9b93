#include "model/repository.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "base/file.hpp"
#include "model/artifact.hpp"
#include "model/json_problem.hpp"

namespace attrition::model {
namespace {

namespace fs = std::filesystem;
using base::ErrorCode;
using base::Fail;

// Both files' digests; a missing file digests as "-" (loading it then fails anyway).
// A version folder's files, read once: what its fingerprint and its load both see.
struct VersionFiles {
    base::Result<ArtifactFiles> files;
    // The SHA-256 of booster.json and of metadata.json; for files that cannot be read, why (the
    // same failure is then no change at the next reload).
    std::string fingerprint;
};

VersionFiles ReadVersionFiles(const fs::path& dir) {
    VersionFiles read{ReadArtifact(dir), {}};
    read.fingerprint = read.files ? Sha256Hex(read.files->booster_json) + ":" +
                                        Sha256Hex(read.files->metadata_json)
                                  : "unreadable: " + read.files.error().message;
    return read;
}

// `message` with the version's folder path replaced by its name: the reasons are listed by an
// open endpoint (GET /api/v1/models), which has no business knowing the server's paths.
std::string WithoutPath(std::string message, const fs::path& dir, std::string_view name) {
    const std::string path = dir.string();
    for (auto at = message.find(path); !path.empty() && at != std::string::npos;
         at = message.find(path, at + name.size())) {
        message.replace(at, path.size(), name);
    }
    return message;
}

RepositoryVersion LoadVersion(std::string name, fs::path dir, VersionFiles read) {
    RepositoryVersion version{std::move(name), std::move(dir), nullptr, {}, {}, {}};
    version.fingerprint = std::move(read.fingerprint);
    if (const auto problem = VersionNameProblem(version.name)) {
        // The log's model_version column holds 50 characters; a name it cannot store would
        // turn every prediction of the version (or of its shadow) into a 503.
        version.failure = *problem;
        return version;
    }
    auto model = read.files ? LoadServedModel(*read.files, version.dir)
                            : base::Result<ServedModel>(tl::unexpected(read.files.error()));
    if (!model) {
        version.failure = WithoutPath(model.error().message, version.dir, version.name);
    } else if (model->predictor.Version() != version.name) {
        version.failure = "its metadata names model_version \"" + model->predictor.Version() +
                          "\", not the folder's name";
    } else {
        version.model = std::make_shared<const ServedModel>(std::move(*model));
    }
    return version;
}

struct Folder {
    std::string name;
    fs::path dir;
};

// The version folders under `dir`: each sub-folder, or `dir` itself in the layout before
// versions (named by its metadata). A folder that cannot be listed is an error, never "no
// versions" (a reload would then drop every version but the default).
base::Result<std::vector<Folder>> ListFolders(const fs::path& dir) {
    std::vector<Folder> folders;
    std::error_code error;
    if (fs::is_regular_file(dir / kBoosterFile, error)) {
        auto metadata = LoadMetadata(dir);
        folders.push_back({metadata ? metadata->model_version : dir.filename().string(), dir});
        return folders;
    }
    const auto unreadable = [] {
        return Fail(ErrorCode::kInvalidConfig, "the model repository cannot be listed");
    };
    fs::directory_iterator it(dir, error);
    if (error) return unreadable();
    for (; it != fs::directory_iterator(); it.increment(error)) {
        if (error) return unreadable();
        std::error_code kind;
        const auto& entry = *it;
        if (!entry.is_directory(kind) || entry.path().filename().string().starts_with('.')) {
            continue;
        }
        folders.push_back({entry.path().filename().string(), entry.path()});
    }
    if (error) return unreadable();
    return folders;
}

// What serving.json names; nothing when there is no such file.
struct Serving {
    std::string default_version;        // empty: not named
    std::optional<std::string> shadow;  // nullopt: not named; empty: none
};

base::Result<Serving> ReadServing(const fs::path& dir) {
    const auto path = dir / kServingFile;
    std::error_code error;
    if (!fs::exists(path, error)) return Serving{};
    const auto refuse = [](std::string_view why) {
        return Fail(ErrorCode::kInvalidConfig, std::string(kServingFile) + ": " + std::string(why));
    };
    const auto text = base::ReadRegularFile(path, kMaxServingBytes);
    if (!text)
        return refuse("cannot be read (" + WithoutPath(text.error().message, dir, ".") + ")");
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::exception& e) {
        return refuse(JsonProblem(e));
    }
    if (!document.is_object()) return refuse("is not a JSON object");
    Serving serving;
    for (const auto& [key, value] : document.items()) {
        if (key == "default") {
            if (!value.is_string() || value.get<std::string>().empty()) {
                return refuse("\"default\" must be a non-empty string");
            }
            serving.default_version = value.get<std::string>();
        } else if (key == "shadow") {
            if (!value.is_null() && !value.is_string()) {
                return refuse("\"shadow\" must be a string or null");
            }
            serving.shadow = value.is_null() ? std::string() : value.get<std::string>();
        } else {
            return refuse("unknown member \"" + key + "\" (allowed: default, shadow)");
        }
    }
    return serving;
}

// The vocabularies that read requests for the other loaded versions with the shadow's optional
// inputs too (lenient), for each version that lacks some of them.
void ReadWithShadowInputs(Repository& repository, const ServedModel& shadow) {
    repository.shadow_readers.clear();
    for (const auto& version : repository.versions) {
        if (!version.model || version.model.get() == &shadow) continue;
        auto reader = version.model->vocabulary.WithLenientInputs(shadow.vocabulary);
        if (reader.Count() == version.model->vocabulary.Count()) continue;
        repository.shadow_readers.push_back(
            {version.name, std::make_shared<const domain::Vocabulary>(std::move(reader))});
    }
}

// Sets the shadow of `repository` (its default chosen): `wanted` when it is loaded and not the
// default, else none with the reason in shadow_refused.
void ChooseShadow(Repository& repository, const std::string& wanted) {
    repository.shadow_version.clear();
    repository.shadow_refused.clear();
    repository.shadow_readers.clear();
    if (wanted.empty()) return;
    const auto* version = repository.Find(wanted);
    if (version == nullptr) {
        repository.shadow_refused = "shadow version " + wanted + " is not in the repository";
    } else if (!version->model) {
        repository.shadow_refused = "shadow version " + wanted + " failed: " + version->failure;
    } else if (wanted == repository.default_version) {
        repository.shadow_refused = "shadow version " + wanted + " is the default";
    } else {
        repository.shadow_version = wanted;
        ReadWithShadowInputs(repository, *version->model);
    }
}

std::string WantedShadow(const Serving& serving, const ServingFlags& flags) {
    return serving.shadow ? *serving.shadow : flags.shadow_version;
}

// At start, serving.json and the flags must not name different versions: which one the operator
// meant cannot be guessed. (At a reload serving.json decides: it is how a default is moved.)
base::Result<void> Agree(const Serving& serving, const ServingFlags& flags) {
    const auto disagree = [](std::string_view member, std::string_view file_names,
                             std::string_view flag, std::string_view flag_names) {
        return Fail(ErrorCode::kInvalidConfig,
                    fmt::format("{} names {} as the {} version but {} names {}: remove one of them",
                                kServingFile, file_names, member, flag, flag_names));
    };
    if (!serving.default_version.empty() && !flags.default_version.empty() &&
        serving.default_version != flags.default_version) {
        return disagree("default", serving.default_version, "--default-model",
                        flags.default_version);
    }
    if (serving.shadow && !flags.shadow_version.empty() &&
        *serving.shadow != flags.shadow_version) {
        return disagree("shadow", serving.shadow->empty() ? "none" : *serving.shadow,
                        "--shadow-model", flags.shadow_version);
    }
    return {};
}

bool IsLoaded(const std::vector<RepositoryVersion>& versions, std::string_view name) {
    return std::any_of(versions.begin(), versions.end(),
                       [name](const auto& v) { return v.name == name && v.model; });
}

void SortByName(std::vector<RepositoryVersion>& versions) {
    std::sort(versions.begin(), versions.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
}

// Loads the folders found at a reload into `out`: an unchanged one (same fingerprint) keeps
// its version as it is, a changed one that fails keeps serving its previous model (refused).
void ReloadVersions(std::vector<Folder>& folders, const Repository& current, Reloaded& out) {
    using Action = ReloadChange::Action;
    auto& next = out.repository.versions;
    auto& changes = out.changes;
    for (auto& folder : folders) {
        const RepositoryVersion* before = current.Find(folder.name);
        auto read = ReadVersionFiles(folder.dir);
        if (before != nullptr && before->fingerprint == read.fingerprint) {
            next.push_back(*before);
            continue;
        }
        auto loaded = LoadVersion(std::move(folder.name), std::move(folder.dir), std::move(read));
        if (loaded.model) {
            changes.push_back(
                {loaded.name, before != nullptr ? Action::kReplaced : Action::kAdded});
            next.push_back(std::move(loaded));
        } else if (before != nullptr && before->model) {
            changes.push_back({loaded.name, Action::kRefused, loaded.failure});
            RepositoryVersion kept = *before;                  // its failure stays empty: it serves
            kept.fingerprint = std::move(loaded.fingerprint);  // refused once, not at each reload
            kept.refused = std::move(loaded.failure);
            next.push_back(std::move(kept));
        } else {
            changes.push_back({loaded.name, Action::kFailed, loaded.failure});
            next.push_back(std::move(loaded));
        }
    }
}

// Records a refusal about the default: joined into the repository's default_refused, and kept
// in `refusals` to report.
void RefuseDefault(Reloaded& out,
                   std::vector<ReloadChange>& refusals,
                   std::string version,
                   std::string reason) {
    auto& all = out.repository.default_refused;
    all += (all.empty() ? "" : "; ") + reason;
    refusals.push_back({std::move(version), ReloadChange::Action::kRefused, std::move(reason)});
}

// Sets the default of `out` (its versions reloaded): `wanted` when it is loaded, else the
// current one, which serves on even when its folder is gone. Records in out.changes the
// versions removed and the default's move, or its refusal when that is new.
void ChooseReloadedDefault(const Repository& current, const std::string& wanted, Reloaded& out) {
    using Action = ReloadChange::Action;
    auto& next = out.repository.versions;
    auto& changes = out.changes;
    const bool can_move = IsLoaded(next, wanted);
    // Refusals about the default, reported when they differ from the last reload's (once, as a
    // version's refused files are), so that a standing refusal does not count at each reload.
    std::vector<ReloadChange> refusals;
    for (const auto& version : current.versions) {
        if (out.repository.Find(version.name) != nullptr) continue;
        if (version.name == current.default_version && !can_move) {
            RefuseDefault(out, refusals, version.name,
                          "its folder is gone, but it is the default: it serves on until "
                          "another version is named default");
            next.push_back(version);
        } else {
            changes.push_back({version.name, Action::kRemoved});
        }
    }
    if (can_move) {
        out.repository.default_version = wanted;
        if (wanted != current.default_version) changes.push_back({wanted, Action::kDefault});
    } else {
        out.repository.default_version = current.default_version;
        if (wanted.empty() && !next.empty()) {
            RefuseDefault(out, refusals, "",
                          "several versions and none named default (--default-model or " +
                              std::string(kServingFile) + ")");
        } else if (!wanted.empty() && wanted != current.default_version) {
            const auto* found = out.repository.Find(wanted);
            RefuseDefault(out, refusals, wanted,
                          found == nullptr ? "cannot be the default: it is not in the repository"
                                           : "cannot be the default: it failed: " + found->failure);
        }
    }
    if (out.repository.default_refused != current.default_refused) {
        changes.insert(changes.end(), refusals.begin(), refusals.end());
    }
}

}  // namespace

std::string_view ReloadActionName(ReloadChange::Action action) {
    switch (action) {
        case ReloadChange::Action::kAdded:
            return "added";
        case ReloadChange::Action::kReplaced:
            return "replaced";
        case ReloadChange::Action::kRemoved:
            return "removed";
        case ReloadChange::Action::kFailed:
            return "failed";
        case ReloadChange::Action::kRefused:
            return "refused";
        case ReloadChange::Action::kDefault:
            return "default";
        case ReloadChange::Action::kShadow:
            return "shadow";
    }
    return "unknown";
}

base::Result<ServedModel> LoadServedModel(const std::filesystem::path& dir) {
    auto files = ReadArtifact(dir);
    if (!files) return tl::unexpected(files.error());
    return LoadServedModel(*files, dir);
}

base::Result<ServedModel> LoadServedModel(const ArtifactFiles& files,
                                          const std::filesystem::path& dir) {
    auto predictor = Predictor::Load(files, dir);
    if (!predictor) return tl::unexpected(predictor.error());
    const auto& meta = predictor->Metadata();
    std::vector<domain::Vocabulary::OptionalInput> optional;
    for (std::size_t i = 0; i < meta.encoding.optional.size(); ++i) {
        optional.push_back({meta.encoding.optional[i].name, meta.encoding.optional[i].vocabulary,
                            meta.optional_features[i].aliases, false});
    }
    auto vocabulary = domain::Vocabulary::Make(meta.encoding.vocabulary, domain::CategoryAliases(),
                                               std::move(optional));
    if (!vocabulary) return tl::unexpected(vocabulary.error());
    auto actions = meta.actions.value_or(DefaultActions(meta.encoding));
    return ServedModel{std::move(*predictor), std::move(*vocabulary), std::move(actions)};
}

const RepositoryVersion* Repository::Find(std::string_view name) const {
    const auto found = std::find_if(versions.begin(), versions.end(),
                                    [name](const auto& version) { return version.name == name; });
    return found == versions.end() ? nullptr : &*found;
}

const ServedModel* Repository::Default() const {
    const auto* version = Find(default_version);
    return version == nullptr ? nullptr : version->model.get();
}

const ServedModel* Repository::Shadow() const {
    if (shadow_version.empty()) return nullptr;
    const auto* version = Find(shadow_version);
    return version == nullptr ? nullptr : version->model.get();
}

const domain::Vocabulary& Repository::RequestVocabulary(const ServedModel& model) const {
    for (const auto& reader : shadow_readers) {
        if (reader.version == model.predictor.Version()) return *reader.vocabulary;
    }
    return model.vocabulary;
}

std::string Repository::LoadedNames() const {
    std::string names;
    for (const auto& version : versions) {
        if (!version.model) continue;
        if (!names.empty()) names += ", ";
        names += version.name;
    }
    return names;
}

base::Result<Repository> LoadRepository(const fs::path& dir, const ServingFlags& flags) {
    Repository repository;
    std::error_code error;
    if (!fs::is_directory(dir, error)) return repository;
    const auto serving = ReadServing(dir);
    if (!serving) return tl::unexpected(serving.error());
    if (!flags.fallback_only) {
        if (auto agreed = Agree(*serving, flags); !agreed) return tl::unexpected(agreed.error());
    }
    auto folders = ListFolders(dir);
    if (!folders) return tl::unexpected(folders.error());
    for (auto& folder : *folders) {
        auto read = ReadVersionFiles(folder.dir);
        repository.versions.push_back(
            LoadVersion(std::move(folder.name), std::move(folder.dir), std::move(read)));
    }
    SortByName(repository.versions);
    if (repository.versions.empty()) return repository;
    std::string wanted =
        serving->default_version.empty() ? flags.default_version : serving->default_version;
    if (wanted.empty()) {
        if (repository.versions.size() > 1) {
            return Fail(ErrorCode::kInvalidConfig,
                        "the model repository holds several versions; name the default one "
                        "(--default-model or " +
                            std::string(kServingFile) + ")");
        }
        wanted = repository.versions.front().name;
    }
    const auto* chosen = repository.Find(wanted);
    if (chosen == nullptr) {
        return Fail(ErrorCode::kInvalidConfig,
                    "the default model version " + wanted +
                        " is not in the repository (versions: " + repository.LoadedNames() + ")");
    }
    if (!chosen->model) {
        return Fail(ErrorCode::kInvalidConfig,
                    "the default model version " + chosen->name + " failed: " + chosen->failure);
    }
    repository.default_version = chosen->name;
    ChooseShadow(repository, WantedShadow(*serving, flags));
    return repository;
}

base::Result<Reloaded> ReloadRepository(const fs::path& dir,
                                        const Repository& current,
                                        const ServingFlags& flags) {
    std::error_code error;
    if (!fs::is_directory(dir, error)) {
        return Fail(ErrorCode::kInvalidConfig, "the model repository is not a folder any more");
    }
    const auto serving = ReadServing(dir);
    if (!serving) return tl::unexpected(serving.error());
    Reloaded out;
    auto folders = ListFolders(dir);
    if (!folders) return tl::unexpected(folders.error());
    ReloadVersions(*folders, current, out);
    const auto& next = out.repository.versions;
    std::string wanted = !serving->default_version.empty() ? serving->default_version
                         : !flags.default_version.empty()  ? flags.default_version
                                                           : current.default_version;
    if (wanted.empty() && next.size() == 1) wanted = next.front().name;
    ChooseReloadedDefault(current, wanted, out);
    SortByName(out.repository.versions);
    const std::string shadow = WantedShadow(*serving, flags);
    ChooseShadow(out.repository, shadow);
    if (!out.repository.shadow_refused.empty() &&
        out.repository.shadow_refused != current.shadow_refused) {
        out.changes.push_back(
            {shadow, ReloadChange::Action::kRefused, out.repository.shadow_refused});
    }
    if (out.repository.shadow_version != current.shadow_version) {
        out.changes.push_back({out.repository.shadow_version, ReloadChange::Action::kShadow});
    }
    return out;
}

}  // namespace attrition::model
