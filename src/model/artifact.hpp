// The versioned model artifact, a folder holding `booster.json` (XGBoost JSON) and
// `metadata.json` (everything needed to validate, encode and describe: vocabulary, imputation
// values, column names, training ranges, hyperparameters, CV metrics, thresholds, risk
// cut-offs, calibration, input file digests). ModelMetadata is a plain value; loading checks
// that it is consistent with the field table. Thread-safe (no shared state).
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "domain/fields.hpp"
#include "model/actions.hpp"
#include "model/calibration.hpp"
#include "model/distributions.hpp"
#include "model/encoder.hpp"
#include "model/evaluation.hpp"
#include "model/fairness.hpp"
#include "model/training_spec.hpp"

namespace attrition::model {

inline constexpr std::string_view kBoosterFile = "booster.json";
inline constexpr std::string_view kMetadataFile = "metadata.json";
// The largest files an artifact may hold (ours: ~420 KB and ~22 KB); a larger one is refused
// before it is read.
inline constexpr std::size_t kMaxBoosterBytes = std::size_t{64} << 20;
inline constexpr std::size_t kMaxMetadataBytes = std::size_t{4} << 20;

// The longest version name (the log's model_version column); a longer one fails.
inline constexpr std::size_t kMaxVersionChars = 50;

// Why `name` cannot name a model version, or nullopt when it can: 1 to kMaxVersionChars of
// [A-Za-z0-9._-], not starting with '.' and without "..", so that it is one folder of the
// repository (never its root, a hidden folder or a way out of it) and fits the log. The rule of
// serve, train and model-card.
std::optional<std::string> VersionNameProblem(std::string_view name);

// The two files of an artifact, as read together.
struct ArtifactFiles {
    std::string booster_json;
    std::string metadata_json;
};

// Reads both files of the artifact in `dir` through one handle on the folder (base::Folder): a
// folder swapped in by SaveArtifact meanwhile is seen whole or not at all, never a new booster
// with old metadata. Only regular files, each within its bound (kIo naming the file otherwise).
base::Result<ArtifactFiles> ReadArtifact(const std::filesystem::path& dir);

struct InputFileDigest {
    std::string name;    // file name, e.g. "extrait_sirh.csv"
    std::string sha256;  // lowercase hex
};

// The prediction log as a training source (`attrition train --from-log`): which predictions
// became training rows. Each is the latest mature, resolved prediction of an employee (as live
// performance judges them: made at least horizon_days before as_of, its outcome known), with the
// features the log kept of it and its outcome as the label.
struct LogTrainingSource {
    std::string database;  // the redacted URL
    std::string as_of;     // YYYY-MM-DD (UTC)
    int horizon_days = 365;
    std::string model_version;  // only this version's predictions; empty: any version's
    std::size_t rows = 0;
    std::size_t positives = 0;
};

struct RiskCutoffs {
    double low_below = 0.40;     // P(leave) < 0.40: LOW
    double medium_below = 0.60;  // < 0.60: MEDIUM, else HIGH
};

struct CrossValidationSummary {
    int folds = 0;
    std::uint64_t seed = 0;
    MetricSummary metrics;  // mean and std over folds, at threshold 0.5
};

// What the API says of one optional input (the model's encoding.optional, same order).
struct OptionalFeatureInfo {
    std::string description;
    std::vector<std::pair<std::string, std::string>> aliases;  // spelling, canonical value
};

struct ModelMetadata {
    std::string model_version{kModelVersion};
    std::string training_date;                 // ISO-8601 UTC
    std::vector<InputFileDigest> input_files;  // the extracts; empty when trained on the log only
    std::optional<LogTrainingSource> training_log;  // rows from the prediction log, if any
    std::size_t training_rows = 0;
    std::size_t positive_rows = 0;
    // Vocabulary, imputation values and encoded column names (numeric and categorical feature
    // lists are the field table's; the JSON repeats them for readers).
    EncodingSpec encoding;
    // The optional categorical inputs (optional_features in the JSON): their vocabulary and
    // imputation value are in encoding.optional, what the API documents of them here.
    std::vector<OptionalFeatureInfo> optional_features;
    std::array<double, domain::kNumericCount> numeric_min{};
    std::array<double, domain::kNumericCount> numeric_max{};
    Hyperparameters hyperparameters;
    int training_threads = 1;
    std::optional<CrossValidationSummary> cross_validation;
    double decision_threshold = 0.5;
    std::optional<ThresholdPoint> threshold_at_default;  // out-of-fold, at 0.5
    std::optional<ThresholdPoint> threshold_f1_optimal;  // out-of-fold, optional threshold
    RiskCutoffs risk;
    std::vector<CalibrationBin> calibration;  // out-of-fold deciles
    // What drift is measured against; absent from artifacts made before it was kept. Names and
    // values are the field table's and the vocabularies' (ParseMetadata checks).
    std::optional<TrainingDistributions> distributions;
    // The fairness table's counts on the out-of-fold predictions at decision_threshold (empty
    // without cross-validation, or in artifacts made before it was kept).
    std::vector<GroupCounts> fairness;
    // The calibrator the performance estimate maps probabilities through (absent without
    // cross-validation, or in artifacts made before it was kept).
    std::optional<ScoreCalibrator> calibrator;
    // What a what-if search may change ("actions"); absent: DefaultActions(encoding).
    std::optional<ActionSpace> actions;
};

std::string MetadataToJson(const ModelMetadata& metadata);

// Parses and checks: the 18 numeric and 6 categorical features are the field table's, in
// order; optional inputs (at most domain::kMaxOptionalInputs) have distinct names outside the
// table, a vocabulary holding their imputation value and aliases onto it; column names equal
// those derived from the vocabularies; thresholds and cut-offs are in range. Errors are
// kInvalidConfig with a message naming the problem.
base::Result<ModelMetadata> ParseMetadata(std::string_view json);

// Lowercase hex SHA-256 of bytes (OpenSSL EVP).
std::string Sha256Hex(std::string_view bytes);

// Reads `dir`/metadata.json and checks it (see ParseMetadata); kIo when unreadable.
base::Result<ModelMetadata> LoadMetadata(const std::filesystem::path& dir);

}  // namespace attrition::model
