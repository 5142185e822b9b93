// Time helpers: an injectable wall clock (so schedulers and retention can be tested) and the
// ISO-8601 UTC format the API uses. Clock implementations must be thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace attrition::base {

using SystemTime = std::chrono::system_clock::time_point;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual SystemTime Now() const = 0;
};

class SystemClock final : public Clock {
  public:
    SystemTime Now() const override { return std::chrono::system_clock::now(); }
};

// "2026-11-27T09:23:32.123456Z" (microseconds, UTC), the format of every API timestamp.
std::string FormatIso8601(SystemTime t);

// The first and last instants ParseIso8601 reads: the years SystemTime (64-bit nanoseconds,
// 1677-09-21 to 2262-04-11) holds whole, with room for any UTC offset.
inline constexpr int kEarliestYear = 1678;
inline constexpr int kLatestYear = 2261;
inline constexpr std::string_view kEarliestIso8601 = "1678-01-01T00:00:00Z";
inline constexpr std::string_view kLatestIso8601 = "2261-12-31T23:59:59.999999Z";

// "2026-11-27", "2026-11-27T09:23:32Z", "2026-11-27T09:23:32.5+02:00" (offset or Z required
// with a time); nullopt otherwise, and for a year outside kEarliestYear..kLatestYear (never a
// wrapped time). Reads what FormatIso8601 writes.
std::optional<SystemTime> ParseIso8601(std::string_view text);

}  // namespace attrition::base
