#include "model/training.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>
#include <xgboost/c_api.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

namespace attrition::model {
namespace {

using base::ErrorCode;

base::Result<void> Check(int rc, std::string_view what) {
    if (rc == 0) return {};
    return base::Fail(ErrorCode::kInternal, fmt::format("xgboost {}: {}", what, XGBGetLastError()));
}

// Shortest decimal text that reads back as the same double ("0.1", "5", "0.7").
std::string Decimal(double value) { return fmt::format("{}", value); }

struct DMatrixDeleter {
    void operator()(void* handle) const noexcept { XGDMatrixFree(handle); }
};
using DMatrix = std::unique_ptr<void, DMatrixDeleter>;

base::Result<DMatrix> MakeDMatrix(std::span<const float> matrix,
                                  std::size_t rows,
                                  std::size_t columns) {
    DMatrixHandle handle = nullptr;
    if (auto ok = Check(XGDMatrixCreateFromMat(matrix.data(), rows, columns,
                                               std::numeric_limits<float>::quiet_NaN(), &handle),
                        "create matrix");
        !ok) {
        return tl::unexpected(ok.error());
    }
    return DMatrix(handle);
}

// Rows of `data` selected by `keep(fold_of[row])`.
template <class Keep>
std::pair<std::vector<domain::Employee>, std::vector<int>> Select(const TrainingSet& data,
                                                                  const std::vector<int>& fold_of,
                                                                  Keep keep) {
    std::pair<std::vector<domain::Employee>, std::vector<int>> out;
    for (std::size_t i = 0; i < data.employees.size(); ++i) {
        if (!keep(fold_of[i])) continue;
        out.first.push_back(data.employees[i]);
        out.second.push_back(data.labels[i]);
    }
    return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Hyperparameters::XgboostParams() const {
    return {
        {"objective", "binary:logistic"},
        {"eta", Decimal(learning_rate)},
        {"max_depth", std::to_string(max_depth)},
        {"min_child_weight", Decimal(min_child_weight)},
        {"subsample", Decimal(subsample)},
        {"colsample_bytree", Decimal(colsample_bytree)},
        {"alpha", Decimal(reg_alpha)},
        {"lambda", Decimal(reg_lambda)},
        {"scale_pos_weight", Decimal(scale_pos_weight)},
        {"tree_method", tree_method},
        {"seed", std::to_string(seed)},
        {"verbosity", "1"},
    };
}

Booster::Booster(Booster&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Booster& Booster::operator=(Booster&& other) noexcept {
    if (this != &other) {
        if (handle_ != nullptr) XGBoosterFree(handle_);
        handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
}

Booster::~Booster() {
    if (handle_ != nullptr) XGBoosterFree(handle_);
}

base::Result<Booster> Booster::LoadFile(const std::filesystem::path& path) {
    BoosterHandle handle = nullptr;
    if (auto ok = Check(XGBoosterCreate(nullptr, 0, &handle), "create booster"); !ok) {
        return tl::unexpected(ok.error());
    }
    Booster booster(handle);
    if (auto ok = Check(XGBoosterLoadModel(handle, path.c_str()), "load " + path.string()); !ok) {
        return tl::unexpected(ok.error());
    }
    return booster;
}

base::Result<std::string> Booster::Json() const {
    bst_ulong length = 0;
    const char* bytes = nullptr;
    if (auto ok =
            Check(XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &length, &bytes),
                  "save model");
        !ok) {
        return tl::unexpected(ok.error());
    }
    return std::string(bytes, length);
}

base::Result<void> Booster::SaveFile(const std::filesystem::path& path) const {
    return Check(XGBoosterSaveModel(handle_, path.c_str()), "save " + path.string());
}

base::Result<std::vector<double>> Booster::Predict(std::span<const float> matrix,
                                                   std::size_t columns) const {
    const std::size_t rows = columns == 0 ? 0 : matrix.size() / columns;
    auto dmatrix = MakeDMatrix(matrix, rows, columns);
    if (!dmatrix) return tl::unexpected(dmatrix.error());
    const char* config =
        R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})";
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    if (auto ok = Check(
            XGBoosterPredictFromDMatrix(handle_, dmatrix->get(), config, &shape, &dims, &result),
            "predict");
        !ok) {
        return tl::unexpected(ok.error());
    }
    return std::vector<double>(result, result + rows);
}

base::Result<std::vector<std::string>> Booster::FeatureNames() const {
    bst_ulong length = 0;
    const char** names = nullptr;
    if (auto ok = Check(XGBoosterGetStrFeatureInfo(handle_, "feature_name", &length, &names),
                        "get feature names");
        !ok) {
        return tl::unexpected(ok.error());
    }
    return std::vector<std::string>(names, names + length);
}

base::Result<Booster> TrainBooster(std::span<const float> matrix,
                                   std::span<const int> labels,
                                   const std::vector<std::string>& column_names,
                                   const Hyperparameters& hyperparameters,
                                   int threads) {
    const std::size_t rows = labels.size();
    const std::size_t columns = column_names.size();
    if (matrix.size() != rows * columns || rows == 0) {
        return base::Fail(ErrorCode::kInvalidInput, "training matrix shape mismatch or no rows");
    }
    auto dtrain = MakeDMatrix(matrix, rows, columns);
    if (!dtrain) return tl::unexpected(dtrain.error());
    const std::vector<float> label_values(labels.begin(), labels.end());
    if (auto ok = Check(XGDMatrixSetFloatInfo(dtrain->get(), "label", label_values.data(), rows),
                        "set labels");
        !ok) {
        return tl::unexpected(ok.error());
    }
    std::vector<const char*> names;
    names.reserve(column_names.size());
    for (const auto& name : column_names) names.push_back(name.c_str());
    if (auto ok = Check(
            XGDMatrixSetStrFeatureInfo(dtrain->get(), "feature_name", names.data(), names.size()),
            "set matrix feature names");
        !ok) {
        return tl::unexpected(ok.error());
    }

    BoosterHandle handle = nullptr;
    DMatrixHandle cache[] = {dtrain->get()};
    if (auto ok = Check(XGBoosterCreate(cache, 1, &handle), "create booster"); !ok) {
        return tl::unexpected(ok.error());
    }
    Booster booster(handle);
    auto params = hyperparameters.XgboostParams();
    params.emplace_back("nthread", std::to_string(threads));
    for (const auto& [name, value] : params) {
        if (auto ok = Check(XGBoosterSetParam(handle, name.c_str(), value.c_str()), "set " + name);
            !ok) {
            return tl::unexpected(ok.error());
        }
    }
    for (int iteration = 0; iteration < hyperparameters.n_estimators; ++iteration) {
        if (auto ok = Check(XGBoosterUpdateOneIter(handle, iteration, dtrain->get()), "update");
            !ok) {
            return tl::unexpected(ok.error());
        }
    }
    if (auto ok =
            Check(XGBoosterSetStrFeatureInfo(handle, "feature_name", names.data(), names.size()),
                  "set booster feature names");
        !ok) {
        return tl::unexpected(ok.error());
    }
    return booster;
}

base::Result<CrossValidationReport> CrossValidate(const TrainingSet& data,
                                                  const TrainingOptions& options) {
    CrossValidationReport report;
    report.folds = options.folds;
    report.seed = options.cv_seed;
    report.oof_probability.assign(data.labels.size(), std::numeric_limits<double>::quiet_NaN());
    const auto fold_of = StratifiedFolds(data.labels, options.folds, options.cv_seed);

    for (int fold = 0; fold < options.folds; ++fold) {
        const auto started = std::chrono::steady_clock::now();
        const auto [train_rows, train_labels] =
            Select(data, fold_of, [fold](int f) { return f != fold; });
        const auto [test_rows, test_labels] =
            Select(data, fold_of, [fold](int f) { return f == fold; });
        const EncodingSpec spec = Fit(train_rows, options.optional_features);
        const auto train_matrix = EncodeRows(train_rows, spec);
        auto booster = TrainBooster(train_matrix, train_labels, spec.column_names,
                                    options.hyperparameters, options.threads);
        if (!booster) return tl::unexpected(booster.error());
        const auto test_matrix = EncodeRows(test_rows, spec);
        auto probabilities = booster->Predict(test_matrix, spec.ColumnCount());
        if (!probabilities) return tl::unexpected(probabilities.error());

        std::size_t k = 0;
        for (std::size_t i = 0; i < data.labels.size(); ++i) {
            if (fold_of[i] == fold) report.oof_probability[i] = (*probabilities)[k++];
        }
        const auto metrics = Evaluate(test_labels, *probabilities);
        report.per_fold.push_back(metrics);
        const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count();
        spdlog::info(
            "msg=\"cv fold done\" fold={}/{} train_rows={} test_rows={} roc_auc={:.4f} "
            "pr_auc={:.4f} elapsed_ms={}",
            fold + 1, options.folds, train_labels.size(), test_labels.size(), metrics.roc_auc,
            metrics.pr_auc, elapsed_ms);
    }
    report.summary = Summarize(report.per_fold);
    report.out_of_fold = Evaluate(data.labels, report.oof_probability);
    report.at_default = AtThreshold(data.labels, report.oof_probability, 0.5);
    report.f1_optimal = BestF1Threshold(data.labels, report.oof_probability);
    report.calibration = CalibrationTable(data.labels, report.oof_probability, 10);
    return report;
}

base::Result<TrainedModel> Train(const TrainingSet& data, const TrainingOptions& options) {
    if (data.employees.empty() || data.employees.size() != data.labels.size()) {
        return base::Fail(ErrorCode::kInvalidInput, "no training rows");
    }
    spdlog::info("msg=\"training\" rows={} positives={} threads={} folds={}", data.employees.size(),
                 data.PositiveCount(), options.threads, options.cross_validate ? options.folds : 0);
    std::optional<CrossValidationReport> cv;
    if (options.cross_validate) {
        auto report = CrossValidate(data, options);
        if (!report) return tl::unexpected(report.error());
        cv = std::move(*report);
    }
    const auto started = std::chrono::steady_clock::now();
    EncodingSpec spec = Fit(data.employees, options.optional_features);
    const auto matrix = EncodeRows(data.employees, spec);
    auto booster = TrainBooster(matrix, data.labels, spec.column_names, options.hyperparameters,
                                options.threads);
    if (!booster) return tl::unexpected(booster.error());
    spdlog::info("msg=\"final fit done\" columns={} trees={} elapsed_ms={}", spec.ColumnCount(),
                 options.hyperparameters.n_estimators,
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count());
    return TrainedModel{std::move(spec), std::move(*booster), std::move(cv)};
}

}  // namespace attrition::model
