// Rate limits and API keys of `attrition serve`, black-box (docs/security.md): per-group rate
// limits (429 + Retry-After, counted in /metrics) and the optional API key of the prediction
// endpoints (401 + WWW-Authenticate), off by default.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/service_process.hpp"

namespace attrition::test::access_test {
namespace {

using Json = nlohmann::json;

// The key and its SHA-256 (what `attrition keys hash` writes for it).
constexpr const char* kKey = "e2e-secret-key";
constexpr const char* kKeyHash = "557bb6a51535961f744586ff6dc59079dd7dc178d722232e18bd1c34d9819b3d";

std::map<std::string, std::string> Bearer(const std::string& key) {
    return {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}};
}

TEST(AccessTest, RateLimitAnswers429WithRetryAfterAndCountsIt) {
    ServiceProcess service(
        {.flags = {"--rate-limit-predict", "0.001:2", "--rate-limit-explain", "0.001:2"},
         .env = {{"OC5_DATABASE_URL", "none"}}});
    HttpClient client(service.Port());
    EXPECT_EQ(client.Post("/api/v1/predict", "{}").status, 422);
    EXPECT_EQ(client.Post("/api/v1/predict/batch", "{}").status, 422);
    const auto limited = client.Post("/api/v1/predict", "{}");
    ASSERT_EQ(limited.status, 429);
    EXPECT_GE(std::stoi(limited.Header("retry-after")), 1);
    EXPECT_TRUE(Json::parse(limited.body)["detail"].is_string());
    // The Open Inference Protocol's inference shares predict's budget, and answers its way.
    const auto limited_v2 = client.Post("/v2/models/attrition/infer", "{}");
    ASSERT_EQ(limited_v2.status, 429);
    EXPECT_GE(std::stoi(limited_v2.Header("retry-after")), 1);
    EXPECT_TRUE(Json::parse(limited_v2.body)["error"].is_string()) << limited_v2.body;
    // Other groups keep their own (unlimited) budget.
    EXPECT_EQ(client.Get("/health").status, 200);
    EXPECT_EQ(client.Post("/api/v1/explain", "{}").status, 422);
    // What-if draws on the explanations' budget: the third of the two is refused.
    EXPECT_EQ(client.Post("/api/v1/what-if", "{}").status, 422);
    EXPECT_EQ(client.Post("/api/v1/what-if", "{}").status, 429);
    const auto metrics = client.Get("/metrics").body;
    EXPECT_NE(metrics.find("attrition_rate_limited_total{group=\"predict\"} 2"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("attrition_rate_limited_total{group=\"explain\"} 1"), std::string::npos)
        << metrics;
}

TEST(AccessTest, RequiredApiKeyGuardsThePredictionEndpoints) {
    const auto dir = MakeTempDir("attrition-limits-keys");
    const auto keys = dir + "/keys";
    std::ofstream(keys) << kKeyHash << " e2e\n";
    ServiceProcess service({.flags = {"--require-api-key"},
                            .env = {{"OC5_DATABASE_URL", "none"}, {"OC5_API_KEYS_FILE", keys}}});
    HttpClient client(service.Port());
    for (const std::string path : {"/api/v1/predict", "/api/v1/predict/batch", "/api/v1/explain",
                                   "/api/v1/what-if", "/v2/models/attrition/infer"}) {
        const bool v2 = path.starts_with("/v2/");
        const auto missing = client.Post(path, "{}");
        EXPECT_EQ(missing.status, 401) << path;
        EXPECT_EQ(missing.Header("www-authenticate"), "Bearer");
        // Each dialect its error body: the protocol's {"error"} under /v2.
        EXPECT_TRUE(Json::parse(missing.body).contains(v2 ? "error" : "detail")) << missing.body;
        EXPECT_EQ(client.Post(path, "{}", Bearer("wrong-key")).status, 401) << path;
        EXPECT_EQ(client.Post(path, "{}", Bearer(kKey)).status, v2 ? 400 : 422) << path;
    }
    EXPECT_EQ(client.Get("/health").status, 200);
    EXPECT_EQ(client.Get("/api/v1/model/info").status, 200);
}

TEST(AccessTest, WithoutRequireApiKeyPredictionsNeedNoKey) {
    const auto dir = MakeTempDir("attrition-limits-nokey");
    const auto keys = dir + "/keys";
    std::ofstream(keys) << kKeyHash << " e2e\n";
    ServiceProcess service({.env = {{"OC5_DATABASE_URL", "none"}, {"OC5_API_KEYS_FILE", keys}}});
    HttpClient client(service.Port());
    EXPECT_EQ(client.Post("/api/v1/predict", "{}").status, 422);
}

TEST(AccessTest, RequireApiKeyWithoutAKeysFileRefusesToStart) {
    ServiceProcess service({.flags = {"--require-api-key"},
                            .env = {{"OC5_DATABASE_URL", "none"}},
                            .wait_ready = false});
    for (int i = 0; i < 600 && service.Running(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_FALSE(service.Running());
    EXPECT_NE(service.Stop(), 0);
    EXPECT_NE(service.Log().find("--require-api-key needs OC5_API_KEYS_FILE"), std::string::npos)
        << service.Log();
}

}  // namespace
}  // namespace attrition::test::access_test
