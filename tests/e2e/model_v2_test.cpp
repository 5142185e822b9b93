// The committed v2 (xgb_enhanced_v2.1) against the real binary on the committed repository,
// whose serving.json keeps v1 the default: its optional input frequence_deplacement listed by
// GET /api/v1/models, model/info and the V2 metadata; validated and aliased when given, imputed
// with a warning when absent, refused with a 422 that logs no prediction when wrong; ignored
// by v1; scored by v2 as a shadow behind v1 with the value the client sent; the same through
// the Open Inference Protocol, and in the OpenAPI document as an optional property.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/http_client.hpp"
#include "harness/service_process.hpp"
#include "support/employee_json.hpp"
#include "support/log_support.hpp"

namespace attrition::test::model_v2_test {
namespace {

using nlohmann::json;
const std::string kV1 = "xgb_enhanced_v2.0";
const std::string kV2 = "xgb_enhanced_v2.1";
const std::string kTravel = "frequence_deplacement";
const std::string kImputed =
    "frequence_deplacement was not given: imputed with its most frequent training value "
    "'Occasionnel'";

std::map<std::string, std::string> ForVersion(const std::string& version) {
    return {{"Content-Type", "application/json"}, {"X-Model-Version", version}};
}

json Body(const HttpResponse& response) { return json::parse(response.body, nullptr, false); }

json WithTravel(const std::string& travel) {
    auto employee = SampleEmployee();
    employee[kTravel] = travel;
    return employee;
}

class ModelV2Test : public ::testing::Test {
  protected:
    ServiceProcess service_{ServiceOptions{}};
    HttpClient client_{service_.Port()};

    json Predict(const json& employee, const std::string& version) {
        const auto response = client_.Post("/api/v1/predict", employee.dump(), ForVersion(version));
        EXPECT_EQ(response.status, 200) << response.body;
        return Body(response);
    }
};

TEST_F(ModelV2Test, TheListingAndModelInfoDescribeTheOptionalInput) {
    const auto listed = Body(client_.Get("/api/v1/models"));
    EXPECT_EQ(listed["default"], kV1);
    std::map<std::string, json> by_name;
    for (const auto& model : listed["models"]) by_name[model["name"]] = model;
    ASSERT_TRUE(by_name.count(kV2)) << listed.dump();
    EXPECT_EQ(by_name.at(kV2)["state"], "loaded");
    EXPECT_EQ(by_name.at(kV1)["features_optional"], json::array());
    const json expected = {{"name", kTravel},
                           {"kind", "categorical"},
                           {"description", "Business travel frequency"},
                           {"values", {"Aucun", "Frequent", "Occasionnel"}},
                           {"aliases",
                            {{"Non-Travel", "Aucun"},
                             {"Travel_Rarely", "Occasionnel"},
                             {"Travel_Frequently", "Frequent"}}},
                           {"imputed_with", "Occasionnel"}};
    EXPECT_EQ(by_name.at(kV2)["features_optional"], json::array({expected}));
    EXPECT_GE(by_name.at(kV2)["performance_metrics"]["roc_auc"].get<double>(), 0.845);

    const auto info = Body(client_.Get("/api/v1/model/info?model_version=" + kV2));
    EXPECT_EQ(info["model_version"], kV2);
    EXPECT_EQ(info["features_optional"], json::array({expected}));
    EXPECT_EQ(info["categorical_values"][kTravel], expected["values"]);
    EXPECT_EQ(Body(client_.Get("/api/v1/model/info"))["features_optional"], json::array());
}

TEST_F(ModelV2Test, GivenItIsUsedAbsentItIsImputedWithAWarning) {
    const auto frequent = Predict(WithTravel("Frequent"), kV2);
    EXPECT_EQ(frequent["metadata"]["model_version"], kV2);
    EXPECT_EQ(frequent["metadata"]["warnings"], json::array());
    // An alias, and a spelling in another case, are the training value.
    EXPECT_EQ(Predict(WithTravel("Travel_Frequently"), kV2)["prediction"], frequent["prediction"]);
    EXPECT_EQ(Predict(WithTravel("FREQUENT"), kV2)["prediction"], frequent["prediction"]);

    const auto absent = Predict(SampleEmployee(), kV2);
    EXPECT_EQ(absent["metadata"]["warnings"], json::array({kImputed}));
    auto null = SampleEmployee();
    null[kTravel] = nullptr;
    EXPECT_EQ(Predict(null, kV2)["metadata"]["warnings"], json::array({kImputed}));
    // Imputed with the training mode: the same answer as sending the mode.
    EXPECT_EQ(absent["prediction"], Predict(WithTravel("Occasionnel"), kV2)["prediction"]);
    // The input matters to v2: this employee's risk moves with it.
    EXPECT_NE(Predict(WithTravel("Aucun"), kV2)["prediction"]["probability_leave"],
              frequent["prediction"]["probability_leave"]);

    // v1 ignores the field, valid or not, and warns about nothing.
    const auto v1 = Predict(WithTravel("not a frequency"), kV1);
    EXPECT_EQ(v1["metadata"]["model_version"], kV1);
    EXPECT_EQ(v1["metadata"]["warnings"], json::array());
    EXPECT_EQ(v1["prediction"], Predict(SampleEmployee(), kV1)["prediction"]);

    // Explain and batch read it the same way.
    const auto explained = Body(client_.Post("/api/v1/explain?detail=columns",
                                             WithTravel("Frequent").dump(), ForVersion(kV2)));
    bool has_travel_column = false;
    for (const auto& column : explained["columns"]) {
        has_travel_column |= column["column"] == kTravel + "=Frequent";
    }
    EXPECT_TRUE(has_travel_column) << explained.dump();
    json batch = SampleBatch(2);
    batch["employees"][0][kTravel] = "Frequent";
    const auto scored = Body(client_.Post("/api/v1/predict/batch", batch.dump(), ForVersion(kV2)));
    ASSERT_EQ(scored["predictions"].size(), 2U) << scored.dump();
    EXPECT_FALSE(scored["predictions"][0].contains("warnings"));
    EXPECT_EQ(scored["predictions"][1]["warnings"], json::array({kImputed}));

    // Counted by feature: the absent, the null and the batch's second employee.
    const auto metrics = client_.Get("/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_NE(
        metrics.body.find("attrition_imputed_inputs_total{feature=\"frequence_deplacement\"} 3"),
        std::string::npos);
}

TEST_F(ModelV2Test, AWrongValueIsA422ThatLogsNoPrediction) {
    const auto probe = LogProbe::Sqlite(service_.WorkingDir() + "/var/attrition.db");
    const auto before = probe.Count("SELECT count(*) FROM predictions");
    const auto refused =
        client_.Post("/api/v1/predict", WithTravel("Weekly-secret").dump(), ForVersion(kV2));
    ASSERT_EQ(refused.status, 422) << refused.body;
    const auto detail = Body(refused)["detail"];
    ASSERT_EQ(detail.size(), 1U) << refused.body;
    EXPECT_EQ(detail[0]["loc"], json::array({"body", kTravel}));
    EXPECT_EQ(detail[0]["type"], "enum");
    EXPECT_EQ(refused.body.find("Weekly-secret"), std::string::npos);
    EXPECT_EQ(probe.Count("SELECT count(*) FROM predictions"), before);
}

TEST_F(ModelV2Test, TheOpenApiDocumentHasItAsAnOptionalProperty) {
    const auto document = Body(client_.Get("/openapi.json"));
    for (const std::string schema : {"Employee", "BatchEmployee"}) {
        const auto& employee = document["components"]["schemas"][schema];
        ASSERT_TRUE(employee["properties"].contains(kTravel)) << schema;
        const auto& property = employee["properties"][kTravel];
        EXPECT_EQ(property["enum"], json::array({"Aucun", "Frequent", "Occasionnel"}));
        EXPECT_NE(property["description"].get<std::string>().find(kV2), std::string::npos);
        for (const auto& name : employee["required"]) EXPECT_NE(name, kTravel) << schema;
    }
}

TEST_F(ModelV2Test, OpenInferenceTakesItAsAnOptionalBytesInput) {
    const std::string versioned = "/v2/models/attrition/versions/" + kV2;
    const auto metadata = Body(client_.Get(versioned));
    json travel;
    for (const auto& input : metadata["inputs"]) {
        if (input["name"] == kTravel) travel = input;
    }
    EXPECT_EQ(travel["datatype"], "BYTES") << metadata.dump();
    EXPECT_EQ(travel["parameters"]["optional"], true);
    const auto default_metadata = Body(client_.Get("/v2/models/attrition"));
    for (const auto& input : default_metadata["inputs"]) {
        EXPECT_NE(input["name"], kTravel) << "the default version, v1, has no such input";
    }

    json batch = SampleBatch(3);
    batch["employees"][0][kTravel] = "Frequent";
    batch["employees"][1][kTravel] = "Non-Travel";
    batch["employees"][2][kTravel] = "Occasionnel";
    const json request{{"inputs", InferInputs(batch["employees"])}};
    const auto inferred = client_.Post(versioned + "/infer", request.dump());
    ASSERT_EQ(inferred.status, 200) << inferred.body;
    const auto scored = Body(client_.Post("/api/v1/predict/batch", batch.dump(), ForVersion(kV2)));
    const auto outputs = Body(inferred)["outputs"];
    ASSERT_EQ(outputs[0]["name"], "probability_leave");
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_NEAR(outputs[0]["data"][i].get<double>() * 100.0,
                    scored["predictions"][i]["probability_leave"].get<double>(), 0.005);
    }
    // To v1, the default, the input is unknown, as any other name would be.
    const auto v1 = client_.Post("/v2/models/attrition/infer", request.dump());
    EXPECT_EQ(v1.status, 400) << v1.body;
    batch["employees"][0][kTravel] = "Daily";
    const auto wrong = client_.Post(versioned + "/infer",
                                    json{{"inputs", InferInputs(batch["employees"])}}.dump());
    ASSERT_EQ(wrong.status, 400) << wrong.body;
    EXPECT_NE(wrong.body.find("input 'frequence_deplacement', row 0"), std::string::npos)
        << wrong.body;
}

// v2 shadowing v1: the client sends the travel frequency to v1, which does not use it; the
// shadow row is v2's score with that value (not the imputed one), and a value v2 cannot read
// changes nothing for the client.
TEST(ModelV2ShadowTest, TheShadowScoresWithTheValueTheClientSent) {
    ServiceProcess service(ServiceOptions{.flags = {"--shadow-model", kV2}});
    HttpClient client(service.Port());
    auto direct = [&](const json& employee) {
        return Body(client.Post("/api/v1/predict", employee.dump(), ForVersion(kV2)));
    };
    auto frequent = WithTravel("Travel_Frequently");
    frequent["employee_id"] = "SH-1";
    const auto answered = client.Post("/api/v1/predict", frequent.dump());
    ASSERT_EQ(answered.status, 200) << answered.body;
    EXPECT_EQ(Body(answered)["metadata"]["model_version"], kV1);
    EXPECT_EQ(Body(answered)["metadata"]["warnings"], json::array());

    auto wrong = WithTravel("Weekly");
    wrong["employee_id"] = "SH-2";
    const auto tolerated = client.Post("/api/v1/predict", wrong.dump());
    ASSERT_EQ(tolerated.status, 200) << tolerated.body;

    const auto probe = LogProbe::Sqlite(service.WorkingDir() + "/var/attrition.db");
    const auto shadow = [&](const std::string& id) {
        const auto rows = probe.Rows(
            "SELECT attrition_prob, features_snapshot FROM predictions WHERE shadow AND "
            "employee_id = '" +
            id + "'");
        EXPECT_EQ(rows.size(), 1U) << id;
        return rows.empty() ? LogProbe::Row{} : rows[0];
    };
    const auto with_value = shadow("SH-1");
    const double logged = std::stod(with_value[0].value_or("-1")) * 100.0;
    EXPECT_NEAR(logged, direct(frequent)["prediction"]["probability_leave"].get<double>(), 0.005);
    EXPECT_NE(with_value[1].value_or("").find("\"frequence_deplacement\":\"Frequent\""),
              std::string::npos)
        << with_value[1].value_or("");
    const auto imputed = shadow("SH-2");
    EXPECT_NEAR(std::stod(imputed[0].value_or("-1")) * 100.0,
                direct(SampleEmployee())["prediction"]["probability_leave"].get<double>(), 0.005);
    EXPECT_EQ(imputed[1].value_or("").find(kTravel), std::string::npos);
}

}  // namespace
}  // namespace attrition::test::model_v2_test
