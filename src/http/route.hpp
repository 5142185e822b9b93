// One route of the service, declared once (http/routes.cpp holds every declaration): method,
// path, handler, rate-limit group, who may call it, whether it writes the prediction log, and
// its OpenAPI operation. The router, the request guard, the OpenAPI document and the landing
// page's endpoint list are all derived from these declarations, so adding a route touches its
// declaration and its handler, nothing else. Value types; immutable once the router is built.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "domain/vocabulary.hpp"
#include "http/net.hpp"
#include "http/request_context.hpp"

namespace attrition::http {

using Handler = std::function<Awaitable<Response>(const Request&, RequestContext&)>;
// Answers a request the server refused before routing (its body over the limit); `head` has
// the method, target and headers but no body. Lets an endpoint log its rejections too.
using RejectHandler =
    std::function<Awaitable<Response>(const Request& head, const base::Error&, RequestContext&)>;

// Rate-limit buckets, each with its own limit (--rate-limit-*).
enum class RouteGroup : std::size_t { kPredict = 0, kExplain = 1, kRead = 2, kOther = 3 };
inline constexpr std::size_t kRouteGroupCount = 4;
std::string_view RouteGroupName(RouteGroup group) noexcept;

// Who may call a route; the request guard enforces it before the handler runs.
enum class Access {
    kOpen,                // anyone
    kApiKey,              // a key from OC5_API_KEYS_FILE: 401 without one, 403 when none is set
    kApiKeyIfConfigured,  // open while no keys file is configured, keyed once one is
    kApiKeyIfRequired,    // open unless --require-api-key
};

// Whether a route writes the prediction log (every request, rejected ones included).
enum class Logging { kNone, kPredictionLog };

// A response of an operation besides the ones every route of its kind shares (the OpenAPI
// builder adds those: 400, 429 and 500 everywhere; 401/403 by access; 413, 415, 422, 503 on
// logged routes).
struct ResponseDoc {
    int status = 200;
    std::string description;
    std::string schema;  // a components.schemas name; empty: no body
    std::string media_type = "application/json";
};

struct Operation {
    std::string operation_id;
    std::string summary;
    std::string tag;
    std::string request_schema;  // a components.schemas name; empty: no request body
    // The request body's example, made from the model's vocabulary (values it accepts).
    std::function<nlohmann::json(const domain::Vocabulary&)> request_example;
    std::vector<nlohmann::json> parameters;  // OpenAPI parameter objects
    std::vector<ResponseDoc> responses;
};

struct Route {
    Verb verb = Verb::get;
    std::string path;                 // exact, or with one {parameter} segment
    std::optional<RouteGroup> group;  // required: the router refuses a route without one
    Access access = Access::kOpen;
    Logging logging = Logging::kNone;
    // nullopt: a page or a static asset, not an API operation (not in /openapi.json).
    std::optional<Operation> operation;
    Handler handler;
    RejectHandler reject;  // optional
};

}  // namespace attrition::http
