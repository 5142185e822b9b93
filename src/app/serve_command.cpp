#include "app/serve_command.hpp"

#include <spdlog/spdlog.h>

#include <optional>

#include "base/clock.hpp"
#include "http/handlers/health.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace attrition::app {

int RunServe(const ServeConfig& config) {
    const base::SystemClock clock;

    http::Router router;
    router.Add(http::Verb::get, "/health",
               http::handlers::MakeHealthHandler(
                   []() -> std::optional<std::string> { return std::nullopt; }, clock));

    http::Server server(config.server, router);
    const auto port = server.Listen();
    if (!port) {
        spdlog::critical("msg=\"{}\"", port.error().message);
        return 1;
    }
    spdlog::info("msg=listening host={} port={} threads={}", config.server.host, *port,
                 config.server.threads);
    server.Run();
    spdlog::info("msg=stopped");
    return 0;
}

}  // namespace attrition::app
