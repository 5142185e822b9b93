// Training on the real TechNova extracts (ATTRITION_DATA_DIR): the scores the project commits
// to (SPEC §3), the class balance, the 41 columns, the booster's feature names, determinism,
// and that the committed artifacts (v1, and v2 with the optional frequence_deplacement) are what
// the training code produces. Skips without the data.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "model/artifact_writer.hpp"
#include "model/calibration.hpp"
#include "model/technova_reader.hpp"
#include "model/training.hpp"
#include "support/committed_models.hpp"

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
    const TrainingOptions options;  // named: g++ 12 -O3 misreads the temporary's strings
    const auto report = CrossValidate(data_, options);
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

constexpr std::string_view kTravel = "frequence_deplacement";

TEST_F(RealDataTrainingTest, TravelFrequencyIsReadAsAnOptionalInput) {
    const std::vector<std::string> optional{std::string(kTravel)};
    auto data = ReadTechnova(data_dir_, optional);
    ASSERT_TRUE(data) << data.error().message;
    std::map<std::string, std::size_t> counts;
    for (const auto& employee : data->employees) {
        const std::string* value = employee.Optional(kTravel);
        ASSERT_NE(value, nullptr) << "every row of the extract has a travel frequency";
        ++counts[*value];
    }
    // The counts of the survey extract.
    EXPECT_EQ(counts, (std::map<std::string, std::size_t>{
                          {"Aucun", 150}, {"Frequent", 277}, {"Occasionnel", 1043}}));
    const EncodingSpec spec = Fit(data->employees, optional);
    EXPECT_EQ(spec.ColumnCount(), 44U);
    ASSERT_EQ(spec.optional.size(), 1U);
    EXPECT_EQ(spec.optional[0].mode, "Occasionnel");
}

// The v2 target of the lifecycle issue: the same protocol as v1 (stratified 5-fold, seed 42,
// the same hyperparameters) with the travel frequency reaches a CV ROC AUC of 0.845 or more,
// and beats v1's on the same folds.
TEST_F(RealDataTrainingTest, TravelFrequencyLiftsTheCrossValidatedAucTo0845) {
    TrainingOptions v2;
    v2.optional_features = {std::string(kTravel)};
    auto data = ReadTechnova(data_dir_, v2.optional_features);
    ASSERT_TRUE(data) << data.error().message;
    const auto with_travel = CrossValidate(*data, v2);
    const TrainingOptions v1;
    const auto without = CrossValidate(data_, v1);
    ASSERT_TRUE(with_travel && without);
    EXPECT_GE(with_travel->summary.roc_auc.mean, 0.845);
    EXPECT_GT(with_travel->summary.roc_auc.mean, without->summary.roc_auc.mean);
    EXPECT_GT(with_travel->summary.pr_auc.mean, without->summary.pr_auc.mean);
}

// Each committed version is what `attrition train` makes from the data with its options.
struct CommittedVersion {
    std::string_view name;
    std::vector<std::string> optional_features;
};

class CommittedArtifactTest : public RealDataTrainingTest,
                              public ::testing::WithParamInterface<CommittedVersion> {};

TEST_P(CommittedArtifactTest, IsReproducible) {
    const char* source = std::getenv("ATTRITION_SOURCE_DIR");
    ASSERT_NE(source, nullptr);
    const auto artifact = std::filesystem::path(source) / "model" / std::string(GetParam().name);
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
    options.optional_features = GetParam().optional_features;
    auto data = ReadTechnova(data_dir_, options.optional_features);
    ASSERT_TRUE(data) << data.error().message;
    auto trained = Train(*data, options);
    ASSERT_TRUE(trained);
    EXPECT_EQ(metadata->model_version, GetParam().name);
    EXPECT_EQ(trained->encoding.column_names, metadata->encoding.column_names);
    EXPECT_EQ(trained->encoding.numeric_medians, metadata->encoding.numeric_medians);
    ASSERT_EQ(trained->encoding.optional.size(), metadata->encoding.optional.size());
    for (std::size_t i = 0; i < trained->encoding.optional.size(); ++i) {
        EXPECT_EQ(trained->encoding.optional[i].vocabulary,
                  metadata->encoding.optional[i].vocabulary);
        EXPECT_EQ(trained->encoding.optional[i].mode, metadata->encoding.optional[i].mode);
    }
    auto committed = ReadFileText(artifact / kBoosterFile);
    ASSERT_TRUE(committed);
    EXPECT_TRUE(*committed == *trained->booster.Json())
        << artifact << "/booster.json is not what `attrition train` produces from the data";
    // Its score calibrator is the one its out-of-fold probabilities choose.
    const auto report = CrossValidate(*data, options);
    ASSERT_TRUE(report) << report.error().message;
    const auto calibrator =
        ChooseCalibrator(report->oof_probability, data->labels, report->folds, report->seed);
    ASSERT_TRUE(calibrator && metadata->calibrator);
    EXPECT_EQ(metadata->calibrator->method, calibrator->method);
    EXPECT_DOUBLE_EQ(metadata->calibrator->logistic_map.slope, calibrator->logistic_map.slope);
    EXPECT_DOUBLE_EQ(metadata->calibrator->logistic_map.intercept,
                     calibrator->logistic_map.intercept);
    EXPECT_EQ(metadata->calibrator->isotonic_map.y, calibrator->isotonic_map.y);
}

INSTANTIATE_TEST_SUITE_P(
    Versions,
    CommittedArtifactTest,
    ::testing::Values(CommittedVersion{"xgb_enhanced_v2.0", {}},
                      CommittedVersion{"xgb_enhanced_v2.1", {std::string(kTravel)}}),
    [](const auto& param_info) { return test::VersionTestName(param_info.param.name); });

}  // namespace
}  // namespace attrition::model
