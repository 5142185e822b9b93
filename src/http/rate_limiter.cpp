#include "http/rate_limiter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace attrition::http {
namespace {

std::optional<double> ParsePositive(std::string_view text) {
    double value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) return std::nullopt;
    return value;
}

}  // namespace

base::Result<RateLimit> ParseRateLimit(std::string_view text) {
    if (text == "off" || text == "0") return RateLimit{};
    const auto colon = text.find(':');
    const auto rate = ParsePositive(text.substr(0, colon));
    std::optional<double> burst;
    if (colon == std::string_view::npos) {
        if (rate) burst = std::max(1.0, *rate);
    } else {
        burst = ParsePositive(text.substr(colon + 1));
    }
    if (!rate || !burst || *rate <= 0 || *burst < 1) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          fmt::format("invalid rate limit '{}': expected off, RATE or RATE:BURST "
                                      "(requests per second, bucket size >= 1)",
                                      text));
    }
    return RateLimit{*rate, *burst};
}

RateLimiter::RateLimiter(RateLimits limits, Clock clock)
    : limits_(limits), clock_(std::move(clock)) {}

bool RateLimiter::Limited(RouteGroup group) const noexcept {
    return limits_[static_cast<std::size_t>(group)].Limited();
}

double RateLimiter::Refilled(const Bucket& bucket,
                             std::chrono::steady_clock::time_point now) const {
    const auto& limit = limits_[static_cast<std::size_t>(bucket.group)];
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    return std::min(limit.burst, bucket.tokens + std::max(0.0, elapsed) * limit.per_second);
}

RateLimiter::Decision RateLimiter::Acquire(RouteGroup group, std::string_view client) {
    if (!Limited(group)) return {};
    const auto& limit = limits_[static_cast<std::size_t>(group)];
    // One bucket per (group, client): the group's index prefixes the key.
    std::string key;
    key.reserve(client.size() + 1);
    key.push_back(static_cast<char>('0' + static_cast<int>(group)));
    key.append(client);
    auto& shard = shards_[std::hash<std::string>{}(key) % kShardCount];
    const auto now = clock_();

    std::lock_guard lock(shard.mutex);
    auto found = shard.buckets.find(key);
    if (found == shard.buckets.end()) {
        if (++shard.inserted_since_sweep >= kSweepEvery) SweepLocked(shard, now);
        found = shard.buckets.emplace(std::move(key), Bucket{limit.burst, now, group}).first;
    }
    auto& bucket = found->second;
    bucket.tokens = Refilled(bucket, now);
    bucket.updated = now;
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return {};
    }
    const double wait = (1.0 - bucket.tokens) / limit.per_second;
    const auto seconds = static_cast<long long>(std::ceil(wait));
    return Decision{false, std::chrono::seconds(std::max(1LL, seconds))};
}

std::size_t RateLimiter::SweepLocked(Shard& shard, std::chrono::steady_clock::time_point now) {
    shard.inserted_since_sweep = 0;
    return std::erase_if(shard.buckets, [&](const auto& entry) {
        const auto& limit = limits_[static_cast<std::size_t>(entry.second.group)];
        return Refilled(entry.second, now) >= limit.burst;
    });
}

std::size_t RateLimiter::EvictIdle() {
    const auto now = clock_();
    std::size_t dropped = 0;
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        dropped += SweepLocked(shard, now);
    }
    return dropped;
}

std::size_t RateLimiter::BucketCount() const {
    std::size_t count = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        count += shard.buckets.size();
    }
    return count;
}

}  // namespace attrition::http
