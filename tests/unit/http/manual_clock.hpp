// Test helpers for the rate limiter and the request guard: a clock the test moves by hand, and
// limits on the predict group alone.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "http/rate_limiter.hpp"

namespace attrition::http::test_support {

struct ManualClock {
    using TimePoint = std::chrono::steady_clock::time_point;
    std::shared_ptr<TimePoint> now =
        std::make_shared<TimePoint>(TimePoint{} + std::chrono::hours(1));
    RateLimiter::Clock Function() const {
        return [now = now] { return *now; };
    }
    void Advance(std::chrono::steady_clock::duration d) { *now += d; }
};

inline RateLimits PredictOnly(double per_second, double burst) {
    RateLimits limits{};
    limits[static_cast<std::size_t>(RouteGroup::kPredict)] = RateLimit{per_second, burst};
    return limits;
}

}  // namespace attrition::http::test_support
