// Admission of a request before routing, in one place for every route (the server calls it
// for each parsed request): the rate limit of the route's group, then the route's access
// (Route::access: an API key always, once keys are configured, or on the prediction endpoints
// with --require-api-key), both read from the route's declaration. Answers 429
// with Retry-After, or 401 with WWW-Authenticate: Bearer, in the FastAPI error shape.
// The client a rate limit counts is the API key when the request carries a valid one (a key
// that matches nothing does not count: random keys must not buy fresh buckets), else the
// client address (X-Forwarded-For only from trusted proxies).
// Holds references to the keys and the metrics registry, which must outlive it. Check is
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/api_keys.hpp"
#include "http/client_ip.hpp"
#include "http/net.hpp"
#include "http/rate_limiter.hpp"
#include "http/request_context.hpp"
#include "http/router.hpp"
#include "ops/metrics.hpp"

namespace attrition::http {

struct GuardOptions {
    RateLimits rate_limits{};      // all unlimited by default
    bool require_api_key = false;  // predict and explain need a valid key
    std::vector<std::string> trusted_proxies;
};

class RequestGuard {
  public:
    RequestGuard(GuardOptions options,
                 const Router& router,
                 const ApiKeys& keys,
                 ops::Registry& metrics,
                 RateLimiter::Clock clock = std::chrono::steady_clock::now);

    // nullopt: route the request; otherwise the answer to send instead.
    std::optional<Response> Check(const Request& request, const RequestContext& context);

    RateLimiter& Limiter() noexcept { return limiter_; }

  private:
    bool require_api_key_;
    const Router& router_;
    const ApiKeys& keys_;
    ClientIpResolver client_ip_;
    RateLimiter limiter_;
    std::array<ops::Counter*, kRouteGroupCount> rate_limited_{};
};

}  // namespace attrition::http
