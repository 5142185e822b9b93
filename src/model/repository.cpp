#include "model/repository.hpp"

#include <algorithm>
#include <system_error>

namespace attrition::model {
namespace {

using base::ErrorCode;
using base::Fail;

RepositoryVersion LoadVersion(std::string name, std::filesystem::path dir) {
    RepositoryVersion version{std::move(name), std::move(dir), nullptr, {}};
    auto model = LoadServedModel(version.dir);
    if (!model) {
        version.failure = model.error().message;
    } else if (model->predictor.Version() != version.name) {
        version.failure = "its metadata names model_version \"" + model->predictor.Version() +
                          "\", not the folder's name";
    } else {
        version.model = std::make_shared<const ServedModel>(std::move(*model));
    }
    return version;
}

// The versions under `dir`: each sub-folder, or `dir` itself in the layout before versions.
std::vector<RepositoryVersion> LoadVersions(const std::filesystem::path& dir) {
    std::vector<RepositoryVersion> versions;
    std::error_code error;
    if (std::filesystem::is_regular_file(dir / kBoosterFile, error)) {
        auto metadata = LoadMetadata(dir);
        std::string name = metadata ? metadata->model_version : dir.filename().string();
        versions.push_back(LoadVersion(std::move(name), dir));
        return versions;
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        if (!entry.is_directory(error) || entry.path().filename().string().starts_with('.')) {
            continue;
        }
        versions.push_back(LoadVersion(entry.path().filename().string(), entry.path()));
    }
    std::sort(versions.begin(), versions.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return versions;
}

}  // namespace

base::Result<ServedModel> LoadServedModel(const std::filesystem::path& dir) {
    auto predictor = Predictor::Load(dir);
    if (!predictor) return tl::unexpected(predictor.error());
    auto vocabulary = domain::Vocabulary::Make(predictor->Metadata().encoding.vocabulary);
    if (!vocabulary) return tl::unexpected(vocabulary.error());
    return ServedModel{std::move(*predictor), std::move(*vocabulary)};
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

std::string Repository::LoadedNames() const {
    std::string names;
    for (const auto& version : versions) {
        if (!version.model) continue;
        if (!names.empty()) names += ", ";
        names += version.name;
    }
    return names;
}

base::Result<Repository> LoadRepository(const std::filesystem::path& dir,
                                        std::string_view default_version) {
    Repository repository;
    std::error_code error;
    if (!std::filesystem::is_directory(dir, error)) return repository;
    repository.versions = LoadVersions(dir);
    if (repository.versions.empty()) return repository;
    if (default_version.empty()) {
        if (repository.versions.size() > 1) {
            return Fail(ErrorCode::kInvalidConfig,
                        "the model repository holds several versions; name the default one "
                        "(--default-model)");
        }
        default_version = repository.versions.front().name;
    }
    const auto* chosen = repository.Find(default_version);
    if (chosen == nullptr) {
        return Fail(ErrorCode::kInvalidConfig,
                    "the default model version " + std::string(default_version) +
                        " is not in the repository (versions: " + repository.LoadedNames() + ")");
    }
    if (!chosen->model) {
        return Fail(ErrorCode::kInvalidConfig,
                    "the default model version " + chosen->name + " failed: " + chosen->failure);
    }
    repository.default_version = chosen->name;
    return repository;
}

}  // namespace attrition::model
