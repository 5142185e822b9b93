#include "xgboost_oracle.hpp"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

namespace attrition::model::testing {
namespace {

void Check(int status, const char* what) {
    if (status != 0) {
        throw std::runtime_error(std::string(what) + ": " + XGBGetLastError());
    }
}

std::string DenseInterface(const std::vector<float>& rows, std::size_t cols) {
    char buffer[256];
    std::snprintf(buffer, sizeof(buffer),
                  R"({"data": [%llu, true], "shape": [%zu, %zu], "typestr": "<f4", "version": 3})",
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(rows.data())),
                  rows.size() / cols, cols);
    return buffer;
}

}  // namespace

Dataset MakeDataset(std::size_t rows, std::size_t cols, std::uint32_t seed) {
    Dataset data{rows, cols, std::vector<float>(rows * cols), std::vector<float>(rows)};
    std::mt19937 random(seed);
    std::normal_distribution<float> normal(0.0F, 1.0F);
    std::uniform_int_distribution<int> small(0, 6);
    std::uniform_real_distribution<float> unit(0.0F, 1.0F);
    for (std::size_t r = 0; r < rows; ++r) {
        float* x = &data.x[r * cols];
        for (std::size_t c = 0; c < cols; ++c) {
            switch (c % 5) {
                case 0:
                    x[c] = normal(random) * 10.0F;
                    break;
                case 1:
                    x[c] = static_cast<float>(small(random));
                    break;
                case 2:
                    x[c] = unit(random) < 0.1F ? NAN : normal(random);
                    break;
                case 3:
                    x[c] = unit(random) < 0.3F ? 1.0F : 0.0F;
                    break;
                default:
                    x[c] = c == 4 ? 3.0F : normal(random);
                    break;  // column 4 constant
            }
        }
        const float x2 = std::isnan(x[2 % cols]) ? 1.5F : x[2 % cols];
        const float score = 0.1F * x[0] + 0.4F * x[1 % cols] - 0.8F * x2 +
                            (cols > 3 ? 1.2F * x[3] : 0.0F) + normal(random);
        data.y[r] = score > 1.0F ? 1.0F : 0.0F;
    }
    return data;
}

std::vector<float> ProbeRows(const std::vector<float>& base_rows,
                             const std::vector<std::string>& column_names,
                             const std::vector<std::vector<float>>& thresholds,
                             std::size_t count,
                             std::uint32_t seed) {
    const std::size_t cols = column_names.size();
    const std::size_t base_count = base_rows.size() / cols;
    std::map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t c = 0; c < cols; ++c) {
        const auto equals = column_names[c].find('=');
        if (equals != std::string::npos) groups[column_names[c].substr(0, equals)].push_back(c);
    }
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> unit(0.0F, 1.0F);
    std::vector<float> rows(count * cols);
    for (std::size_t r = 0; r < count; ++r) {
        float* row = &rows[r * cols];
        const float* base = &base_rows[(random() % base_count) * cols];
        for (std::size_t c = 0; c < cols; ++c) {
            const float pick = unit(random);
            if (pick < 0.6F && !thresholds[c].empty()) {
                const float t = thresholds[c][random() % thresholds[c].size()];
                const int side = static_cast<int>(random() % 3);
                row[c] = side == 0 ? t : std::nextafter(t, side == 1 ? -INFINITY : INFINITY);
            } else if (pick < 0.7F) {
                row[c] = NAN;
            } else if (pick < 0.75F) {
                row[c] = random() % 2 == 0 ? INFINITY : -INFINITY;
            } else {
                row[c] = base[c];
            }
        }
        if (unit(random) < 0.8F) {
            for (const auto& [field, members] : groups) {
                const std::size_t hot = members[random() % members.size()];
                for (const std::size_t c : members) row[c] = c == hot ? 1.0F : 0.0F;
            }
        }
    }
    return rows;
}

std::vector<std::vector<float>> SplitThresholds(const std::vector<TreeArrays>& trees,
                                                std::size_t feature_count) {
    std::vector<std::vector<float>> out(feature_count);
    for (const TreeArrays& tree : trees) {
        for (std::size_t n = 0; n < tree.NodeCount(); ++n) {
            if (!tree.IsLeaf(n)) out[tree.split_indices[n]].push_back(tree.split_conditions[n]);
        }
    }
    return out;
}

std::string ReplaceTrees(const std::string& booster_json, const std::vector<TreeArrays>& trees) {
    auto document = nlohmann::json::parse(booster_json);
    auto& model = document["learner"]["gradient_booster"]["model"];
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t t = 0; t < trees.size(); ++t) {
        const TreeArrays& tree = trees[t];
        const std::size_t n = tree.NodeCount();
        // Floats widen to double exactly, and nlohmann prints doubles round-trip.
        auto floats = [](const std::vector<float>& values) {
            return std::vector<double>(values.begin(), values.end());
        };
        std::vector<std::int32_t> parents(n, 2147483647);
        for (std::size_t i = 0; i < n; ++i) {
            if (tree.left_children[i] >= 0) {
                parents[static_cast<std::size_t>(tree.left_children[i])] = static_cast<int>(i);
                parents[static_cast<std::size_t>(tree.right_children[i])] = static_cast<int>(i);
            }
        }
        out.push_back({
            {"base_weights", floats(tree.split_conditions)},
            {"categories", nlohmann::json::array()},
            {"categories_nodes", nlohmann::json::array()},
            {"categories_segments", nlohmann::json::array()},
            {"categories_sizes", nlohmann::json::array()},
            {"default_left", tree.default_left},
            {"id", t},
            {"left_children", tree.left_children},
            {"loss_changes", std::vector<double>(n, 1.0)},
            {"parents", parents},
            {"right_children", tree.right_children},
            {"split_conditions", floats(tree.split_conditions)},
            {"split_indices", tree.split_indices},
            {"split_type", std::vector<int>(n, 0)},
            {"sum_hessian", floats(tree.sum_hessian)},
            {"tree_param",
             {{"num_deleted", "0"},
              {"num_feature", document["learner"]["learner_model_param"]["num_feature"]},
              {"num_nodes", std::to_string(n)},
              {"size_leaf_vector", "0"}}},
        });
    }
    model["trees"] = out;
    model["tree_info"] = std::vector<int>(trees.size(), 0);
    model["gbtree_model_param"]["num_trees"] = std::to_string(trees.size());
    return document.dump();
}

XgbBooster::XgbBooster(void* handle) : handle_(handle) {
    DMatrixHandle proxy = nullptr;
    Check(XGProxyDMatrixCreate(&proxy), "XGProxyDMatrixCreate");
    proxy_ = proxy;
}

XgbBooster::XgbBooster(XgbBooster&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      proxy_(std::exchange(other.proxy_, nullptr)) {}

XgbBooster::~XgbBooster() {
    if (proxy_ != nullptr) XGDMatrixFree(proxy_);
    if (handle_ != nullptr) XGBoosterFree(handle_);
}

XgbBooster XgbBooster::Train(const Dataset& data,
                             const Params& params,
                             int rounds,
                             const Params& later) {
    DMatrixHandle matrix = nullptr;
    Check(XGDMatrixCreateFromMat(data.x.data(), data.rows, data.cols, NAN, &matrix),
          "XGDMatrixCreateFromMat");
    Check(XGDMatrixSetFloatInfo(matrix, "label", data.y.data(), data.rows), "label");
    BoosterHandle handle = nullptr;
    Check(XGBoosterCreate(&matrix, 1, &handle), "XGBoosterCreate");
    XgbBooster booster(handle);
    std::vector<std::string> names;
    for (std::size_t c = 0; c < data.cols; ++c) names.push_back("col" + std::to_string(c));
    std::vector<const char*> name_pointers;
    for (const auto& name : names) name_pointers.push_back(name.c_str());
    Check(XGBoosterSetStrFeatureInfo(handle, "feature_name", name_pointers.data(), data.cols),
          "feature_name");
    Check(XGBoosterSetParam(handle, "nthread", "1"), "nthread");
    for (const auto& [key, value] : params) {
        Check(XGBoosterSetParam(handle, key.c_str(), value.c_str()), key.c_str());
    }
    for (int i = 0; i < rounds; ++i) {
        if (i == rounds / 2) {
            for (const auto& [key, value] : later) {
                Check(XGBoosterSetParam(handle, key.c_str(), value.c_str()), key.c_str());
            }
        }
        Check(XGBoosterUpdateOneIter(handle, i, matrix), "XGBoosterUpdateOneIter");
    }
    XGDMatrixFree(matrix);
    return booster;
}

XgbBooster XgbBooster::LoadJson(const std::string& json) {
    BoosterHandle handle = nullptr;
    Check(XGBoosterCreate(nullptr, 0, &handle), "XGBoosterCreate");
    XgbBooster booster(handle);
    Check(XGBoosterLoadModelFromBuffer(handle, json.data(), json.size()), "LoadModelFromBuffer");
    Check(XGBoosterSetParam(handle, "nthread", "1"), "nthread");
    return booster;
}

XgbBooster XgbBooster::LoadFile(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return LoadJson(content.str());
}

std::string XgbBooster::SaveJson() const {
    bst_ulong length = 0;
    const char* buffer = nullptr;
    Check(XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &length, &buffer),
          "SaveModelToBuffer");
    return std::string(buffer, length);
}

std::size_t XgbBooster::FeatureCount() const {
    bst_ulong count = 0;
    Check(XGBoosterGetNumFeature(handle_, &count), "GetNumFeature");
    return count;
}

std::vector<std::string> XgbBooster::FeatureNames() const {
    bst_ulong count = 0;
    const char** names = nullptr;
    Check(XGBoosterGetStrFeatureInfo(handle_, "feature_name", &count, &names), "feature_name");
    return std::vector<std::string>(names, names + count);
}

std::vector<float> XgbBooster::PredictInplace(const std::vector<float>& rows,
                                              std::size_t cols,
                                              bool margin) const {
    const std::string config = std::string(R"({"type": )") + (margin ? "1" : "0") +
                               R"(, "training": false, "iteration_begin": 0, "iteration_end": 0, )"
                               R"("strict_shape": false, "missing": NaN, "cache_id": 0})";
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    Check(XGBoosterPredictFromDense(handle_, DenseInterface(rows, cols).c_str(), config.c_str(),
                                    proxy_, &shape, &dims, &result),
          "PredictFromDense");
    return std::vector<float>(result, result + rows.size() / cols);
}

std::vector<float> XgbBooster::PredictContributions(const std::vector<float>& rows,
                                                    std::size_t cols) const {
    DMatrixHandle matrix = nullptr;
    Check(XGDMatrixCreateFromMat(rows.data(), rows.size() / cols, cols, NAN, &matrix),
          "XGDMatrixCreateFromMat");
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    const int status = XGBoosterPredictFromDMatrix(
        handle_, matrix,
        R"({"type": 2, "training": false, "iteration_begin": 0, "iteration_end": 0, )"
        R"("strict_shape": false})",
        &shape, &dims, &result);
    std::vector<float> out;
    if (status == 0) out.assign(result, result + (rows.size() / cols) * (cols + 1));
    XGDMatrixFree(matrix);
    Check(status, "PredictFromDMatrix contribs");
    return out;
}

}  // namespace attrition::model::testing
