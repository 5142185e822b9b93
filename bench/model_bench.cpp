// Inference and SHAP speed against XGBoost's own predictor in the same run: in-place predict
// (nthread 1, persistent proxy DMatrix, cache_id 0) vs Forest, and pred_contribs vs
// TreeShapExplainer. Uses the committed model/xgb_enhanced_v2.0/booster.json, or trains a booster
// of the same shape on generated data when it is absent. Single-threaded; the benchmark state lives
// in one BenchModel built on first use.
#include <benchmark/benchmark.h>
#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/forest.hpp"
#include "model/tree_shap.hpp"

namespace attrition::model {
namespace {

constexpr std::size_t kRowPool = 100;

void Check(int status, const char* what) {
    if (status != 0) throw std::runtime_error(std::string(what) + ": " + XGBGetLastError());
}

// The spec's training parameters on generated data with the real model's column count.
std::string TrainStandIn() {
    constexpr std::size_t kRows = 1470;
    constexpr std::size_t kCols = 41;
    std::mt19937 random(42);
    std::normal_distribution<float> normal(0.0F, 1.0F);
    std::vector<float> x(kRows * kCols);
    std::vector<float> y(kRows);
    for (std::size_t r = 0; r < kRows; ++r) {
        for (std::size_t c = 0; c < kCols; ++c) {
            x[r * kCols + c] = c < 18 ? std::round(normal(random) * 5.0F) : (normal(random) > 1.0F);
        }
        y[r] = x[r * kCols] + x[r * kCols + 20] * 3.0F + normal(random) * 4.0F > 4.0F;
    }
    DMatrixHandle matrix = nullptr;
    Check(XGDMatrixCreateFromMat(x.data(), kRows, kCols, NAN, &matrix), "DMatrix");
    Check(XGDMatrixSetFloatInfo(matrix, "label", y.data(), kRows), "label");
    BoosterHandle booster = nullptr;
    Check(XGBoosterCreate(&matrix, 1, &booster), "create");
    const std::map<std::string, std::string> params = {{"objective", "binary:logistic"},
                                                       {"max_depth", "7"},
                                                       {"eta", "0.1"},
                                                       {"min_child_weight", "3"},
                                                       {"subsample", "0.7"},
                                                       {"reg_alpha", "1"},
                                                       {"reg_lambda", "5"},
                                                       {"tree_method", "hist"},
                                                       {"seed", "42"},
                                                       {"nthread", "1"}};
    for (const auto& [key, value] : params) {
        Check(XGBoosterSetParam(booster, key.c_str(), value.c_str()), "param");
    }
    for (int i = 0; i < 200; ++i) Check(XGBoosterUpdateOneIter(booster, i, matrix), "update");
    bst_ulong length = 0;
    const char* buffer = nullptr;
    Check(XGBoosterSaveModelToBuffer(booster, R"({"format": "json"})", &length, &buffer), "save");
    std::string json(buffer, length);
    XGBoosterFree(booster);
    XGDMatrixFree(matrix);
    return json;
}

std::string ModelJson(std::string& source) {
    const char* dir = std::getenv("ATTRITION_SOURCE_DIR");
    const std::filesystem::path path =
        std::filesystem::path(dir != nullptr ? dir : ATTRITION_SOURCE_DIR) /
        "model/xgb_enhanced_v2.0/booster.json";
    if (std::filesystem::exists(path)) {
        std::ifstream file(path, std::ios::binary);
        std::ostringstream content;
        content << file.rdbuf();
        source = path.string();
        return content.str();
    }
    source = "generated stand-in (model/xgb_enhanced_v2.0/booster.json absent)";
    return TrainStandIn();
}

// Rows around the model's split thresholds (and 0/1 elsewhere), so every branch is exercised.
std::vector<float> MakeRows(const Forest& forest, std::size_t count) {
    std::vector<std::vector<float>> thresholds(forest.FeatureCount());
    for (const TreeArrays& tree : forest.Trees()) {
        for (std::size_t n = 0; n < tree.NodeCount(); ++n) {
            if (!tree.IsLeaf(n))
                thresholds[tree.split_indices[n]].push_back(tree.split_conditions[n]);
        }
    }
    std::mt19937 random(7);
    std::vector<float> rows(count * forest.FeatureCount());
    for (std::size_t r = 0; r < count; ++r) {
        for (std::size_t c = 0; c < forest.FeatureCount(); ++c) {
            const auto& t = thresholds[c];
            const float value = t.empty() ? 0.0F : t[random() % t.size()];
            rows[r * forest.FeatureCount() + c] =
                random() % 2 == 0 ? value : std::nextafter(value, -INFINITY);
        }
    }
    return rows;
}

struct BenchModel {
    std::string source;
    Forest forest;
    TreeShapExplainer explainer;
    BoosterHandle booster = nullptr;
    DMatrixHandle proxy = nullptr;
    std::vector<float> rows;

    static BenchModel& Get() {
        static BenchModel model = Make();
        return model;
    }

    static BenchModel Make() {
        std::string source;
        const std::string json = ModelJson(source);
        auto forest = Forest::ParseBoosterJson(json);
        if (!forest) throw std::runtime_error(forest.error().message);
        auto explainer = TreeShapExplainer::Build(*forest);
        if (!explainer) throw std::runtime_error(explainer.error().message);
        BenchModel model{source, std::move(*forest), std::move(*explainer)};
        Check(XGBoosterCreate(nullptr, 0, &model.booster), "create");
        Check(XGBoosterLoadModelFromBuffer(model.booster, json.data(), json.size()), "load");
        Check(XGBoosterSetParam(model.booster, "nthread", "1"), "nthread");
        Check(XGProxyDMatrixCreate(&model.proxy), "proxy");
        model.rows = MakeRows(model.forest, kRowPool);
        std::fprintf(stderr,
                     "model: %s, %zu trees, depth %zu, %zu features, %zu SHAP table entries\n",
                     model.source.c_str(), model.forest.TreeCount(), model.forest.Depth(),
                     model.forest.FeatureCount(), model.explainer.TableEntries());
        return model;
    }
};

std::string DenseInterface(const float* data, std::size_t rows, std::size_t cols) {
    char buffer[256];
    std::snprintf(buffer, sizeof(buffer),
                  R"({"data": [%llu, true], "shape": [%zu, %zu], "typestr": "<f4", "version": 3})",
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(data)), rows,
                  cols);
    return buffer;
}

// Probabilities for `rows` rows (1 or 100), XGBoost in place.
void BM_XgboostInplacePredict(benchmark::State& state) {
    BenchModel& m = BenchModel::Get();
    const auto rows = static_cast<std::size_t>(state.range(0));
    const std::size_t cols = m.forest.FeatureCount();
    const char* config =
        R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, )"
        R"("strict_shape": false, "missing": NaN, "cache_id": 0})";
    std::size_t offset = 0;
    for (auto _ : state) {
        const std::string array = DenseInterface(&m.rows[offset * cols], rows, cols);
        const bst_ulong* shape = nullptr;
        bst_ulong dims = 0;
        const float* out = nullptr;
        Check(XGBoosterPredictFromDense(m.booster, array.c_str(), config, m.proxy, &shape, &dims,
                                        &out),
              "predict");
        benchmark::DoNotOptimize(out[0]);
        offset = rows == 1 ? (offset + 1) % kRowPool : 0;
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(rows));
}

void BM_ForestPredict(benchmark::State& state) {
    BenchModel& m = BenchModel::Get();
    const auto rows = static_cast<std::size_t>(state.range(0));
    const std::size_t cols = m.forest.FeatureCount();
    std::vector<float> out(rows);
    std::size_t offset = 0;
    for (auto _ : state) {
        m.forest.PredictProbabilities(std::span<const float>(&m.rows[offset * cols], rows * cols),
                                      out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
        offset = rows == 1 ? (offset + 1) % kRowPool : 0;
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(rows));
}

// pred_contribs needs a DMatrix; a fresh one per call, as a server explaining one row would.
void BM_XgboostPredContribs(benchmark::State& state) {
    BenchModel& m = BenchModel::Get();
    const std::size_t cols = m.forest.FeatureCount();
    const char* config =
        R"({"type": 2, "training": false, "iteration_begin": 0, "iteration_end": 0, )"
        R"("strict_shape": false})";
    std::size_t offset = 0;
    for (auto _ : state) {
        DMatrixHandle matrix = nullptr;
        Check(XGDMatrixCreateFromMat(&m.rows[offset * cols], 1, cols, NAN, &matrix), "DMatrix");
        const bst_ulong* shape = nullptr;
        bst_ulong dims = 0;
        const float* out = nullptr;
        Check(XGBoosterPredictFromDMatrix(m.booster, matrix, config, &shape, &dims, &out),
              "contribs");
        benchmark::DoNotOptimize(out[0]);
        XGDMatrixFree(matrix);
        offset = (offset + 1) % kRowPool;
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_TreeShapExplain(benchmark::State& state) {
    BenchModel& m = BenchModel::Get();
    const std::size_t cols = m.forest.FeatureCount();
    std::vector<double> contributions(cols);
    double base = 0.0;
    std::size_t offset = 0;
    for (auto _ : state) {
        m.explainer.Explain(std::span<const float>(&m.rows[offset * cols], cols), contributions,
                            base);
        benchmark::DoNotOptimize(contributions.data());
        benchmark::ClobberMemory();
        offset = (offset + 1) % kRowPool;
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_XgboostInplacePredict)->Arg(1)->Arg(100);
BENCHMARK(BM_ForestPredict)->Arg(1)->Arg(100);
BENCHMARK(BM_XgboostPredContribs);
BENCHMARK(BM_TreeShapExplain);

}  // namespace
}  // namespace attrition::model

BENCHMARK_MAIN();
