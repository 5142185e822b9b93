// Maps method + path to a route's handler. Built once at startup from the route declarations
// (http/routes.cpp), then only read (thread-safe for concurrent Dispatch calls). Unknown path: 404;
// known path, other method: 405 with Allow (GET implies HEAD). Exact paths win over patterns; a
// pattern has one {parameter} segment. Refuses, at construction, a route declared twice, one
// without a rate-limit group and a malformed pattern (std::invalid_argument: a startup bug).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "http/net.hpp"
#include "http/request_context.hpp"
#include "http/route.hpp"

namespace attrition::http {

class Router {
  public:
    explicit Router(std::vector<Route> routes);

    Awaitable<Response> Dispatch(const Request& request, RequestContext& context) const;
    // The error response for a request refused by the server, via the route's reject handler
    // when it has one.
    Awaitable<Response> Reject(const Request& head,
                               const base::Error& error,
                               RequestContext& context) const;

    // The route serving this method and path, or nullptr (404 or 405).
    const Route* Find(Verb verb, std::string_view path) const;
    // Every route, in declaration order.
    std::span<const Route> Routes() const { return routes_; }
    // A bounded label for metrics: the path itself, the pattern it matches, or "unmatched".
    std::string Label(std::string_view path) const;

    // The parameter segment of `path` under `pattern` (still percent-encoded), or empty.
    static std::string_view PatternParameter(std::string_view pattern, std::string_view path);
    // The path part of a target, without query string.
    static std::string_view PathOf(std::string_view target);
    // An absolute-form target ("http://host:port/path?query", scheme case-insensitive) in
    // origin form ("/path?query"; "/" when it has no path); nullopt for any other form.
    static std::optional<std::string> OriginForm(std::string_view target);

  private:
    // The indexes of the routes of one path (or pattern), one per method.
    const std::vector<std::size_t>* Candidates(std::string_view path) const;

    std::vector<Route> routes_;
    std::map<std::string, std::vector<std::size_t>, std::less<>> exact_;
    std::map<std::string, std::vector<std::size_t>, std::less<>> patterns_;
};

}  // namespace attrition::http
