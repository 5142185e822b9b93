// The scoring endpoints: /api/v1/predict, /api/v1/predict/batch and /api/v1/explain (SPEC §2),
// /api/v1/what-if, and the Open Inference Protocol's infer. Each request is parsed, validated,
// scored and its log rows built (serving::Scoring), logged and answered; the answer waits until its
// log record is durable, and becomes a 503 when it cannot be (nothing is acknowledged that is not
// logged). Rejected requests (415, 422, 413, 503) are logged with their status too. Holds
// references to objects the composition root owns; the object itself is shared by all request
// threads (a pool hands each request a JSON parser).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "base/json_writer.hpp"
#include "domain/validation.hpp"
#include "domain/vocabulary.hpp"
#include "http/client_ip.hpp"
#include "http/handlers/inference_tensors.hpp"
#include "http/handlers/model_version.hpp"
#include "http/route.hpp"
#include "model/catalog.hpp"
#include "model/repository.hpp"
#include "ops/metrics.hpp"
#include "serving/scoring.hpp"
#include "store/prediction_log.hpp"

namespace attrition::http::handlers {

struct PredictionSettings {
    std::size_t batch_limit = domain::kDefaultBatchLimit;
    // Rows of one Open Inference Protocol request (stated in its model metadata).
    std::size_t infer_batch_limit = kInferBatchLimit;
    std::size_t json_max_depth = domain::JsonParser::kDefaultMaxDepth;  // deeper: 422
    std::vector<std::string> trusted_proxies;
};

class PredictionEndpoints {
  public:
    // Each request scores with the catalog's snapshot taken when it starts. The repository
    // may be empty (no artifact loaded: the endpoints answer 503).
    PredictionEndpoints(const model::Catalog& models,
                        serving::Scoring& scoring,
                        store::PredictionLog& log,
                        const base::Clock& clock,
                        ops::Registry& metrics,
                        PredictionSettings settings);

    // The handlers (declared as routes in http/routes.cpp): POST /api/v1/predict,
    // /api/v1/predict/batch, /api/v1/explain, and the answer to a prediction request the server
    // refused before routing (413), which is logged too.
    Awaitable<Response> Predict(const Request& request, RequestContext& context);
    Awaitable<Response> Batch(const Request& request, RequestContext& context);
    Awaitable<Response> Explain(const Request& request, RequestContext& context);
    // POST /api/v1/what-if: the changes within the version's actions that would bring the
    // employee under the threshold (serving/what_if.hpp); logged like an explanation, with the
    // proposals in the request row.
    Awaitable<Response> WhatIf(const Request& request, RequestContext& context);
    // POST /v2/models/attrition[/versions/{version}]/infer (the Open Inference Protocol; see
    // handlers/open_inference.hpp and handlers/inference_tensors.hpp): scored, logged and
    // answered like a batch, errors as {"error": ...}.
    Awaitable<Response> Infer(const Request& request, RequestContext& context);
    Awaitable<Response> Refused(const Request& head,
                                const base::Error& error,
                                RequestContext& context);

  private:
    class ParserPool;
    struct Outcome;

    // Sets `chosen` from `models` (ChooseVersion), or answers: a bad query (422), no such
    // version (404), no model (503), not JSON (415).
    static std::optional<Outcome> Precheck(const Request& request,
                                           const model::Repository& models,
                                           const model::ServedModel*& chosen);
    Outcome Rejected(const Request& request, const base::Error& error) const;
    // An answer of 200 with `body`, logging `scored`'s rows and `request_data`.
    static Outcome Answered(const Request& request,
                            std::string body,
                            serving::Scored scored,
                            std::string request_data);
    Outcome ScoreOne(const Request& request, const RequestContext& context);
    Outcome ScoreBatch(const Request& request, const RequestContext& context);
    Outcome ScoreExplained(const Request& request, const RequestContext& context);
    Outcome ScoreWhatIf(const Request& request, const RequestContext& context);
    Outcome ScoreInfer(const Request& request);
    // The "metadata" member of a single answer: version, time taken (under `time_key`),
    // timestamp, warnings.
    void WriteMetadata(const model::ServedModel& model,
                       base::JsonWriter& json,
                       std::string_view time_key,
                       long long elapsed_ms,
                       const std::vector<domain::InputWarning>& warnings) const;
    Awaitable<Response> LogThenReply(const Request& request,
                                     RequestContext& context,
                                     Outcome outcome);

    const model::Catalog& models_;
    serving::Scoring& scoring_;
    store::PredictionLog& log_;
    const base::Clock& clock_;
    PredictionSettings settings_;
    ClientIpResolver client_ip_;
    std::shared_ptr<ParserPool> parsers_;
    ops::Counter& log_failures_;
};

}  // namespace attrition::http::handlers
