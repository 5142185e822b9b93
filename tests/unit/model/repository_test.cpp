// The model repository: every version loaded and checked, broken ones kept with their reason,
// the default chosen or the load refused, and the layout before versions still read.
#include "model/repository.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace attrition::model {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kCommitted = "xgb_enhanced_v2.0";

fs::path CommittedArtifact() {
    const char* source = std::getenv("ATTRITION_SOURCE_DIR");
    return fs::path(source != nullptr ? source : ".") / "model" / kCommitted;
}

class RepositoryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(CommittedArtifact() / kBoosterFile)) << CommittedArtifact();
        root_ = fs::temp_directory_path() /
                ("attrition-repository-" +
                 std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_);
    }
    void TearDown() override { fs::remove_all(root_); }

    // A copy of the committed artifact in root_/folder whose metadata names `version`.
    fs::path AddVersion(const std::string& folder, const std::string& version) {
        const auto dir = root_ / folder;
        fs::create_directories(dir);
        fs::copy_file(CommittedArtifact() / kBoosterFile, dir / kBoosterFile);
        std::ifstream in(CommittedArtifact() / kMetadataFile);
        auto metadata = nlohmann::json::parse(in);
        metadata["model_version"] = version;
        std::ofstream(dir / kMetadataFile) << metadata.dump(2);
        return dir;
    }

    fs::path root_;
};

TEST_F(RepositoryTest, LoadsEveryVersionAndKeepsABrokenOneWithItsReason) {
    AddVersion(std::string(kCommitted), std::string(kCommitted));
    AddVersion("candidate_v3", "candidate_v3");
    const auto broken = AddVersion("broken_v0", "broken_v0");
    std::ofstream(broken / kBoosterFile, std::ios::trunc) << "{not a booster";
    fs::create_directories(root_ / ".hidden");

    const auto repository = LoadRepository(root_, kCommitted);
    ASSERT_TRUE(repository) << repository.error().message;
    ASSERT_EQ(repository->versions.size(), 3U);
    EXPECT_EQ(repository->versions[0].name, "broken_v0");
    EXPECT_EQ(repository->versions[1].name, "candidate_v3");
    EXPECT_EQ(repository->versions[2].name, kCommitted);
    EXPECT_EQ(repository->versions[0].model, nullptr);
    EXPECT_FALSE(repository->versions[0].failure.empty());
    ASSERT_NE(repository->versions[1].model, nullptr);
    EXPECT_EQ(repository->versions[1].model->predictor.Version(), "candidate_v3");
    EXPECT_TRUE(repository->versions[1].failure.empty());
    EXPECT_EQ(repository->default_version, kCommitted);
    ASSERT_NE(repository->Default(), nullptr);
    EXPECT_EQ(repository->Default()->predictor.Version(), kCommitted);
    EXPECT_EQ(repository->LoadedNames(), "candidate_v3, xgb_enhanced_v2.0");
    EXPECT_EQ(repository->Find("nope"), nullptr);
}

TEST_F(RepositoryTest, SeveralVersionsNeedANamedDefault) {
    AddVersion("a_v1", "a_v1");
    AddVersion("b_v1", "b_v1");
    const auto repository = LoadRepository(root_, "");
    ASSERT_FALSE(repository);
    EXPECT_EQ(repository.error().code, base::ErrorCode::kInvalidConfig);
    EXPECT_NE(repository.error().message.find("--default-model"), std::string::npos);
}

TEST_F(RepositoryTest, OneVersionIsTheDefaultWithoutBeingNamed) {
    AddVersion("only_v1", "only_v1");
    const auto repository = LoadRepository(root_, "");
    ASSERT_TRUE(repository) << repository.error().message;
    EXPECT_EQ(repository->default_version, "only_v1");
}

TEST_F(RepositoryTest, ABrokenOrMissingDefaultRefusesTheLoad) {
    AddVersion("good_v1", "good_v1");
    const auto broken = AddVersion("broken_v0", "broken_v0");
    fs::remove(broken / kBoosterFile);

    const auto refused = LoadRepository(root_, "broken_v0");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("broken_v0 failed"), std::string::npos)
        << refused.error().message;
    const auto missing = LoadRepository(root_, "absent_v1");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("not in the repository (versions: good_v1)"),
              std::string::npos)
        << missing.error().message;
}

TEST_F(RepositoryTest, AFolderNamedOtherThanItsVersionFails) {
    AddVersion("good_v1", "good_v1");
    AddVersion("renamed", "good_v2");
    const auto repository = LoadRepository(root_, "good_v1");
    ASSERT_TRUE(repository) << repository.error().message;
    const auto* renamed = repository->Find("renamed");
    ASSERT_NE(renamed, nullptr);
    EXPECT_EQ(renamed->model, nullptr);
    EXPECT_NE(renamed->failure.find("good_v2"), std::string::npos) << renamed->failure;
}

TEST_F(RepositoryTest, AnArtifactFolderIsARepositoryOfOneVersion) {
    const auto repository = LoadRepository(CommittedArtifact(), "");
    ASSERT_TRUE(repository) << repository.error().message;
    ASSERT_EQ(repository->versions.size(), 1U);
    EXPECT_EQ(repository->default_version, kCommitted);
    EXPECT_NE(repository->Default(), nullptr);
}

TEST_F(RepositoryTest, NoFolderIsAnEmptyRepository) {
    const auto repository = LoadRepository(root_ / "absent", "");
    ASSERT_TRUE(repository) << repository.error().message;
    EXPECT_TRUE(repository->versions.empty());
    EXPECT_EQ(repository->Default(), nullptr);
    EXPECT_EQ(repository->LoadedNames(), "");
}

}  // namespace
}  // namespace attrition::model
