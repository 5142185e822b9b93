// `attrition serve`: the composition root of the service. Builds every object once, wires
// them, serves until SIGINT/SIGTERM, then shuts down in order.
#pragma once

#include <string>

#include "http/server.hpp"

namespace attrition::app {

struct ServeConfig {
    http::ServerOptions server;
    std::string database_url;  // empty: the embedded SQLite default
    std::string model_dir = "model";
    std::string log_level = "info";
};

int RunServe(const ServeConfig& config);

}  // namespace attrition::app
