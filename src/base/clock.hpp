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

// "2026-11-27", "2026-11-27T09:23:32Z", "2026-11-27T09:23:32.5+02:00" (offset or Z required
// with a time); nullopt otherwise. Reads what FormatIso8601 writes.
std::optional<SystemTime> ParseIso8601(std::string_view text);

}  // namespace attrition::base
