// Maps method + path to a handler. Built once at startup by the composition root, then only
// read (thread-safe for concurrent Route calls). Unknown path: 404; known path, other method:
// 405 with Allow.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/net.hpp"
#include "http/request_context.hpp"

namespace attrition::http {

using Handler = std::function<Awaitable<Response>(const Request&, RequestContext&)>;

class Router {
  public:
    void Add(Verb verb, std::string path, Handler handler);

    Awaitable<Response> Route(const Request& request, RequestContext& context) const;

    // The path part of a target, without query string.
    static std::string_view PathOf(std::string_view target);

  private:
    struct Route_ {
        Verb verb;
        Handler handler;
    };
    std::map<std::string, std::vector<Route_>, std::less<>> routes_;
};

}  // namespace attrition::http
