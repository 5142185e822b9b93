// Every route of the service, declared in one place (routes.cpp): to add a route, add its
// declaration there and write its handler. The composition root builds the endpoint objects,
// passes them here, and derives the router, the guard's view, the OpenAPI document and the
// landing page's endpoint list from what comes back. The endpoints must outlive the routes.
#pragma once

#include <cstddef>
#include <vector>

#include "http/handlers/log_endpoints.hpp"
#include "http/handlers/model_endpoints.hpp"
#include "http/handlers/monitoring_endpoints.hpp"
#include "http/handlers/open_inference.hpp"
#include "http/handlers/prediction_endpoints.hpp"
#include "http/route.hpp"
#include "http/static_assets.hpp"

namespace attrition::http {

struct Endpoints {
    handlers::PredictionEndpoints& predictions;
    handlers::ModelEndpoints& models;
    handlers::LogEndpoints& log;
    handlers::MonitoringEndpoints& monitoring;
    handlers::OpenInference& inference;
    Handler health;
    Handler livez;
    Handler readyz;
    Handler metrics;
    Handler openapi;
    Handler model_card;
    Handler reload;
    const StaticAssets& assets;
    std::size_t batch_limit = 100;
};

std::vector<Route> DeclareRoutes(const Endpoints& endpoints);

}  // namespace attrition::http
