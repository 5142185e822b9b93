// Maps method + path to a handler. Built once at startup by the composition root, then only
// read (thread-safe for concurrent Route calls). Unknown path: 404; known path, other method:
// 405 with Allow. Exact paths win over patterns; a pattern has one {parameter} segment.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "http/net.hpp"
#include "http/request_context.hpp"

namespace attrition::http {

using Handler = std::function<Awaitable<Response>(const Request&, RequestContext&)>;
// Answers a request the server rejected before routing (e.g. body over the limit); `head` has
// the method, target and headers but no body. Lets an endpoint log its rejections too.
using RejectHandler =
    std::function<Awaitable<Response>(const Request& head, const base::Error&, RequestContext&)>;

class Router {
  public:
    void Add(Verb verb, std::string path, Handler handler);
    void AddRejectHandler(std::string path, RejectHandler handler);
    // A path with one parameter segment, e.g. "/api/v1/employees/{employee_id}/predictions":
    // matches any non-empty segment without '/'. The handler reads the segment itself
    // (PatternParameter).
    void AddPattern(Verb verb, std::string pattern, Handler handler);

    Awaitable<Response> Route(const Request& request, RequestContext& context) const;
    // The error response for a request rejected by the server, via the path's RejectHandler
    // when it has one.
    Awaitable<Response> Reject(const Request& head,
                               const base::Error& error,
                               RequestContext& context) const;

    // True when some route serves this path (any method).
    bool Has(std::string_view path) const { return routes_.find(path) != routes_.end(); }
    // A bounded label for metrics: the path itself, the pattern it matches, or "unmatched".
    std::string Label(std::string_view path) const;

    // The parameter segment of `path` under `pattern` (still percent-encoded), or empty.
    static std::string_view PatternParameter(std::string_view pattern, std::string_view path);

    // The path part of a target, without query string.
    static std::string_view PathOf(std::string_view target);

  private:
    struct Route_ {
        Verb verb;
        Handler handler;
    };
    std::map<std::string, std::vector<Route_>, std::less<>> routes_;
    std::map<std::string, std::vector<Route_>, std::less<>> patterns_;
    std::map<std::string, RejectHandler, std::less<>> reject_handlers_;
};

}  // namespace attrition::http
