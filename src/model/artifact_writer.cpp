#include "model/artifact_writer.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <system_error>

#include "base/clock.hpp"

namespace attrition::model {
namespace {

using base::ErrorCode;

base::Result<void> WriteFile(const std::filesystem::path& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) return base::Fail(ErrorCode::kIo, fmt::format("cannot write {}", path.string()));
    return {};
}

// fsync of a file or a folder (so that a rename into it survives a power cut).
base::Result<void> SyncPath(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    const bool ok = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!ok) return base::Fail(ErrorCode::kIo, fmt::format("cannot sync {}", path.string()));
    return {};
}

// Puts `staging` at `target` in one step: a rename, or an exchange of the two when `target`
// exists (then `staging` holds the old folder).
base::Result<void> SwapInto(const std::filesystem::path& staging,
                            const std::filesystem::path& target) {
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) {
        return {};
    }
    if (errno == EEXIST &&
        ::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
        return {};
    }
    return base::Fail(ErrorCode::kIo,
                      fmt::format("cannot move {} to {}: {}", staging.string(), target.string(),
                                  std::generic_category().message(errno)));
}

// The distribution of every input over the training rows (a missing value left out) and of
// the out-of-fold score.
TrainingDistributions DescribeDistributions(const EncodingSpec& encoding,
                                            const TrainingSet& data,
                                            const std::optional<CrossValidationReport>& cv) {
    TrainingDistributions distributions;
    std::vector<double> values(data.employees.size());
    for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
        for (std::size_t row = 0; row < data.employees.size(); ++row) {
            values[row] = data.employees[row].numeric[i];
        }
        distributions.numeric.push_back(
            {std::string(domain::NumericFields()[i].name), DecileDistribution(values)});
    }
    const auto categorical = [&](std::string name, const std::vector<std::string>& vocabulary,
                                 const auto& value_of) {
        std::vector<std::uint64_t> counts(vocabulary.size(), 0);
        for (const auto& employee : data.employees) {
            const std::string* value = value_of(employee);
            if (value == nullptr) continue;
            const auto at = std::find(vocabulary.begin(), vocabulary.end(), *value);
            if (at != vocabulary.end()) ++counts[static_cast<std::size_t>(at - vocabulary.begin())];
        }
        distributions.categorical.push_back({std::move(name), vocabulary, Shares(counts)});
    };
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        categorical(std::string(domain::CategoricalFields()[i].name), encoding.vocabulary[i],
                    [i](const domain::Employee& e) { return &e.categorical[i]; });
    }
    for (const auto& group : encoding.optional) {
        categorical(group.name, group.vocabulary,
                    [&group](const domain::Employee& e) { return e.Optional(group.name); });
    }
    if (cv) distributions.prediction = DecileDistribution(cv->oof_probability);
    return distributions;
}

}  // namespace

base::Result<std::string> Sha256File(const std::filesystem::path& path) {
    auto content = ReadFileText(path);
    if (!content) return tl::unexpected(content.error());
    return Sha256Hex(*content);
}

base::Result<ModelMetadata> DescribeModel(const TrainedModel& model,
                                          const TrainingSet& data,
                                          const TrainingSources& sources,
                                          const TrainingOptions& options) {
    ModelMetadata m;
    m.training_date = base::FormatIso8601(std::chrono::system_clock::now());
    for (const std::string_view file : kExtractFiles) {
        if (!sources.extracts_dir) break;
        auto digest = Sha256File(*sources.extracts_dir / file);
        if (!digest) return tl::unexpected(digest.error());
        m.input_files.push_back(InputFileDigest{std::string(file), std::move(*digest)});
    }
    m.training_log = sources.log;
    m.training_rows = data.employees.size();
    m.positive_rows = data.PositiveCount();
    m.model_version = options.model_version;
    m.encoding = model.encoding;
    for (const auto& group : m.encoding.optional) {
        const OptionalColumn* column = FindOptionalColumn(group.name);
        if (column == nullptr) {
            return base::Fail(
                ErrorCode::kInvalidInput,
                fmt::format("{} is not an optional input the trainer knows", group.name));
        }
        OptionalFeatureInfo info{std::string(column->description), {}};
        // Only the aliases of values the training data has.
        for (const auto& alias : column->aliases) {
            if (std::find(group.vocabulary.begin(), group.vocabulary.end(), alias.canonical) !=
                group.vocabulary.end()) {
                info.aliases.emplace_back(alias.alias, alias.canonical);
            }
        }
        m.optional_features.push_back(std::move(info));
    }
    m.numeric_min.fill(std::numeric_limits<double>::infinity());
    m.numeric_max.fill(-std::numeric_limits<double>::infinity());
    for (const auto& employee : data.employees) {
        for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
            if (std::isnan(employee.numeric[i])) continue;
            m.numeric_min[i] = std::min(m.numeric_min[i], employee.numeric[i]);
            m.numeric_max[i] = std::max(m.numeric_max[i], employee.numeric[i]);
        }
    }
    m.hyperparameters = options.hyperparameters;
    m.training_threads = options.threads;
    if (model.cross_validation) {
        const auto& cv = *model.cross_validation;
        m.cross_validation = CrossValidationSummary{cv.folds, cv.seed, cv.summary};
        m.threshold_at_default = cv.at_default;
        m.threshold_f1_optimal = cv.f1_optimal;
        m.calibration = cv.calibration;
    }
    m.distributions = DescribeDistributions(m.encoding, data, model.cross_validation);
    if (model.cross_validation) {
        m.fairness = CountGroups(data.employees, model.cross_validation->oof_probability,
                                 data.labels, m.decision_threshold);
        m.calibrator =
            ChooseCalibrator(model.cross_validation->oof_probability, data.labels,
                             model.cross_validation->folds, model.cross_validation->seed);
    }
    return m;
}

base::Result<void> SaveArtifact(const std::filesystem::path& dir,
                                const Booster& booster,
                                const ModelMetadata& metadata) {
    if (const auto problem = VersionNameProblem(metadata.model_version)) {
        return base::Fail(ErrorCode::kInvalidInput, "model_version: " + *problem);
    }
    namespace fs = std::filesystem;
    const fs::path target = dir.filename().empty() ? dir.parent_path() : dir;
    const fs::path parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) {
        return base::Fail(ErrorCode::kIo,
                          fmt::format("cannot create {}: {}", parent.string(), ec.message()));
    }
    // Hidden: a repository scan skips it while it is written.
    const fs::path staging =
        parent / fmt::format(".{}.writing-{}", target.filename().string(), ::getpid());
    fs::remove_all(staging, ec);
    fs::create_directory(staging, ec);
    if (ec) {
        return base::Fail(ErrorCode::kIo,
                          fmt::format("cannot create {}: {}", staging.string(), ec.message()));
    }
    auto written = [&]() -> base::Result<void> {
        if (auto ok = booster.SaveFile(staging / kBoosterFile); !ok) return ok;
        if (auto ok = WriteFile(staging / kMetadataFile, MetadataToJson(metadata)); !ok) return ok;
        if (fs::is_directory(target, ec)) {  // what else the folder holds stays in it
            for (const auto& entry : fs::directory_iterator(target, ec)) {
                const auto name = entry.path().filename();
                if (name == kBoosterFile || name == kMetadataFile) continue;
                fs::copy(entry.path(), staging / name, fs::copy_options::recursive, ec);
                if (ec) break;
            }
            if (ec) {
                return base::Fail(ErrorCode::kIo,
                                  fmt::format("cannot copy {}: {}", target.string(), ec.message()));
            }
        }
        for (const auto& synced : {staging / kBoosterFile, staging / kMetadataFile, staging}) {
            if (auto ok = SyncPath(synced); !ok) return ok;
        }
        return SwapInto(staging, target);
    }();
    fs::remove_all(staging, ec);  // the old folder after an exchange, or what failed
    if (!written) return written;
    return SyncPath(parent);
}

}  // namespace attrition::model
