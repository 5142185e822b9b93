#include "http/router.hpp"

#include <string>

#include "http/problem.hpp"

namespace attrition::http {

void Router::Add(Verb verb, std::string path, Handler handler) {
    routes_[std::move(path)].push_back(Route_{verb, std::move(handler)});
}

void Router::AddRejectHandler(std::string path, RejectHandler handler) {
    reject_handlers_[std::move(path)] = std::move(handler);
}

Awaitable<Response> Router::Reject(const Request& head,
                                   const base::Error& error,
                                   RequestContext& context) const {
    const auto found = reject_handlers_.find(PathOf(head.target()));
    if (found != reject_handlers_.end()) co_return co_await found->second(head, error, context);
    co_return ErrorResponse(head, error);
}

std::string_view Router::PathOf(std::string_view target) {
    const auto query = target.find('?');
    return query == std::string_view::npos ? target : target.substr(0, query);
}

Awaitable<Response> Router::Route(const Request& request, RequestContext& context) const {
    const auto found = routes_.find(PathOf(request.target()));
    if (found == routes_.end()) {
        co_return ErrorResponse(request,
                                base::Error::Make(base::ErrorCode::kNotFound, "Not Found"));
    }
    for (const auto& route : found->second) {
        if (route.verb == request.method()) co_return co_await route.handler(request, context);
    }
    std::string allow;
    for (const auto& route : found->second) {
        if (!allow.empty()) allow += ", ";
        allow += std::string(bhttp::to_string(route.verb));
    }
    auto response =
        JsonResponse(request, Status::method_not_allowed, R"({"detail":"Method Not Allowed"})");
    response.set(bhttp::field::allow, allow);
    co_return response;
}

}  // namespace attrition::http
