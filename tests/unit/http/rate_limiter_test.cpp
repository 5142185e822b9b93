// Rate limiter (token buckets, injectable clock) and the header-field limit.
#include "http/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "http/request_limits.hpp"
#include "unit/http/manual_clock.hpp"

namespace attrition::http {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;
using test_support::ManualClock;
using test_support::PredictOnly;

TEST(ParseRateLimitTest, AcceptsOffRateAndRateWithBurst) {
    EXPECT_FALSE(ParseRateLimit("off")->Limited());
    EXPECT_FALSE(ParseRateLimit("0")->Limited());
    const auto plain = ParseRateLimit("5");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->per_second, 5);
    EXPECT_EQ(plain->burst, 5);
    const auto slow = ParseRateLimit("0.5");
    ASSERT_TRUE(slow);
    EXPECT_EQ(slow->burst, 1);  // a bucket holds at least one request
    const auto burst = ParseRateLimit("20:40");
    ASSERT_TRUE(burst);
    EXPECT_EQ(burst->per_second, 20);
    EXPECT_EQ(burst->burst, 40);
}

TEST(ParseRateLimitTest, RejectsNonsense) {
    for (const auto* text :
         {"", "fast", "-1", "5:0", "5:", ":5", "nan", "inf", "1e999", "5:x", "5:3:2", " 5"}) {
        const auto limit = ParseRateLimit(text);
        EXPECT_FALSE(limit) << text;
        if (!limit) {
            EXPECT_EQ(limit.error().code, base::ErrorCode::kInvalidConfig);
        }
    }
}

TEST(RateLimiterTest, BurstThenRefusedWithRetryAfterThenRefilled) {
    ManualClock clock;
    RateLimiter limiter(PredictOnly(2, 3), clock.Function());
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Acquire(RouteGroup::kPredict, "a").allowed);
    const auto refused = limiter.Acquire(RouteGroup::kPredict, "a");
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 1s);  // half a second to the next token, rounded up
    clock.Advance(500ms);
    EXPECT_TRUE(limiter.Acquire(RouteGroup::kPredict, "a").allowed);
    EXPECT_FALSE(limiter.Acquire(RouteGroup::kPredict, "a").allowed);
}

TEST(RateLimiterTest, RetryAfterIsTheCeilingOfTheWait) {
    ManualClock clock;
    RateLimiter limiter(PredictOnly(0.1, 1), clock.Function());  // one request per 10 s
    EXPECT_TRUE(limiter.Acquire(RouteGroup::kPredict, "a").allowed);
    EXPECT_EQ(limiter.Acquire(RouteGroup::kPredict, "a").retry_after, 10s);
    clock.Advance(2500ms);
    EXPECT_EQ(limiter.Acquire(RouteGroup::kPredict, "a").retry_after, 8s);  // 7.5 s -> 8
}

TEST(RateLimiterTest, ClientsAndGroupsHaveSeparateBuckets) {
    ManualClock clock;
    RateLimits limits = PredictOnly(1, 1);
    limits[static_cast<std::size_t>(RouteGroup::kExplain)] = RateLimit{1, 1};
    RateLimiter limiter(limits, clock.Function());
    EXPECT_TRUE(limiter.Acquire(RouteGroup::kPredict, "a").allowed);
    EXPECT_FALSE(limiter.Acquire(RouteGroup::kPredict, "a").allowed);
    EXPECT_TRUE(limiter.Acquire(RouteGroup::kPredict, "b").allowed);
    EXPECT_TRUE(limiter.Acquire(RouteGroup::kExplain, "a").allowed);
    // An unlimited group never refuses and keeps no bucket.
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.Acquire(RouteGroup::kRead, "a").allowed);
    EXPECT_EQ(limiter.BucketCount(), 3u);
}

TEST(RateLimiterTest, TokensNeverExceedTheBurstAfterALongIdle) {
    ManualClock clock;
    RateLimiter limiter(PredictOnly(10, 2), clock.Function());
    EXPECT_TRUE(limiter.Acquire(RouteGroup::kPredict, "a").allowed);
    clock.Advance(1h);
    EXPECT_TRUE(limiter.Acquire(RouteGroup::kPredict, "a").allowed);
    EXPECT_TRUE(limiter.Acquire(RouteGroup::kPredict, "a").allowed);
    EXPECT_FALSE(limiter.Acquire(RouteGroup::kPredict, "a").allowed);
}

TEST(RateLimiterTest, IdleBucketsAreEvicted) {
    ManualClock clock;
    RateLimiter limiter(PredictOnly(1, 5), clock.Function());
    for (int i = 0; i < 10; ++i) {
        limiter.Acquire(RouteGroup::kPredict, "client-" + std::to_string(i));
    }
    EXPECT_EQ(limiter.BucketCount(), 10u);
    EXPECT_EQ(limiter.EvictIdle(), 0u);  // each still misses a token
    clock.Advance(2s);
    limiter.Acquire(RouteGroup::kPredict, "client-0");
    limiter.Acquire(RouteGroup::kPredict, "client-0");
    EXPECT_EQ(limiter.EvictIdle(), 9u);  // refilled: same as new
    EXPECT_EQ(limiter.BucketCount(), 1u);
}

TEST(RateLimiterTest, ManyClientsStayBoundedBySweeps) {
    ManualClock clock;
    RateLimiter limiter(PredictOnly(1000, 1), clock.Function());
    // A client spraying addresses: each address is idle again 1 ms later.
    const std::size_t clients = RateLimiter::kShardCount * RateLimiter::kSweepEvery * 4;
    for (std::size_t i = 0; i < clients; ++i) {
        limiter.Acquire(RouteGroup::kPredict, "ip-" + std::to_string(i));
        clock.Advance(1ms);
    }
    EXPECT_LE(limiter.BucketCount(), RateLimiter::kShardCount * RateLimiter::kSweepEvery);
}

TEST(RateLimiterTest, ConcurrentClientsNeverGetMoreThanTheirBurst) {
    ManualClock clock;  // frozen: no refill during the test
    RateLimiter limiter(PredictOnly(1, 50), clock.Function());
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 100; ++i) {
                if (limiter.Acquire(RouteGroup::kPredict, "shared").allowed) ++allowed;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(allowed.load(), 50);
}

TEST(RequestLimitsTest, HeaderFieldsOverTheLimitAre431) {
    Request request{Verb::get, "/health", 11};
    for (int i = 0; i < 5; ++i) request.insert("X-Repeated", "v");
    EXPECT_EQ(HeaderFieldCount(request.base()), 5u);
    EXPECT_FALSE(CheckHeaderFields(request, 5));
    const auto refused = CheckHeaderFields(request, 4);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->result(), Status::request_header_fields_too_large);
    EXPECT_FALSE(refused->keep_alive());
    EXPECT_TRUE(nlohmann::json::accept(refused->body()));
    EXPECT_EQ(HeaderTooLargeResponse().result(), Status::request_header_fields_too_large);
}

}  // namespace
}  // namespace attrition::http
