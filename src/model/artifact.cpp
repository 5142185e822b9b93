#include "model/artifact.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "base/clock.hpp"
#include "base/file.hpp"
#include "domain/vocabulary.hpp"
#include "model/json_problem.hpp"

namespace attrition::model {
namespace {

using base::ErrorCode;
using Json = nlohmann::ordered_json;

constexpr int kFormatVersion = 1;

// NaN (a metric undefined on a fold) is written as null and read back as NaN.
Json Number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

double ReadNumber(const Json& value) {
    if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
    return value.get<double>();
}

Json ToJson(const MeanStd& m) { return Json{{"mean", Number(m.mean)}, {"std", Number(m.std)}}; }

MeanStd MeanStdFrom(const Json& j) {
    return MeanStd{ReadNumber(j.at("mean")), ReadNumber(j.at("std"))};
}

Json ToJson(const ThresholdPoint& p) {
    return Json{{"threshold", p.threshold},
                {"precision", Number(p.precision)},
                {"recall", Number(p.recall)},
                {"f1_score", Number(p.f1)}};
}

ThresholdPoint ThresholdFrom(const Json& j) {
    return ThresholdPoint{ReadNumber(j.at("threshold")), ReadNumber(j.at("precision")),
                          ReadNumber(j.at("recall")), ReadNumber(j.at("f1_score"))};
}

// The metric names of the API's performance_metrics, plus pr_auc.
constexpr std::array<std::pair<std::string_view, MeanStd MetricSummary::*>, 6> kMetricNames = {{
    {"accuracy", &MetricSummary::accuracy},
    {"precision", &MetricSummary::precision},
    {"recall", &MetricSummary::recall},
    {"f1_score", &MetricSummary::f1},
    {"roc_auc", &MetricSummary::roc_auc},
    {"pr_auc", &MetricSummary::pr_auc},
}};

Json HyperparametersToJson(const Hyperparameters& h, int threads) {
    return Json{{"objective", "binary:logistic"},
                {"n_estimators", h.n_estimators},
                {"learning_rate", h.learning_rate},
                {"max_depth", h.max_depth},
                {"min_child_weight", h.min_child_weight},
                {"subsample", h.subsample},
                {"colsample_bytree", h.colsample_bytree},
                {"reg_alpha", h.reg_alpha},
                {"reg_lambda", h.reg_lambda},
                {"scale_pos_weight", h.scale_pos_weight},
                {"tree_method", h.tree_method},
                {"seed", h.seed},
                {"nthread", threads}};
}

Hyperparameters HyperparametersFrom(const Json& j) {
    Hyperparameters h;
    h.n_estimators = j.at("n_estimators").get<int>();
    h.learning_rate = j.at("learning_rate").get<double>();
    h.max_depth = j.at("max_depth").get<int>();
    h.min_child_weight = j.at("min_child_weight").get<double>();
    h.subsample = j.at("subsample").get<double>();
    h.colsample_bytree = j.at("colsample_bytree").get<double>();
    h.reg_alpha = j.at("reg_alpha").get<double>();
    h.reg_lambda = j.at("reg_lambda").get<double>();
    h.scale_pos_weight = j.at("scale_pos_weight").get<double>();
    h.tree_method = j.at("tree_method").get<std::string>();
    h.seed = j.at("seed").get<std::uint64_t>();
    return h;
}

base::Result<void> InvalidMetadata(std::string message) {
    return base::Fail(ErrorCode::kInvalidConfig, "model metadata: " + std::move(message));
}

// Checks a parsed ModelMetadata against the field table and its own vocabulary.
base::Result<void> CheckConsistency(const ModelMetadata& m,
                                    const std::vector<std::string>& numeric_names,
                                    const std::vector<std::string>& categorical_names,
                                    const std::vector<std::string>& columns) {
    if (numeric_names.size() + categorical_names.size() != domain::kFieldCount) {
        return InvalidMetadata(fmt::format("{} features listed, expected {}",
                                           numeric_names.size() + categorical_names.size(),
                                           domain::kFieldCount));
    }
    if (numeric_names.size() != domain::kNumericCount) {
        return InvalidMetadata(fmt::format("{} numeric features, expected {}", numeric_names.size(),
                                           domain::kNumericCount));
    }
    for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
        if (numeric_names[i] != domain::NumericFields()[i].name) {
            return InvalidMetadata(fmt::format("numeric feature {} is {}, expected {}", i,
                                               numeric_names[i], domain::NumericFields()[i].name));
        }
    }
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        if (categorical_names[i] != domain::CategoricalFields()[i].name) {
            return InvalidMetadata(fmt::format("categorical feature {} is {}, expected {}", i,
                                               categorical_names[i],
                                               domain::CategoricalFields()[i].name));
        }
        const auto& vocabulary = m.encoding.vocabulary[i];
        if (vocabulary.empty()) {
            return InvalidMetadata(fmt::format("empty vocabulary for {}", categorical_names[i]));
        }
        if (std::find(vocabulary.begin(), vocabulary.end(), m.encoding.modes[i]) ==
            vocabulary.end()) {
            return InvalidMetadata(fmt::format("imputation value of {} is not in its vocabulary",
                                               categorical_names[i]));
        }
    }
    if (m.encoding.optional.size() > domain::kMaxOptionalInputs) {
        return InvalidMetadata(fmt::format("{} optional features, at most {}",
                                           m.encoding.optional.size(), domain::kMaxOptionalInputs));
    }
    for (std::size_t i = 0; i < m.encoding.optional.size(); ++i) {
        const auto& group = m.encoding.optional[i];
        const bool taken =
            group.name.empty() || group.name == "employee_id" || domain::NumericIndex(group.name) ||
            domain::CategoricalIndex(group.name) ||
            std::any_of(m.encoding.optional.begin(),
                        m.encoding.optional.begin() + static_cast<std::ptrdiff_t>(i),
                        [&](const OptionalGroup& g) { return g.name == group.name; });
        if (taken) {
            return InvalidMetadata(
                fmt::format("optional feature {} is unnamed or named like another", i));
        }
        if (group.vocabulary.empty() || std::find(group.vocabulary.begin(), group.vocabulary.end(),
                                                  group.mode) == group.vocabulary.end()) {
            return InvalidMetadata(fmt::format(
                "imputation value of optional feature {} is not in its vocabulary", group.name));
        }
        for (const auto& [spelling, canonical] : m.optional_features[i].aliases) {
            if (std::find(group.vocabulary.begin(), group.vocabulary.end(), canonical) ==
                group.vocabulary.end()) {
                return InvalidMetadata(fmt::format(
                    "alias of optional feature {} maps outside its vocabulary", group.name));
            }
        }
    }
    if (columns != m.encoding.column_names) {
        return InvalidMetadata(fmt::format(
            "encoded_columns ({} names) differ from the {} columns the vocabulary gives",
            columns.size(), m.encoding.column_names.size()));
    }
    const bool thresholds_ok = m.decision_threshold > 0 && m.decision_threshold < 1 &&
                               m.risk.low_below > 0 && m.risk.low_below <= m.risk.medium_below &&
                               m.risk.medium_below < 1;
    if (!thresholds_ok) return InvalidMetadata("decision threshold or risk cut-offs out of (0, 1)");
    return {};
}

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

// The distributions name the model's inputs, in order, over its vocabularies.
base::Result<void> CheckDistributions(const TrainingDistributions& d,
                                      const EncodingSpec& encoding) {
    const auto invalid = [](const std::string& what) {
        return InvalidMetadata("training_distributions: " + what);
    };
    if (d.numeric.size() != domain::kNumericCount) return invalid("not one per numeric feature");
    for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
        if (d.numeric[i].name != domain::NumericFields()[i].name) {
            return invalid("numeric features out of the field table's order");
        }
    }
    if (d.categorical.size() != domain::kCategoricalCount + encoding.optional.size()) {
        return invalid("not one per categorical and optional feature");
    }
    for (std::size_t i = 0; i < d.categorical.size(); ++i) {
        const bool required = i < domain::kCategoricalCount;
        const auto& name = required ? std::string(domain::CategoricalFields()[i].name)
                                    : encoding.optional[i - domain::kCategoricalCount].name;
        const auto& vocabulary = required
                                     ? encoding.vocabulary[i]
                                     : encoding.optional[i - domain::kCategoricalCount].vocabulary;
        if (d.categorical[i].name != name || d.categorical[i].values != vocabulary) {
            return invalid(name + ": not the feature's vocabulary, in order");
        }
    }
    return {};
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                      &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1) {
        throw std::bad_alloc();  // EVP fails only when it cannot allocate its context
    }
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

base::Result<std::string> Sha256File(const std::filesystem::path& path) {
    auto content = ReadFileText(path);
    if (!content) return tl::unexpected(content.error());
    return Sha256Hex(*content);
}

std::optional<std::string> VersionNameProblem(std::string_view name) {
    const bool plain =
        !name.empty() && name.size() <= kMaxVersionChars &&
        std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        });
    if (plain && !name.starts_with('.') && name.find("..") == std::string_view::npos) {
        return std::nullopt;
    }
    return fmt::format(
        "a version name has 1 to {} letters, digits, '.', '_' or '-', does not start with '.' "
        "and holds no '..'",
        kMaxVersionChars);
}

base::Result<ArtifactFiles> ReadArtifact(const std::filesystem::path& dir) {
    auto folder = base::Folder::Open(dir);
    if (!folder) return tl::unexpected(folder.error());
    auto booster = folder->Read(kBoosterFile, kMaxBoosterBytes);
    if (!booster) return tl::unexpected(booster.error());
    auto metadata = folder->Read(kMetadataFile, kMaxMetadataBytes);
    if (!metadata) return tl::unexpected(metadata.error());
    return ArtifactFiles{std::move(*booster), std::move(*metadata)};
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

std::string MetadataToJson(const ModelMetadata& m) {
    Json j;
    j["format_version"] = kFormatVersion;
    j["model_version"] = m.model_version;
    j["training_date"] = m.training_date;
    Json files = Json::array();
    for (const auto& f : m.input_files)
        files.push_back(Json{{"name", f.name}, {"sha256", f.sha256}});
    j["training_data"] = Json{{"rows", m.training_rows},
                              {"positives", m.positive_rows},
                              {"target", kTargetColumn},
                              {"files", files}};
    if (const auto& log = m.training_log) {
        j["training_data"]["prediction_log"] = Json{{"database", log->database},
                                                    {"as_of", log->as_of},
                                                    {"horizon_days", log->horizon_days},
                                                    {"model_version", log->model_version},
                                                    {"rows", log->rows},
                                                    {"positives", log->positives}};
    }

    Json numeric = Json::array();
    Json categorical = Json::array();
    for (const auto& f : domain::NumericFields()) numeric.push_back(f.name);
    for (const auto& f : domain::CategoricalFields()) categorical.push_back(f.name);
    j["features"] = Json{{"numeric", numeric}, {"categorical", categorical}};

    Json vocabulary = Json::object();
    Json modes = Json::object();
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        const std::string name(domain::CategoricalFields()[i].name);
        vocabulary[name] = m.encoding.vocabulary[i];
        modes[name] = m.encoding.modes[i];
    }
    j["categorical_vocabulary"] = vocabulary;
    Json ranges = Json::object();
    Json medians = Json::object();
    for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
        const std::string name(domain::NumericFields()[i].name);
        ranges[name] = Json{{"min", Number(m.numeric_min[i])}, {"max", Number(m.numeric_max[i])}};
        medians[name] = m.encoding.numeric_medians[i];
    }
    j["numeric_training_range"] = ranges;
    j["imputation"] = Json{{"numeric_median", medians}, {"categorical_most_frequent", modes}};
    if (!m.encoding.optional.empty()) {
        Json optional = Json::array();
        for (std::size_t i = 0; i < m.encoding.optional.size(); ++i) {
            const auto& group = m.encoding.optional[i];
            Json aliases = Json::array();
            for (const auto& [spelling, canonical] : m.optional_features[i].aliases) {
                aliases.push_back(Json{{"alias", spelling}, {"canonical", canonical}});
            }
            optional.push_back(Json{{"name", group.name},
                                    {"kind", "categorical"},
                                    {"description", m.optional_features[i].description},
                                    {"vocabulary", group.vocabulary},
                                    {"most_frequent", group.mode},
                                    {"aliases", aliases}});
        }
        j["optional_features"] = optional;
    }
    j["encoded_columns"] = m.encoding.column_names;
    j["hyperparameters"] = HyperparametersToJson(m.hyperparameters, m.training_threads);

    if (m.cross_validation) {
        Json metrics = Json::object();
        for (const auto& [name, member] : kMetricNames) {
            metrics[std::string(name)] = ToJson(m.cross_validation->metrics.*member);
        }
        j["cross_validation"] = Json{{"folds", m.cross_validation->folds},
                                     {"stratified", true},
                                     {"shuffle", true},
                                     {"seed", m.cross_validation->seed},
                                     {"std", "population (ddof 0)"},
                                     {"metrics", metrics}};
    } else {
        j["cross_validation"] = nullptr;
    }
    j["decision_threshold"] = m.decision_threshold;
    Json study = Json::object();
    if (m.threshold_at_default) study["default"] = ToJson(*m.threshold_at_default);
    if (m.threshold_f1_optimal) study["f1_optimal"] = ToJson(*m.threshold_f1_optimal);
    j["threshold_study"] = study;
    j["risk_levels"] = Json{{"low_below", m.risk.low_below}, {"medium_below", m.risk.medium_below}};
    Json calibration = Json::array();
    for (const auto& bin : m.calibration) {
        calibration.push_back(Json{{"min_predicted", bin.min_predicted},
                                   {"max_predicted", bin.max_predicted},
                                   {"mean_predicted", bin.mean_predicted},
                                   {"observed_rate", bin.observed_rate},
                                   {"count", bin.count}});
    }
    j["calibration"] = calibration;
    if (m.distributions) j["training_distributions"] = DistributionsToJson(*m.distributions);
    if (!m.fairness.empty()) {
        j["fairness"] = Json{{"scores", "out-of-fold"},
                             {"threshold", m.decision_threshold},
                             {"groups", GroupCountsToJson(m.fairness)}};
    }
    if (m.calibrator) j["score_calibrator"] = CalibratorToJson(*m.calibrator);
    if (m.actions) j["actions"] = ActionsToJson(*m.actions);
    return j.dump(2) + "\n";
}

base::Result<ModelMetadata> ParseMetadata(std::string_view text) {
    try {
        const Json j = Json::parse(text);
        if (j.at("format_version").get<int>() != kFormatVersion) {
            return tl::unexpected(InvalidMetadata("unsupported format_version").error());
        }
        ModelMetadata m;
        m.model_version = j.at("model_version").get<std::string>();
        m.training_date = j.at("training_date").get<std::string>();
        const Json& data = j.at("training_data");
        m.training_rows = data.at("rows").get<std::size_t>();
        m.positive_rows = data.at("positives").get<std::size_t>();
        for (const auto& f : data.at("files")) {
            m.input_files.push_back(InputFileDigest{f.at("name").get<std::string>(),
                                                    f.at("sha256").get<std::string>()});
        }
        if (const auto log = data.find("prediction_log"); log != data.end()) {
            m.training_log = LogTrainingSource{
                log->at("database").get<std::string>(), log->at("as_of").get<std::string>(),
                log->at("horizon_days").get<int>(),     log->at("model_version").get<std::string>(),
                log->at("rows").get<std::size_t>(),     log->at("positives").get<std::size_t>()};
        }
        const auto numeric_names = j.at("features").at("numeric").get<std::vector<std::string>>();
        const auto categorical_names =
            j.at("features").at("categorical").get<std::vector<std::string>>();
        if (categorical_names.size() != domain::kCategoricalCount) {
            return tl::unexpected(
                InvalidMetadata(fmt::format("{} categorical features, expected {}",
                                            categorical_names.size(), domain::kCategoricalCount))
                    .error());
        }

        std::array<std::vector<std::string>, domain::kCategoricalCount> vocabulary;
        std::array<std::string, domain::kCategoricalCount> modes;
        std::array<double, domain::kNumericCount> medians{};
        const Json& imputation = j.at("imputation");
        for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
            const std::string name(domain::CategoricalFields()[i].name);
            vocabulary[i] = j.at("categorical_vocabulary").at(name).get<std::vector<std::string>>();
            modes[i] = imputation.at("categorical_most_frequent").at(name).get<std::string>();
        }
        for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
            const std::string name(domain::NumericFields()[i].name);
            medians[i] = imputation.at("numeric_median").at(name).get<double>();
            const Json& range = j.at("numeric_training_range").at(name);
            m.numeric_min[i] = ReadNumber(range.at("min"));
            m.numeric_max[i] = ReadNumber(range.at("max"));
        }
        std::vector<OptionalGroup> optional;
        if (const auto found = j.find("optional_features"); found != j.end()) {
            for (const auto& feature : *found) {
                if (feature.at("kind").get<std::string>() != "categorical") {
                    return tl::unexpected(
                        InvalidMetadata("an optional feature's kind is not categorical").error());
                }
                optional.push_back(
                    OptionalGroup{feature.at("name").get<std::string>(),
                                  feature.at("vocabulary").get<std::vector<std::string>>(),
                                  feature.at("most_frequent").get<std::string>(), 0});
                OptionalFeatureInfo info{feature.at("description").get<std::string>(), {}};
                for (const auto& alias : feature.at("aliases")) {
                    info.aliases.emplace_back(alias.at("alias").get<std::string>(),
                                              alias.at("canonical").get<std::string>());
                }
                m.optional_features.push_back(std::move(info));
            }
        }
        m.encoding = MakeEncodingSpec(std::move(vocabulary), medians, modes, std::move(optional));
        const auto columns = j.at("encoded_columns").get<std::vector<std::string>>();

        m.hyperparameters = HyperparametersFrom(j.at("hyperparameters"));
        m.training_threads = j.at("hyperparameters").at("nthread").get<int>();
        if (const Json& cv = j.at("cross_validation"); !cv.is_null()) {
            CrossValidationSummary summary;
            summary.folds = cv.at("folds").get<int>();
            summary.seed = cv.at("seed").get<std::uint64_t>();
            for (const auto& [name, member] : kMetricNames) {
                summary.metrics.*member = MeanStdFrom(cv.at("metrics").at(std::string(name)));
            }
            m.cross_validation = summary;
        }
        m.decision_threshold = j.at("decision_threshold").get<double>();
        const Json& study = j.at("threshold_study");
        if (study.contains("default")) m.threshold_at_default = ThresholdFrom(study.at("default"));
        if (study.contains("f1_optimal")) {
            m.threshold_f1_optimal = ThresholdFrom(study.at("f1_optimal"));
        }
        m.risk.low_below = j.at("risk_levels").at("low_below").get<double>();
        m.risk.medium_below = j.at("risk_levels").at("medium_below").get<double>();
        for (const auto& bin : j.at("calibration")) {
            m.calibration.push_back(CalibrationBin{
                bin.at("min_predicted").get<double>(), bin.at("max_predicted").get<double>(),
                bin.at("mean_predicted").get<double>(), bin.at("observed_rate").get<double>(),
                bin.at("count").get<std::size_t>()});
        }
        if (auto ok = CheckConsistency(m, numeric_names, categorical_names, columns); !ok) {
            return tl::unexpected(ok.error());
        }
        if (const auto found = j.find("training_distributions"); found != j.end()) {
            auto distributions = DistributionsFromJson(*found);
            if (!distributions) return tl::unexpected(distributions.error());
            if (auto ok = CheckDistributions(*distributions, m.encoding); !ok) {
                return tl::unexpected(ok.error());
            }
            m.distributions = std::move(*distributions);
        }
        if (const auto found = j.find("fairness"); found != j.end()) {
            auto groups = GroupCountsFromJson(found->at("groups"));
            if (!groups) return tl::unexpected(groups.error());
            m.fairness = std::move(*groups);
        }
        if (const auto found = j.find("score_calibrator"); found != j.end()) {
            auto calibrator = CalibratorFromJson(*found);
            if (!calibrator) return tl::unexpected(calibrator.error());
            m.calibrator = std::move(*calibrator);
        }
        if (const auto found = j.find("actions"); found != j.end()) {
            auto actions = ActionsFromJson(*found);
            if (!actions) return tl::unexpected(actions.error());
            if (auto ok = CheckActions(*actions, m.encoding); !ok)
                return tl::unexpected(ok.error());
            m.actions = std::move(*actions);
        }
        return m;
    } catch (const nlohmann::json::exception& e) {
        // A malformed file is an expected failure at load time: report it as a value.
        return tl::unexpected(InvalidMetadata(JsonProblem(e)).error());
    }
}

base::Result<ModelMetadata> LoadMetadata(const std::filesystem::path& dir) {
    auto text = base::ReadRegularFile(dir / kMetadataFile, kMaxMetadataBytes);
    if (!text) return tl::unexpected(text.error());
    return ParseMetadata(*text);
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
