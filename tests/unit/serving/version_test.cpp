// serving::ResolveVersion: the one rule every route and `attrition score` choose a model by.
#include "serving/version.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "model/repository.hpp"
#include "support/committed_models.hpp"

namespace attrition::serving {
namespace {

TEST(ResolveVersionTest, NothingNamedIsTheDefault) {
    const auto models = test::CommittedRepository();
    const auto model = ResolveVersion(models, "");
    ASSERT_TRUE(model.has_value());
    ASSERT_FALSE(models.default_version.empty());
    EXPECT_EQ((*model)->predictor.Version(), models.default_version);
    EXPECT_EQ(*model, models.Default());
}

TEST(ResolveVersionTest, ANamedLoadedVersionIsItsModel) {
    const auto models = test::CommittedRepository();
    for (const auto version : test::kCommittedVersions) {
        const auto model = ResolveVersion(models, version);
        ASSERT_TRUE(model.has_value()) << version;
        EXPECT_EQ((*model)->predictor.Version(), version);
    }
}

TEST(ResolveVersionTest, AnUnknownOrFailedNameIsNotFoundNamingOnlyTheLoadedVersions) {
    auto models = test::CommittedRepository();
    models.versions.push_back({.name = "broken_v0", .failure = "booster.json: not valid JSON"});
    const std::string available =
        "Unknown model version; available: " + std::string(test::kCommittedVersions[0]) + ", " +
        std::string(test::kCommittedVersions[1]);
    for (const std::string name : {"nope_v9", "broken_v0", "XGB_ENHANCED_V2.0"}) {
        const auto model = ResolveVersion(models, name);
        ASSERT_FALSE(model.has_value()) << name;
        EXPECT_EQ(model.error().code, base::ErrorCode::kNotFound);
        EXPECT_EQ(model.error().message, available);
    }
}

TEST(ResolveVersionTest, NothingNamedWithoutAModelIsUnavailable) {
    const model::Repository empty;
    const auto model = ResolveVersion(empty, "");
    ASSERT_FALSE(model.has_value());
    EXPECT_EQ(model.error().code, base::ErrorCode::kUnavailable);
    EXPECT_EQ(model.error().message, "Model not loaded");
    const auto named = ResolveVersion(empty, "xgb_enhanced_v2.0");
    ASSERT_FALSE(named.has_value());
    EXPECT_EQ(named.error().code, base::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace attrition::serving
