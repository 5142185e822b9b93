// Reads an XGBoost 1.7 JSON booster (binary logistic gbtree) into plain node arrays and checks
// its structure, so that Forest and TreeShapExplainer can trust every index. Value types, no
// shared state; parsing is reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace attrition::model {

// One regression tree in XGBoost's own node numbering: node 0 is the root, a leaf has -1
// children and keeps its value in split_conditions.
struct TreeArrays {
    std::vector<std::int32_t> left_children;
    std::vector<std::int32_t> right_children;
    std::vector<std::uint32_t> split_indices;
    std::vector<float> split_conditions;
    std::vector<std::uint8_t> default_left;
    std::vector<float> sum_hessian;  // node cover, the weights of path-dependent TreeSHAP
    std::size_t depth = 0;           // edges on the longest root-to-leaf path

    [[nodiscard]] std::size_t NodeCount() const noexcept { return left_children.size(); }
    [[nodiscard]] bool IsLeaf(std::size_t node) const noexcept { return left_children[node] < 0; }
};

struct BoosterModel {
    std::vector<std::string> feature_names;  // "f0", "f1", ... when the booster stored none
    std::string objective;                   // binary:logistic or reg:logistic
    float base_score = 0.5F;                 // probability scale, as stored
    std::vector<TreeArrays> trees;           // in boosting order
};

// Parses and validates; every failure is an ErrorCode::kInvalidConfig naming the problem.
base::Result<BoosterModel> ParseBoosterJson(std::string_view json);

// Reads the file (kIo when it cannot be read), then ParseBoosterJson.
base::Result<BoosterModel> ReadBoosterJson(const std::filesystem::path& path);

}  // namespace attrition::model
