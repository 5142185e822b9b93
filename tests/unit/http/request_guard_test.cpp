// The request guard: rate limits per client and route group (429, Retry-After, metric) and each
// route's declared access (401/403), with an injectable clock. The routes here are declared
// with the groups and access of the service's own (http/routes.cpp).
#include "http/request_guard.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "unit/http/manual_clock.hpp"

namespace attrition::http {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;
using test_support::ManualClock;
using test_support::PredictOnly;

Router TestRoutes() {
    const Handler ok = [](const Request&, RequestContext&) -> Awaitable<Response> {
        co_return Response{};
    };
    std::vector<Route> routes;
    const auto add = [&](Verb verb, std::string path, RouteGroup group, Access access) {
        routes.push_back({.verb = verb,
                          .path = std::move(path),
                          .group = group,
                          .access = access,
                          .handler = ok});
    };
    add(Verb::post, "/api/v1/predict", RouteGroup::kPredict, Access::kApiKeyIfRequired);
    add(Verb::post, "/api/v1/predict/batch", RouteGroup::kPredict, Access::kApiKeyIfRequired);
    add(Verb::post, "/api/v1/explain", RouteGroup::kExplain, Access::kApiKeyIfRequired);
    add(Verb::get, "/api/v1/model/info", RouteGroup::kRead, Access::kOpen);
    add(Verb::get, "/api/v1/stats", RouteGroup::kRead, Access::kApiKey);
    add(Verb::get, "/metrics", RouteGroup::kOther, Access::kApiKeyIfConfigured);
    add(Verb::get, "/health", RouteGroup::kOther, Access::kOpen);
    return Router(std::move(routes));
}

// The guard: rate limit per client, 429 shape, metric, the access each route declares.
struct GuardFixture : ::testing::Test {
    ManualClock clock;
    ops::Registry metrics;
    ApiKeys keys = ApiKeys::Parse(KeyFileLine("the-key", "ci") + "\n", "test").value();
    Router router = TestRoutes();

    static Request Post(std::string target, std::string authorization = "") {
        return Make(Verb::post, std::move(target), std::move(authorization));
    }
    static Request Get(std::string target, std::string authorization = "") {
        return Make(Verb::get, std::move(target), std::move(authorization));
    }
    static Request Make(Verb verb, std::string target, std::string authorization) {
        Request request{verb, target, 11};
        if (!authorization.empty()) request.set(bhttp::field::authorization, authorization);
        return request;
    }
    static RequestContext From(std::string ip) {
        RequestContext context;
        context.peer_ip = std::move(ip);
        return context;
    }
    // The exposed sample of attrition_rate_limited_total for a group.
    bool Exposes(const std::string& sample) const {
        return metrics.Expose().find(sample + "\n") != std::string::npos;
    }
};

TEST_F(GuardFixture, OffByDefaultLetsEverythingThrough) {
    RequestGuard guard({}, router, keys, metrics, clock.Function());
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(guard.Check(Post("/api/v1/predict"), From("10.0.0.1")));
    }
}

TEST_F(GuardFixture, OverTheLimitIs429WithRetryAfterAndCounted) {
    RequestGuard guard({.rate_limits = PredictOnly(1, 2)}, router, keys, metrics, clock.Function());
    EXPECT_FALSE(guard.Check(Post("/api/v1/predict"), From("10.0.0.1")));
    EXPECT_FALSE(guard.Check(Post("/api/v1/predict/batch"), From("10.0.0.1")));
    const auto refused = guard.Check(Post("/api/v1/predict"), From("10.0.0.1"));
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->result(), Status::too_many_requests);
    EXPECT_EQ((*refused)[bhttp::field::retry_after], "1");
    const auto body = nlohmann::json::parse(refused->body());
    EXPECT_TRUE(body["detail"].is_string());
    EXPECT_TRUE(Exposes(R"(attrition_rate_limited_total{group="predict"} 1)")) << metrics.Expose();
    EXPECT_TRUE(Exposes(R"(attrition_rate_limited_total{group="explain"} 0)"));
    // Another address, and another group, are not affected.
    EXPECT_FALSE(guard.Check(Post("/api/v1/predict"), From("10.0.0.2")));
    EXPECT_FALSE(guard.Check(Post("/api/v1/explain"), From("10.0.0.1")));
}

TEST_F(GuardFixture, AValidKeyHasItsOwnBucketAndAnInvalidOneDoesNot) {
    RequestGuard guard({.rate_limits = PredictOnly(1, 1)}, router, keys, metrics, clock.Function());
    EXPECT_FALSE(guard.Check(Post("/api/v1/predict"), From("10.0.0.1")));
    // Same address, random keys: still the address's (empty) bucket.
    EXPECT_TRUE(guard.Check(Post("/api/v1/predict", "Bearer guess-1"), From("10.0.0.1")));
    EXPECT_TRUE(guard.Check(Post("/api/v1/predict", "Bearer guess-2"), From("10.0.0.1")));
    // The valid key: its own bucket, whatever the address.
    EXPECT_FALSE(guard.Check(Post("/api/v1/predict", "Bearer the-key"), From("10.0.0.1")));
    EXPECT_TRUE(guard.Check(Post("/api/v1/predict", "Bearer the-key"), From("10.0.0.9")));
}

TEST_F(GuardFixture, RequiredKeyGuardsPredictionsOnly) {
    RequestGuard guard({.require_api_key = true}, router, keys, metrics, clock.Function());
    for (const auto* path : {"/api/v1/predict", "/api/v1/predict/batch", "/api/v1/explain"}) {
        const auto missing = guard.Check(Post(path), From("10.0.0.1"));
        ASSERT_TRUE(missing) << path;
        EXPECT_EQ(missing->result(), Status::unauthorized);
        EXPECT_EQ((*missing)[bhttp::field::www_authenticate], "Bearer");
        const auto wrong = guard.Check(Post(path, "Bearer nope"), From("10.0.0.1"));
        ASSERT_TRUE(wrong) << path;
        EXPECT_EQ(wrong->result(), Status::unauthorized);
        EXPECT_FALSE(guard.Check(Post(path, "Bearer the-key"), From("10.0.0.1"))) << path;
    }
    EXPECT_FALSE(guard.Check(Get("/health"), From("10.0.0.1")));
    EXPECT_FALSE(guard.Check(Get("/api/v1/model/info"), From("10.0.0.1")));
}

TEST_F(GuardFixture, KeyedRoutesFollowTheirDeclaredAccess) {
    RequestGuard guard({}, router, keys, metrics, clock.Function());
    // Access::kApiKey: a key, whatever the options.
    EXPECT_EQ(guard.Check(Get("/api/v1/stats"), From("10.0.0.1"))->result(), Status::unauthorized);
    EXPECT_FALSE(guard.Check(Get("/api/v1/stats", "Bearer the-key"), From("10.0.0.1")));
    EXPECT_EQ(guard.Check(Get("/metrics"), From("10.0.0.1"))->result(), Status::unauthorized);
    // Without a keys file, kApiKey routes are closed (403) and kApiKeyIfConfigured ones open.
    const ApiKeys none;
    RequestGuard unconfigured({}, router, none, metrics, clock.Function());
    EXPECT_EQ(unconfigured.Check(Get("/api/v1/stats"), From("10.0.0.1"))->result(),
              Status::forbidden);
    EXPECT_FALSE(unconfigured.Check(Get("/metrics"), From("10.0.0.1")));
    // A method the route does not serve is the router's 405, not a 401.
    EXPECT_FALSE(guard.Check(Post("/api/v1/stats"), From("10.0.0.1")));
}

TEST_F(GuardFixture, ForwardedForCountsOnlyFromATrustedProxy) {
    RequestGuard guard({.rate_limits = PredictOnly(1, 1), .trusted_proxies = {"10.0.0.100"}},
                       router, keys, metrics, clock.Function());
    auto from = [](std::string forwarded) {
        auto request = Post("/api/v1/predict");
        request.set("X-Forwarded-For", forwarded);
        return request;
    };
    EXPECT_FALSE(guard.Check(from("203.0.113.1"), From("10.0.0.100")));
    EXPECT_FALSE(guard.Check(from("203.0.113.2"), From("10.0.0.100")));  // another client
    EXPECT_TRUE(guard.Check(from("203.0.113.1"), From("10.0.0.100")));
    // From an untrusted peer the header is ignored: the peer's own bucket.
    EXPECT_FALSE(guard.Check(from("203.0.113.3"), From("10.0.0.7")));
    EXPECT_TRUE(guard.Check(from("203.0.113.4"), From("10.0.0.7")));
}

}  // namespace
}  // namespace attrition::http
