// Kubernetes-style probes. GET /livez: the process answers (200 {"status":"alive"}), nothing
// else is checked, so a slow database never gets the process restarted. GET /readyz: 200 when
// a request would be served and logged durably — a model is loaded AND the prediction log can
// take records (logging off, or the log commits to the database, or the spool has at least
// kSpoolHeadroomBytes free); 503 otherwise. The body names the database state and the log's
// either way: "spooling" (degraded) when records go to the spool because the database is down
// or refuses the writer's writes while it answers pings (read-only, full disk, revoked grant).
// The database state comes from store::DatabaseWatch, a thread that pings in the background, so
// a probe never waits on the database. Handlers: thread-safe as their callbacks are.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "http/router.hpp"
#include "store/database_watch.hpp"

namespace attrition::http::handlers {

// Below this much free spool, a down database makes the service not ready: the next records
// could be refused.
inline constexpr std::uint64_t kSpoolHeadroomBytes = std::uint64_t{64} * 1024;

struct ReadinessInput {
    bool model_loaded = false;
    store::DatabaseState database = store::DatabaseState::kUnknown;
    std::uint64_t spool_bytes = 0;
    std::uint64_t spool_max_bytes = 0;
    bool log_commits = true;          // the log writer's last database write succeeded
    std::uint64_t spool_records = 0;  // records waiting in the spool
};

struct Readiness {
    bool ready = false;
    std::string body;  // JSON
};

// The decision and the body, as a pure function.
Readiness EvaluateReadiness(const ReadinessInput& input);

// Logging is on and records would go to the spool rather than the database (the readiness
// body's "log": "spooling").
bool LogDegraded(const ReadinessInput& input);

Handler MakeLivezHandler();
Handler MakeReadyzHandler(std::function<ReadinessInput()> input);

}  // namespace attrition::http::handlers
