#include "app/serve_config.hpp"

#include <fmt/format.h>

#include <utility>

#include "ops/scheduler.hpp"

namespace attrition::app {

base::Result<ServeSettings> CheckServeConfig(const ServeConfig& config) {
    ServeSettings settings;
    settings.guard.require_api_key = config.require_api_key;
    settings.guard.trusted_proxies = config.trusted_proxies;
    if (config.require_api_key && config.api_keys_file.empty()) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          "--require-api-key needs OC5_API_KEYS_FILE (--api-keys-file)");
    }
    for (const auto& [group, option, text] :
         {std::tuple{http::RouteGroup::kPredict, "--rate-limit-predict",
                     &config.rate_limit_predict},
          std::tuple{http::RouteGroup::kExplain, "--rate-limit-explain",
                     &config.rate_limit_explain},
          std::tuple{http::RouteGroup::kRead, "--rate-limit-read", &config.rate_limit_read},
          std::tuple{http::RouteGroup::kOther, "--rate-limit-other", &config.rate_limit_other}}) {
        auto limit = http::ParseRateLimit(*text);
        if (!limit) {
            return base::Fail(base::ErrorCode::kInvalidConfig,
                              fmt::format("{}: {}", option, limit.error().message));
        }
        settings.guard.rate_limits[static_cast<std::size_t>(group)] = *limit;
    }
    const auto retention_time = ops::ParseTimeOfDay(config.retention_time);
    if (!retention_time) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          fmt::format("--retention-time: {}", retention_time.error().message));
    }
    settings.retention_time = *retention_time;
    if (config.monitoring_time != "off") {
        const auto monitoring_time = ops::ParseTimeOfDay(config.monitoring_time);
        if (!monitoring_time) {
            return base::Fail(
                base::ErrorCode::kInvalidConfig,
                fmt::format("--monitoring-time: {} (or off)", monitoring_time.error().message));
        }
        settings.monitoring_time = *monitoring_time;
    }
    return settings;
}

}  // namespace attrition::app
