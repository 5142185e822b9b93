// What a training is made of, as an artifact's metadata records it: the label column, the XGBoost
// hyperparameters and the default version name; without the trainer (model/training.hpp) or the
// CSV reader (model/technova_reader.hpp), so that the serving path can read them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attrition::model {

// The extracts' label column.
inline constexpr std::string_view kTargetColumn = "a_quitte_l_entreprise";

inline constexpr std::string_view kModelVersion = "xgb_enhanced_v2.0";

struct Hyperparameters {
    int n_estimators = 200;
    double learning_rate = 0.1;
    int max_depth = 7;
    double min_child_weight = 3;
    double subsample = 0.7;
    double colsample_bytree = 1.0;
    double reg_alpha = 1;
    double reg_lambda = 5;
    double scale_pos_weight = 1;
    std::string tree_method = "hist";
    std::uint64_t seed = 42;

    // XGBoost learner parameters (name, value), without nthread.
    std::vector<std::pair<std::string, std::string>> XgboostParams() const;
};

}  // namespace attrition::model
