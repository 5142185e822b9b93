// Black-box contract tests, issue 4: every endpoint answers with the exact shape of SPEC §2, the
// landing and documentation pages load only local assets, and the OpenAPI document's examples
// are accepted by the live service.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <optional>
#include <set>

#include "e2e/support/api_suite.hpp"
#include "e2e/support/employee_json.hpp"

namespace attrition::test::api_endpoints_test {
namespace {

using nlohmann::json;

std::set<std::string> Keys(const json& object) {
    std::set<std::string> keys;
    for (const auto& [key, value] : object.items()) keys.insert(key);
    return keys;
}

// A percentage with at most 2 decimals.
bool HasTwoDecimals(double percent) {
    return std::fabs(percent * 100 - std::round(percent * 100)) < 1e-6;
}

void ExpectRiskConsistent(double probability_leave, const std::string& risk, bool will_leave) {
    // The service decides on the unrounded probability: at a rounded boundary both are right.
    if (probability_leave != 40.0 && probability_leave != 60.0) {
        const std::string expected =
            probability_leave < 40 ? "LOW" : (probability_leave < 60 ? "MEDIUM" : "HIGH");
        EXPECT_EQ(risk, expected) << probability_leave;
    }
    if (probability_leave != 50.0) {
        EXPECT_EQ(will_leave, probability_leave >= 50) << probability_leave;
    }
}

class ApiEndpointsTest : public ApiSuite {};

TEST_F(ApiEndpointsTest, HealthHasExactlyTheSpecFields) {
    const auto body = StrictJson(Client().Get("/health"));
    EXPECT_EQ(Keys(body),
              (std::set<std::string>{"status", "model_loaded", "model_version", "timestamp"}));
    EXPECT_EQ(body["status"], "healthy");
    EXPECT_EQ(body["model_loaded"], true);
    EXPECT_TRUE(body["model_version"].is_string());
    EXPECT_TRUE(LooksLikeTimestamp(body["timestamp"].get<std::string>())) << body;
}

TEST_F(ApiEndpointsTest, ModelInfoHasTheSpecFieldsAndTheFieldLists) {
    const auto response = Client().Get("/api/v1/model/info");
    ASSERT_EQ(response.status, 200);
    const auto body = StrictJson(response);
    for (const char* key :
         {"model_version", "training_date", "performance_metrics", "features_required"}) {
        EXPECT_TRUE(body.contains(key)) << key;
    }
    EXPECT_EQ(body["model_version"], StrictJson(Client().Get("/health"))["model_version"]);
    EXPECT_TRUE(body["training_date"].is_string());
    for (const char* metric : {"accuracy", "precision", "recall", "f1_score", "roc_auc"}) {
        const auto& value = body["performance_metrics"][metric];
        ASSERT_TRUE(value.is_number()) << metric;
        const double x = value.get<double>();
        EXPECT_TRUE(x > 0 && x <= 1) << metric << "=" << x;
        EXPECT_LT(std::fabs(x * 1000 - std::round(x * 1000)), 1e-6) << metric << ": 3 decimals";
    }
    std::vector<std::string> numeric;
    for (const auto& rule : NumericFieldRules()) numeric.push_back(rule.name);
    std::vector<std::string> categorical;
    for (const auto& rule : CategoricalFieldRules()) categorical.push_back(rule.name);
    EXPECT_EQ(body["features_required"]["numeric"], json(numeric));
    EXPECT_EQ(body["features_required"]["categorical"], json(categorical));
    // Extra (documented) field: the model's vocabulary, as SPEC §1 lists it.
    for (const auto& rule : CategoricalFieldRules()) {
        EXPECT_EQ(body["categorical_values"][rule.name], json(rule.values)) << rule.name;
    }
}

TEST_F(ApiEndpointsTest, PredictHasTheSpecShapeAndConsistentNumbers) {
    for (int i = 0; i < 30; ++i) {
        const auto body = Predict(VariedEmployee(i));
        ASSERT_EQ(Keys(body), (std::set<std::string>{"prediction", "metadata"})) << body;
        const auto& prediction = body["prediction"];
        EXPECT_EQ(Keys(prediction), (std::set<std::string>{"will_leave", "probability_leave",
                                                           "probability_stay", "risk_level"}));
        const double leave = prediction["probability_leave"].get<double>();
        const double stay = prediction["probability_stay"].get<double>();
        EXPECT_TRUE(leave >= 0 && leave <= 100) << leave;
        EXPECT_TRUE(HasTwoDecimals(leave)) << leave;
        EXPECT_TRUE(HasTwoDecimals(stay)) << stay;
        EXPECT_NEAR(stay, 100 - leave, 1e-9);
        ExpectRiskConsistent(leave, prediction["risk_level"], prediction["will_leave"]);

        const auto& metadata = body["metadata"];
        EXPECT_EQ(Keys(metadata), (std::set<std::string>{"model_version", "prediction_time_ms",
                                                         "timestamp", "warnings"}));
        EXPECT_TRUE(metadata["model_version"].is_string());
        EXPECT_TRUE(metadata["prediction_time_ms"].is_number_integer());
        EXPECT_GE(metadata["prediction_time_ms"].get<long long>(), 0);
        EXPECT_TRUE(LooksLikeTimestamp(metadata["timestamp"].get<std::string>())) << metadata;
        EXPECT_EQ(metadata["warnings"], json::array()) << "in-range sample " << i;
    }
}

TEST_F(ApiEndpointsTest, RiskLevelsCoverTheRangeConsistently) {
    // Over many profiles the model produces every risk level; each agrees with its probability.
    std::set<std::string> seen;
    for (int i = 0; i < 120; ++i) {
        const auto prediction = Predict(VariedEmployee(i))["prediction"];
        seen.insert(prediction["risk_level"].get<std::string>());
        ExpectRiskConsistent(prediction["probability_leave"], prediction["risk_level"],
                             prediction["will_leave"]);
    }
    EXPECT_EQ(seen, (std::set<std::string>{"LOW", "MEDIUM", "HIGH"}));
}

TEST_F(ApiEndpointsTest, OutOfTrainingRangeValuesAreScoredWithAWarning) {
    auto employee = SampleEmployee();
    employee["age"] = 65;  // contract allows 18..70; training data stops at 60
    const auto body = Predict(employee);
    const auto& warnings = body["metadata"]["warnings"];
    ASSERT_EQ(warnings.size(), 1U) << body;
    EXPECT_EQ(warnings[0].get<std::string>().rfind("age ", 0), 0U) << warnings[0];

    employee["satisfaction_employee_equipe"] = 5;  // training stops at 4
    const auto two = Predict(employee)["metadata"]["warnings"];
    ASSERT_EQ(two.size(), 2U) << two;
    EXPECT_NE(two.dump().find("satisfaction_employee_equipe"), std::string::npos) << two;
}

TEST_F(ApiEndpointsTest, LandingPageIsCachedHtmlOutsideTheSchema) {
    const auto page = Client().Get("/");
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(page.Header("cache-control"), "public, max-age=3600");
    for (const char* link : {"/docs", "/redoc", "/health"}) {
        EXPECT_TRUE(BodyContains(page, link)) << link;
    }
    const auto document = StrictJson(Client().Get("/openapi.json"));
    EXPECT_FALSE(document["paths"].contains("/"));
}

struct Tag {
    std::string name;  // lower-case as written: "script", "link", "a", ...
    std::string text;  // from '<' to '>'
};

std::vector<Tag> Tags(const std::string& html) {
    std::vector<Tag> tags;
    for (auto open = html.find('<'); open != std::string::npos; open = html.find('<', open + 1)) {
        const auto close = html.find('>', open);
        if (close == std::string::npos) break;
        const std::string text = html.substr(open, close - open + 1);
        std::size_t end = 1;
        while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
        tags.push_back(Tag{text.substr(1, end - 1), text});
    }
    return tags;
}

// The value of a double-quoted attribute in a tag, or nullopt.
std::optional<std::string> Attribute(const Tag& tag, const std::string& name) {
    const std::string key = name + "=\"";
    for (auto at = tag.text.find(key); at != std::string::npos; at = tag.text.find(key, at + 1)) {
        if (at == 0 || !std::isspace(static_cast<unsigned char>(tag.text[at - 1]))) continue;
        const auto start = at + key.size();
        return tag.text.substr(start, tag.text.find('"', start) - start);
    }
    return std::nullopt;
}

// Every URL an HTML page loads or links: src=, href= and ReDoc's spec-url=.
std::vector<std::string> ReferencedUrls(const std::string& html) {
    std::vector<std::string> urls;
    for (const auto& tag : Tags(html)) {
        for (const char* name : {"src", "href", "spec-url"}) {
            if (auto url = Attribute(tag, name)) urls.push_back(*url);
        }
    }
    return urls;
}

// Assets (scripts, stylesheets, icons, images) the page makes the browser fetch.
std::vector<std::string> LoadedAssets(const std::string& html) {
    std::vector<std::string> urls;
    for (const auto& tag : Tags(html)) {
        const char* attribute = tag.name == "link"                            ? "href"
                                : (tag.name == "script" || tag.name == "img") ? "src"
                                                                              : nullptr;
        if (attribute == nullptr) continue;
        if (auto url = Attribute(tag, attribute)) urls.push_back(*url);
    }
    return urls;
}

TEST_F(ApiEndpointsTest, PagesLoadOnlyLocalAssetsThatAreServed) {
    for (const char* page_path : {"/", "/docs", "/redoc"}) {
        SCOPED_TRACE(page_path);
        const auto page = Client().Get(page_path);
        ASSERT_EQ(page.status, 200);
        EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
        EXPECT_FALSE(BodyContains(page, "http://")) << "no absolute URL, hence no CDN";
        EXPECT_FALSE(BodyContains(page, "https://")) << "no absolute URL, hence no CDN";
        for (const auto& url : ReferencedUrls(page.body)) {
            // A path on this server or a fragment of this page; "//host/..." is another server.
            const bool local =
                (url.starts_with("/") && !url.starts_with("//")) || url.starts_with("#");
            EXPECT_TRUE(local) << url;
        }
        const auto assets = LoadedAssets(page.body);
        EXPECT_FALSE(assets.empty());
        for (const auto& url : assets) {
            EXPECT_TRUE(url.starts_with("/static/")) << url;
            const auto asset = Client().Get(url);
            EXPECT_EQ(asset.status, 200) << url;
            EXPECT_FALSE(asset.body.empty()) << url;
        }
    }
    // Swagger UI's default online-validator badge would send the document's URL to a third party.
    const auto bootstrap = Client().Get("/static/docs.js");
    ASSERT_EQ(bootstrap.status, 200);
    EXPECT_TRUE(BodyContains(bootstrap, "validatorUrl: null")) << bootstrap.body;
    EXPECT_TRUE(BodyContains(Client().Get("/redoc"), "spec-url=\"/openapi.json\""));
}

TEST_F(ApiEndpointsTest, OpenApiDocumentListsTheEndpointsAndItsExamplesAreAccepted) {
    const auto response = Client().Get("/openapi.json");
    ASSERT_EQ(response.status, 200);
    const auto document = StrictJson(response);
    EXPECT_EQ(document["openapi"].get<std::string>().rfind("3.", 0), 0U);
    const auto& paths = document["paths"];
    for (const char* path : {"/health", "/api/v1/model/info"}) {
        EXPECT_TRUE(paths[path].contains("get")) << path;
    }
    int examples = 0;
    for (const char* path : {"/api/v1/predict", "/api/v1/predict/batch", "/api/v1/explain"}) {
        SCOPED_TRACE(path);
        ASSERT_TRUE(paths.contains(path) && paths[path].contains("post"));
        const auto& content = paths[path]["post"]["requestBody"]["content"]["application/json"];
        ASSERT_TRUE(content.contains("example"));
        const auto reply = Post(path, content["example"]);
        EXPECT_EQ(reply.status, 200) << reply.body;
        StrictJson(reply);
        ++examples;
    }
    EXPECT_EQ(examples, 3);
}

TEST_F(ApiEndpointsTest, OpenApiSchemaStatesTheContractRanges) {
    const auto document = StrictJson(Client().Get("/openapi.json"));
    const auto& employee = document["components"]["schemas"]["Employee"];
    std::set<std::string> required;
    for (const auto& name : employee["required"]) required.insert(name.get<std::string>());
    for (const auto& rule : NumericFieldRules()) {
        SCOPED_TRACE(rule.name);
        EXPECT_TRUE(required.count(rule.name));
        const auto& property = employee["properties"][rule.name];
        EXPECT_EQ(property["type"], rule.integer ? "integer" : "number");
        const char* min_key = rule.exclusive_minimum ? "exclusiveMinimum" : "minimum";
        EXPECT_EQ(property[min_key].get<double>(), *rule.minimum);
        if (rule.maximum) {
            EXPECT_EQ(property["maximum"].get<double>(), *rule.maximum);
        }
    }
    for (const auto& rule : CategoricalFieldRules()) {
        EXPECT_TRUE(required.count(rule.name)) << rule.name;
        EXPECT_EQ(employee["properties"][rule.name]["enum"], json(rule.values)) << rule.name;
    }
}

TEST(ApiWithoutModelTest, PredictionEndpointsAnswer503AndHealthSaysUnhealthy) {
    ServiceProcess service(
        {.env = {{"OC5_DATABASE_URL", "none"}, {"OC5_MODEL_DIR", "/nonexistent/attrition-model"}}});
    HttpClient client(service.Port());
    const auto health = StrictJson(client.Get("/health"));
    EXPECT_EQ(health["status"], "unhealthy");
    EXPECT_EQ(health["model_loaded"], false);
    EXPECT_TRUE(health["model_version"].is_null());
    EXPECT_EQ(client.Get("/api/v1/model/info").status, 503);
    for (const char* path : {"/api/v1/predict", "/api/v1/predict/batch", "/api/v1/explain"}) {
        const auto response = client.Post(path, SampleEmployee().dump());
        EXPECT_EQ(response.status, 503) << path;
        EXPECT_EQ(StrictJson(response), (json{{"detail", "Model not loaded"}})) << path;
    }
}

}  // namespace
}  // namespace attrition::test::api_endpoints_test
