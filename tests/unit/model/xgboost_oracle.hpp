// XGBoost itself as the test oracle for Forest and TreeShapExplainer: trains small boosters on
// generated data through the C API, saves them as JSON, and predicts (in place, margins,
// probabilities, contributions). Owns its handles (RAII); one object per thread. Throws
// std::runtime_error on any XGBoost failure (tests only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "model/booster_json.hpp"

namespace attrition::model::testing {

struct Dataset {
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<float> x;  // row-major, NaN = missing
    std::vector<float> y;  // 0/1 labels
};

// Mixed columns: continuous, small integers (ties at split thresholds), one-hot groups, a
// constant column, and about 10 % NaNs in some columns. The label depends on several of them.
Dataset MakeDataset(std::size_t rows, std::size_t cols, std::uint32_t seed);

// Rows that probe every split: each value is drawn from the feature's split thresholds (the
// threshold itself or the float just below/above it), NaN, +-inf, or a base row's value.
// Columns named "field=value" of one field get one-hot values (exactly one 1) when the row
// keeps them consistent, which most rows do.
std::vector<float> ProbeRows(const std::vector<float>& base_rows,
                             const std::vector<std::string>& column_names,
                             const std::vector<std::vector<float>>& thresholds,
                             std::size_t count,
                             std::uint32_t seed);

// Every split threshold of the forest, per feature.
std::vector<std::vector<float>> SplitThresholds(const std::vector<TreeArrays>& trees,
                                                std::size_t feature_count);

// booster_json with its trees replaced by `trees` (hand-made edge cases XGBoost then loads).
std::string ReplaceTrees(const std::string& booster_json, const std::vector<TreeArrays>& trees);

using Params = std::vector<std::pair<std::string, std::string>>;

class XgbBooster {
  public:
    // Trains `rounds` rounds; `later` params are applied after the first half of the rounds
    // (e.g. a huge gamma, so the later trees are single leaves).
    static XgbBooster Train(const Dataset& data,
                            const Params& params,
                            int rounds,
                            const Params& later = {});
    static XgbBooster LoadJson(const std::string& json);
    static XgbBooster LoadFile(const std::filesystem::path& path);

    XgbBooster(XgbBooster&& other) noexcept;
    XgbBooster& operator=(XgbBooster&&) = delete;
    XgbBooster(const XgbBooster&) = delete;
    XgbBooster& operator=(const XgbBooster&) = delete;
    ~XgbBooster();

    [[nodiscard]] std::string SaveJson() const;
    [[nodiscard]] std::size_t FeatureCount() const;
    [[nodiscard]] std::vector<std::string> FeatureNames() const;

    // In-place prediction (no DMatrix), nthread 1: margins when `margin`, else probabilities.
    [[nodiscard]] std::vector<float> PredictInplace(const std::vector<float>& rows,
                                                    std::size_t cols,
                                                    bool margin) const;
    // pred_contribs on a fresh DMatrix: rows x (cols + 1), the bias last.
    [[nodiscard]] std::vector<float> PredictContributions(const std::vector<float>& rows,
                                                          std::size_t cols) const;

  private:
    explicit XgbBooster(void* handle);
    void* handle_ = nullptr;
    void* proxy_ = nullptr;
};

}  // namespace attrition::model::testing
