#include "http/handlers/health.hpp"

#include "base/json_writer.hpp"
#include "http/problem.hpp"

namespace attrition::http::handlers {

Handler MakeHealthHandler(ModelVersionFn model_version, const base::Clock& clock) {
    return [model_version = std::move(model_version), &clock](
               const Request& request, RequestContext&) -> Awaitable<Response> {
        const auto version = model_version();
        std::string body;
        base::JsonWriter json(body);
        json.BeginObject().Key("status").String(version ? "healthy" : "unhealthy");
        json.Key("model_loaded").Bool(version.has_value()).Key("model_version");
        if (version) {
            json.String(*version);
        } else {
            json.Null();
        }
        json.Key("timestamp").String(base::FormatIso8601(clock.Now())).EndObject();
        co_return JsonResponse(request, Status::ok, std::move(body));
    };
}

}  // namespace attrition::http::handlers
