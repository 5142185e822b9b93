// The service's real route declarations (http/routes.cpp) over endpoint objects that need no
// model, database or files: the prediction log is "none", the read side has no database, the
// assets are one landing page. For the tests of what derives from the declarations.
#pragma once

#include <memory>
#include <vector>

#include "base/clock.hpp"
#include "http/handlers/log_endpoints.hpp"
#include "http/handlers/model_card_endpoint.hpp"
#include "http/handlers/model_reload.hpp"
#include "http/handlers/monitoring_endpoints.hpp"
#include "http/handlers/open_inference.hpp"
#include "http/handlers/prediction_endpoints.hpp"
#include "http/routes.hpp"
#include "http/static_assets.hpp"
#include "model/catalog.hpp"
#include "ops/metrics.hpp"
#include "serving/scoring.hpp"
#include "store/prediction_log.hpp"

namespace attrition::http::test_support {

class ServiceRoutes {
  public:
    explicit ServiceRoutes(std::size_t batch_limit = 100)
        : models_("/nonexistent", {}, {}),
          reloads_(models_, metrics_),
          inference_(
              models_, [] { return false; }, "test", handlers::kInferBatchLimit),
          log_(store::OpenPredictionLog("none", {}).value()),
          scoring_(clock_, metrics_),
          predictions_(models_,
                       scoring_,
                       *log_,
                       clock_,
                       metrics_,
                       handlers::PredictionSettings{.batch_limit = batch_limit}),
          model_endpoints_(models_),
          log_endpoints_(nullptr, clock_, domain::JsonParser::kDefaultMaxDepth),
          monitoring_(nullptr, models_, clock_),
          batch_limit_(batch_limit) {}

    std::vector<Route> Declare() const {
        const Handler ok = [](const Request&, RequestContext&) -> Awaitable<Response> {
            co_return Response{};
        };
        return DeclareRoutes(Endpoints{.predictions = predictions_,
                                       .models = model_endpoints_,
                                       .log = log_endpoints_,
                                       .monitoring = monitoring_,
                                       .inference = inference_,
                                       .health = ok,
                                       .livez = ok,
                                       .readyz = ok,
                                       .metrics = ok,
                                       .openapi = ok,
                                       .model_card = handlers::MakeModelCardHandler(models_),
                                       .reload = handlers::MakeReloadHandler(reloads_),
                                       .assets = assets_,
                                       .batch_limit = batch_limit_});
    }

  private:
    base::SystemClock clock_;
    ops::Registry metrics_;
    model::Catalog models_;  // empty: no model
    mutable serving::ModelReloads reloads_;
    mutable handlers::OpenInference inference_;
    std::unique_ptr<store::PredictionLog> log_;
    serving::Scoring scoring_;
    mutable handlers::PredictionEndpoints predictions_;
    mutable handlers::ModelEndpoints model_endpoints_;
    mutable handlers::LogEndpoints log_endpoints_;
    mutable handlers::MonitoringEndpoints monitoring_;
    StaticAssets assets_;
    std::size_t batch_limit_;
};

}  // namespace attrition::http::test_support
