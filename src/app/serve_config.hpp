// What `attrition serve` derives from its options before it builds anything: the guard's rate
// limits and key requirement, and the retention schedule, each checked once here so that a bad
// value is a clear startup error naming the option (never the composition root's concern).
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>

#include "app/serve_command.hpp"
#include "base/error.hpp"
#include "http/request_guard.hpp"

namespace attrition::app {

struct ServeSettings {
    http::GuardOptions guard;
    std::chrono::minutes retention_time{0};               // after midnight UTC
    std::optional<std::chrono::minutes> monitoring_time;  // nullopt: "off"
};

// kInvalidConfig naming the option: a rate limit that does not parse, --require-api-key
// without OC5_API_KEYS_FILE, a retention time that is not HH:MM, a monitoring time that is
// neither HH:MM nor "off".
base::Result<ServeSettings> CheckServeConfig(const ServeConfig& config);

}  // namespace attrition::app
