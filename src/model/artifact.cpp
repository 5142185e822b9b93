#include "model/artifact.hpp"

#include <fmt/core.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

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

// The numeric and categorical features are the field table's, in order, and each categorical
// one has a vocabulary holding its imputation value.
base::Result<void> CheckRequiredFeatures(const ModelMetadata& m,
                                         const std::vector<std::string>& numeric_names,
                                         const std::vector<std::string>& categorical_names) {
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
    return {};
}

// The optional inputs are few, have distinct names outside the field table, and a vocabulary
// holding their imputation value and what their aliases map to.
base::Result<void> CheckOptionalFeatures(const ModelMetadata& m) {
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
    return {};
}

// Checks a parsed ModelMetadata against the field table and its own vocabulary.
base::Result<void> CheckConsistency(const ModelMetadata& m,
                                    const std::vector<std::string>& numeric_names,
                                    const std::vector<std::string>& categorical_names,
                                    const std::vector<std::string>& columns) {
    if (auto ok = CheckRequiredFeatures(m, numeric_names, categorical_names); !ok) return ok;
    if (auto ok = CheckOptionalFeatures(m); !ok) return ok;
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

// The training_data section: row counts, target, input file digests and the log source.
Json TrainingDataToJson(const ModelMetadata& m) {
    Json files = Json::array();
    for (const auto& f : m.input_files)
        files.push_back(Json{{"name", f.name}, {"sha256", f.sha256}});
    Json data = Json{{"rows", m.training_rows},
                     {"positives", m.positive_rows},
                     {"target", kTargetColumn},
                     {"files", files}};
    if (const auto& log = m.training_log) {
        data["prediction_log"] = Json{{"database", log->database},
                                      {"as_of", log->as_of},
                                      {"horizon_days", log->horizon_days},
                                      {"model_version", log->model_version},
                                      {"rows", log->rows},
                                      {"positives", log->positives}};
    }
    return data;
}

// Writes categorical_vocabulary, numeric_training_range and imputation, in that order.
void WriteVocabularyAndImputation(const ModelMetadata& m, Json& j) {
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
}

// The optional_features section: each optional input's vocabulary, imputation and aliases.
Json OptionalFeaturesToJson(const ModelMetadata& m) {
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
    return optional;
}

// The cross_validation section; null for a model trained without it.
Json CrossValidationToJson(const std::optional<CrossValidationSummary>& cv) {
    if (!cv) return nullptr;
    Json metrics = Json::object();
    for (const auto& [name, member] : kMetricNames) {
        metrics[std::string(name)] = ToJson(cv->metrics.*member);
    }
    return Json{{"folds", cv->folds}, {"stratified", true},           {"shuffle", true},
                {"seed", cv->seed},   {"std", "population (ddof 0)"}, {"metrics", metrics}};
}

// The calibration section: one object per out-of-fold decile.
Json CalibrationBinsToJson(const std::vector<CalibrationBin>& bins) {
    Json calibration = Json::array();
    for (const auto& bin : bins) {
        calibration.push_back(Json{{"min_predicted", bin.min_predicted},
                                   {"max_predicted", bin.max_predicted},
                                   {"mean_predicted", bin.mean_predicted},
                                   {"observed_rate", bin.observed_rate},
                                   {"count", bin.count}});
    }
    return calibration;
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

// The readers below throw nlohmann::json::exception on a missing or mistyped member, which
// ParseMetadata catches and reports as a value.

// Reads model_version, training_date and the training_data section.
void ReadTrainingProvenance(const Json& j, ModelMetadata& m) {
    m.model_version = j.at("model_version").get<std::string>();
    m.training_date = j.at("training_date").get<std::string>();
    const Json& data = j.at("training_data");
    m.training_rows = data.at("rows").get<std::size_t>();
    m.positive_rows = data.at("positives").get<std::size_t>();
    for (const auto& f : data.at("files")) {
        m.input_files.push_back(
            InputFileDigest{f.at("name").get<std::string>(), f.at("sha256").get<std::string>()});
    }
    if (const auto log = data.find("prediction_log"); log != data.end()) {
        m.training_log = LogTrainingSource{
            log->at("database").get<std::string>(), log->at("as_of").get<std::string>(),
            log->at("horizon_days").get<int>(),     log->at("model_version").get<std::string>(),
            log->at("rows").get<std::size_t>(),     log->at("positives").get<std::size_t>()};
    }
}

// Reads the optional_features section: their descriptions and aliases into `m`, their
// vocabularies and imputation values returned.
base::Result<std::vector<OptionalGroup>> ReadOptionalFeatures(const Json& j, ModelMetadata& m) {
    std::vector<OptionalGroup> optional;
    const auto found = j.find("optional_features");
    if (found == j.end()) return optional;
    for (const auto& feature : *found) {
        if (feature.at("kind").get<std::string>() != "categorical") {
            return tl::unexpected(
                InvalidMetadata("an optional feature's kind is not categorical").error());
        }
        optional.push_back(OptionalGroup{feature.at("name").get<std::string>(),
                                         feature.at("vocabulary").get<std::vector<std::string>>(),
                                         feature.at("most_frequent").get<std::string>(), 0});
        OptionalFeatureInfo info{feature.at("description").get<std::string>(), {}};
        for (const auto& alias : feature.at("aliases")) {
            info.aliases.emplace_back(alias.at("alias").get<std::string>(),
                                      alias.at("canonical").get<std::string>());
        }
        m.optional_features.push_back(std::move(info));
    }
    return optional;
}

// Reads the vocabularies, imputation values, training ranges and optional inputs; sets
// m.encoding from them.
base::Result<void> ReadEncodingSpec(const Json& j, ModelMetadata& m) {
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
    auto optional = ReadOptionalFeatures(j, m);
    if (!optional) return tl::unexpected(optional.error());
    m.encoding = MakeEncodingSpec(std::move(vocabulary), medians, modes, std::move(*optional));
    return {};
}

// Reads the hyperparameters, cross-validation, decision threshold, threshold study, risk
// cut-offs and calibration.
void ReadTrainingSummary(const Json& j, ModelMetadata& m) {
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
}

// Reads the sections older artifacts lack (training_distributions, fairness,
// score_calibrator, actions), those that name inputs checked against m.encoding.
base::Result<void> ReadOptionalSections(const Json& j, ModelMetadata& m) {
    if (const auto found = j.find("training_distributions"); found != j.end()) {
        auto distributions = DistributionsFromJson(*found);
        if (!distributions) return tl::unexpected(distributions.error());
        if (auto ok = CheckDistributions(*distributions, m.encoding); !ok) return ok;
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
        if (auto ok = CheckActions(*actions, m.encoding); !ok) return ok;
        m.actions = std::move(*actions);
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

std::string MetadataToJson(const ModelMetadata& m) {
    Json j;
    j["format_version"] = kFormatVersion;
    j["model_version"] = m.model_version;
    j["training_date"] = m.training_date;
    j["training_data"] = TrainingDataToJson(m);

    Json numeric = Json::array();
    Json categorical = Json::array();
    for (const auto& f : domain::NumericFields()) numeric.push_back(f.name);
    for (const auto& f : domain::CategoricalFields()) categorical.push_back(f.name);
    j["features"] = Json{{"numeric", numeric}, {"categorical", categorical}};

    WriteVocabularyAndImputation(m, j);
    if (!m.encoding.optional.empty()) j["optional_features"] = OptionalFeaturesToJson(m);
    j["encoded_columns"] = m.encoding.column_names;
    j["hyperparameters"] = HyperparametersToJson(m.hyperparameters, m.training_threads);

    j["cross_validation"] = CrossValidationToJson(m.cross_validation);
    j["decision_threshold"] = m.decision_threshold;
    Json study = Json::object();
    if (m.threshold_at_default) study["default"] = ToJson(*m.threshold_at_default);
    if (m.threshold_f1_optimal) study["f1_optimal"] = ToJson(*m.threshold_f1_optimal);
    j["threshold_study"] = study;
    j["risk_levels"] = Json{{"low_below", m.risk.low_below}, {"medium_below", m.risk.medium_below}};
    j["calibration"] = CalibrationBinsToJson(m.calibration);
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
        ReadTrainingProvenance(j, m);
        const auto numeric_names = j.at("features").at("numeric").get<std::vector<std::string>>();
        const auto categorical_names =
            j.at("features").at("categorical").get<std::vector<std::string>>();
        if (categorical_names.size() != domain::kCategoricalCount) {
            return tl::unexpected(
                InvalidMetadata(fmt::format("{} categorical features, expected {}",
                                            categorical_names.size(), domain::kCategoricalCount))
                    .error());
        }
        if (auto ok = ReadEncodingSpec(j, m); !ok) return tl::unexpected(ok.error());
        const auto columns = j.at("encoded_columns").get<std::vector<std::string>>();
        ReadTrainingSummary(j, m);
        if (auto ok = CheckConsistency(m, numeric_names, categorical_names, columns); !ok) {
            return tl::unexpected(ok.error());
        }
        if (auto ok = ReadOptionalSections(j, m); !ok) return tl::unexpected(ok.error());
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

}  // namespace attrition::model
