// The model repository: every version loaded and checked, broken ones kept with their reason,
// the default chosen or the load refused, and the layout before versions still read.
#include "model/repository.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "model/catalog.hpp"

namespace attrition::model {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kCommitted = "xgb_enhanced_v2.0";
constexpr std::string_view kCommittedV2 = "xgb_enhanced_v2.1";

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

    // A copy of the committed v2 (with the optional frequence_deplacement) in root_/folder.
    fs::path AddV2(const std::string& folder) {
        const auto from = CommittedArtifact().parent_path() / kCommittedV2;
        const auto dir = root_ / folder;
        fs::create_directories(dir);
        fs::copy_file(from / kBoosterFile, dir / kBoosterFile);
        fs::copy_file(from / kMetadataFile, dir / kMetadataFile);
        return dir;
    }

    void WriteServing(const std::string& text) const {
        std::ofstream(root_ / kServingFile, std::ios::trunc) << text;
    }

    // Rewrites the metadata.json of the version in `dir` as `edit` changes it.
    static void EditMetadata(const fs::path& dir,
                             const std::function<void(nlohmann::json&)>& edit) {
        std::ifstream in(dir / kMetadataFile);
        auto metadata = nlohmann::json::parse(in);
        in.close();
        edit(metadata);
        std::ofstream(dir / kMetadataFile, std::ios::trunc) << metadata.dump(2);
    }

    // Changes the version's metadata (training date) so that its files differ.
    void Touch(const std::string& folder, const std::string& training_date) const {
        EditMetadata(root_ / folder,
                     [&](auto& metadata) { metadata["training_date"] = training_date; });
    }

    fs::path root_;
};

using Action = ReloadChange::Action;

// (version, action) of each change, in order.
std::vector<std::pair<std::string, Action>> Summary(const Reloaded& reloaded) {
    std::vector<std::pair<std::string, Action>> out;
    for (const auto& change : reloaded.changes) out.emplace_back(change.version, change.action);
    return out;
}

// A version's metadata.json may narrow what a what-if search changes; one naming an input HR
// cannot change fails with the reason, and a version without "actions" has the defaults.
TEST_F(RepositoryTest, AVersionsActionsComeFromItsMetadataAndAreChecked) {
    AddVersion(std::string(kCommitted), std::string(kCommitted));
    const auto narrow = AddVersion("narrow_v1", "narrow_v1");
    const auto immutable = AddVersion("ageing_v1", "ageing_v1");
    const auto with_actions = [](const fs::path& dir, const nlohmann::json& inputs) {
        EditMetadata(dir, [&](auto& metadata) {
            metadata["actions"] = {{"schema", 1}, {"inputs", inputs}};
        });
    };
    with_actions(narrow, nlohmann::json::array({{{"input", "revenu_mensuel"},
                                                 {"change", "raise"},
                                                 {"max_relative", 0.05},
                                                 {"label", "A small rise"}}}));
    with_actions(immutable,
                 nlohmann::json::array({{{"input", "age"}, {"change", "lower"}, {"label", "x"}}}));

    const auto repository = LoadRepository(root_, {std::string(kCommitted)});
    ASSERT_TRUE(repository) << repository.error().message;
    const auto* committed = repository->Find(kCommitted);
    ASSERT_TRUE(committed && committed->model);
    EXPECT_EQ(ActionsToJson(committed->model->actions),
              ActionsToJson(DefaultActions(committed->model->predictor.Metadata().encoding)));
    const auto* narrowed = repository->Find("narrow_v1");
    ASSERT_TRUE(narrowed && narrowed->model) << (narrowed ? narrowed->failure : "");
    ASSERT_EQ(narrowed->model->actions.inputs.size(), 1U);
    EXPECT_EQ(narrowed->model->actions.inputs[0].input, "revenu_mensuel");
    EXPECT_EQ(narrowed->model->actions.inputs[0].max_relative, 0.05);
    const auto* refused = repository->Find("ageing_v1");
    ASSERT_NE(refused, nullptr);
    EXPECT_EQ(refused->model, nullptr);
    EXPECT_NE(refused->failure.find("age is not something HR can change"), std::string::npos)
        << refused->failure;
}

TEST_F(RepositoryTest, LoadsEveryVersionAndKeepsABrokenOneWithItsReason) {
    AddVersion(std::string(kCommitted), std::string(kCommitted));
    AddVersion("candidate_v3", "candidate_v3");
    const auto broken = AddVersion("broken_v0", "broken_v0");
    std::ofstream(broken / kBoosterFile, std::ios::trunc) << "{not a booster";
    fs::create_directories(root_ / ".hidden");

    const auto repository = LoadRepository(root_, {std::string(kCommitted)});
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
    const auto repository = LoadRepository(root_, {});
    ASSERT_FALSE(repository);
    EXPECT_EQ(repository.error().code, base::ErrorCode::kInvalidConfig);
    EXPECT_NE(repository.error().message.find("--default-model"), std::string::npos);
}

TEST_F(RepositoryTest, OneVersionIsTheDefaultWithoutBeingNamed) {
    AddVersion("only_v1", "only_v1");
    const auto repository = LoadRepository(root_, {});
    ASSERT_TRUE(repository) << repository.error().message;
    EXPECT_EQ(repository->default_version, "only_v1");
}

TEST_F(RepositoryTest, ABrokenOrMissingDefaultRefusesTheLoad) {
    AddVersion("good_v1", "good_v1");
    const auto broken = AddVersion("broken_v0", "broken_v0");
    fs::remove(broken / kBoosterFile);

    const auto refused = LoadRepository(root_, {"broken_v0"});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("broken_v0 failed"), std::string::npos)
        << refused.error().message;
    const auto missing = LoadRepository(root_, {"absent_v1"});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("not in the repository (versions: good_v1)"),
              std::string::npos)
        << missing.error().message;
}

// A broken version's reason is listed by GET /api/v1/models and logged at start: it says what is
// wrong in the file's words, not in the JSON library's ("[json.exception.parse_error.101]").
TEST_F(RepositoryTest, ABrokenVersionsReasonSaysWhatIsWrongWithoutTheJsonLibrarysTags) {
    AddVersion("good_v1", "good_v1");
    std::ofstream(AddVersion("syntax_v1", "syntax_v1") / kMetadataFile, std::ios::trunc)
        << "{\n  \"format_version\": 1,\n  \"model_version\": }";
    EditMetadata(AddVersion("missing_v1", "missing_v1"),
                 [](auto& metadata) { metadata.erase("training_date"); });
    EditMetadata(AddVersion("typed_v1", "typed_v1"),
                 [](auto& metadata) { metadata["training_date"] = 2026; });
    const auto repository = LoadRepository(root_, {"good_v1"});
    ASSERT_TRUE(repository) << repository.error().message;
    const std::vector<std::pair<std::string, std::string>> expected{
        {"syntax_v1", "model metadata: not valid JSON (line 3, column 20)"},
        {"missing_v1", "model metadata: missing member \"training_date\""},
        {"typed_v1", "model metadata: type must be string, but is number"}};
    for (const auto& [name, reason] : expected) {
        SCOPED_TRACE(name);
        const auto* version = repository->Find(name);
        ASSERT_NE(version, nullptr);
        EXPECT_EQ(version->model, nullptr);
        EXPECT_EQ(version->failure, reason);
    }
}

TEST_F(RepositoryTest, AFolderNamedOtherThanItsVersionFails) {
    AddVersion("good_v1", "good_v1");
    AddVersion("renamed", "good_v2");
    const auto repository = LoadRepository(root_, {"good_v1"});
    ASSERT_TRUE(repository) << repository.error().message;
    const auto* renamed = repository->Find("renamed");
    ASSERT_NE(renamed, nullptr);
    EXPECT_EQ(renamed->model, nullptr);
    EXPECT_NE(renamed->failure.find("good_v2"), std::string::npos) << renamed->failure;
}

TEST_F(RepositoryTest, AnArtifactFolderIsARepositoryOfOneVersion) {
    const auto repository = LoadRepository(CommittedArtifact(), {});
    ASSERT_TRUE(repository) << repository.error().message;
    ASSERT_EQ(repository->versions.size(), 1U);
    EXPECT_EQ(repository->default_version, kCommitted);
    EXPECT_NE(repository->Default(), nullptr);
}

TEST_F(RepositoryTest, NoFolderIsAnEmptyRepository) {
    const auto repository = LoadRepository(root_ / "absent", {});
    ASSERT_TRUE(repository) << repository.error().message;
    EXPECT_TRUE(repository->versions.empty());
    EXPECT_EQ(repository->Default(), nullptr);
    EXPECT_EQ(repository->LoadedNames(), "");
}

TEST_F(RepositoryTest, ServingFileNamesTheDefaultWhenTheCallerNamesNoneOrTheSame) {
    AddVersion("a_v1", "a_v1");
    AddVersion("b_v1", "b_v1");
    WriteServing(R"({"default": "b_v1"})");
    EXPECT_EQ(LoadRepository(root_, {})->default_version, "b_v1");
    EXPECT_EQ(LoadRepository(root_, {"b_v1"})->default_version, "b_v1");
}

// Which of two different names the operator meant cannot be guessed: the start is refused,
// naming both and where each comes from.
TEST_F(RepositoryTest, AServingFileAndFlagsThatDisagreeRefuseTheStart) {
    AddVersion("a_v1", "a_v1");
    AddVersion("b_v1", "b_v1");
    AddVersion("c_v1", "c_v1");
    const std::vector<std::tuple<std::string, ServingFlags, std::string>> cases{
        {R"({"default": "b_v1"})",
         {"a_v1"},
         "serving.json names b_v1 as the default version but --default-model names a_v1: "
         "remove one of them"},
        {R"({"default": "a_v1", "shadow": "b_v1"})",
         {"a_v1", "c_v1"},
         "serving.json names b_v1 as the shadow version but --shadow-model names c_v1: "
         "remove one of them"},
        {R"({"default": "a_v1", "shadow": null})",
         {"", "c_v1"},
         "serving.json names none as the shadow version but --shadow-model names c_v1: "
         "remove one of them"},
    };
    for (const auto& [text, flags, message] : cases) {
        SCOPED_TRACE(text);
        WriteServing(text);
        const auto refused = LoadRepository(root_, flags);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, base::ErrorCode::kInvalidConfig);
        EXPECT_EQ(refused.error().message, message);
    }
    WriteServing(R"({"default": "a_v1", "shadow": "b_v1"})");
    const auto agreed = LoadRepository(root_, {"a_v1", "b_v1"});
    ASSERT_TRUE(agreed) << agreed.error().message;
    EXPECT_EQ(agreed->shadow_version, "b_v1");
    // attrition score's --model-version is a version to score with, not a default.
    WriteServing(R"({"default": "b_v1"})");
    const auto scoring = LoadRepository(root_, {.default_version = "a_v1", .fallback_only = true});
    ASSERT_TRUE(scoring) << scoring.error().message;
    EXPECT_EQ(scoring->default_version, "b_v1");
}

TEST_F(RepositoryTest, AnInvalidServingFileRefusesTheLoadNamingTheRule) {
    AddVersion("a_v1", "a_v1");
    const std::vector<std::pair<std::string, std::string>> cases{
        {"[]", "is not a JSON object"},
        {"{\"default\": ", "not valid JSON (line 1, column 13)"},
        {R"({"default": 3})", "\"default\" must be a non-empty string"},
        {R"({"default": ""})", "\"default\" must be a non-empty string"},
        {R"({"defualt": "a_v1"})", "unknown member \"defualt\" (allowed: default, shadow)"},
    };
    for (const auto& [text, rule] : cases) {
        SCOPED_TRACE(text);
        WriteServing(text);
        const auto refused = LoadRepository(root_, {"a_v1"});
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, base::ErrorCode::kInvalidConfig);
        EXPECT_EQ(refused.error().message, "serving.json: " + rule);
    }
}

TEST_F(RepositoryTest, AReloadOfAnUnchangedRepositoryChangesNothingAndKeepsEachModel) {
    AddVersion("a_v1", "a_v1");
    AddVersion("b_v1", "b_v1");
    const auto loaded = LoadRepository(root_, {"a_v1"});
    ASSERT_TRUE(loaded) << loaded.error().message;
    const auto reloaded = ReloadRepository(root_, *loaded, {"a_v1"});
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    EXPECT_TRUE(reloaded->changes.empty());
    EXPECT_EQ(reloaded->repository.default_version, "a_v1");
    ASSERT_EQ(reloaded->repository.versions.size(), 2U);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(reloaded->repository.versions[i].model, loaded->versions[i].model);
    }
}

TEST_F(RepositoryTest, AReloadLoadsNewAndChangedVersionsAndDropsRemovedOnes) {
    AddVersion("a_v1", "a_v1");
    AddVersion("b_v1", "b_v1");
    AddVersion("c_v1", "c_v1");
    const auto loaded = LoadRepository(root_, {"a_v1"});
    ASSERT_TRUE(loaded) << loaded.error().message;
    Touch("b_v1", "2026-12-01");
    fs::remove_all(root_ / "c_v1");
    AddVersion("d_v1", "d_v1");
    const auto reloaded = ReloadRepository(root_, *loaded, {"a_v1"});
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    const std::vector<std::pair<std::string, Action>> expected{
        {"b_v1", Action::kReplaced}, {"d_v1", Action::kAdded}, {"c_v1", Action::kRemoved}};
    auto summary = Summary(*reloaded);
    std::sort(summary.begin(), summary.end());
    auto sorted = expected;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(summary, sorted);
    const auto& next = reloaded->repository;
    EXPECT_EQ(next.LoadedNames(), "a_v1, b_v1, d_v1");
    EXPECT_EQ(next.Find("a_v1")->model, loaded->Find("a_v1")->model);
    ASSERT_NE(next.Find("b_v1")->model, nullptr);
    EXPECT_NE(next.Find("b_v1")->model, loaded->Find("b_v1")->model);
    EXPECT_EQ(next.Find("b_v1")->model->predictor.Metadata().training_date, "2026-12-01");
}

TEST_F(RepositoryTest, AChangedVersionWhoseFilesFailKeepsServingItsPreviousModel) {
    AddVersion("a_v1", "a_v1");
    AddVersion("b_v1", "b_v1");
    const auto loaded = LoadRepository(root_, {"a_v1"});
    ASSERT_TRUE(loaded) << loaded.error().message;
    std::ofstream(root_ / "b_v1" / kBoosterFile, std::ios::trunc) << "{half a file";
    AddVersion("new_broken", "new_broken");
    fs::remove(root_ / "new_broken" / kBoosterFile);

    const auto reloaded = ReloadRepository(root_, *loaded, {"a_v1"});
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    ASSERT_EQ(reloaded->changes.size(), 2U);
    for (const auto& change : reloaded->changes) {
        SCOPED_TRACE(change.version);
        EXPECT_EQ(change.action, change.version == "b_v1" ? Action::kRefused : Action::kFailed);
        EXPECT_FALSE(change.reason.empty());
    }
    const auto* kept = reloaded->repository.Find("b_v1");
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(kept->model, loaded->Find("b_v1")->model);
    EXPECT_FALSE(kept->refused.empty());
    EXPECT_EQ(reloaded->repository.Find("new_broken")->model, nullptr);
    // Refused once: the same broken files are not reported again at the next reload.
    const auto again = ReloadRepository(root_, reloaded->repository, {"a_v1"});
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_TRUE(again->changes.empty());
}

TEST_F(RepositoryTest, TheDefaultMovesWithTheServingFileOnlyToALoadedVersion) {
    AddVersion("a_v1", "a_v1");
    AddVersion("b_v1", "b_v1");
    const auto broken = AddVersion("broken_v0", "broken_v0");
    fs::remove(broken / kBoosterFile);
    const auto loaded = LoadRepository(root_, {"a_v1"});
    ASSERT_TRUE(loaded) << loaded.error().message;

    WriteServing(R"({"default": "broken_v0"})");
    auto refused = ReloadRepository(root_, *loaded, {"a_v1"});
    ASSERT_TRUE(refused) << refused.error().message;
    EXPECT_EQ(Summary(*refused),
              (std::vector<std::pair<std::string, Action>>{{"broken_v0", Action::kRefused}}));
    EXPECT_EQ(refused->repository.default_version, "a_v1");

    WriteServing(R"({"default": "b_v1"})");
    const auto moved = ReloadRepository(root_, *loaded, {"a_v1"});
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(Summary(*moved),
              (std::vector<std::pair<std::string, Action>>{{"b_v1", Action::kDefault}}));
    EXPECT_EQ(moved->repository.default_version, "b_v1");

    // The default's folder removed while it stays the default: it serves on.
    fs::remove(root_ / kServingFile);
    fs::remove_all(root_ / "a_v1");
    const auto kept = ReloadRepository(root_, *loaded, {"a_v1"});
    ASSERT_TRUE(kept) << kept.error().message;
    EXPECT_EQ(Summary(*kept),
              (std::vector<std::pair<std::string, Action>>{{"a_v1", Action::kRefused}}));
    EXPECT_EQ(kept->repository.default_version, "a_v1");
    EXPECT_EQ(kept->repository.Find("a_v1")->model, loaded->Find("a_v1")->model);
}

TEST_F(RepositoryTest, TheShadowComesFromTheServingFileOrTheFlagAndMustServe) {
    AddVersion("a_v1", "a_v1");
    AddVersion("b_v1", "b_v1");
    const auto broken = AddVersion("broken_v0", "broken_v0");
    fs::remove(broken / kBoosterFile);
    const auto flagged = LoadRepository(root_, {"a_v1", "b_v1"});
    ASSERT_TRUE(flagged) << flagged.error().message;
    EXPECT_EQ(flagged->shadow_version, "b_v1");
    ASSERT_NE(flagged->Shadow(), nullptr);
    EXPECT_EQ(flagged->Shadow()->predictor.Version(), "b_v1");
    EXPECT_TRUE(flagged->shadow_refused.empty());

    const std::vector<std::pair<std::string, std::string>> unusable{
        {"a_v1", "shadow version a_v1 is the default"},
        {"broken_v0", "shadow version broken_v0 failed: "},
        {"absent_v1", "shadow version absent_v1 is not in the repository"}};
    for (const auto& [shadow, reason] : unusable) {
        SCOPED_TRACE(shadow);
        const auto refused = LoadRepository(root_, {"a_v1", shadow});
        ASSERT_TRUE(refused) << refused.error().message;  // a shadow never stops the start
        EXPECT_EQ(refused->shadow_version, "");
        EXPECT_EQ(refused->Shadow(), nullptr);
        EXPECT_EQ(refused->shadow_refused.substr(0, reason.size()), reason);
    }
    WriteServing(R"({"shadow": null})");
    EXPECT_EQ(LoadRepository(root_, {"a_v1"})->shadow_version, "");
    WriteServing(R"({"default": "b_v1", "shadow": "a_v1"})");
    const auto named = LoadRepository(root_, {});
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_EQ(named->default_version, "b_v1");
    EXPECT_EQ(named->shadow_version, "a_v1");
    WriteServing(R"({"shadow": 2})");
    ASSERT_FALSE(LoadRepository(root_, {"a_v1"}));
}

TEST_F(RepositoryTest, AReloadMovesTheShadowAndDropsItWithItsFolder) {
    AddVersion("a_v1", "a_v1");
    AddVersion("b_v1", "b_v1");
    const auto loaded = LoadRepository(root_, {"a_v1"});
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->shadow_version, "");
    WriteServing(R"({"shadow": "b_v1"})");
    const auto shadowed = ReloadRepository(root_, *loaded, {"a_v1"});
    ASSERT_TRUE(shadowed) << shadowed.error().message;
    EXPECT_EQ(Summary(*shadowed),
              (std::vector<std::pair<std::string, Action>>{{"b_v1", Action::kShadow}}));
    EXPECT_EQ(shadowed->repository.shadow_version, "b_v1");

    fs::remove_all(root_ / "b_v1");
    const auto dropped = ReloadRepository(root_, shadowed->repository, {"a_v1"});
    ASSERT_TRUE(dropped) << dropped.error().message;
    // serving.json still names it: refused (once), and no shadow.
    EXPECT_EQ(Summary(*dropped),
              (std::vector<std::pair<std::string, Action>>{
                  {"b_v1", Action::kRemoved}, {"b_v1", Action::kRefused}, {"", Action::kShadow}}));
    EXPECT_EQ(dropped->repository.shadow_version, "");
    EXPECT_EQ(dropped->repository.shadow_refused, "shadow version b_v1 is not in the repository");
}

TEST_F(RepositoryTest, ANameTheLogCannotHoldFailsAndReasonsNameNoServerPath) {
    AddVersion("good_v1", "good_v1");
    const std::string long_name(kMaxVersionChars + 1, 'v');
    AddVersion(long_name, long_name);
    AddVersion("bad name", "bad name");
    AddVersion("a..b", "a..b");
    const auto broken = AddVersion("broken_v0", "broken_v0");
    fs::remove(broken / kBoosterFile);
    const auto repository = LoadRepository(root_, {"good_v1"});
    ASSERT_TRUE(repository) << repository.error().message;
    for (const auto& name : {long_name, std::string("bad name"), std::string("a..b")}) {
        SCOPED_TRACE(name);
        ASSERT_NE(repository->Find(name), nullptr);
        EXPECT_EQ(repository->Find(name)->model, nullptr);
        EXPECT_EQ(repository->Find(name)->failure, VersionNameProblem(name));
    }
    const auto& failure = repository->Find("broken_v0")->failure;
    EXPECT_FALSE(failure.empty());
    EXPECT_EQ(failure.find(root_.string()), std::string::npos) << failure;
    EXPECT_EQ(repository->LoadedNames(), "good_v1");
}

TEST_F(RepositoryTest, AStandingRefusalIsReportedOnceNotAtEachReload) {
    AddVersion("a_v1", "a_v1");
    AddVersion("b_v1", "b_v1");
    const auto loaded = LoadRepository(root_, {"a_v1"});
    ASSERT_TRUE(loaded) << loaded.error().message;
    WriteServing(R"({"default": "absent_v1", "shadow": "a_v1"})");
    const auto first = ReloadRepository(root_, *loaded, {"a_v1"});
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(Summary(*first), (std::vector<std::pair<std::string, Action>>{
                                   {"absent_v1", Action::kRefused}, {"a_v1", Action::kRefused}}));
    EXPECT_EQ(first->repository.default_version, "a_v1");
    const auto second = ReloadRepository(root_, first->repository, {"a_v1"});
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_TRUE(second->changes.empty());
    // Mended: no refusal left, and a refusal made again later is reported again.
    WriteServing(R"({"default": "a_v1"})");
    const auto mended = ReloadRepository(root_, second->repository, {"a_v1"});
    ASSERT_TRUE(mended) << mended.error().message;
    EXPECT_TRUE(mended->repository.default_refused.empty());
    EXPECT_TRUE(mended->repository.shadow_refused.empty());
}

TEST_F(RepositoryTest, AnUnreadableRepositoryRefusesTheWholeReload) {
    AddVersion("a_v1", "a_v1");
    const auto loaded = LoadRepository(root_, {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    WriteServing("{");
    const auto bad_file = ReloadRepository(root_, *loaded, {});
    ASSERT_FALSE(bad_file);
    EXPECT_EQ(bad_file.error().code, base::ErrorCode::kInvalidConfig);
    const auto gone = ReloadRepository(root_ / "absent", *loaded, {});
    ASSERT_FALSE(gone);
}

TEST_F(RepositoryTest, ACatalogSwapsWholeAndLeavesHeldSnapshotsIntact) {
    AddVersion("a_v1", "a_v1");
    auto loaded = LoadRepository(root_, {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    Catalog catalog(root_, {}, std::move(*loaded));
    const auto before = catalog.Current();
    const auto unchanged = catalog.Reload();
    ASSERT_TRUE(unchanged) << unchanged.error().message;
    EXPECT_EQ(catalog.Current(), before);  // nothing changed: no swap

    AddVersion("b_v1", "b_v1");
    WriteServing(R"({"default": "b_v1"})");
    const auto changed = catalog.Reload();
    ASSERT_TRUE(changed) << changed.error().message;
    const auto after = catalog.Current();
    EXPECT_NE(after, before);
    EXPECT_EQ(after->default_version, "b_v1");
    EXPECT_EQ(before->default_version, "a_v1");  // the held snapshot is as it was
    EXPECT_EQ(before->LoadedNames(), "a_v1");
    ASSERT_NE(before->Default(), nullptr);
    EXPECT_EQ(before->Default()->predictor.Version(), "a_v1");
}

// A FIFO (or a device) where a file should be: refused at once, never waited on (issue 26,
// defect 3: a reload, later reloads and shutdown hung on it).
TEST_F(RepositoryTest, AFifoInTheRepositoryFailsAtOnce) {
    AddVersion("a_v1", "a_v1");
    const auto loaded = LoadRepository(root_, {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    fs::create_directories(root_ / "fifo_v1");
    ASSERT_EQ(::mkfifo((root_ / "fifo_v1" / kBoosterFile).c_str(), 0600), 0);
    std::ofstream(root_ / "fifo_v1" / kMetadataFile) << "{}";
    const auto reloaded = ReloadRepository(root_, *loaded, {});
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    EXPECT_EQ(Summary(*reloaded),
              (std::vector<std::pair<std::string, Action>>{{"fifo_v1", Action::kFailed}}));
    EXPECT_NE(reloaded->repository.Find("fifo_v1")->failure.find("not a regular file"),
              std::string::npos);
    ASSERT_EQ(::mkfifo((root_ / kServingFile).c_str(), 0600), 0);
    const auto refused = ReloadRepository(root_, *loaded, {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("not a regular file"), std::string::npos);
}

// A scan that hangs (a file on a hung mount): the reload fails at its limit and changes nothing,
// later reloads fail at once until the scan ends, its late result is dropped, and Stop wakes a
// waiting reload (issue 26, defect 3).
TEST_F(RepositoryTest, AReloadIsBoundedInTimeAndShutdownNeverWaitsOnIt) {
    AddVersion("a_v1", "a_v1");
    auto loaded = LoadRepository(root_, {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    struct Gate {
        std::mutex mutex;
        std::condition_variable changed;
        bool open = false;
        int scans = 0;     // begun
        int finished = 0;  // returned
    };
    auto gate = std::make_shared<Gate>();
    Catalog::Scan hanging = [gate](const fs::path& dir, const Repository& current,
                                   const ServingFlags& flags) {
        {
            std::unique_lock lock(gate->mutex);
            ++gate->scans;
            gate->changed.notify_all();
            gate->changed.wait(lock, [&] { return gate->open; });
        }
        auto result = ReloadRepository(dir, current, flags);
        {
            std::lock_guard lock(gate->mutex);
            ++gate->finished;
        }
        gate->changed.notify_all();
        return result;
    };
    // 3 s: far above what a real scan of two versions takes, even under ASan on a busy machine.
    Catalog catalog(root_, {}, std::move(*loaded), std::chrono::seconds(3), hanging);
    const auto before = catalog.Current();
    AddVersion("b_v1", "b_v1");
    const auto overran = catalog.Reload();
    ASSERT_FALSE(overran);
    EXPECT_EQ(overran.error().code, base::ErrorCode::kUnavailable);
    EXPECT_NE(overran.error().message.find("did not finish within 3000 ms"), std::string::npos);
    const auto queued = catalog.Reload();
    ASSERT_FALSE(queued);
    EXPECT_NE(queued.error().message.find("has not finished"), std::string::npos);
    EXPECT_EQ(catalog.Current(), before);
    {
        std::unique_lock lock(gate->mutex);
        EXPECT_EQ(gate->scans, 1);  // the second reload started no scan of its own
        gate->open = true;
        gate->changed.notify_all();
        gate->changed.wait(lock, [&] { return gate->finished == 1; });
    }
    // The late scan's result was not swapped in; once its thread has handed it over, the next
    // reload scans again and lands.
    EXPECT_EQ(catalog.Current(), before);
    auto landed = catalog.Reload();
    for (int i = 0;
         i < 100 && !landed && landed.error().message.find("has not finished") != std::string::npos;
         ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        landed = catalog.Reload();
    }
    ASSERT_TRUE(landed) << landed.error().message;
    EXPECT_EQ(catalog.Current()->LoadedNames(), "a_v1, b_v1");

    {
        std::lock_guard lock(gate->mutex);
        gate->open = false;
    }
    Catalog stopping(root_, {}, *catalog.Current(), std::chrono::hours(1), hanging);
    AddVersion("c_v1", "c_v1");
    std::thread reloading([&] {
        const auto stopped = stopping.Reload();
        EXPECT_FALSE(stopped);
        EXPECT_EQ(stopped.error().message, "the service is stopping");
    });
    {
        std::unique_lock lock(gate->mutex);  // until the scan waits at the gate
        gate->changed.wait(lock, [&] { return gate->scans == 3; });
    }
    stopping.Stop();
    reloading.join();  // an hour's limit, yet Stop ended it
    EXPECT_FALSE(stopping.Reload());
    {
        std::lock_guard lock(gate->mutex);
        gate->open = true;
    }
    gate->changed.notify_all();
}

// A shadow that takes an optional input the answering version lacks: requests for that version
// are read with the input too, lenient; without such a shadow, with the version's own.
TEST_F(RepositoryTest, RequestsAreReadWithTheShadowsOptionalInputsToo) {
    AddVersion(std::string(kCommitted), std::string(kCommitted));
    AddV2(std::string(kCommittedV2));
    auto plain = LoadRepository(root_, {.default_version = std::string(kCommitted)});
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_TRUE(plain->shadow_readers.empty());
    const ServedModel* v1 = plain->Default();
    ASSERT_NE(v1, nullptr);
    EXPECT_EQ(&plain->RequestVocabulary(*v1), &v1->vocabulary);

    auto shadowed = LoadRepository(root_, {.default_version = std::string(kCommitted),
                                           .shadow_version = std::string(kCommittedV2)});
    ASSERT_TRUE(shadowed) << shadowed.error().message;
    ASSERT_NE(shadowed->Shadow(), nullptr);
    const auto& reader = shadowed->RequestVocabulary(*shadowed->Default());
    ASSERT_EQ(reader.Count(), domain::kCategoricalCount + 1);
    EXPECT_EQ(reader.Name(domain::kCategoricalCount), "frequence_deplacement");
    EXPECT_TRUE(reader.IsLenient(domain::kCategoricalCount));
    // The shadow itself, asked for by name, reads its input strictly.
    const auto& v2 = *shadowed->Shadow();
    EXPECT_EQ(&shadowed->RequestVocabulary(v2), &v2.vocabulary);
    EXPECT_FALSE(v2.vocabulary.IsLenient(domain::kCategoricalCount));

    // A reload that drops the shadow drops its readers.
    WriteServing(R"({"shadow": null})");
    auto reloaded = ReloadRepository(root_, *shadowed, {});
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    EXPECT_TRUE(reloaded->repository.shadow_readers.empty());
}

}  // namespace
}  // namespace attrition::model
