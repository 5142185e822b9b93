#include "http/handlers/model_reload.hpp"

#include <functional>
#include <string>

#include "base/json_writer.hpp"
#include "http/handlers/on_workers.hpp"
#include "http/problem.hpp"

namespace attrition::http::handlers {

Handler MakeReloadHandler(serving::ModelReloads& reloads) {
    return [&reloads](const Request& request, RequestContext&) -> Awaitable<Response> {
        std::function<base::Result<model::Reloaded>()> call = [&reloads] {
            return reloads.Run("api");
        };
        auto reloaded = co_await OnWorkers(reloads.Worker(), std::move(call));
        if (!reloaded) {
            co_return ErrorResponse(request, base::Error::Make(base::ErrorCode::kConflict,
                                                               "Reload refused, nothing changed: " +
                                                                   reloaded.error().message));
        }
        std::string body;
        base::JsonWriter json(body);
        const auto& repository = reloaded->repository;
        json.BeginObject().Key("default").StringOrNull(repository.default_version);
        json.Key("shadow").StringOrNull(repository.shadow_version);
        json.Key("changes").BeginArray();
        for (const auto& change : reloaded->changes) {
            json.BeginObject().Key("version").String(change.version);
            json.Key("action").String(model::ReloadActionName(change.action));
            if (!change.reason.empty()) json.Key("reason").String(change.reason);
            json.EndObject();
        }
        json.EndArray().Key("refused").Uint(serving::Refusals(*reloaded)).EndObject();
        co_return JsonResponse(request, Status::ok, std::move(body));
    };
}

}  // namespace attrition::http::handlers
