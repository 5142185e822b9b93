// Training the attrition model with XGBoost (SPEC §3): stratified shuffled cross-validation
// with out-of-fold probabilities (metrics, threshold study, calibration), then the final fit on
// every row. training.cpp is the only file that includes xgboost/c_api.h. Booster owns one
// XGBoost handle (move-only); a Booster is not shared between threads. Training is
// deterministic: the same rows and options give a byte-identical booster JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "model/encoder.hpp"
#include "model/evaluation.hpp"
#include "model/technova_reader.hpp"
#include "model/training_spec.hpp"

namespace attrition::model {

struct TrainingOptions {
    Hyperparameters hyperparameters;
    int folds = 5;
    std::uint64_t cv_seed = 42;
    // XGBoost threads. 1 by default: the tree builder is deterministic at a fixed thread count,
    // and 1 makes the artifact independent of the machine.
    int threads = 1;
    bool cross_validate = true;
    std::string model_version{kModelVersion};
    // Extract columns to add as optional inputs (OptionalColumns()), in this order.
    std::vector<std::string> optional_features;
};

class Booster {
  public:
    Booster(Booster&& other) noexcept;
    Booster& operator=(Booster&& other) noexcept;
    Booster(const Booster&) = delete;
    Booster& operator=(const Booster&) = delete;
    ~Booster();

    static base::Result<Booster> LoadFile(const std::filesystem::path& path);

    // The booster as XGBoost JSON (what SaveFile writes to a ".json" path).
    base::Result<std::string> Json() const;
    // XGBoosterSaveModel: the format follows the extension (".json" gives JSON).
    base::Result<void> SaveFile(const std::filesystem::path& path) const;
    // P(class 1) for each row of a row-major float matrix with `columns` columns.
    base::Result<std::vector<double>> Predict(std::span<const float> matrix,
                                              std::size_t columns) const;
    base::Result<std::vector<std::string>> FeatureNames() const;

  private:
    explicit Booster(void* handle) noexcept : handle_(handle) {}
    friend base::Result<Booster> TrainBooster(std::span<const float> matrix,
                                              std::span<const int> labels,
                                              const std::vector<std::string>& column_names,
                                              const Hyperparameters& hyperparameters,
                                              int threads);
    void* handle_ = nullptr;  // BoosterHandle
};

// Fits a booster on a row-major matrix (labels.size() rows, column_names.size() columns) and
// sets the column names as its feature names.
base::Result<Booster> TrainBooster(std::span<const float> matrix,
                                   std::span<const int> labels,
                                   const std::vector<std::string>& column_names,
                                   const Hyperparameters& hyperparameters,
                                   int threads);

struct CrossValidationReport {
    int folds = 0;
    std::uint64_t seed = 0;
    std::vector<ClassificationMetrics> per_fold;  // at threshold 0.5
    MetricSummary summary;
    std::vector<double> oof_probability;  // out-of-fold P(leave) of every row
    ClassificationMetrics out_of_fold;    // all out-of-fold probabilities pooled, at 0.5
    ThresholdPoint at_default;            // threshold 0.5
    ThresholdPoint f1_optimal;            // threshold maximizing out-of-fold F1
    std::vector<CalibrationBin> calibration;
};

// Each fold fits its own encoding (vocabulary, medians, modes) on its training rows, like a
// scikit-learn pipeline inside cross_validate.
base::Result<CrossValidationReport> CrossValidate(const TrainingSet& data,
                                                  const TrainingOptions& options);

struct TrainedModel {
    EncodingSpec encoding;
    Booster booster;
    std::optional<CrossValidationReport> cross_validation;
};

// Cross-validation (when options.cross_validate), then the final fit on every row. Progress
// goes to the log (stderr).
base::Result<TrainedModel> Train(const TrainingSet& data, const TrainingOptions& options);

}  // namespace attrition::model
