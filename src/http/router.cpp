#include "http/router.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

#include "http/problem.hpp"

namespace attrition::http {

Router::Router(std::vector<Route> routes) : routes_(std::move(routes)) {
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        const auto& route = routes_[i];
        const auto describe = [&] {
            return std::string(bhttp::to_string(route.verb)) + " " + route.path;
        };
        if (!route.group) throw std::invalid_argument(describe() + ": no rate-limit group");
        if (!route.handler) throw std::invalid_argument(describe() + ": no handler");
        if (route.path.empty() || route.path.front() != '/') {
            throw std::invalid_argument(describe() + ": a path starts with /");
        }
        const auto open = route.path.find('{');
        const bool pattern = open != std::string::npos;
        if (pattern && (route.path.find('}', open) == std::string::npos ||
                        route.path.find('{', open + 1) != std::string::npos)) {
            throw std::invalid_argument(describe() + ": a pattern has one {parameter}");
        }
        auto& same_path = (pattern ? patterns_ : exact_)[route.path];
        for (const auto other : same_path) {
            if (routes_[other].verb == route.verb) {
                throw std::invalid_argument(describe() + ": declared twice");
            }
        }
        same_path.push_back(i);
    }
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

std::string_view Router::PathOf(std::string_view target) {
    const auto query = target.find('?');
    return query == std::string_view::npos ? target : target.substr(0, query);
}

std::optional<std::string> Router::OriginForm(std::string_view target) {
    const auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    const auto scheme = target.substr(0, scheme_end);
    const auto is = [scheme](std::string_view name) {
        return std::equal(
            scheme.begin(), scheme.end(), name.begin(), name.end(),
            [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    };
    if (!is("http") && !is("https")) return std::nullopt;
    const auto rest = target.substr(scheme_end + 3);
    const auto path = rest.find_first_of("/?#");
    if (path == std::string_view::npos || rest[path] == '#') return std::string("/");
    std::string origin;
    origin.reserve(rest.size() - path + 1);
    if (rest[path] == '?') origin.push_back('/');
    origin.append(rest.substr(path));
    return origin;
}

const std::vector<std::size_t>* Router::Candidates(std::string_view path) const {
    if (const auto found = exact_.find(path); found != exact_.end()) return &found->second;
    for (const auto& [pattern, candidates] : patterns_) {
        if (!PatternParameter(pattern, path).empty()) return &candidates;
    }
    return nullptr;
}

const Route* Router::Find(Verb verb, std::string_view path) const {
    const auto* candidates = Candidates(path);
    if (candidates == nullptr) return nullptr;
    for (const auto index : *candidates) {
        if (routes_[index].verb == verb) return &routes_[index];
    }
    return nullptr;
}

std::string Router::Label(std::string_view path) const {
    if (exact_.find(path) != exact_.end()) return std::string(path);
    for (const auto& [pattern, candidates] : patterns_) {
        if (!PatternParameter(pattern, path).empty()) return pattern;
    }
    return "unmatched";
}

Awaitable<Response> Router::Reject(const Request& head,
                                   const base::Error& error,
                                   RequestContext& context) const {
    const auto* route = Find(head.method(), PathOf(head.target()));
    if (route != nullptr && route->reject) co_return co_await route->reject(head, error, context);
    co_return ErrorResponse(head, error);
}

Awaitable<Response> Router::Dispatch(const Request& request, RequestContext& context) const {
    const auto path = PathOf(request.target());
    const auto* candidates = Candidates(path);
    if (candidates == nullptr) {
        co_return ErrorResponse(request,
                                base::Error::Make(base::ErrorCode::kNotFound, "Not Found"));
    }
    for (const auto index : *candidates) {
        if (routes_[index].verb == request.method()) {
            co_return co_await routes_[index].handler(request, context);
        }
    }
    std::string allow;
    for (const auto index : *candidates) {
        if (!allow.empty()) allow += ", ";
        allow += std::string(bhttp::to_string(routes_[index].verb));
        if (routes_[index].verb == Verb::get) allow += ", HEAD";  // answered as GET
    }
    auto response = ErrorResponse(
        request, base::Error::Make(base::ErrorCode::kMethodNotAllowed, "Method Not Allowed"));
    response.set(bhttp::field::allow, allow);
    co_return response;
}

}  // namespace attrition::http
