// Process-wide structured logging to stderr (logfmt-like: ts, level, msg and key=value pairs).
// Configured once by the composition root before any thread starts; spdlog is thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace attrition::ops {

// level: trace, debug, info, warn, error, critical, off.
base::Result<void> SetupLogging(std::string_view level);

// Quotes a value for a logfmt field when it holds spaces, quotes or '='; invalid UTF-8 bytes
// become U+FFFD.
std::string LogValue(std::string_view value);

}  // namespace attrition::ops
