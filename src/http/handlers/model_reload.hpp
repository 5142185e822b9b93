// Reloading the model repository without a restart: POST /api/v1/models/reload (API key)
// answers what changed; SIGHUP starts the same reload and logs it. Both run on one worker
// thread, one at a time, never on an event loop thread (a reload reads files and checks
// models); the catalog swaps the new repository in whole (model/catalog.hpp). Each reload is
// logged, change by change, and counted:
//   attrition_model_reloads_total{result}         changed | unchanged | refused | error
//   attrition_model_reload_changes_total{action}  added | replaced | removed | failed | ...
//   attrition_model_info{version,default}         1 per version served, 0 once it is not
//   attrition_model_loaded                        1 while a default model is served
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <set>
#include <string_view>

#include "http/route.hpp"
#include "model/catalog.hpp"
#include "ops/metrics.hpp"

namespace attrition::http::handlers {

class ModelReloads {
  public:
    // Publishes the catalog's current repository in the metrics.
    ModelReloads(model::Catalog& catalog, ops::Registry& metrics);
    ~ModelReloads();  // stops the catalog's reloads (model::Catalog::Stop), then joins the worker
    ModelReloads(const ModelReloads&) = delete;
    ModelReloads& operator=(const ModelReloads&) = delete;

    // POST /api/v1/models/reload: 200 with the report (ReloadReport in the OpenAPI document),
    // 409 when the repository cannot be read, or not within the catalog's reload limit
    // (nothing changed).
    Awaitable<Response> Reload(const Request& request, RequestContext& context);

    // Starts a reload and returns at once (a signal handler's call); the result is logged.
    void ReloadInBackground(std::string_view trigger);

    // Called on the worker after a reload that changed the default or the shadow model (its
    // version, or its files): the monitoring refresh. Set before the first reload.
    void OnServedChange(std::function<void()> listener) { on_served_change_ = std::move(listener); }

  private:
    // On the worker: reloads, logs, counts, publishes.
    base::Result<model::Reloaded> Run(std::string_view trigger);
    void Publish(const model::Repository& repository);

    model::Catalog& catalog_;
    ops::Family<ops::Counter>& reloads_;
    ops::Family<ops::Counter>& changes_;
    ops::Family<ops::Gauge>& info_;
    ops::Gauge& loaded_;
    std::set<ops::LabelValues> published_;  // info_ children set to 1 (the worker's)
    std::function<void()> on_served_change_;
    boost::asio::thread_pool worker_{1};
};

}  // namespace attrition::http::handlers
