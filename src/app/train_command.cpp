#include "app/train_command.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "model/artifact.hpp"
#include "model/technova_reader.hpp"
#include "model/training.hpp"

namespace attrition::app {
namespace {

void PrintReport(const model::ModelMetadata& m, const model::CrossValidationReport& cv) {
    fmt::print("Model {}: {} rows ({} left), {} encoded columns\n", m.model_version,
               m.training_rows, m.positive_rows, m.encoding.ColumnCount());
    fmt::print("\nStratified {}-fold cross-validation (shuffled, seed {}), mean ± std:\n", cv.folds,
               cv.seed);
    const auto& s = cv.summary;
    const std::pair<const char*, model::MeanStd> rows[] = {
        {"accuracy", s.accuracy}, {"precision", s.precision}, {"recall", s.recall},
        {"f1_score", s.f1},       {"roc_auc", s.roc_auc},     {"pr_auc", s.pr_auc}};
    for (const auto& [name, value] : rows) {
        fmt::print("  {:<10} {:.3f} ± {:.3f}\n", name, value.mean, value.std);
    }
    fmt::print("\nThreshold study (out-of-fold probabilities of all {} rows):\n",
               cv.oof_probability.size());
    fmt::print("  {:<22} {:>9} {:>9} {:>9} {:>9}\n", "", "threshold", "precision", "recall", "f1");
    for (const auto& [name, p] :
         {std::pair{"default", cv.at_default}, std::pair{"F1-optimal", cv.f1_optimal}}) {
        fmt::print("  {:<22} {:>9.4f} {:>9.3f} {:>9.3f} {:>9.3f}\n", name, p.threshold, p.precision,
                   p.recall, p.f1);
    }
    fmt::print("\nCalibration (out-of-fold deciles of predicted probability):\n");
    fmt::print("  {:>4} {:>15} {:>14} {:>13} {:>6}\n", "bin", "range", "mean predicted",
               "observed rate", "count");
    for (std::size_t b = 0; b < cv.calibration.size(); ++b) {
        const auto& bin = cv.calibration[b];
        fmt::print("  {:>4} {:>6.3f}..{:<6.3f}  {:>14.3f} {:>13.3f} {:>6}\n", b + 1,
                   bin.min_predicted, bin.max_predicted, bin.mean_predicted, bin.observed_rate,
                   bin.count);
    }
}

// A folder holds a version when it has either of an artifact's files.
bool HoldsAVersion(const std::filesystem::path& dir) {
    std::error_code error;
    return std::filesystem::exists(dir / model::kBoosterFile, error) ||
           std::filesystem::exists(dir / model::kMetadataFile, error);
}

}  // namespace

int RunTrain(const TrainConfig& config) {
    // By default the version's folder in the repository: model/<model_version>. Checked before
    // anything is read: a version that may be serving is never replaced without --force.
    const std::string out_dir =
        config.out_dir.empty() ? "model/" + config.model_version : config.out_dir;
    if (!config.force && HoldsAVersion(out_dir)) {
        spdlog::error(
            "msg=\"not written\" error=\"{} already holds a model version: name another "
            "(--model-version or --out), or replace it with --force\"",
            out_dir);
        return 1;
    }
    auto data = model::ReadTechnova(config.data_dir, config.optional_features);
    if (!data) {
        spdlog::error("msg=\"cannot read training data\" error=\"{}\"", data.error().message);
        return 1;
    }
    model::TrainingOptions options;
    options.threads = config.threads;
    options.cross_validate = config.cross_validate;
    options.model_version = config.model_version;
    options.optional_features = config.optional_features;
    auto trained = model::Train(*data, options);
    if (!trained) {
        spdlog::error("msg=\"training failed\" error=\"{}\"", trained.error().message);
        return 1;
    }
    auto metadata = model::DescribeModel(*trained, *data, config.data_dir, options);
    if (!metadata) {
        spdlog::error("msg=\"cannot describe model\" error=\"{}\"", metadata.error().message);
        return 1;
    }
    if (auto saved = model::SaveArtifact(out_dir, trained->booster, *metadata); !saved) {
        spdlog::error("msg=\"cannot save artifact\" error=\"{}\"", saved.error().message);
        return 1;
    }
    spdlog::info("msg=\"artifact written\" dir={}", out_dir);
    if (trained->cross_validation) PrintReport(*metadata, *trained->cross_validation);
    return 0;
}

}  // namespace attrition::app
