#include "http/router.hpp"

#include <string>

#include "http/problem.hpp"

namespace attrition::http {

void Router::Add(Verb verb, std::string path, Handler handler) {
    routes_[std::move(path)].push_back(Route_{verb, std::move(handler)});
}

void Router::AddPattern(Verb verb, std::string pattern, Handler handler) {
    patterns_[std::move(pattern)].push_back(Route_{verb, std::move(handler)});
}

std::string_view Router::PatternParameter(std::string_view pattern, std::string_view path) {
    const auto open = pattern.find('{');
    const auto close = pattern.find('}', open);
    if (open == std::string_view::npos || close == std::string_view::npos) return {};
    const auto prefix = pattern.substr(0, open);
    const auto suffix = pattern.substr(close + 1);
    if (path.size() <= prefix.size() + suffix.size() || !path.starts_with(prefix) ||
        !path.ends_with(suffix)) {
        return {};
    }
    const auto parameter = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    return parameter.find('/') == std::string_view::npos ? parameter : std::string_view{};
}

std::string Router::Label(std::string_view path) const {
    if (Has(path)) return std::string(path);
    for (const auto& [pattern, routes] : patterns_) {
        if (!PatternParameter(pattern, path).empty()) return pattern;
    }
    return "unmatched";
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
    const auto path = PathOf(request.target());
    const std::vector<Route_>* routes = nullptr;
    if (const auto found = routes_.find(path); found != routes_.end()) {
        routes = &found->second;
    } else {
        for (const auto& [pattern, candidates] : patterns_) {
            if (!PatternParameter(pattern, path).empty()) {
                routes = &candidates;
                break;
            }
        }
    }
    if (routes == nullptr) {
        co_return ErrorResponse(request,
                                base::Error::Make(base::ErrorCode::kNotFound, "Not Found"));
    }
    for (const auto& route : *routes) {
        if (route.verb == request.method()) co_return co_await route.handler(request, context);
    }
    std::string allow;
    for (const auto& route : *routes) {
        if (!allow.empty()) allow += ", ";
        allow += std::string(bhttp::to_string(route.verb));
        if (route.verb == Verb::get) allow += ", HEAD";  // the server answers HEAD as GET
    }
    auto response =
        JsonResponse(request, Status::method_not_allowed, R"({"detail":"Method Not Allowed"})");
    response.set(bhttp::field::allow, allow);
    co_return response;
}

}  // namespace attrition::http
