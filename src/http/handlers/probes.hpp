// Kubernetes-style probes. GET /livez: the process answers (200 {"status":"alive"}), nothing
// else is checked, so a slow database never gets the process restarted. GET /readyz: 200 when
// a request would be served and logged durably — a model is loaded AND the prediction log can
// take records (logging off, or the log commits to the database, or the spool has at least
// kSpoolHeadroomBytes free); 503 otherwise. The body names the database state and the log's
// either way: "spooling" (degraded) when records go to the spool because the database is down
// or refuses the writer's writes while it answers pings (read-only, full disk, revoked grant).
// The database state comes from DatabaseWatch, a thread that pings in the background, so a
// probe never waits on the database.
// DatabaseWatch: owns its thread; thread-safe. Handlers: thread-safe as their callbacks are.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/error.hpp"
#include "http/router.hpp"

namespace attrition::http::handlers {

// Below this much free spool, a down database makes the service not ready: the next records
// could be refused.
inline constexpr std::uint64_t kSpoolHeadroomBytes = std::uint64_t{64} * 1024;

enum class DatabaseState { kUp, kDown, kDisabled, kUnknown };
const char* DatabaseStateName(DatabaseState state) noexcept;

struct ReadinessInput {
    bool model_loaded = false;
    DatabaseState database = DatabaseState::kUnknown;
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

// Pings every `interval` on its own thread; State() is the last answer (kUnknown before).
class DatabaseWatch {
  public:
    DatabaseWatch(std::function<base::Result<void>()> ping, std::chrono::milliseconds interval);
    ~DatabaseWatch();  // stops the thread
    DatabaseWatch(const DatabaseWatch&) = delete;
    DatabaseWatch& operator=(const DatabaseWatch&) = delete;

    DatabaseState State() const { return state_.load(); }

  private:
    void Loop();
    std::function<base::Result<void>()> ping_;
    std::chrono::milliseconds interval_;
    std::atomic<DatabaseState> state_{DatabaseState::kUnknown};
    std::mutex mutex_;
    std::condition_variable stop_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace attrition::http::handlers
