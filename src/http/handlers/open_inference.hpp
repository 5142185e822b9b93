// The Open Inference Protocol (KServe V2) REST routes that describe the server and the model
// (the inference call itself is PredictionEndpoints::Infer, which scores, logs and answers like
// /api/v1/predict/batch):
//   GET /v2                                                server metadata
//   GET /v2/health/live, /v2/health/ready                  liveness, readiness (as /readyz)
//   GET /v2/models/attrition[/versions/{version}]          model metadata: inputs, outputs
//   GET /v2/models/attrition[/versions/{version}]/ready    whether that version serves
// The protocol's model is "attrition"; its versions are the repository's (without one: the
// default). Errors are {"error": "..."} (http/problem.hpp renders every /v2 error so). Thread-safe;
// borrows what the composition root owns.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "http/handlers/inference_tensors.hpp"
#include "http/route.hpp"
#include "model/catalog.hpp"
#include "model/predictor.hpp"

namespace attrition::http::handlers {

inline constexpr std::string_view kV2ModelName = "attrition";
inline constexpr std::string_view kV2ModelPath = "/v2/models/attrition";

// The version in a /v2/models/attrition/versions/{version}/... path; empty when there is none.
std::string_view InferenceVersion(std::string_view path);

class OpenInference {
  public:
    // `ready`: whether an inference would be answered and logged (the /readyz decision);
    // `max_batch_size`: the rows one inference may hold, stated in the model metadata.
    OpenInference(const model::Catalog& models,
                  std::function<bool()> ready,
                  std::string server_version,
                  std::size_t max_batch_size);

    Awaitable<Response> ServerMetadata(const Request& request, RequestContext& context) const;
    Awaitable<Response> Live(const Request& request, RequestContext& context) const;
    Awaitable<Response> Ready(const Request& request, RequestContext& context) const;
    Awaitable<Response> ModelMetadata(const Request& request, RequestContext& context) const;
    Awaitable<Response> ModelReady(const Request& request, RequestContext& context) const;

  private:
    const model::Catalog& models_;
    std::function<bool()> ready_;
    std::string server_version_;
    std::size_t max_batch_size_;
};

// The inference response: model name and `version`, the request's id, and each output asked for,
// shape [N], from `predictions` (one per row, in order).
std::string InferResponse(const InferRequest& request,
                          std::string_view version,
                          std::span<const model::Prediction> predictions);

}  // namespace attrition::http::handlers
