// Training end to end on the synthetic dataset: files read from disk, cross-validation, the
// artifact written and loaded back, determinism, and the checks LoadMetadata makes.
#include "model/training.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/fields.hpp"
#include "model/artifact_writer.hpp"
#include "model/repository.hpp"
#include "model/technova_reader.hpp"
#include "support/synthetic_technova.hpp"

namespace attrition::model {
namespace {

using ::testing::HasSubstr;

std::filesystem::path ScratchDir(const std::string& name) {
    const char* tmp = std::getenv("ATTRITION_TEST_TMP");
    auto dir = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") /
               ("model_training_test_" + std::to_string(::getpid())) / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

std::string Slurp(const std::filesystem::path& path) {
    auto text = ReadFileText(path);
    EXPECT_TRUE(text) << text.error().message;
    return text ? *text : std::string();
}

class SyntheticTrainingTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        data_dir_ = new std::filesystem::path(ScratchDir("data"));
        texts_ = new test::SyntheticTexts(test::WriteSyntheticTechnova(*data_dir_, {.rows = 500}));
    }
    static void TearDownTestSuite() {
        delete data_dir_;
        delete texts_;
    }
    // The metadata JSON of a 5-tree model (no CV) with these optional inputs; "" on a failure.
    static std::string SmallModelMetadata(std::vector<std::string> optional_features) {
        TrainingOptions options;
        options.cross_validate = false;
        options.hyperparameters.n_estimators = 5;
        options.optional_features = std::move(optional_features);
        auto data = ReadTechnova(*data_dir_, options.optional_features);
        EXPECT_TRUE(data);
        if (!data) return {};
        auto trained = Train(*data, options);
        EXPECT_TRUE(trained);
        if (!trained) return {};
        auto metadata = DescribeModel(*trained, *data, {.extracts_dir = *data_dir_}, options);
        EXPECT_TRUE(metadata);
        return metadata ? MetadataToJson(*metadata) : std::string();
    }

    static std::filesystem::path* data_dir_;
    static test::SyntheticTexts* texts_;
};

// `good` edited, then parsed.
template <typename Edit>
base::Result<ModelMetadata> Edited(const std::string& good, Edit edit) {
    auto j = nlohmann::ordered_json::parse(good);
    edit(j);
    return ParseMetadata(j.dump());
}
std::filesystem::path* SyntheticTrainingTest::data_dir_ = nullptr;
test::SyntheticTexts* SyntheticTrainingTest::texts_ = nullptr;

TEST_F(SyntheticTrainingTest, TrainsSavesAndLoadsTheArtifact) {
    auto data = ReadTechnova(*data_dir_);
    ASSERT_TRUE(data) << data.error().message;
    EXPECT_EQ(data->employees.size(), 500U);
    EXPECT_EQ(data->PositiveCount(), texts_->positives);

    const TrainingOptions options;
    auto trained = Train(*data, options);
    ASSERT_TRUE(trained) << trained.error().message;
    ASSERT_TRUE(trained->cross_validation);
    const auto& cv = *trained->cross_validation;
    EXPECT_EQ(cv.per_fold.size(), 5U);
    // The synthetic label depends on overtime, satisfaction, age and distance.
    EXPECT_GT(cv.summary.roc_auc.mean, 0.7);
    EXPECT_GE(cv.f1_optimal.f1, cv.at_default.f1);
    std::size_t calibrated = 0;
    for (const auto& bin : cv.calibration) calibrated += bin.count;
    EXPECT_EQ(calibrated, 500U);
    for (const double p : cv.oof_probability) {
        ASSERT_GE(p, 0.0);
        ASSERT_LE(p, 1.0);
    }

    auto metadata = DescribeModel(*trained, *data, {.extracts_dir = *data_dir_}, options);
    ASSERT_TRUE(metadata) << metadata.error().message;
    const auto out = ScratchDir("artifact");
    ASSERT_TRUE(SaveArtifact(out, trained->booster, *metadata));
    EXPECT_FALSE(std::filesystem::exists(out / "booster.tmp.json"));

    // Saved again into the same folder, the artifact is swapped in whole (issue 26, defect 4):
    // the folder's other files stay, no staging folder is left, and a version name serve would
    // refuse is refused before anything is written.
    std::ofstream(out / "NOTES.md") << "kept";
    auto resaved = *metadata;
    resaved.training_date = "2001-02-03T04:05:06Z";
    ASSERT_TRUE(SaveArtifact(out, trained->booster, resaved));
    EXPECT_EQ(Slurp(out / "NOTES.md"), "kept");
    const auto files = ReadArtifact(out);
    ASSERT_TRUE(files) << files.error().message;
    EXPECT_EQ(files->metadata_json, MetadataToJson(resaved));
    EXPECT_EQ(files->booster_json, Slurp(out / "booster.json"));
    for (const auto& entry : std::filesystem::directory_iterator(out.parent_path())) {
        EXPECT_FALSE(entry.path().filename().string().starts_with('.')) << entry.path();
    }
    for (const std::string& bad :
         {std::string(), std::string(".."), std::string("../x"), std::string(".hidden"),
          std::string("a..b"), std::string(51, 'v')}) {
        auto named = *metadata;
        named.model_version = bad;
        const auto refused = SaveArtifact(out.parent_path() / "refused", trained->booster, named);
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.error().code, base::ErrorCode::kInvalidInput) << bad;
        EXPECT_TRUE(VersionNameProblem(bad)) << bad;
    }
    EXPECT_FALSE(std::filesystem::exists(out.parent_path() / "refused"));
    EXPECT_FALSE(VersionNameProblem("xgb_enhanced_v2.1"));
    ASSERT_TRUE(SaveArtifact(out, trained->booster, *metadata));

    auto loaded = LoadMetadata(out);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->model_version, "xgb_enhanced_v2.0");
    EXPECT_EQ(loaded->training_date, metadata->training_date);
    EXPECT_EQ(loaded->encoding.column_names, trained->encoding.column_names);
    EXPECT_EQ(loaded->encoding.ColumnCount(), 41U);
    EXPECT_EQ(loaded->encoding.vocabulary, trained->encoding.vocabulary);
    EXPECT_EQ(loaded->encoding.numeric_medians, trained->encoding.numeric_medians);
    EXPECT_EQ(loaded->encoding.modes, trained->encoding.modes);
    EXPECT_EQ(loaded->numeric_min, metadata->numeric_min);
    EXPECT_EQ(loaded->numeric_max, metadata->numeric_max);
    EXPECT_EQ(loaded->training_rows, 500U);
    ASSERT_TRUE(loaded->cross_validation);
    EXPECT_DOUBLE_EQ(loaded->cross_validation->metrics.roc_auc.mean, cv.summary.roc_auc.mean);
    EXPECT_DOUBLE_EQ(loaded->cross_validation->metrics.pr_auc.std, cv.summary.pr_auc.std);
    ASSERT_TRUE(loaded->threshold_f1_optimal);
    EXPECT_DOUBLE_EQ(loaded->threshold_f1_optimal->threshold, cv.f1_optimal.threshold);
    EXPECT_EQ(loaded->calibration.size(), cv.calibration.size());
    EXPECT_EQ(loaded->decision_threshold, 0.5);
    EXPECT_EQ(loaded->risk.low_below, 0.40);
    EXPECT_EQ(loaded->risk.medium_below, 0.60);
    ASSERT_EQ(loaded->input_files.size(), 3U);
    EXPECT_EQ(loaded->input_files[0].name, "extrait_sirh.csv");
    EXPECT_EQ(loaded->input_files[0].sha256.size(), 64U);
    EXPECT_EQ(loaded->hyperparameters.n_estimators, 200);
    EXPECT_EQ(loaded->hyperparameters.max_depth, 7);

    // The saved booster is the trained one, with the column names as feature names.
    const std::string booster_text = Slurp(out / "booster.json");
    EXPECT_EQ(booster_text, *trained->booster.Json());
    const auto booster_json = nlohmann::json::parse(booster_text);
    EXPECT_EQ(booster_json.at("learner").at("feature_names").get<std::vector<std::string>>(),
              loaded->encoding.column_names);
    EXPECT_EQ(booster_json.at("learner").at("gradient_booster").at("model").at("trees").size(),
              200U);

    // Reloaded, it predicts exactly what the trained one does.
    auto reloaded = Booster::LoadFile(out / "booster.json");
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    EXPECT_EQ(*reloaded->FeatureNames(), loaded->encoding.column_names);
    const auto matrix = EncodeRows(data->employees, loaded->encoding);
    EXPECT_EQ(*reloaded->Predict(matrix, 41), *trained->booster.Predict(matrix, 41));
}

TEST_F(SyntheticTrainingTest, RetrainingIsByteIdentical) {
    auto data = ReadTechnova(*data_dir_);
    ASSERT_TRUE(data) << data.error().message;
    TrainingOptions options;
    options.cross_validate = false;
    auto first = Train(*data, options);
    auto second = Train(*data, options);
    ASSERT_TRUE(first && second);
    const auto a = first->booster.Json();
    const auto b = second->booster.Json();
    ASSERT_TRUE(a && b);
    EXPECT_GT(a->size(), 10000U);
    EXPECT_TRUE(*a == *b) << "two trainings on the same data gave different boosters";

    // Cross-validation is deterministic too.
    options.cross_validate = true;
    options.hyperparameters.n_estimators = 20;
    const auto cv1 = CrossValidate(*data, options);
    const auto cv2 = CrossValidate(*data, options);
    ASSERT_TRUE(cv1 && cv2);
    EXPECT_EQ(cv1->oof_probability, cv2->oof_probability);
}

// numpy.quantile's default on sorted values, written out again for the test.
double LinearQuantile(const std::vector<double>& sorted, double q) {
    const double position = q * static_cast<double>(sorted.size() - 1);
    const auto low = static_cast<std::size_t>(position);
    const double high = sorted[std::min(low + 1, sorted.size() - 1)];
    return sorted[low] + (position - static_cast<double>(low)) * (high - sorted[low]);
}

TEST_F(SyntheticTrainingTest, TheArtifactKeepsEveryInputsTrainingDistribution) {
    TrainingOptions options;
    options.hyperparameters.n_estimators = 10;
    options.optional_features = {"frequence_deplacement"};
    auto data = ReadTechnova(*data_dir_, options.optional_features);
    ASSERT_TRUE(data) << data.error().message;
    auto trained = Train(*data, options);
    ASSERT_TRUE(trained && trained->cross_validation);
    auto metadata = DescribeModel(*trained, *data, {.extracts_dir = *data_dir_}, options);
    ASSERT_TRUE(metadata) << metadata.error().message;
    ASSERT_TRUE(metadata->distributions);
    const auto& d = *metadata->distributions;
    ASSERT_EQ(d.numeric.size(), domain::kNumericCount);
    ASSERT_EQ(d.categorical.size(), domain::kCategoricalCount + 1);

    // age: the deciles of the training ages, and the share of ages in each bin.
    std::vector<double> ages;
    for (const auto& e : data->employees) {
        if (!std::isnan(e.numeric[0])) ages.push_back(e.numeric[0]);  // a missing age is left out
    }
    std::sort(ages.begin(), ages.end());
    EXPECT_EQ(d.numeric[0].name, "age");
    std::vector<double> edges;
    for (int k = 1; k <= 9; ++k) {
        const double edge = LinearQuantile(ages, k / 10.0);
        if (edges.empty() || edge > edges.back()) edges.push_back(edge);
    }
    EXPECT_EQ(d.numeric[0].bins.edges, edges);
    for (std::size_t bin = 0; bin <= edges.size(); ++bin) {
        const double low = bin == 0 ? -INFINITY : edges[bin - 1];
        const double high = bin == edges.size() ? INFINITY : edges[bin];
        const auto in =
            std::count_if(ages.begin(), ages.end(), [&](double a) { return a >= low && a < high; });
        EXPECT_DOUBLE_EQ(d.numeric[0].bins.frequencies[bin],
                         static_cast<double>(in) / static_cast<double>(ages.size()))
            << bin;
    }
    // Each categorical value's share of the rows that have one; the optional input's over the
    // rows giving it.
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        const auto& feature = d.categorical[i];
        EXPECT_EQ(feature.name, domain::CategoricalFields()[i].name);
        EXPECT_EQ(feature.values, metadata->encoding.vocabulary[i]);
        std::vector<double> counts;
        for (const auto& value : feature.values) {
            counts.push_back(static_cast<double>(
                std::count_if(data->employees.begin(), data->employees.end(),
                              [&](const auto& e) { return e.categorical[i] == value; })));
        }
        const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
        for (std::size_t v = 0; v < counts.size(); ++v) {
            EXPECT_DOUBLE_EQ(feature.frequencies[v], counts[v] / total)
                << feature.name << "=" << feature.values[v];
        }
    }
    const auto& travel = d.categorical.back();
    EXPECT_EQ(travel.name, "frequence_deplacement");
    std::size_t given = 0, frequent = 0;
    for (const auto& e : data->employees) {
        if (const auto* value = e.Optional("frequence_deplacement")) {
            ++given;
            frequent += *value == "Frequent";
        }
    }
    ASSERT_EQ(travel.values.front(), "Frequent");
    EXPECT_DOUBLE_EQ(travel.frequencies.front(),
                     static_cast<double>(frequent) / static_cast<double>(given));
    // The score: the out-of-fold probabilities' deciles.
    ASSERT_TRUE(d.prediction);
    auto oof = trained->cross_validation->oof_probability;
    std::sort(oof.begin(), oof.end());
    EXPECT_DOUBLE_EQ(d.prediction->edges.front(), LinearQuantile(oof, 0.1));

    // Saved and loaded as they were; edits that break them are refused.
    const auto json = MetadataToJson(*metadata);
    auto loaded = ParseMetadata(json);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(MetadataToJson(*loaded), json);
    auto renamed =
        Edited(json, [](auto& j) { j["training_distributions"]["numeric"][0]["name"] = "x"; });
    ASSERT_FALSE(renamed);
    EXPECT_THAT(renamed.error().message, HasSubstr("training_distributions"));
    auto other_values = Edited(
        json, [](auto& j) { j["training_distributions"]["categorical"][0]["values"][0] = "Z"; });
    ASSERT_FALSE(other_values);
    EXPECT_THAT(other_values.error().message, HasSubstr("vocabulary"));
    // An artifact made before they were kept still loads, without them.
    auto older = Edited(json, [](auto& j) { j.erase("training_distributions"); });
    ASSERT_TRUE(older) << older.error().message;
    EXPECT_FALSE(older->distributions);
}

TEST_F(SyntheticTrainingTest, LoadMetadataRejectsInconsistentFiles) {
    const std::string good = SmallModelMetadata({});
    ASSERT_TRUE(ParseMetadata(good)) << ParseMetadata(good).error().message;
    auto with = [&](auto edit) { return Edited(good, edit); };
    auto dropped_column = with([](auto& j) { j["encoded_columns"].erase(40); });
    ASSERT_FALSE(dropped_column);
    EXPECT_THAT(dropped_column.error().message, HasSubstr("encoded_columns"));

    auto renamed_column = with([](auto& j) { j["encoded_columns"][18] = "genre=F"; });
    ASSERT_FALSE(renamed_column);
    EXPECT_THAT(renamed_column.error().message, HasSubstr("encoded_columns"));

    auto missing_feature = with([](auto& j) { j["features"]["numeric"].erase(3); });
    ASSERT_FALSE(missing_feature);
    EXPECT_THAT(missing_feature.error().message, HasSubstr("23 features listed, expected 24"));

    // A vocabulary value added without its column is caught by the column check.
    auto extra_value = with([](auto& j) { j["categorical_vocabulary"]["poste"].push_back("CEO"); });
    ASSERT_FALSE(extra_value);
    EXPECT_THAT(extra_value.error().message, HasSubstr("encoded_columns"));

    auto no_vocabulary = with([](auto& j) { j.erase("categorical_vocabulary"); });
    ASSERT_FALSE(no_vocabulary);
    EXPECT_THAT(no_vocabulary.error().message, HasSubstr("categorical_vocabulary"));

    auto bad_cutoffs = with([](auto& j) { j["risk_levels"]["low_below"] = 0.7; });
    ASSERT_FALSE(bad_cutoffs);
    EXPECT_THAT(bad_cutoffs.error().message, HasSubstr("cut-offs"));

    EXPECT_FALSE(ParseMetadata("{not json"));
    const auto missing = LoadMetadata(ScratchDir("empty"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, base::ErrorCode::kIo);
}

// A model with an optional input: the metadata declares it (vocabulary, mode, description and
// aliases from the trainer's table), it round-trips, and the served model reads, imputes and
// explains it.
TEST_F(SyntheticTrainingTest, AnOptionalInputIsDeclaredInTheMetadataAndServed) {
    TrainingOptions options;
    options.cross_validate = false;
    options.hyperparameters.n_estimators = 20;
    options.model_version = "synthetic_v2";
    options.optional_features = {"frequence_deplacement"};
    auto data = ReadTechnova(*data_dir_, options.optional_features);
    ASSERT_TRUE(data) << data.error().message;
    auto trained = Train(*data, options);
    ASSERT_TRUE(trained) << trained.error().message;
    auto metadata = DescribeModel(*trained, *data, {.extracts_dir = *data_dir_}, options);
    ASSERT_TRUE(metadata) << metadata.error().message;
    const auto out = ScratchDir("synthetic_v2");
    ASSERT_TRUE(SaveArtifact(out, trained->booster, *metadata));

    const auto json = nlohmann::json::parse(Slurp(out / "metadata.json"));
    EXPECT_EQ(json.at("model_version"), "synthetic_v2");
    const auto& declared = json.at("optional_features");
    ASSERT_EQ(declared.size(), 1U);
    EXPECT_EQ(declared[0].at("name"), "frequence_deplacement");
    EXPECT_EQ(declared[0].at("kind"), "categorical");
    // The synthetic survey has Frequent for every third row, Occasionnel otherwise.
    EXPECT_EQ(declared[0].at("vocabulary"), nlohmann::json::array({"Frequent", "Occasionnel"}));
    EXPECT_EQ(declared[0].at("most_frequent"), "Occasionnel");
    // The aliases of the values the data has (no Aucun here: no Non-Travel).
    EXPECT_EQ(declared[0].at("aliases"),
              nlohmann::json::parse(R"([{"alias": "Travel_Rarely", "canonical": "Occasionnel"},
                                        {"alias": "Travel_Frequently", "canonical": "Frequent"}])"));

    auto loaded = LoadMetadata(out);
    ASSERT_TRUE(loaded) << loaded.error().message;
    ASSERT_EQ(loaded->encoding.optional.size(), 1U);
    EXPECT_EQ(loaded->encoding.optional[0].vocabulary, trained->encoding.optional[0].vocabulary);
    EXPECT_EQ(loaded->encoding.column_names, trained->encoding.column_names);
    EXPECT_EQ(loaded->encoding.ColumnCount(), 42U);  // two values: one column
    EXPECT_EQ(loaded->optional_features[0].description, "Business travel frequency");
    EXPECT_EQ(MetadataToJson(*loaded), Slurp(out / "metadata.json"));

    auto served = LoadServedModel(out);
    ASSERT_TRUE(served) << served.error().message;
    const auto& vocabulary = served->vocabulary;
    ASSERT_EQ(vocabulary.OptionalCount(), 1U);
    EXPECT_EQ(vocabulary.Canonical(domain::kCategoricalCount, "Travel_Rarely"),
              std::optional<std::string_view>("Occasionnel"));

    domain::Employee frequent = data->employees[0];
    frequent.optional = {{"frequence_deplacement", "Frequent"}};
    domain::Employee absent = frequent;
    absent.optional.clear();
    domain::Employee occasional = frequent;
    occasional.optional = {{"frequence_deplacement", "Occasionnel"}};
    const auto& predictor = served->predictor;
    EXPECT_EQ(predictor.Predict(absent).probability, predictor.Predict(occasional).probability);
    const auto imputed = [&](const domain::Employee& employee) {
        std::vector<std::string_view> names;
        for (const auto& warning : predictor.Warnings(employee)) {
            if (warning.kind == domain::InputWarning::Kind::kImputed)
                names.push_back(warning.field);
        }
        return names;
    };
    EXPECT_TRUE(imputed(frequent).empty());
    EXPECT_EQ(imputed(absent), (std::vector<std::string_view>{"frequence_deplacement"}));
    const auto warnings = predictor.Warnings(absent);
    ASSERT_FALSE(warnings.empty());
    EXPECT_EQ(warnings.back().message,
              "frequence_deplacement was not given: imputed with its most frequent training "
              "value 'Occasionnel'");
    const auto explanation = predictor.Explain(frequent);
    EXPECT_EQ(explanation.features.size(), domain::kFieldCount + 1);
    const auto travel =
        std::find_if(explanation.features.begin(), explanation.features.end(),
                     [](const auto& f) { return f.feature == "frequence_deplacement"; });
    ASSERT_NE(travel, explanation.features.end());
    EXPECT_DOUBLE_EQ(travel->shap_value, explanation.columns.back().shap_value);
}

TEST_F(SyntheticTrainingTest, LoadMetadataRejectsInconsistentOptionalInputs) {
    const std::string good = SmallModelMetadata({"frequence_deplacement"});
    ASSERT_TRUE(ParseMetadata(good)) << ParseMetadata(good).error().message;
    auto with = [&](auto edit) { return Edited(good, edit); };
    auto mode_outside =
        with([](auto& j) { j["optional_features"][0]["most_frequent"] = "Jamais"; });
    ASSERT_FALSE(mode_outside);
    EXPECT_THAT(mode_outside.error().message, HasSubstr("imputation value of optional feature"));
    auto alias_outside =
        with([](auto& j) { j["optional_features"][0]["aliases"][0]["canonical"] = "Jamais"; });
    ASSERT_FALSE(alias_outside);
    EXPECT_THAT(alias_outside.error().message, HasSubstr("maps outside its vocabulary"));
    auto named_like_a_field = with([](auto& j) { j["optional_features"][0]["name"] = "genre"; });
    ASSERT_FALSE(named_like_a_field);
    EXPECT_THAT(named_like_a_field.error().message, HasSubstr("named like another"));
    auto not_categorical = with([](auto& j) { j["optional_features"][0]["kind"] = "numeric"; });
    ASSERT_FALSE(not_categorical);
    EXPECT_THAT(not_categorical.error().message, HasSubstr("not categorical"));
    // A value added without its column is caught by the column check.
    auto extra_value =
        with([](auto& j) { j["optional_features"][0]["vocabulary"].push_back("Aucun"); });
    ASSERT_FALSE(extra_value);
    EXPECT_THAT(extra_value.error().message, HasSubstr("encoded_columns"));
    EXPECT_FALSE(JoinExtracts(ExtractTexts{texts_->sirh, texts_->eval, texts_->sondage},
                              std::vector<std::string>{"ayant_enfants"}));
}

}  // namespace
}  // namespace attrition::model
