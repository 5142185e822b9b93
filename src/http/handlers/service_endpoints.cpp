#include "http/handlers/service_endpoints.hpp"

#include "http/problem.hpp"

namespace attrition::http::handlers {

Handler MakeMetricsHandler(const ops::Registry& metrics) {
    return [&metrics](const Request& request, RequestContext&) -> Awaitable<Response> {
        Response response{Status::ok, request.version()};
        response.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.keep_alive(request.keep_alive());
        response.body() = metrics.Expose();
        response.prepare_payload();
        co_return response;
    };
}

Handler MakeOpenApiHandler(const std::string& document) {
    return [&document](const Request& request, RequestContext&) -> Awaitable<Response> {
        if (document.empty()) {
            co_return ErrorResponse(
                request, base::Error::Make(base::ErrorCode::kUnavailable, "Model not loaded"));
        }
        co_return JsonResponse(request, Status::ok, document);
    };
}

}  // namespace attrition::http::handlers
