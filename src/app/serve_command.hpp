// `attrition serve`: the composition root of the service. Builds every object once, wires
// them, serves until SIGINT/SIGTERM, then shuts down in order (server drained first, then the
// prediction log flushed).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "http/server.hpp"

namespace attrition::app {

struct ServeConfig {
    http::ServerOptions server;
    std::string database_url;  // empty: the embedded SQLite default
    bool migrate = false;      // apply pending migrations on a non-default database
    std::string model_dir = "model";
    std::string web_dir = "web";
    std::string spool_dir = "var/spool";
    std::size_t batch_limit = 100;
    std::vector<std::string> trusted_proxies;
    int slow_query_ms = 200;
};

int RunServe(const ServeConfig& config, const char* version);

}  // namespace attrition::app
