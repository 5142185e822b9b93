// The committed model cards (docs/model-cards/<version>.md) are what `attrition model-card`
// makes from the committed artifacts today: a retrained artifact without its regenerated card
// fails here. And the card of an unreadable artifact is an error, not an empty file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/service_process.hpp"

namespace attrition::test::model_card_test {
namespace {

namespace fs = std::filesystem;

TEST(ModelCardTest, EveryCommittedArtifactHasItsCardUpToDate) {
    const fs::path source = EnvOr("ATTRITION_SOURCE_DIR", ".");
    const auto scratch = MakeTempDir("attrition-model-card");
    int artifacts = 0;
    for (const auto& entry : fs::directory_iterator(source / "model")) {
        if (!fs::exists(entry.path() / "booster.json")) continue;
        ++artifacts;
        const auto version = entry.path().filename().string();
        SCOPED_TRACE(version);
        const auto out = scratch + "/" + version + ".md";
        std::string log;
        ASSERT_EQ(RunCommand({.argv = {AttritionBinary(), "model-card", "--model",
                                       entry.path().string(), "--out", out}},
                             &log),
                  0)
            << log;
        const auto committed = source / "docs" / "model-cards" / (version + ".md");
        ASSERT_TRUE(fs::exists(committed))
            << committed << " is missing: attrition model-card --model " << entry.path()
            << " --out " << committed;
        const auto card = ReadFile(out);
        EXPECT_TRUE(card == ReadFile(committed.string()))
            << committed << " is out of date: regenerate it with attrition model-card --model "
            << entry.path() << " --out " << committed;
        // Plain words first, for HR; then the figures, the data's hashes and the settings.
        std::size_t previous = 0;
        for (const std::string section :
             {"## In short", "## Intended use", "## Out of scope: misuse", "## Known limitations",
              "## Model", "## Training data", "## Features", "## Performance",
              "## Fairness at training"}) {
            const auto at = card.find("\n" + section + "\n");
            ASSERT_NE(at, std::string::npos) << section;
            EXPECT_GT(at, previous) << section << " out of order";
            previous = at;
        }
        EXPECT_NE(card.find("Never an automated decision about a person"), std::string::npos);
    }
    EXPECT_GE(artifacts, 2);

    std::string log;
    EXPECT_EQ(RunCommand({.argv = {AttritionBinary(), "model-card", "--model", scratch, "--out",
                                   scratch + "/none.md"}},
                         &log),
              1);
    EXPECT_NE(log.find("cannot read the artifact"), std::string::npos) << log;
    EXPECT_FALSE(fs::exists(scratch + "/none.md"));
}

// The card where people look: served by the running service for each loaded version, the
// default's at /api/v1/model/card, as Markdown (what `attrition model-card` writes) or as a page.
TEST(ModelCardTest, TheServiceServesEachVersionsCardAsMarkdownOrAPage) {
    const fs::path source = EnvOr("ATTRITION_SOURCE_DIR", ".");
    ServiceProcess service({.env = {{"OC5_DATABASE_URL", "none"}}});
    HttpClient client(service.Port());
    const auto committed = [&](const std::string& version) {
        return ReadFile((source / "docs" / "model-cards" / (version + ".md")).string());
    };
    const auto markdown = client.Get("/api/v1/model/card");
    ASSERT_EQ(markdown.status, 200) << markdown.body;
    EXPECT_EQ(markdown.Header("content-type"), "text/markdown; charset=utf-8");
    EXPECT_EQ(markdown.body, committed("xgb_enhanced_v2.0"));  // serving.json's default
    const auto v21 = client.Get("/api/v1/models/xgb_enhanced_v2.1/card?format=markdown",
                                {{"Accept", "text/html"}});
    ASSERT_EQ(v21.status, 200);
    EXPECT_EQ(v21.body, committed("xgb_enhanced_v2.1"));

    for (const auto& [target, accept] : std::vector<std::pair<std::string, std::string>>{
             {"/api/v1/models/xgb_enhanced_v2.1/card", "text/html,application/xhtml+xml,*/*;q=0.8"},
             {"/api/v1/models/xgb_enhanced_v2.1/card?format=html", "*/*"}}) {
        SCOPED_TRACE(target);
        const auto page = client.Get(target, {{"Accept", accept}});
        ASSERT_EQ(page.status, 200);
        EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
        EXPECT_EQ(page.Header("vary"), "Accept");
        EXPECT_NE(page.body.find("<h1>Model card: <code>xgb_enhanced_v2.1</code></h1>"),
                  std::string::npos);
        const auto first_section = page.body.find("<h2>");
        EXPECT_EQ(page.body.substr(first_section, 18), "<h2>In short</h2>\n");
    }

    const auto unknown = client.Get("/api/v1/models/nope_v0/card");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(nlohmann::json::parse(unknown.body)["detail"],
              "Unknown model version; available: xgb_enhanced_v2.0, xgb_enhanced_v2.1");
    const auto pdf = client.Get("/api/v1/model/card?format=pdf");
    EXPECT_EQ(pdf.status, 422);
    EXPECT_EQ(pdf.body.find("pdf"), std::string::npos) << "the submitted value is echoed";
}

// The name rule of serve holds for train and model-card (issue 26, defect 4): "" wrote the
// artifact at the repository's root, "../x" outside model/.
TEST(ModelCardTest, TrainAndModelCardRefuseAVersionNameServeWouldRefuse) {
    const auto work = MakeTempDir("attrition-train-name");
    for (const std::string name : {"", "../x", ".."}) {
        SCOPED_TRACE(name);
        std::string log;
        EXPECT_NE(RunCommand({.argv = {AttritionBinary(), "train", "--data", work,
                                       "--model-version", name},
                              .working_dir = work},
                             &log),
                  0);
        EXPECT_NE(log.find("holds no '..'"), std::string::npos) << log;
        EXPECT_TRUE(fs::is_empty(work)) << "train wrote something";
    }

    const fs::path source = EnvOr("ATTRITION_SOURCE_DIR", ".");
    const fs::path artifact = fs::path(work) / "renamed";
    fs::copy(source / "model" / "xgb_enhanced_v2.1", artifact);
    const auto metadata = (artifact / "metadata.json").string();
    auto text = ReadFile(metadata);
    const std::string key = "\"model_version\": \"xgb_enhanced_v2.1\"";
    ASSERT_NE(text.find(key), std::string::npos);
    text.replace(text.find(key), key.size(), "\"model_version\": \"../x\"");
    std::ofstream(metadata, std::ios::trunc) << text;
    std::string log;
    EXPECT_EQ(RunCommand({.argv = {AttritionBinary(), "model-card", "--model", artifact.string(),
                                   "--out", work + "/card.md"}},
                         &log),
              1);
    EXPECT_NE(log.find("cannot name a version"), std::string::npos) << log;
    EXPECT_FALSE(fs::exists(work + "/card.md"));
}

// A version that may be serving is never replaced by mistake: train refuses a folder that holds
// one, before reading anything, unless --force says so.
TEST(ModelCardTest, TrainRefusesToWriteOverAVersionWithoutForce) {
    const fs::path source = EnvOr("ATTRITION_SOURCE_DIR", ".");
    const auto work = MakeTempDir("attrition-train-over");
    const fs::path version = fs::path(work) / "model" / "xgb_enhanced_v2.0";
    fs::create_directories(version.parent_path());
    fs::copy(source / "model" / "xgb_enhanced_v2.0", version);
    const auto booster = ReadFile((version / "booster.json").string());
    const auto metadata = ReadFile((version / "metadata.json").string());
    const auto no_data = MakeTempDir("attrition-train-no-data");
    for (const std::vector<std::string>& where :
         {std::vector<std::string>{}, std::vector<std::string>{"--out", version.string()}}) {
        std::vector<std::string> argv{AttritionBinary(), "train", "--data", no_data};
        argv.insert(argv.end(), where.begin(), where.end());
        std::string log;
        EXPECT_EQ(RunCommand({.argv = argv, .working_dir = work}, &log), 1);
        const auto named =
            where.empty() ? std::string("model/xgb_enhanced_v2.0") : version.string();
        EXPECT_NE(log.find(named + " already holds a model version: name another (--model-version "
                                   "or --out), or replace it with --force"),
                  std::string::npos)
            << log;
        EXPECT_EQ(log.find("training data"), std::string::npos) << "read before refusing: " << log;
    }
    EXPECT_EQ(ReadFile((version / "booster.json").string()), booster);
    EXPECT_EQ(ReadFile((version / "metadata.json").string()), metadata);
}

TEST(ModelCardTest, TrainWritesOverAVersionWithForce) {
    const char* data = std::getenv("ATTRITION_DATA_DIR");
    if (data == nullptr || !fs::exists(fs::path(data) / "extrait_sirh.csv")) {
        GTEST_SKIP() << "real TechNova data not found (set ATTRITION_DATA_DIR to the folder of "
                        "extrait_*.csv; ../shared/data/technova by default)";
    }
    const auto work = MakeTempDir("attrition-train-force");
    const fs::path version = fs::path(work) / "v";
    fs::create_directories(version);
    std::ofstream(version / "metadata.json") << "{}";
    std::ofstream(version / "notes.txt") << "kept";
    std::string log;
    ASSERT_EQ(RunCommand({.argv = {AttritionBinary(), "train", "--data", data, "--no-cv", "--out",
                                   version.string(), "--force"}},
                         &log),
              0)
        << log;
    EXPECT_NE(ReadFile((version / "metadata.json").string()).find("\"model_version\""),
              std::string::npos);
    EXPECT_TRUE(fs::exists(version / "booster.json"));
    EXPECT_EQ(ReadFile((version / "notes.txt").string()), "kept");
}

}  // namespace
}  // namespace attrition::test::model_card_test
