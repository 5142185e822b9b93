// The model's health, computed from the prediction log, behind API keys (Access::kApiKey):
//   GET /api/v1/monitoring/performance   live accuracy against reported outcomes
//   GET /api/v1/monitoring/drift         today's inputs and scores against the training ones
//   GET /api/v1/monitoring/fairness      decisions and errors by genre, marital status, age
//   POST /api/v1/monitoring/refresh      the daily job's figures (the metrics) recomputed now
// Handlers check the query, run the store call on a one-thread pool (a monitoring query scans
// the window: one at a time per replica, never on an event loop thread) and answer JSON, each
// figure beside the version's cross-validated one. `database` may be null (logging off): the
// endpoints then answer 503. Thread-safe: shared by all request threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "http/route.hpp"
#include "model/catalog.hpp"
#include "model/distributions.hpp"
#include "model/fairness.hpp"
#include "monitoring/evaluation.hpp"
#include "store/database.hpp"
#include "store/monitoring.hpp"

namespace attrition::http::handlers {

// The parameters of GET /api/v1/monitoring/performance, checked (model_version, since, until,
// horizon_days); kInvalidInput with one issue per bad parameter (loc ["query", name]).
struct PerformanceParameters {
    std::optional<std::string> model_version;  // default: the default version
    std::optional<base::SystemTime> since;
    std::optional<base::SystemTime> until;
    int horizon_days = 365;
};
base::Result<PerformanceParameters> ParsePerformanceQuery(std::string_view target);

// The parameters of GET /api/v1/monitoring/drift (days 1..kMaxStatsDays, model_version).
struct DriftParameters {
    std::optional<std::string> model_version;
    int days = 30;
};
base::Result<DriftParameters> ParseDriftQuery(std::string_view target);

class MonitoringEndpoints {
  public:
    MonitoringEndpoints(store::Database* database,
                        const model::Catalog& models,
                        const base::Clock& clock);
    ~MonitoringEndpoints();
    MonitoringEndpoints(const MonitoringEndpoints&) = delete;
    MonitoringEndpoints& operator=(const MonitoringEndpoints&) = delete;

    Awaitable<Response> Performance(const Request& request, RequestContext& context);
    Awaitable<Response> Drift(const Request& request, RequestContext& context);
    // The same parameters as Performance.
    Awaitable<Response> Fairness(const Request& request, RequestContext& context);
    // 202 once a run of the monitoring job is asked for ({"refresh": "queued"}, or
    // "already_queued" when one waits already: it will run once); 409 when the job is off.
    Awaitable<Response> Refresh(const Request& request, RequestContext& context);

    // The monitoring job's RequestRefresh (app/monitoring_job.hpp), when it runs; set before
    // serving.
    void SetRefresh(std::function<bool(std::string)> refresh) { refresh_ = std::move(refresh); }

  private:
    struct Workers;

    store::Database* database_;
    const model::Catalog& models_;
    const base::Clock& clock_;
    std::unique_ptr<Workers> workers_;
    std::function<bool(std::string)> refresh_;
};

}  // namespace attrition::http::handlers
