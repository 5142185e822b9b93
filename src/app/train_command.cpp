#include "app/train_command.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "base/clock.hpp"
#include "model/artifact_writer.hpp"
#include "model/repository.hpp"
#include "model/snapshot.hpp"
#include "model/technova_reader.hpp"
#include "model/training.hpp"
#include "store/database.hpp"
#include "store/database_url.hpp"
#include "store/migrator.hpp"
#include "store/monitoring.hpp"

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

// The log's training rows appended to `data`; what was taken, for the metadata.
base::Result<model::LogTrainingSource> AppendLogRows(const TrainConfig& config,
                                                     model::TrainingSet& data) {
    auto url = store::ParseDatabaseUrl(config.database_url);
    if (!url) return tl::unexpected(url.error());
    if (url->backend == store::Backend::kNone) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          "--from-log needs a database (the database URL is none)");
    }
    auto database = store::OpenCurrentDatabase(*url, store::DatabaseOptions{});
    if (!database) return tl::unexpected(database.error());
    store::PerformanceQuery query;
    query.model_version = config.log_model_version;
    query.horizon_days = config.horizon_days;
    query.as_of = base::SystemClock().Now();
    auto rows = store::ReadTrainingRows(**database, query);
    if (!rows) {
        return base::Fail(rows.error().code,
                          store::ScrubSecret(rows.error().message, url->password));
    }
    model::LogTrainingSource source{
        url->redacted,       base::FormatIso8601(query.as_of).substr(0, 10),
        config.horizon_days, config.log_model_version,
        rows->size(),        0};
    std::size_t flagged_leavers = 0;
    for (const auto& row : *rows) {
        auto employee =
            model::EmployeeFromSnapshot(row.features_snapshot_json, config.optional_features);
        if (!employee) {
            return base::Fail(
                employee.error().code,
                fmt::format("{} (employee {})", employee.error().message, row.employee_id));
        }
        employee->employee_id = row.employee_id;
        data.employees.push_back(std::move(*employee));
        data.labels.push_back(row.label);
        source.positives += static_cast<std::size_t>(row.label);
        flagged_leavers += row.label == 1 && row.flagged ? 1 : 0;
    }
    spdlog::info(
        "msg=\"training rows from the log\" database={} as_of={} horizon_days={} rows={} "
        "left={} flagged_when_logged={}",
        source.database, source.as_of, source.horizon_days, source.rows, source.positives,
        flagged_leavers);
    if (source.rows == 0) {
        return base::Fail(base::ErrorCode::kInvalidInput,
                          fmt::format("the log holds no mature, resolved prediction as of {} "
                                      "(horizon {} days): record outcomes, or wait",
                                      source.as_of, source.horizon_days));
    }
    return source;
}

// The training set and where it came from: the extracts, the log, or both.
base::Result<std::pair<model::TrainingSet, model::TrainingSources>> ReadTrainingSet(
    const TrainConfig& config) {
    model::TrainingSet data;
    model::TrainingSources sources;
    if (!config.from_log || config.with_extracts) {
        auto extracts = model::ReadTechnova(config.data_dir, config.optional_features);
        if (!extracts) return tl::unexpected(extracts.error());
        data = std::move(*extracts);
        sources.extracts_dir = config.data_dir;
    }
    if (config.from_log) {
        auto log = AppendLogRows(config, data);
        if (!log) return tl::unexpected(log.error());
        sources.log = std::move(*log);
    }
    return std::pair{std::move(data), std::move(sources)};
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
    auto read = ReadTrainingSet(config);
    if (!read) {
        spdlog::error("msg=\"cannot read training data\" error=\"{}\"", read.error().message);
        return 1;
    }
    const auto& [data, sources] = *read;
    model::TrainingOptions options;
    options.threads = config.threads;
    options.cross_validate = config.cross_validate;
    options.model_version = config.model_version;
    options.optional_features = config.optional_features;
    auto trained = model::Train(data, options);
    if (!trained) {
        spdlog::error("msg=\"training failed\" error=\"{}\"", trained.error().message);
        return 1;
    }
    auto metadata = model::DescribeModel(*trained, data, sources, options);
    if (!metadata) {
        spdlog::error("msg=\"cannot describe model\" error=\"{}\"", metadata.error().message);
        return 1;
    }
    // A version the service would refuse is not written: e.g. a log whose rows never hold a
    // value a category alias maps onto.
    auto booster_json = trained->booster.Json();
    if (!booster_json) {
        spdlog::error("msg=\"cannot save artifact\" error=\"{}\"", booster_json.error().message);
        return 1;
    }
    if (auto serves = model::LoadServedModel(
            {std::move(*booster_json), model::MetadataToJson(*metadata)}, out_dir);
        !serves) {
        spdlog::error(
            "msg=\"not written: the service would refuse this version\" error=\"{}\" "
            "hint=\"its training rows lack a value the service accepts; with --from-log, add "
            "--with-extracts or wait for more outcomes\"",
            serves.error().message);
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
