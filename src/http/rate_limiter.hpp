// Token-bucket rate limiting per client and route group. A client is its API key's name when
// it presented a valid key, else its address (see RequestGuard); each (group, client) pair has
// its own bucket of `burst` tokens refilled at `per_second`. Buckets live in a sharded map (one
// mutex per shard, so concurrent requests of different clients rarely contend); a bucket that
// has refilled completely is indistinguishable from a new one, so shards drop such idle buckets
// whenever they have grown by kSweepEvery entries: memory follows the number of clients active
// in the last burst/per_second seconds, not the number ever seen.
// The clock is injectable (tests). Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/error.hpp"
#include "http/route.hpp"  // RouteGroup: each route declares its own

namespace attrition::http {

struct RateLimit {
    double per_second = 0;  // 0: unlimited
    double burst = 0;       // bucket size; at least 1 when limited

    bool Limited() const noexcept { return per_second > 0; }
};
using RateLimits = std::array<RateLimit, kRouteGroupCount>;

// "off" or "0" (unlimited), "RATE" (burst = max(1, RATE)), or "RATE:BURST", e.g. "20:40" for
// 20 requests per second with bursts of 40. kInvalidConfig otherwise.
base::Result<RateLimit> ParseRateLimit(std::string_view text);

class RateLimiter {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    static constexpr std::size_t kShardCount = 16;
    static constexpr std::size_t kSweepEvery = 1024;

    struct Decision {
        bool allowed = true;
        std::chrono::seconds retry_after{0};  // when refused: until one token is back (ceil)
    };

    explicit RateLimiter(RateLimits limits, Clock clock = std::chrono::steady_clock::now);

    // Takes one token from the bucket of (group, client), or refuses.
    Decision Acquire(RouteGroup group, std::string_view client);

    bool Limited(RouteGroup group) const noexcept;
    // Buckets currently held (for tests and diagnostics).
    std::size_t BucketCount() const;
    // Drops every bucket that has refilled completely; returns how many were dropped.
    std::size_t EvictIdle();

  private:
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point updated;
        RouteGroup group = RouteGroup::kOther;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, Bucket> buckets;
        std::size_t inserted_since_sweep = 0;
    };

    double Refilled(const Bucket& bucket, std::chrono::steady_clock::time_point now) const;
    std::size_t SweepLocked(Shard& shard, std::chrono::steady_clock::time_point now);

    RateLimits limits_;
    Clock clock_;
    std::array<Shard, kShardCount> shards_;
};

}  // namespace attrition::http
