#include "ops/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "base/text.hpp"

namespace attrition::ops {

base::Result<void> SetupLogging(std::string_view level) {
    const auto parsed = spdlog::level::from_str(std::string(level));
    if (parsed == spdlog::level::off && level != "off") {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          "unknown log level (use trace, debug, info, warn, error, critical, off)");
    }
    auto logger = spdlog::stderr_logger_mt("attrition");
    logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc);
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
    return {};
}

std::string LogValue(std::string_view value) {
    // Log lines are UTF-8 text: bytes from a client (paths, headers) are repaired first.
    if (!base::IsValidUtf8(value)) return LogValue(base::ToValidUtf8(value));
    if (value.find_first_of(" \"=\t\n") == std::string_view::npos && !value.empty()) {
        return std::string(value);
    }
    std::string out = "\"";
    for (const char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace attrition::ops
