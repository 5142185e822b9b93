#include "serving/model_reloads.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <functional>
#include <string>

#include "ops/logging.hpp"

namespace attrition::serving {
namespace {

using Action = model::ReloadChange::Action;

bool IsRefusal(const model::ReloadChange& change) {
    return change.action == Action::kRefused || change.action == Action::kFailed;
}

}  // namespace

std::size_t Refusals(const model::Reloaded& reloaded) {
    return static_cast<std::size_t>(
        std::count_if(reloaded.changes.begin(), reloaded.changes.end(), IsRefusal));
}

ModelReloads::ModelReloads(model::Catalog& catalog, ops::Registry& metrics)
    : catalog_(catalog),
      reloads_(metrics.AddCounter("attrition_model_reloads_total",
                                  "Model repository reloads, by result (changed, unchanged, "
                                  "refused: some change was refused, error: nothing read)",
                                  {"result"})),
      changes_(metrics.AddCounter("attrition_model_reload_changes_total",
                                  "Versions changed by reloads, by action",
                                  {"action"})),
      info_(metrics.AddGauge("attrition_model_info",
                             "Each model version served (1; 0 once no longer served), by "
                             "version and whether it is the default",
                             {"version", "default"})),
      loaded_(
          metrics.AddGauge("attrition_model_loaded", "1 when a default model is loaded").With({})) {
    for (const char* result : {"changed", "unchanged", "refused", "error"}) reloads_.With({result});
    Publish(*catalog_.Current());
}

ModelReloads::~ModelReloads() {
    catalog_.Stop();  // a reload waiting on a hung scan fails now: shutdown does not wait on it
    worker_.join();
}

void ModelReloads::Publish(const model::Repository& repository) {
    std::set<ops::LabelValues> now;
    for (const auto& version : repository.versions) {
        if (!version.model) continue;
        now.insert({version.name, version.name == repository.default_version ? "true" : "false"});
    }
    for (const auto& labels : published_) {
        if (!now.contains(labels)) info_.With(labels).Set(0);
    }
    for (const auto& labels : now) info_.With(labels).Set(1);
    published_ = std::move(now);
    loaded_.Set(repository.Default() != nullptr ? 1 : 0);
}

base::Result<model::Reloaded> ModelReloads::Run(std::string_view trigger) {
    const auto before = catalog_.Current();
    auto reloaded = catalog_.Reload();
    if (!reloaded) {
        reloads_.With({"error"}).Inc();
        spdlog::error("msg=\"model reload refused; nothing changed\" trigger={} reason={}", trigger,
                      ops::LogValue(reloaded.error().message));
        return reloaded;
    }
    for (const auto& change : reloaded->changes) {
        changes_.With({std::string(model::ReloadActionName(change.action))}).Inc();
        if (IsRefusal(change)) {
            spdlog::error("msg=\"model reload: version refused\" version={} action={} reason={}",
                          ops::LogValue(change.version), model::ReloadActionName(change.action),
                          ops::LogValue(change.reason));
        } else {
            spdlog::info("msg=\"model reload: version changed\" version={} action={}",
                         ops::LogValue(change.version), model::ReloadActionName(change.action));
        }
    }
    const char* result = Refusals(*reloaded) > 0     ? "refused"
                         : reloaded->changes.empty() ? "unchanged"
                                                     : "changed";
    reloads_.With({result}).Inc();
    Publish(reloaded->repository);
    spdlog::info("msg=\"model reload done\" trigger={} result={} changes={} default={}", trigger,
                 result, reloaded->changes.size(),
                 ops::LogValue(reloaded->repository.default_version));
    // An unchanged version keeps its loaded model: the same object is the same model.
    const auto after = catalog_.Current();
    if (on_served_change_ &&
        (before->Default() != after->Default() || before->Shadow() != after->Shadow())) {
        on_served_change_();
    }
    return reloaded;
}

void ModelReloads::ReloadInBackground(std::string_view trigger) {
    boost::asio::post(worker_, [this, trigger = std::string(trigger)] { (void)Run(trigger); });
}

}  // namespace attrition::serving
