#include "http/openapi.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "domain/fields.hpp"
#include "domain/validation.hpp"
#include "unit/domain/fixtures.hpp"
#include "unit/http/service_routes.hpp"

namespace attrition::http {
namespace {

using Json = nlohmann::json;

class OpenApiTest : public ::testing::Test {
  protected:
    Json Build(const OpenApiInfo& info) {
        const std::string text = BuildOpenApiDocument(vocabulary_, info, routes_);
        EXPECT_TRUE(Json::accept(text));
        return Json::parse(text);
    }

    static OpenApiInfo Info() {
        OpenApiInfo info;
        info.version = "1.2.3";
        info.model_version = "xgb_test_v9";
        info.batch_limit = 7;
        return info;
    }

    const Json& Schema(const Json& document, const std::string& name) {
        return document.at("components").at("schemas").at(name);
    }

    domain::Vocabulary vocabulary_ = test_fixtures::SpecVocabulary();
    domain::JsonParser parser_;
    test_support::ServiceRoutes service_{Info().batch_limit};
    std::vector<Route> routes_ = service_.Declare();
};

TEST_F(OpenApiTest, IsOpenApi31WithInfo) {
    const Json document = Build(Info());
    EXPECT_EQ(document.at("openapi"), "3.1.0");
    EXPECT_EQ(document.at("info").at("title"), "Attrition API");
    EXPECT_EQ(document.at("info").at("version"), "1.2.3");
    EXPECT_NE(document.at("info").at("description").get<std::string>().find("xgb_test_v9"),
              std::string::npos);

    OpenApiInfo no_model = Info();
    no_model.model_version.reset();
    EXPECT_NE(
        Build(no_model).at("info").at("description").get<std::string>().find("No model loaded"),
        std::string::npos);
}

TEST_F(OpenApiTest, EveryEndpointOfTheSpecButTheLandingPage) {
    const Json document = Build(Info());
    const std::vector<std::pair<std::string, std::string>> expected{
        {"/health", "get"},
        {"/livez", "get"},
        {"/readyz", "get"},
        {"/metrics", "get"},
        {"/api/v1/model/info", "get"},
        {"/api/v1/models", "get"},
        {"/api/v1/models/reload", "post"},
        {"/api/v1/models/{version}", "get"},
        {"/api/v1/models/{version}/card", "get"},
        {"/api/v1/model/card", "get"},
        {"/v2", "get"},
        {"/v2/health/live", "get"},
        {"/v2/health/ready", "get"},
        {"/v2/models/attrition", "get"},
        {"/v2/models/attrition/ready", "get"},
        {"/v2/models/attrition/infer", "post"},
        {"/v2/models/attrition/versions/{version}", "get"},
        {"/v2/models/attrition/versions/{version}/ready", "get"},
        {"/v2/models/attrition/versions/{version}/infer", "post"},
        {"/api/v1/predict", "post"},
        {"/api/v1/predict/batch", "post"},
        {"/api/v1/explain", "post"},
        {"/api/v1/what-if", "post"},
        {"/api/v1/predictions", "get"},
        {"/api/v1/stats", "get"},
        {"/api/v1/employees/{employee_id}/predictions", "delete"},
        {"/api/v1/outcomes", "post"},
        {"/api/v1/monitoring/performance", "get"},
        {"/api/v1/monitoring/drift", "get"},
        {"/api/v1/monitoring/fairness", "get"},
        {"/api/v1/monitoring/refresh", "post"},
        {"/openapi.json", "get"},
    };
    const auto& paths = document.at("paths");
    EXPECT_EQ(paths.size(), expected.size());
    EXPECT_FALSE(paths.contains("/"));
    for (const auto& [path, method] : expected) {
        SCOPED_TRACE(path);
        ASSERT_TRUE(paths.contains(path));
        ASSERT_TRUE(paths.at(path).contains(method));
        // A refresh is queued, not done: 202.
        const char* success = path == "/api/v1/monitoring/refresh" ? "202" : "200";
        EXPECT_TRUE(paths.at(path).at(method).at("responses").contains(success));
    }
}

TEST_F(OpenApiTest, EveryReferenceResolves) {
    const Json document = Build(Info());
    std::set<std::string> refs;
    std::function<void(const Json&)> walk = [&](const Json& node) {
        if (node.is_object()) {
            for (const auto& [key, value] : node.items()) {
                if (key == "$ref") refs.insert(value.get<std::string>());
                walk(value);
            }
        } else if (node.is_array()) {
            for (const auto& value : node) walk(value);
        }
    };
    walk(document);
    EXPECT_GE(refs.size(), 15U);
    const std::string prefix = "#/components/schemas/";
    for (const auto& ref : refs) {
        ASSERT_EQ(ref.rfind(prefix, 0), 0U) << ref;
        EXPECT_TRUE(document.at("components").at("schemas").contains(ref.substr(prefix.size())))
            << ref;
    }
}

TEST_F(OpenApiTest, EmployeeSchemaFollowsTheFieldTable) {
    const Json document = Build(Info());
    const auto& employee = Schema(document, "Employee");
    const auto& properties = employee.at("properties");
    EXPECT_EQ(employee.at("required").size(), domain::kFieldCount);
    EXPECT_EQ(properties.size(), domain::kFieldCount + 1);

    for (const auto& field : domain::NumericFields()) {
        SCOPED_TRACE(field.name);
        const auto& property = properties.at(std::string(field.name));
        const bool integer = field.kind == domain::FieldKind::kInteger;
        EXPECT_EQ(property.at("type"), integer ? "integer" : "number");
        if (field.exclusive_minimum) {
            EXPECT_EQ(property.at("exclusiveMinimum").get<double>(), *field.minimum);
            EXPECT_FALSE(property.contains("minimum"));
        } else {
            EXPECT_EQ(property.at("minimum").get<double>(), *field.minimum);
        }
        if (field.maximum) {
            EXPECT_EQ(property.at("maximum").get<double>(), *field.maximum);
            EXPECT_TRUE(property.at("maximum").is_number_integer());
        } else if (integer) {
            EXPECT_EQ(property.at("maximum").get<double>(), domain::kMaxExactInteger);
        } else {
            EXPECT_FALSE(property.contains("maximum"));
        }
        EXPECT_EQ(property.at("description"), field.description);
    }
    const auto& id = properties.at("employee_id");
    EXPECT_EQ(id.at("type"), "string");
    EXPECT_EQ(id.at("minLength"), 1);
    EXPECT_EQ(id.at("maxLength"), domain::kEmployeeIdMaxLength);

    const auto& batch_item = Schema(document, "BatchEmployee");
    EXPECT_EQ(batch_item.at("required").size(), domain::kFieldCount + 1);
    EXPECT_EQ(batch_item.at("required").back(), "employee_id");
}

TEST_F(OpenApiTest, CategoricalEnumsEqualTheVocabularyAndNameTheAliases) {
    const Json document = Build(Info());
    const auto& properties = Schema(document, "Employee").at("properties");
    for (std::size_t c = 0; c < domain::kCategoricalCount; ++c) {
        const std::string name(domain::CategoricalFields()[c].name);
        SCOPED_TRACE(name);
        const auto& property = properties.at(name);
        EXPECT_EQ(property.at("type"), "string");
        const auto values = vocabulary_.Values(c);
        EXPECT_EQ(property.at("enum").get<std::vector<std::string>>(),
                  std::vector<std::string>(values.begin(), values.end()));
        const auto description = property.at("description").get<std::string>();
        for (const auto& alias : vocabulary_.Aliases(c)) {
            EXPECT_NE(
                description.find("'" + alias.spelling + "' → '" + values[alias.value_index] + "'"),
                std::string::npos)
                << alias.spelling;
        }
    }
    EXPECT_NE(properties.at("genre").at("description").get<std::string>().find("'Male' → 'M'"),
              std::string::npos);
}

TEST_F(OpenApiTest, RequestExamplesPassTheValidator) {
    const Json document = Build(Info());
    const auto example = [&](const std::string& path) {
        return document.at("paths")
            .at(path)
            .at("post")
            .at("requestBody")
            .at("content")
            .at("application/json")
            .at("example");
    };
    for (const std::string path : {"/api/v1/predict", "/api/v1/explain"}) {
        SCOPED_TRACE(path);
        const auto employee = domain::ParseEmployee(example(path).dump(), vocabulary_, parser_);
        EXPECT_TRUE(employee) << employee.error().message;
    }
    const auto batch =
        domain::ParseBatch(example("/api/v1/predict/batch").dump(), vocabulary_, 7, parser_);
    ASSERT_TRUE(batch) << batch.error().message;
    ASSERT_EQ(batch->size(), 2U);
    EXPECT_EQ((*batch)[0].employee_id, "E001");
    EXPECT_NE((*batch)[0].categorical, (*batch)[1].categorical);

    // The per-property examples make a valid employee too.
    Json assembled = Json::object();
    for (const auto& [name, property] :
         Schema(document, "BatchEmployee").at("properties").items()) {
        assembled[name] = property.at("examples").at(0);
    }
    const auto from_properties = domain::ParseBatch(
        Json{{"employees", Json::array({assembled})}}.dump(), vocabulary_, 7, parser_);
    EXPECT_TRUE(from_properties) << from_properties.error().message;
}

TEST_F(OpenApiTest, ExamplesFallBackToTheVocabularyWhenTheTableExampleIsAbsent) {
    auto training = test_fixtures::SpecTrainingValues();
    training[domain::CategoricalIndex("genre").value()] = {"X", "Y"};
    const auto other = domain::Vocabulary::Make(training, {});
    ASSERT_TRUE(other);
    const Json document = Json::parse(BuildOpenApiDocument(*other, Info(), routes_));
    const auto& example = document.at("paths")
                              .at("/api/v1/predict")
                              .at("post")
                              .at("requestBody")
                              .at("content")
                              .at("application/json")
                              .at("example");
    EXPECT_EQ(example.at("genre"), "X");
    EXPECT_TRUE(domain::ParseEmployee(example.dump(), *other, parser_));
    EXPECT_EQ(Schema(document, "Employee").at("properties").at("genre").at("enum"),
              Json::array({"X", "Y"}));
}

// An optional input of a loaded version: an optional property of both employee schemas (enum,
// aliases, the versions that take it and what they impute), and a possible explained feature.
TEST_F(OpenApiTest, AnOptionalInputIsAnOptionalPropertyDescribedFromTheInfo) {
    const auto with_travel =
        domain::Vocabulary::Make(test_fixtures::SpecTrainingValues(), domain::CategoryAliases(),
                                 {{"frequence_deplacement",
                                   {"Aucun", "Frequent", "Occasionnel"},
                                   {{"Non-Travel", "Aucun"}},
                                   false}});
    ASSERT_TRUE(with_travel) << with_travel.error().message;
    OpenApiInfo info = Info();
    info.optional_inputs.push_back(
        {"frequence_deplacement", "Business travel frequency", "v2_a, v2_b", "Occasionnel"});
    const Json document = Json::parse(BuildOpenApiDocument(*with_travel, info, routes_));
    for (const std::string name : {"Employee", "BatchEmployee"}) {
        const auto& schema = Schema(document, name);
        const auto& property = schema.at("properties").at("frequence_deplacement");
        EXPECT_EQ(property.at("enum"), Json::array({"Aucun", "Frequent", "Occasionnel"})) << name;
        EXPECT_EQ(property.at("description"),
                  "Business travel frequency. Optional, used by model version v2_a, v2_b; absent "
                  "or null: imputed with 'Occasionnel' and a warning; ignored by other versions. "
                  "Also accepted (ASCII case-insensitive), read as the training value: "
                  "'Non-Travel' → 'Aucun'")
            << name;
        const auto& required = schema.at("required");
        EXPECT_EQ(std::count(required.begin(), required.end(), "frequence_deplacement"), 0) << name;
        EXPECT_EQ(required.size(),
                  name == "Employee" ? domain::kFieldCount : domain::kFieldCount + 1);
    }
    const auto& features =
        Schema(document, "FeatureContribution").at("properties").at("feature").at("enum");
    EXPECT_EQ(features.size(), domain::kFieldCount + 1);
    EXPECT_EQ(features.back(), "frequence_deplacement");
    // Without optional inputs, the document has none.
    EXPECT_FALSE(
        Schema(Build(Info()), "Employee").at("properties").contains("frequence_deplacement"));
}

TEST_F(OpenApiTest, BatchLimitComesFromTheInfo) {
    const Json document = Build(Info());
    const auto& employees = Schema(document, "BatchRequest").at("properties").at("employees");
    EXPECT_EQ(employees.at("minItems"), 1);
    EXPECT_EQ(employees.at("maxItems"), 7);
    EXPECT_EQ(employees.at("items").at("$ref"), "#/components/schemas/BatchEmployee");
}

TEST_F(OpenApiTest, ResponseSchemasHaveTheSpecShapes) {
    const Json document = Build(Info());
    const auto properties = [&](const std::string& name) {
        std::set<std::string> keys;
        for (const auto& [key, value] : Schema(document, name).at("properties").items()) {
            keys.insert(key);
        }
        return keys;
    };
    using Keys = std::set<std::string>;
    EXPECT_EQ(properties("PredictionResponse"), (Keys{"prediction", "metadata"}));
    EXPECT_EQ(properties("Prediction"),
              (Keys{"will_leave", "probability_leave", "probability_stay", "risk_level"}));
    EXPECT_EQ(properties("PredictionMetadata"),
              (Keys{"model_version", "prediction_time_ms", "timestamp", "warnings"}));
    EXPECT_EQ(Schema(document, "PredictionMetadata").at("properties").at("warnings"),
              (Json{{"type", "array"},
                    {"items", {{"type", "string"}}},
                    {"description", Schema(document, "PredictionMetadata")
                                        .at("properties")
                                        .at("warnings")
                                        .at("description")}}));
    EXPECT_EQ(Schema(document, "Prediction").at("properties").at("risk_level").at("enum"),
              Json::array({"LOW", "MEDIUM", "HIGH"}));
    EXPECT_EQ(properties("BatchResponse"), (Keys{"predictions", "metadata"}));
    EXPECT_EQ(properties("BatchPrediction"),
              (Keys{"employee_id", "will_leave", "probability_leave", "risk_level", "warnings"}));
    EXPECT_EQ(properties("BatchMetadata"),
              (Keys{"total_predictions", "model_version", "prediction_time_ms", "timestamp"}));
    EXPECT_EQ(properties("ExplainResponse"),
              (Keys{"top_features", "columns", "base_value", "metadata"}));
    EXPECT_EQ(Schema(document, "ExplainResponse").at("required"),
              Json::array({"top_features", "metadata"}));
    EXPECT_EQ(properties("FeatureContribution"), (Keys{"feature", "shap_value", "impact"}));
    EXPECT_EQ(Schema(document, "FeatureContribution").at("properties").at("impact").at("enum"),
              Json::array({"increases risk", "decreases risk", "neutral"}));
    EXPECT_EQ(
        Schema(document, "FeatureContribution").at("properties").at("feature").at("enum").size(),
        domain::kFieldCount);
    EXPECT_EQ(properties("ModelInfo"),
              (Keys{"model_version", "training_date", "performance_metrics", "features_required",
                    "features_optional"}));
    EXPECT_EQ(properties("Health"), (Keys{"status", "model_loaded", "model_version", "timestamp"}));
    EXPECT_EQ(Schema(document, "Health").at("properties").at("model_version").at("type"),
              Json::array({"string", "null"}));
    EXPECT_EQ(properties("HTTPValidationError"), (Keys{"detail"}));
    EXPECT_EQ(properties("ValidationError"), (Keys{"loc", "msg", "type"}));
    EXPECT_EQ(Schema(document, "ValidationError").at("properties").at("loc").at("items"),
              (Json{{"anyOf", Json::array({{{"type", "string"}}, {{"type", "integer"}}})}}));
    EXPECT_EQ(Schema(document, "Error").at("properties").at("detail").at("type"), "string");
}

TEST_F(OpenApiTest, PostEndpointsDocumentTheirErrors) {
    const Json document = Build(Info());
    for (const std::string path : {"/api/v1/predict", "/api/v1/predict/batch", "/api/v1/explain"}) {
        SCOPED_TRACE(path);
        const auto& responses = document.at("paths").at(path).at("post").at("responses");
        const auto schema_of = [&](const std::string& status) {
            return responses.at(status)
                .at("content")
                .at("application/json")
                .at("schema")
                .at("$ref");
        };
        EXPECT_EQ(schema_of("422"), "#/components/schemas/HTTPValidationError");
        for (const std::string status : {"413", "415", "503"}) {
            EXPECT_EQ(schema_of(status), "#/components/schemas/Error");
        }
    }
    const auto& parameters = document.at("paths").at("/api/v1/explain").at("post").at("parameters");
    const auto parameter = [&](const std::string& name) {
        const auto found = std::find_if(parameters.begin(), parameters.end(),
                                        [&](const Json& p) { return p.at("name") == name; });
        EXPECT_NE(found, parameters.end()) << name;
        return found == parameters.end() ? Json::object() : *found;
    };
    ASSERT_EQ(parameters.size(), 3U);
    EXPECT_EQ(parameter("detail").at("in"), "query");
    EXPECT_EQ(parameter("detail").at("required"), false);
    EXPECT_EQ(parameter("detail").at("schema").at("enum"), Json::array({"columns"}));
    EXPECT_EQ(parameter("model_version").at("in"), "query");
    EXPECT_EQ(parameter("X-Model-Version").at("in"), "header");
    EXPECT_EQ(parameter("X-Model-Version").at("required"), false);
    EXPECT_TRUE(
        document.at("paths").at("/api/v1/model/info").at("get").at("responses").contains("503"));
    EXPECT_TRUE(document.at("paths")
                    .at("/metrics")
                    .at("get")
                    .at("responses")
                    .at("200")
                    .at("content")
                    .contains("text/plain; version=0.0.4"));
}

}  // namespace
}  // namespace attrition::http
