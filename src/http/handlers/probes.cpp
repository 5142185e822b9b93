#include "http/handlers/probes.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "http/problem.hpp"

namespace attrition::http::handlers {

const char* DatabaseStateName(DatabaseState state) noexcept {
    switch (state) {
        case DatabaseState::kUp:
            return "up";
        case DatabaseState::kDown:
            return "down";
        case DatabaseState::kDisabled:
            return "disabled";
        case DatabaseState::kUnknown:
            return "unknown";
    }
    return "unknown";
}

Readiness EvaluateReadiness(const ReadinessInput& input) {
    const std::uint64_t spool_free =
        input.spool_max_bytes > input.spool_bytes ? input.spool_max_bytes - input.spool_bytes : 0;
    const bool spool_has_room = spool_free >= kSpoolHeadroomBytes;
    // Unknown (before the first ping) counts as up: the log opened against it at startup.
    const bool database_ok = input.database != DatabaseState::kDown;
    const bool log_ok = database_ok || spool_has_room;

    nlohmann::json body;
    body["status"] = input.model_loaded && log_ok ? "ready" : "not_ready";
    body["model_loaded"] = input.model_loaded;
    body["database"] = DatabaseStateName(input.database);
    body["spool"] = {{"bytes", input.spool_bytes},
                     {"max_bytes", input.spool_max_bytes},
                     {"has_room", spool_has_room}};
    std::string detail;
    if (!input.model_loaded) detail = "model not loaded";
    if (!log_ok) {
        if (!detail.empty()) detail += "; ";
        detail += "prediction log database down and spool full";
    }
    if (!detail.empty()) body["detail"] = detail;
    return Readiness{input.model_loaded && log_ok, body.dump()};
}

Handler MakeLivezHandler() {
    return [](const Request& request, RequestContext&) -> Awaitable<Response> {
        co_return JsonResponse(request, Status::ok, R"({"status":"alive"})");
    };
}

Handler MakeReadyzHandler(std::function<ReadinessInput()> input) {
    return [input = std::move(input)](const Request& request,
                                      RequestContext&) -> Awaitable<Response> {
        const auto readiness = EvaluateReadiness(input());
        co_return JsonResponse(request, readiness.ready ? Status::ok : Status::service_unavailable,
                               readiness.body);
    };
}

DatabaseWatch::DatabaseWatch(std::function<base::Result<void>()> ping,
                             std::chrono::milliseconds interval)
    : ping_(std::move(ping)), interval_(interval) {
    thread_ = std::thread([this] { Loop(); });
}

DatabaseWatch::~DatabaseWatch() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stop_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void DatabaseWatch::Loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        const auto result = ping_();
        const auto state = result ? DatabaseState::kUp : DatabaseState::kDown;
        if (state_.exchange(state) != state) {
            if (result) {
                spdlog::info("msg=\"readiness: database up\"");
            } else {
                spdlog::warn("msg=\"readiness: database down\" reason=\"{}\"",
                             result.error().message);
            }
        }
        lock.lock();
        stop_.wait_for(lock, interval_, [this] { return stopping_; });
    }
}

}  // namespace attrition::http::handlers
