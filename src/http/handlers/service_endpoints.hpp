// The service's own documents: GET /metrics (the registry's Prometheus text exposition; who
// may read it is the route's declared access, checked by the request guard) and GET
// /openapi.json (the document built from the route declarations at startup; 503 while no model
// is loaded, since the schemas come from its vocabulary). Handlers hold references to objects
// the composition root owns; thread-safe as those are.
#pragma once

#include <string>

#include "http/route.hpp"
#include "ops/metrics.hpp"

namespace attrition::http::handlers {

Handler MakeMetricsHandler(const ops::Registry& metrics);

// `document` is read at each request: the composition root fills it once, before serving.
Handler MakeOpenApiHandler(const std::string& document);

}  // namespace attrition::http::handlers
