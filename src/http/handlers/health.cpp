#include "http/handlers/health.hpp"

#include <nlohmann/json.hpp>

#include "http/problem.hpp"

namespace attrition::http::handlers {

Handler MakeHealthHandler(ModelVersionFn model_version, const base::Clock& clock) {
    return [model_version = std::move(model_version), &clock](
               const Request& request, RequestContext&) -> Awaitable<Response> {
        const auto version = model_version();
        nlohmann::json body;
        body["status"] = version ? "healthy" : "unhealthy";
        body["model_loaded"] = version.has_value();
        body["model_version"] = version ? nlohmann::json(*version) : nlohmann::json(nullptr);
        body["timestamp"] = base::FormatIso8601(clock.Now());
        co_return JsonResponse(request, Status::ok, body.dump());
    };
}

}  // namespace attrition::http::handlers
