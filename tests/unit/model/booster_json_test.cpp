// The booster loader refuses malformed structure with a clear error value, never a crash.
#include "model/booster_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "model/forest.hpp"
#include "xgboost_oracle.hpp"

namespace attrition::model {
namespace {

using testing::MakeDataset;
using testing::XgbBooster;

class BoosterJsonTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto data = MakeDataset(300, 6, 5);
        json_ = nlohmann::json::parse(
            XgbBooster::Train(data, {{"objective", "binary:logistic"}, {"max_depth", "3"}}, 3)
                .SaveJson());
    }
    nlohmann::json& Tree(std::size_t i) {
        return json_["learner"]["gradient_booster"]["model"]["trees"][i];
    }
    // Expects a kInvalidConfig error whose message contains `needle`.
    void ExpectRefused(const std::string& needle) {
        auto booster = ParseBoosterJson(json_.dump());
        ASSERT_FALSE(booster) << "accepted a booster that should fail with '" << needle << "'";
        EXPECT_EQ(booster.error().code, base::ErrorCode::kInvalidConfig);
        EXPECT_NE(booster.error().message.find(needle), std::string::npos)
            << booster.error().message;
    }
    nlohmann::json json_;
};

TEST_F(BoosterJsonTest, AcceptsTheTrainedBooster) {
    auto booster = ParseBoosterJson(json_.dump());
    ASSERT_TRUE(booster) << booster.error().message;
    EXPECT_EQ(booster->trees.size(), 3U);
    EXPECT_EQ(booster->feature_names.size(), 6U);
    EXPECT_EQ(booster->objective, "binary:logistic");
}

// Found reading the loader while writing its fuzz target: a 675-byte file claiming 60 million
// features made it invent 60 million names (over a gigabyte). The count is bounded.
TEST_F(BoosterJsonTest, RefusesAnImplausibleFeatureCount) {
    auto& params = json_["learner"]["learner_model_param"];
    params["num_feature"] = "60000000";
    json_["learner"]["feature_names"] = nlohmann::json::array();
    ExpectRefused("num_feature missing or out of range");
}

TEST_F(BoosterJsonTest, RefusesChildOutOfRange) {
    Tree(0)["left_children"][0] = 999;
    ExpectRefused("child index out of range");
}

TEST_F(BoosterJsonTest, RefusesACycle) {
    Tree(0)["left_children"][1] = 0;
    Tree(0)["right_children"][1] = 2;
    ExpectRefused("out of range");  // a child pointing at the root
}

TEST_F(BoosterJsonTest, RefusesASharedChild) {
    Tree(0)["right_children"][0] = Tree(0)["left_children"][0];
    ExpectRefused("reached twice");
}

TEST_F(BoosterJsonTest, RefusesHalfLeaves) {
    const int leaf = [&] {
        for (std::size_t i = 0; i < Tree(0)["left_children"].size(); ++i) {
            if (Tree(0)["left_children"][i] == -1) return static_cast<int>(i);
        }
        return -1;
    }();
    ASSERT_GE(leaf, 0);
    Tree(0)["right_children"][static_cast<std::size_t>(leaf)] = 1;
    ExpectRefused("two -1 children");
}

TEST_F(BoosterJsonTest, RefusesFeatureOutOfRange) {
    Tree(1)["split_indices"][0] = 6;
    ExpectRefused("split feature out of range");
}

TEST_F(BoosterJsonTest, RefusesArraysOfDifferentLengths) {
    Tree(2)["sum_hessian"].erase(0);
    ExpectRefused("differ in length");
}

TEST_F(BoosterJsonTest, RefusesCategoricalSplits) {
    Tree(0)["split_type"][0] = 1;
    ExpectRefused("categorical");
}

TEST_F(BoosterJsonTest, RefusesOtherObjectives) {
    json_["learner"]["objective"]["name"] = "reg:squarederror";
    ExpectRefused("objective");
}

TEST_F(BoosterJsonTest, RefusesWrongTreeCount) {
    json_["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "4";
    ExpectRefused("num_trees");
}

TEST_F(BoosterJsonTest, RefusesFeatureNameCountMismatch) {
    json_["learner"]["feature_names"].erase(0);
    ExpectRefused("feature_names");
}

TEST_F(BoosterJsonTest, RefusesNumbersThatAreNotNumbers) {
    Tree(0)["split_conditions"][0] = "x";
    ExpectRefused("split_conditions");
}

TEST(BoosterJsonInputTest, RefusesNonJsonAndMissingFiles) {
    for (const char* text : {"", "not json", "[]", "{}", R"({"learner": 1})"}) {
        auto booster = ParseBoosterJson(text);
        ASSERT_FALSE(booster) << text;
        EXPECT_EQ(booster.error().code, base::ErrorCode::kInvalidConfig) << text;
    }
    auto missing = Forest::LoadBoosterJson("/nonexistent/booster.json");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, base::ErrorCode::kIo);
}

}  // namespace
}  // namespace attrition::model
