// Black-box contract tests, issue 4: /api/v1/predict/batch (order, limits, per-item errors with
// integer list indexes in loc, same scores as /predict, per-item warnings) and /api/v1/explain
// (top 5 input features by |SHAP|, impact signs, per-column detail that adds up to the margin).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "e2e/support/api_suite.hpp"
#include "e2e/support/employee_json.hpp"

namespace attrition::test::api_batch_explain_test {
namespace {

using nlohmann::json;

constexpr const char* kBatch = "/api/v1/predict/batch";

class ApiBatchTest : public ApiSuite {};

TEST_F(ApiBatchTest, PredictionsComeInRequestOrderAndScoreLikePredict) {
    // Ids in non-sorted order, so that order kept is not order sorted.
    json request = SampleBatch(12);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < request["employees"].size(); ++i) {
        const std::string id = "id-" + std::to_string((i * 7) % 12) + "-" + std::to_string(i);
        request["employees"][i]["employee_id"] = id;
        ids.push_back(id);
    }
    const auto response = Post(kBatch, request);
    ASSERT_EQ(response.status, 200) << response.body;
    const auto body = StrictJson(response);
    ASSERT_EQ(body["predictions"].size(), ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        SCOPED_TRACE(i);
        const auto& item = body["predictions"][i];
        EXPECT_EQ(item["employee_id"], ids[i]);
        auto single = request["employees"][i];
        single.erase("employee_id");
        const auto prediction = Predict(single)["prediction"];
        EXPECT_EQ(item["will_leave"], prediction["will_leave"]);
        EXPECT_EQ(item["probability_leave"], prediction["probability_leave"]);
        EXPECT_EQ(item["risk_level"], prediction["risk_level"]);
        EXPECT_FALSE(item.contains("warnings")) << "in-range sample";
        for (const auto& [key, value] : item.items()) {
            EXPECT_TRUE(key == "employee_id" || key == "will_leave" || key == "probability_leave" ||
                        key == "risk_level")
                << key;
        }
    }
    const auto& metadata = body["metadata"];
    EXPECT_EQ(metadata["total_predictions"], ids.size());
    EXPECT_TRUE(metadata["model_version"].is_string());
    EXPECT_TRUE(metadata["prediction_time_ms"].is_number_integer());
    EXPECT_TRUE(LooksLikeTimestamp(metadata["timestamp"].get<std::string>())) << metadata;
}

TEST_F(ApiBatchTest, SizeLimitsAreOneToOneHundred) {
    EXPECT_EQ(Post(kBatch, SampleBatch(1)).status, 200);
    const auto hundred = Post(kBatch, SampleBatch(100));
    ASSERT_EQ(hundred.status, 200) << hundred.body;
    EXPECT_EQ(StrictJson(hundred)["predictions"].size(), 100U);
    ExpectOneIssue(Post(kBatch, SampleBatch(101)), json{"body", "employees"}, "too_long");
    ExpectOneIssue(Post(kBatch, json{{"employees", json::array()}}), json{"body", "employees"},
                   "too_short");
    ExpectOneIssue(Post(kBatch, json::object()), json{"body", "employees"}, "missing");
    ExpectOneIssue(Post(kBatch, json{{"employees", 5}}), json{"body", "employees"}, "list_type");
    ExpectOneIssue(Client().Post(kBatch, "[]"), json{"body"}, "model_attributes_type");
    ExpectOneIssue(Client().Post(kBatch, "{\"employees\": ["), json{"body"}, "json_invalid");
}

TEST_F(ApiBatchTest, ItemErrorsNameTheIndexAsAnInteger) {
    auto request = SampleBatch(5);
    request["employees"][3].erase("employee_id");
    ExpectOneIssue(Post(kBatch, request), json{"body", "employees", 3, "employee_id"}, "missing");

    request = SampleBatch(12);
    request["employees"][1]["age"] = 171;
    request["employees"][10]["poste"] = "Zq-canary-poste";
    request["employees"][11] = 42;
    const auto response = Post(kBatch, request);
    ASSERT_EQ(response.status, 422);
    EXPECT_FALSE(BodyContains(response, "171")) << response.body;
    EXPECT_FALSE(BodyContains(response, "Zq-canary-poste")) << response.body;
    const auto detail = StrictJson(response)["detail"];
    ASSERT_EQ(detail.size(), 3U) << detail;
    EXPECT_EQ(detail[0]["loc"], (json{"body", "employees", 1, "age"}));
    EXPECT_EQ(detail[1]["loc"], (json{"body", "employees", 10, "poste"}));
    EXPECT_EQ(detail[2]["loc"], (json{"body", "employees", 11}));
    EXPECT_EQ(detail[2]["type"], "model_attributes_type");
}

TEST_F(ApiBatchTest, ItemsCarryTheirOwnWarnings) {
    auto request = SampleBatch(3);
    request["employees"][1]["age"] = 65;  // training data stops at 60
    const auto body = StrictJson(Post(kBatch, request));
    const auto& predictions = body["predictions"];
    ASSERT_EQ(predictions.size(), 3U) << body;
    EXPECT_FALSE(predictions[0].contains("warnings"));
    ASSERT_EQ(predictions[1]["warnings"].size(), 1U) << predictions[1];
    EXPECT_EQ(predictions[1]["warnings"][0].get<std::string>().rfind("age ", 0), 0U);
    EXPECT_FALSE(predictions[2].contains("warnings"));
}

class ApiExplainTest : public ApiSuite {};

std::string FieldOfColumn(const std::string& column) {
    return column.substr(0, column.find('='));  // "poste=Tech Lead" → "poste"; "age" → "age"
}

TEST_F(ApiExplainTest, TopFiveInputFeaturesByAbsoluteShapWithConsistentImpact) {
    const auto names = AllFieldNames();
    const std::set<std::string> inputs(names.begin(), names.end());
    for (int i = 0; i < 10; ++i) {
        SCOPED_TRACE(i);
        const auto body = Explain(VariedEmployee(i));
        const auto& top = body["top_features"];
        ASSERT_EQ(top.size(), 5U) << body;
        std::set<std::string> features;
        for (std::size_t k = 0; k < top.size(); ++k) {
            const auto& item = top[k];
            EXPECT_EQ(item.size(), 3U) << item;
            const std::string feature = item["feature"];
            EXPECT_TRUE(inputs.count(feature)) << "not an input feature: " << feature;
            features.insert(feature);
            const double shap = item["shap_value"];
            const std::string expected =
                shap > 0 ? "increases risk" : (shap < 0 ? "decreases risk" : "neutral");
            EXPECT_EQ(item["impact"], expected) << item;
            if (k > 0) {
                EXPECT_GE(std::fabs(top[k - 1]["shap_value"].get<double>()), std::fabs(shap));
            }
        }
        EXPECT_EQ(features.size(), 5U) << "features repeat: " << top;
        EXPECT_FALSE(body.contains("columns")) << "detail only on request";
        const auto& metadata = body["metadata"];
        EXPECT_TRUE(metadata["model_version"].is_string());
        EXPECT_TRUE(metadata["explanation_time_ms"].is_number_integer());
        EXPECT_TRUE(LooksLikeTimestamp(metadata["timestamp"].get<std::string>())) << metadata;
    }
}

TEST_F(ApiExplainTest, ColumnDetailAddsUpToTheFeaturesAndToTheMargin) {
    for (int i = 0; i < 10; ++i) {
        SCOPED_TRACE(i);
        const auto employee = VariedEmployee(i);
        const auto body = Explain(employee, "/api/v1/explain?detail=columns");
        const auto& columns = body["columns"];
        ASSERT_EQ(columns.size(), 41U) << "SPEC §3: 41 encoded columns";
        std::map<std::string, double> per_feature;
        std::set<std::string> column_names;
        double sum = 0;
        for (const auto& column : columns) {
            const std::string name = column["column"];
            column_names.insert(name);
            per_feature[FieldOfColumn(name)] += column["shap_value"].get<double>();
            sum += column["shap_value"].get<double>();
        }
        EXPECT_EQ(column_names.size(), 41U);
        EXPECT_EQ(per_feature.size(), 24U);
        // Additivity: each top feature is the sum of its columns (each rounded to 1e-6).
        for (const auto& item : body["top_features"]) {
            EXPECT_NEAR(per_feature[item["feature"]], item["shap_value"].get<double>(), 1e-5)
                << item;
        }
        // base_value + every column = the log-odds of the predicted probability.
        const double leave =
            Predict(employee)["prediction"]["probability_leave"].get<double>() / 100;
        ASSERT_TRUE(leave > 0 && leave < 1);
        const double margin = body["base_value"].get<double>() + sum;
        // probability_leave is rounded to 0.01 %: its logit is known within 0.00005/(p(1-p)).
        const double tolerance = 0.00005 / (leave * (1 - leave)) + 1e-4;
        EXPECT_NEAR(margin, std::log(leave / (1 - leave)), tolerance);
        // The top features without detail are the same as with it.
        EXPECT_EQ(Explain(employee)["top_features"], body["top_features"]);
    }
}

TEST_F(ApiExplainTest, UnknownDetailIsAQueryError) {
    ExpectOneIssue(Post("/api/v1/explain?detail=rows", SampleEmployee()), json{"query", "detail"},
                   "enum");
}

TEST_F(ApiExplainTest, ExplainValidatesLikePredictAndWarns) {
    auto employee = SampleEmployee();
    employee["age"] = 17;
    ExpectOneIssue(Post("/api/v1/explain", employee), json{"body", "age"}, "greater_than_equal");
    employee["age"] = 65;
    const auto body = Explain(employee);
    ASSERT_EQ(body["metadata"]["warnings"].size(), 1U) << body;
}

}  // namespace
}  // namespace attrition::test::api_batch_explain_test
