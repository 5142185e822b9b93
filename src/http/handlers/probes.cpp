#include "http/handlers/probes.hpp"

#include <fmt/format.h>

#include "base/json_writer.hpp"
#include "http/problem.hpp"

namespace attrition::http::handlers {

bool LogDegraded(const ReadinessInput& input) {
    // Unknown (before the first ping) counts as up: the log opened against it at startup.
    return input.database != store::DatabaseState::kDisabled &&
           (!input.log_commits || input.database == store::DatabaseState::kDown);
}

Readiness EvaluateReadiness(const ReadinessInput& input) {
    const std::uint64_t spool_free =
        input.spool_max_bytes > input.spool_bytes ? input.spool_max_bytes - input.spool_bytes : 0;
    const bool spool_has_room = spool_free >= kSpoolHeadroomBytes;
    const bool logging_off = input.database == store::DatabaseState::kDisabled;
    const bool database_down = input.database == store::DatabaseState::kDown;
    const bool degraded = LogDegraded(input);
    const bool log_ok = !degraded || spool_has_room;
    const std::string_view why = database_down ? "database down" : "database refuses writes";

    std::string detail;
    if (!input.model_loaded) detail = "model not loaded";
    if (!log_ok) {
        if (!detail.empty()) detail += "; ";
        detail += fmt::format("prediction log {} and spool full", why);
    } else if (degraded) {
        if (!detail.empty()) detail += "; ";
        detail += fmt::format("prediction log degraded: {}; records go to the spool", why);
    }
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject().Key("status").String(input.model_loaded && log_ok ? "ready" : "not_ready");
    json.Key("model_loaded").Bool(input.model_loaded);
    json.Key("database").String(store::DatabaseStateName(input.database));
    json.Key("log").String(logging_off ? "off" : degraded ? "spooling" : "writing");
    json.Key("spool").BeginObject().Key("bytes").Uint(input.spool_bytes);
    json.Key("max_bytes").Uint(input.spool_max_bytes).Key("has_room").Bool(spool_has_room);
    json.Key("records").Uint(input.spool_records);
    json.EndObject();
    if (!detail.empty()) json.Key("detail").String(detail);
    json.EndObject();
    return Readiness{input.model_loaded && log_ok, std::move(body)};
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

}  // namespace attrition::http::handlers
