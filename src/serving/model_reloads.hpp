// Reloading the model repository without a restart, whoever asks (POST /api/v1/models/reload,
// SIGHUP): reloads run on one worker thread, one at a time, never on an event loop thread (a
// reload reads files and checks models); the catalog swaps the new repository in whole
// (model/catalog.hpp). Each reload is logged, change by change, and counted:
//   attrition_model_reloads_total{result}         changed | unchanged | refused | error
//   attrition_model_reload_changes_total{action}  added | replaced | removed | failed | ...
//   attrition_model_info{version,default}         1 per version served, 0 once it is not
//   attrition_model_loaded                        1 while a default model is served
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <functional>
#include <set>
#include <string_view>

#include "base/error.hpp"
#include "model/catalog.hpp"
#include "ops/metrics.hpp"

namespace attrition::serving {

// The changes of a reload that were refused or failed (their version serves on as before, or
// not at all).
std::size_t Refusals(const model::Reloaded& reloaded);

class ModelReloads {
  public:
    // Publishes the catalog's current repository in the metrics.
    ModelReloads(model::Catalog& catalog, ops::Registry& metrics);
    ~ModelReloads();  // stops the catalog's reloads (model::Catalog::Stop), then joins the worker
    ModelReloads(const ModelReloads&) = delete;
    ModelReloads& operator=(const ModelReloads&) = delete;

    // The worker every reload runs on.
    boost::asio::thread_pool& Worker() { return worker_; }

    // Reloads, logs, counts and publishes; on Worker() only (an adapter awaits it there). An
    // error (the repository cannot be read) changed nothing.
    base::Result<model::Reloaded> Run(std::string_view trigger);

    // Starts a reload on the worker and returns at once (a signal handler's call); the result
    // is logged.
    void ReloadInBackground(std::string_view trigger);

    // Called on the worker after a reload that changed the default or the shadow model (its
    // version, or its files): the monitoring refresh. Set before the first reload.
    void OnServedChange(std::function<void()> listener) { on_served_change_ = std::move(listener); }

  private:
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

}  // namespace attrition::serving
