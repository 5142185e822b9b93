// `attrition serve`: the composition root of the service. Builds every object once, wires
// them, serves until SIGINT/SIGTERM, then shuts down in order (server drained first, then the
// prediction log flushed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "http/server.hpp"

namespace attrition::app {

struct ServeConfig {
    http::ServerOptions server;
    std::string database_url;         // empty: the embedded SQLite default
    bool migrate = false;             // apply pending migrations on a non-default database
    std::string model_dir = "model";  // the model repository (model/repository.hpp)
    std::string default_model;        // version name; empty: the repository's only version
    std::string shadow_model;         // version that shadow-scores every prediction; empty: none
    int reload_timeout_s = 30;        // a reload reading the repository longer fails
    std::string web_dir = "web";
    std::string spool_dir = "var/spool";
    std::size_t batch_limit = 100;
    std::vector<std::string> trusted_proxies;
    int slow_query_ms = 200;
    std::uint64_t spool_max_bytes = 256ULL << 20;
    int log_group_gap_us = 100;             // store::LogOptions::group_gap
    int log_group_wait_us = 2000;           // store::LogOptions::group_wait
    int retention_days = 365;               // 0: no scheduled retention
    std::string retention_time = "02:00";   // HH:MM UTC, daily
    std::size_t retention_batch = 1000;     // api_requests rows per delete transaction
    std::string monitoring_time = "03:00";  // HH:MM UTC, daily; "off": no monitoring job
    int monitoring_horizon_days = 365;      // the job's live performance and fairness horizon
    std::string api_keys_file;              // empty: protected endpoints answer 403
    std::size_t json_max_depth = 32;        // request bodies nested deeper: 422
    // Rate limits per route group: "off", "RATE" or "RATE:BURST" (http/rate_limiter.hpp).
    std::string rate_limit_predict = "off";
    std::string rate_limit_explain = "off";
    std::string rate_limit_read = "off";
    std::string rate_limit_other = "off";
    bool require_api_key = false;  // predict and explain need a key from api_keys_file
};

int RunServe(const ServeConfig& config, const char* version);

}  // namespace attrition::app
