// Training on the real TechNova extracts (ATTRITION_DATA_DIR): the scores the project commits
// to (SPEC §3), the class balance, the 41 columns, the booster's feature names, determinism,
// and that the committed artifact is what the training code produces. Skips without the data.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "model/artifact.hpp"
#include "model/technova_reader.hpp"
#include "model/training.hpp"

namespace attrition::model {
namespace {

class RealDataTrainingTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const char* dir = std::getenv("ATTRITION_DATA_DIR");
        if (dir == nullptr || !std::filesystem::exists(std::filesystem::path(dir) / kSirhFile)) {
            GTEST_SKIP() << "real TechNova data not found (set ATTRITION_DATA_DIR to the folder of "
                            "extrait_sirh.csv, extrait_eval.csv, extrait_sondage.csv; default "
                            "../shared/data/technova)";
        }
        data_dir_ = dir;
        auto data = ReadTechnova(data_dir_);
        ASSERT_TRUE(data) << data.error().message;
        data_ = std::move(*data);
    }
    std::filesystem::path data_dir_;
    TrainingSet data_;
};

TEST_F(RealDataTrainingTest, ClassBalanceAndColumns) {
    EXPECT_EQ(data_.employees.size(), 1470U);
    EXPECT_EQ(data_.PositiveCount(), 237U);
    EXPECT_EQ(data_.employees.size() - data_.PositiveCount(), 1233U);
    const EncodingSpec spec = Fit(data_.employees);
    EXPECT_EQ(spec.ColumnCount(), 41U);
}

TEST_F(RealDataTrainingTest, CrossValidatedScoresMatchTheOriginal) {
    const auto report = CrossValidate(data_, TrainingOptions{});
    ASSERT_TRUE(report) << report.error().message;
    const auto& s = report->summary;
    // SPEC §3: the original reported ROC AUC 0.834 ± 0.022 and PR AUC 0.600 ± 0.025.
    EXPECT_GE(s.roc_auc.mean, 0.83);
    EXPECT_GE(s.pr_auc.mean, 0.59);
    EXPECT_GT(report->f1_optimal.f1, report->at_default.f1);
    EXPECT_LT(report->f1_optimal.threshold, 0.5);
}

TEST_F(RealDataTrainingTest, FinalFitIsDeterministicAndNamesItsFeatures) {
    TrainingOptions options;
    options.cross_validate = false;
    auto first = Train(data_, options);
    auto second = Train(data_, options);
    ASSERT_TRUE(first && second);
    const auto a = first->booster.Json();
    const auto b = second->booster.Json();
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(*a == *b) << "retraining gave a different booster";

    const auto names = nlohmann::json::parse(*a).at("learner").at("feature_names");
    EXPECT_EQ(names.get<std::vector<std::string>>(), first->encoding.column_names);
    EXPECT_EQ(names.size(), 41U);
}

TEST_F(RealDataTrainingTest, CommittedArtifactIsReproducible) {
    const char* source = std::getenv("ATTRITION_SOURCE_DIR");
    ASSERT_NE(source, nullptr);
    const auto artifact = std::filesystem::path(source) / "model" / "xgb_enhanced_v2.0";
    if (!std::filesystem::exists(artifact / kBoosterFile)) {
        GTEST_SKIP() << "no committed artifact in " << artifact;
    }
    auto metadata = LoadMetadata(artifact);
    ASSERT_TRUE(metadata) << metadata.error().message;
    // The artifact was trained on these very files.
    for (const auto& file : metadata->input_files) {
        EXPECT_EQ(*Sha256File(data_dir_ / file.name), file.sha256) << file.name;
    }
    TrainingOptions options;
    options.cross_validate = false;
    options.threads = metadata->training_threads;
    auto trained = Train(data_, options);
    ASSERT_TRUE(trained);
    EXPECT_EQ(trained->encoding.column_names, metadata->encoding.column_names);
    EXPECT_EQ(trained->encoding.numeric_medians, metadata->encoding.numeric_medians);
    auto committed = ReadFileText(artifact / kBoosterFile);
    ASSERT_TRUE(committed);
    EXPECT_TRUE(*committed == *trained->booster.Json())
        << "model/xgb_enhanced_v2.0/booster.json is not what `attrition train` produces from the "
           "data";
}

}  // namespace
}  // namespace attrition::model
