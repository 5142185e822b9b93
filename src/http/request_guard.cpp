#include "http/request_guard.hpp"

#include <fmt/format.h>

#include "http/problem.hpp"
#include "http/router.hpp"

namespace attrition::http {

RequestGuard::RequestGuard(GuardOptions options,
                           const Router& router,
                           const ApiKeys& keys,
                           ops::Registry& metrics,
                           RateLimiter::Clock clock)
    : require_api_key_(options.require_api_key),
      router_(router),
      keys_(keys),
      client_ip_(std::move(options.trusted_proxies)),
      limiter_(options.rate_limits, std::move(clock)) {
    auto& family = metrics.AddCounter("attrition_rate_limited_total",
                                      "Requests refused with 429, by route group", {"group"});
    for (std::size_t i = 0; i < kRouteGroupCount; ++i) {
        rate_limited_[i] = &family.With({std::string(RouteGroupName(static_cast<RouteGroup>(i)))});
    }
}

std::optional<Response> RequestGuard::Check(const Request& request, const RequestContext& context) {
    // The route's own declaration says its group and who may call it; an unknown path or
    // method is limited as "other" and answered 404 or 405 by the router.
    const auto* route = router_.Find(request.method(), Router::PathOf(request.target()));
    const auto group = route != nullptr ? *route->group : RouteGroup::kOther;
    const auto access = route != nullptr ? route->access : Access::kOpen;
    std::optional<WhenUnconfigured> keyed;
    switch (access) {
        case Access::kOpen:
            break;
        case Access::kApiKey:
            keyed = WhenUnconfigured::kRefuse;
            break;
        case Access::kApiKeyIfConfigured:
            keyed = WhenUnconfigured::kAllow;
            break;
        case Access::kApiKeyIfRequired:
            if (require_api_key_) keyed = WhenUnconfigured::kRefuse;
            break;
    }
    if (!limiter_.Limited(group) && !keyed) return std::nullopt;

    const auto authorization = request[bhttp::field::authorization];
    bool key_accepted = false;
    std::string client;
    if (keys_.Configured() && !authorization.empty() &&
        keys_.Verify(authorization).verdict == KeyVerdict::kAccepted) {
        key_accepted = true;
        // The hash, not the key, names the bucket: no secret is kept in the limiter's map.
        client = "key:" + ToHex(Sha256(authorization));
    } else {
        client = "ip:" + client_ip_.Resolve(context.peer_ip, request["X-Forwarded-For"]);
    }

    // Rate first: a client guessing keys is limited like any other.
    const auto decision = limiter_.Acquire(group, client);
    if (!decision.allowed) {
        rate_limited_[static_cast<std::size_t>(group)]->Inc();
        auto response = ErrorResponse(
            request, base::Error::Make(base::ErrorCode::kRateLimited,
                                       fmt::format("Rate limit exceeded; retry after {} s",
                                                   decision.retry_after.count())));
        response.set(bhttp::field::retry_after, std::to_string(decision.retry_after.count()));
        return response;
    }
    if (keyed && !key_accepted) return Authorize(keys_, request, *keyed);
    return std::nullopt;
}

}  // namespace attrition::http
