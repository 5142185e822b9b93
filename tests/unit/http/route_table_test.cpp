// The route declarations (http/routes.cpp) and what derives from them: every declared API
// operation is in the OpenAPI document and every documented operation is routed; every route
// has a rate-limit group; each operation documents every status its kind can return and
// declares its security; the router refuses an incomplete or repeated declaration.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "http/openapi.hpp"
#include "http/router.hpp"
#include "unit/domain/fixtures.hpp"
#include "unit/http/service_routes.hpp"

namespace attrition::http {
namespace {

using Json = nlohmann::json;
using Operations = std::set<std::pair<std::string, std::string>>;  // path, lower-case method

std::string Lower(std::string_view method) {
    std::string out(method);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

class RouteTableTest : public ::testing::Test {
  protected:
    Json Document() const {
        return Json::parse(BuildOpenApiDocument(test_fixtures::SpecVocabulary(),
                                                OpenApiInfo{.version = "t"}, routes_));
    }
    test_support::ServiceRoutes service_;
    std::vector<Route> routes_ = service_.Declare();
};

TEST_F(RouteTableTest, EveryRoutedOperationIsDocumentedAndViceVersa) {
    Operations routed;
    for (const auto& route : routes_) {
        if (route.operation) routed.emplace(route.path, Lower(bhttp::to_string(route.verb)));
    }
    Operations documented;
    const Json document = Document();
    for (const auto& [path, operations] : document.at("paths").items()) {
        for (const auto& [method, operation] : operations.items()) {
            documented.emplace(path, method);
        }
    }
    EXPECT_EQ(routed, documented);
    EXPECT_GE(routed.size(), 12U);
    // The router serves each of them.
    const Router router(routes_);
    for (const auto& route : routes_) {
        EXPECT_EQ(router.Find(route.verb, route.path),
                  &router.Routes()[static_cast<std::size_t>(&route - routes_.data())])
            << route.path;
    }
}

TEST_F(RouteTableTest, EveryRouteHasAGroupAndApiRoutesAreNotOther) {
    for (const auto& route : routes_) {
        SCOPED_TRACE(route.path);
        ASSERT_TRUE(route.group.has_value());
        if (route.path.starts_with("/api/")) {
            EXPECT_NE(*route.group, RouteGroup::kOther);
        }
        if (!route.operation) {  // pages and assets: open GETs
            EXPECT_EQ(route.verb, Verb::get);
            EXPECT_EQ(route.access, Access::kOpen);
        }
    }
}

TEST_F(RouteTableTest, EachOperationDocumentsWhatItsKindReturnsAndItsSecurity) {
    const Json paths = Document().at("paths");
    for (const auto& route : routes_) {
        if (!route.operation) continue;
        SCOPED_TRACE(route.path);
        const auto& operation = paths.at(route.path).at(Lower(bhttp::to_string(route.verb)));
        const auto& responses = operation.at("responses");
        for (const auto* status : {"400", "429", "500"}) EXPECT_TRUE(responses.contains(status));
        // The Open Inference Protocol's routes refuse invalid input with a 400, in its shape.
        const bool v2 = route.path.starts_with("/v2");
        const std::string error =
            v2 ? "#/components/schemas/V2Error" : "#/components/schemas/Error";
        for (const auto* status : {"400", "401", "403", "413", "415", "429", "500"}) {
            if (!responses.contains(status)) continue;
            EXPECT_EQ(
                responses.at(status).at("content").at("application/json").at("schema").at("$ref"),
                error)
                << status;
        }
        if (route.logging == Logging::kPredictionLog) {
            for (const auto* status : {"413", "415", "503"}) {
                EXPECT_TRUE(responses.contains(status)) << status;
            }
            EXPECT_EQ(responses.contains("422"), !v2);
        }
        ASSERT_TRUE(operation.contains("security"));
        const auto& security = operation.at("security");
        switch (route.access) {
            case Access::kOpen:
                EXPECT_EQ(security, Json::array());
                EXPECT_FALSE(responses.contains("401"));
                break;
            case Access::kApiKey:
                EXPECT_EQ(security, Json::array({{{"bearerAuth", Json::array()}}}));
                EXPECT_TRUE(responses.contains("401"));
                EXPECT_TRUE(responses.contains("403"));
                break;
            case Access::kApiKeyIfConfigured:
            case Access::kApiKeyIfRequired:
                EXPECT_EQ(security, Json::array({Json::object(), {{"bearerAuth", Json::array()}}}));
                EXPECT_TRUE(responses.contains("401"));
                break;
        }
    }
}

TEST_F(RouteTableTest, KeyedAndLoggedRoutesAreTheOnesTheServiceKeysAndLogs) {
    std::set<std::string> keyed;
    std::set<std::string> logged;
    for (const auto& route : routes_) {
        if (route.access == Access::kApiKey) keyed.insert(route.path);
        if (route.logging == Logging::kPredictionLog) logged.insert(route.path);
    }
    EXPECT_EQ(keyed,
              (std::set<std::string>{"/api/v1/predictions", "/api/v1/stats",
                                     "/api/v1/employees/{employee_id}/predictions",
                                     "/api/v1/models/reload", "/api/v1/outcomes",
                                     "/api/v1/monitoring/performance", "/api/v1/monitoring/drift",
                                     "/api/v1/monitoring/fairness", "/api/v1/monitoring/refresh"}));
    EXPECT_EQ(logged,
              (std::set<std::string>{"/api/v1/predict", "/api/v1/predict/batch", "/api/v1/explain",
                                     "/api/v1/what-if", "/v2/models/attrition/infer",
                                     "/v2/models/attrition/versions/{version}/infer"}));
}

TEST(RouterTest, RefusesIncompleteOrRepeatedDeclarations) {
    const Handler ok = [](const Request&, RequestContext&) -> Awaitable<Response> {
        co_return Response{};
    };
    const Route good{.verb = Verb::get, .path = "/a", .group = RouteGroup::kOther, .handler = ok};
    EXPECT_NO_THROW(Router({good}));
    Route no_group = good;
    no_group.group.reset();
    EXPECT_THROW(Router({no_group}), std::invalid_argument);
    EXPECT_THROW(Router({good, good}), std::invalid_argument);
    Route two_parameters = good;
    two_parameters.path = "/a/{x}/{y}";
    EXPECT_THROW(Router({two_parameters}), std::invalid_argument);
    Route no_handler = good;
    no_handler.handler = nullptr;
    EXPECT_THROW(Router({no_handler}), std::invalid_argument);
}

}  // namespace
}  // namespace attrition::http
