#include "http/handlers/prediction_endpoints.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "base/json_writer.hpp"
#include "base/text.hpp"
#include "domain/fields.hpp"
#include "http/handlers/inference_tensors.hpp"
#include "http/handlers/open_inference.hpp"
#include "http/handlers/what_if_json.hpp"
#include "http/json_text.hpp"
#include "http/log_append.hpp"
#include "http/problem.hpp"
#include "http/query.hpp"
#include "http/router.hpp"
#include "serving/log_rows.hpp"
#include "serving/version.hpp"
#include "serving/what_if.hpp"
#include "store/uuid.hpp"

namespace attrition::http::handlers {
namespace {

constexpr std::size_t kTopFeatures = 5;
// How much of a body that cannot be stored as JSON the log keeps.
constexpr std::size_t kMarkedBodyBytes = 2048;

// The logged mark of a request refused before scoring: an unknown version, no model, or a bad
// query (serving::ResolveVersion, ParseQuery).
std::string_view VersionRefusal(base::ErrorCode code) {
    switch (code) {
        case base::ErrorCode::kNotFound:
            return "unknown_model_version";
        case base::ErrorCode::kUnavailable:
            return "model_not_loaded";
        default:
            return "invalid_input";
    }
}

void WriteWarnings(base::JsonWriter& json, const std::vector<domain::InputWarning>& warnings) {
    json.BeginArray();
    for (const auto& warning : warnings) json.String(warning.message);
    json.EndArray();
}

long long ElapsedMs(const RequestContext& context) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 context.received_at)
        .count();
}

double Rounded(double value, double scale) { return std::round(value * scale) / scale; }

// max_changes (1..3, default 2) and proposals (1..5, default 3) of a what-if request.
base::Result<serving::WhatIfOptions> WhatIfOptionsOf(const Request& request) {
    const auto query = ParseQuery(request.target());  // Precheck refused a bad one
    serving::WhatIfOptions options;
    if (!query) return options;
    const auto read = [&](std::string_view name, std::size_t maximum,
                          std::size_t& into) -> base::Result<void> {
        const auto text = FindParameter(*query, name);
        if (!text) return {};
        const auto value = ParseQueryInt(*text);
        if (!value || *value < 1 || static_cast<std::size_t>(*value) > maximum) {
            return tl::unexpected(
                QueryIssue(name, "Input should be an integer from 1 to " + std::to_string(maximum),
                           "int_range"));
        }
        into = static_cast<std::size_t>(*value);
        return {};
    };
    if (auto ok = read("max_changes", serving::kMaxChanges, options.max_changes); !ok) {
        return tl::unexpected(ok.error());
    }
    if (auto ok = read("proposals", serving::kMaxProposals, options.proposals); !ok) {
        return tl::unexpected(ok.error());
    }
    return options;
}

}  // namespace

// Hands each request a reusable simdjson parser: parsers are not thread-safe, and a pool keeps
// their buffers warm without a global or thread_local.
class PredictionEndpoints::ParserPool {
  public:
    explicit ParserPool(std::size_t max_depth) : max_depth_(max_depth) {}

    class Lease {
      public:
        Lease(ParserPool& pool, std::unique_ptr<domain::JsonParser> parser)
            : pool_(pool), parser_(std::move(parser)) {}
        ~Lease() { pool_.Give(std::move(parser_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        domain::JsonParser& operator*() { return *parser_; }

      private:
        ParserPool& pool_;
        std::unique_ptr<domain::JsonParser> parser_;
    };

    Lease Take() {
        std::unique_ptr<domain::JsonParser> parser;
        {
            std::lock_guard lock(mutex_);
            if (!free_.empty()) {
                parser = std::move(free_.back());
                free_.pop_back();
            }
        }
        if (!parser) parser = std::make_unique<domain::JsonParser>(max_depth_);
        return Lease(*this, std::move(parser));
    }

  private:
    void Give(std::unique_ptr<domain::JsonParser> parser) {
        std::lock_guard lock(mutex_);
        free_.push_back(std::move(parser));
    }
    std::size_t max_depth_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<domain::JsonParser>> free_;
};

struct PredictionEndpoints::Outcome {
    Response response;
    store::RequestRecord record;
};

PredictionEndpoints::PredictionEndpoints(const model::Catalog& models,
                                         serving::Scoring& scoring,
                                         store::PredictionLog& log,
                                         const base::Clock& clock,
                                         ops::Registry& metrics,
                                         PredictionSettings settings)
    : models_(models),
      scoring_(scoring),
      log_(log),
      clock_(clock),
      settings_(std::move(settings)),
      client_ip_(settings_.trusted_proxies),
      parsers_(std::make_shared<ParserPool>(settings_.json_max_depth)),
      log_failures_(metrics
                        .AddCounter("attrition_unacknowledged_total",
                                    "Predictions answered 503 because their log record could "
                                    "not be made durable")
                        .With({})) {}

Awaitable<Response> PredictionEndpoints::Predict(const Request& request, RequestContext& context) {
    co_return co_await LogThenReply(request, context, ScoreOne(request, context));
}

Awaitable<Response> PredictionEndpoints::Batch(const Request& request, RequestContext& context) {
    co_return co_await LogThenReply(request, context, ScoreBatch(request, context));
}

Awaitable<Response> PredictionEndpoints::Explain(const Request& request, RequestContext& context) {
    co_return co_await LogThenReply(request, context, ScoreExplained(request, context));
}

Awaitable<Response> PredictionEndpoints::WhatIf(const Request& request, RequestContext& context) {
    co_return co_await LogThenReply(request, context, ScoreWhatIf(request, context));
}

Awaitable<Response> PredictionEndpoints::Infer(const Request& request, RequestContext& context) {
    co_return co_await LogThenReply(request, context, ScoreInfer(request));
}

Awaitable<Response> PredictionEndpoints::Refused(const Request& head,
                                                 const base::Error& error,
                                                 RequestContext& context) {
    Outcome outcome{ErrorResponse(head, error), {}};
    outcome.record.request_data_json = MarkedBody(base::ErrorCodeName(error.code), "", 0);
    co_return co_await LogThenReply(head, context, std::move(outcome));
}

std::optional<PredictionEndpoints::Outcome> PredictionEndpoints::Precheck(
    const Request& request, const model::Repository& models, const model::ServedModel*& chosen) {
    auto model = ChooseVersion(request, models);
    if (!model) {
        Outcome outcome;
        outcome.record.request_data_json =
            MarkedBody(VersionRefusal(model.error().code), request.body(), kMarkedBodyBytes);
        outcome.response = ErrorResponse(request, model.error());
        return outcome;
    }
    chosen = *model;
    if (!IsJsonContentType(request[bhttp::field::content_type])) {
        Outcome outcome;
        outcome.record.request_data_json =
            MarkedBody("unsupported_media_type", request.body(), kMarkedBodyBytes);
        outcome.response =
            ErrorResponse(request, base::Error::Make(base::ErrorCode::kUnsupportedMediaType,
                                                     "Content-Type must be application/json"));
        return outcome;
    }
    return std::nullopt;
}

PredictionEndpoints::Outcome PredictionEndpoints::Rejected(const Request& request,
                                                           const base::Error& error) const {
    // A bounded, marked prefix: a rejected body is kept for diagnosis, never whole (it may be
    // up to the body limit of anything) and never as a document erasure could misread.
    Outcome outcome;
    outcome.record.request_data_json = MarkedBody(
        error.code == base::ErrorCode::kMalformedRequest ? "json_invalid" : "invalid_input",
        request.body(), kMarkedBodyBytes);
    outcome.response = ErrorResponse(request, error);
    return outcome;
}

PredictionEndpoints::Outcome PredictionEndpoints::Answered(const Request& request,
                                                           std::string body,
                                                           serving::Scored scored,
                                                           std::string request_data) {
    Outcome outcome;
    outcome.record.predictions = std::move(scored.rows);
    outcome.record.request_data_json = std::move(request_data);
    outcome.response = JsonResponse(request, Status::ok, std::move(body));
    return outcome;
}

void PredictionEndpoints::WriteMetadata(const model::ServedModel& model,
                                        base::JsonWriter& json,
                                        std::string_view time_key,
                                        long long elapsed_ms,
                                        const std::vector<domain::InputWarning>& warnings) const {
    json.Key("metadata").BeginObject().Key("model_version").String(model.predictor.Version());
    json.Key(time_key).Int(elapsed_ms);
    json.Key("timestamp").String(base::FormatIso8601(clock_.Now()));
    json.Key("warnings");
    WriteWarnings(json, warnings);
    json.EndObject();
}

PredictionEndpoints::Outcome PredictionEndpoints::ScoreOne(const Request& request,
                                                           const RequestContext& context) {
    const auto models = models_.Current();  // held until the answer is written
    const model::ServedModel* chosen = nullptr;
    if (auto stop = Precheck(request, *models, chosen)) return std::move(*stop);
    const model::ServedModel& model = *chosen;
    auto lease = parsers_->Take();
    auto employee = domain::ParseEmployee(request.body(), models->RequestVocabulary(model), *lease);
    if (!employee) return Rejected(request, employee.error());

    auto scored = scoring_.Score(*models, model, {&*employee, 1});
    const auto& prediction = scored.predictions.front();
    const double leave = RoundedPercent(prediction.probability);
    std::string body;
    body.reserve(256);
    base::JsonWriter json(body);
    json.BeginObject().Key("prediction").BeginObject();
    json.Key("will_leave").Bool(prediction.will_leave);
    json.Key("probability_leave").Fixed(leave, 2);
    json.Key("probability_stay").Fixed(Rounded(100.0 - leave, 100), 2);
    json.Key("risk_level").String(model::RiskLevelName(prediction.risk)).EndObject();
    WriteMetadata(model, json, "prediction_time_ms", ElapsedMs(context), scored.warnings.front());
    json.EndObject();
    auto request_data =
        serving::SingleRequestData(*employee, scored.rows.front().features_snapshot_json);
    return Answered(request, std::move(body), std::move(scored), std::move(request_data));
}

PredictionEndpoints::Outcome PredictionEndpoints::ScoreBatch(const Request& request,
                                                             const RequestContext& context) {
    const auto models = models_.Current();  // held until the answer is written
    const model::ServedModel* chosen = nullptr;
    if (auto stop = Precheck(request, *models, chosen)) return std::move(*stop);
    const model::ServedModel& model = *chosen;
    auto lease = parsers_->Take();
    auto employees = domain::ParseBatch(request.body(), models->RequestVocabulary(model),
                                        settings_.batch_limit, *lease);
    if (!employees) return Rejected(request, employees.error());

    auto scored = scoring_.Score(*models, model, *employees);
    std::string body;
    body.reserve(256 + 128 * employees->size());
    base::JsonWriter json(body);
    json.BeginObject().Key("predictions").BeginArray();
    for (std::size_t i = 0; i < employees->size(); ++i) {
        const auto& prediction = scored.predictions[i];
        json.BeginObject().Key("employee_id").String((*employees)[i].employee_id.value_or(""));
        json.Key("will_leave").Bool(prediction.will_leave);
        json.Key("probability_leave").Fixed(RoundedPercent(prediction.probability), 2);
        json.Key("risk_level").String(model::RiskLevelName(prediction.risk));
        if (!scored.warnings[i].empty()) {
            json.Key("warnings");
            WriteWarnings(json, scored.warnings[i]);
        }
        json.EndObject();
    }
    json.EndArray().Key("metadata").BeginObject();
    json.Key("total_predictions").Uint(employees->size());
    json.Key("model_version").String(model.predictor.Version());
    json.Key("prediction_time_ms").Int(ElapsedMs(context));
    json.Key("timestamp").String(base::FormatIso8601(clock_.Now()));
    json.EndObject().EndObject();
    return Answered(request, std::move(body), std::move(scored),
                    serving::BatchRequestData(*employees));
}

PredictionEndpoints::Outcome PredictionEndpoints::ScoreExplained(const Request& request,
                                                                 const RequestContext& context) {
    const auto models = models_.Current();  // held until the answer is written
    const model::ServedModel* chosen = nullptr;
    if (auto stop = Precheck(request, *models, chosen)) return std::move(*stop);
    const model::ServedModel& model = *chosen;
    const auto query = ParseQuery(request.target());  // Precheck refused a bad one
    const std::string_view detail = query ? FindParameter(*query, "detail").value_or("") : "";
    if (!detail.empty() && detail != "columns") {
        base::Error error = base::Error::Make(base::ErrorCode::kInvalidInput, "invalid query");
        error.issues.push_back({{"query", "detail"}, "Input should be 'columns'", "enum"});
        return Rejected(request, error);
    }
    auto lease = parsers_->Take();
    auto employee = domain::ParseEmployee(request.body(), models->RequestVocabulary(model), *lease);
    if (!employee) return Rejected(request, employee.error());

    auto scored = scoring_.Score(*models, model, {&*employee, 1});
    const auto& prediction = scored.predictions.front();
    const auto explanation = model.predictor.Explain(*employee);

    std::string body;
    body.reserve(1024);
    base::JsonWriter json(body);
    json.BeginObject().Key("top_features").BeginArray();
    const std::size_t top = std::min(kTopFeatures, explanation.features.size());
    for (std::size_t i = 0; i < top; ++i) {
        const auto& feature = explanation.features[i];
        const double value = Rounded(feature.shap_value, 1e6);
        json.BeginObject().Key("feature").String(feature.feature).Key("shap_value").Double(value);
        json.Key("impact").String(model::ImpactOf(value));
        json.EndObject();
    }
    json.EndArray();
    if (detail == "columns") {
        json.Key("columns").BeginArray();
        for (const auto& column : explanation.columns) {
            json.BeginObject().Key("column").String(column.column);
            json.Key("shap_value").Double(Rounded(column.shap_value, 1e6)).EndObject();
        }
        json.EndArray().Key("base_value").Double(Rounded(explanation.base_value, 1e6));
    }
    json.Key("probability_leave").Fixed(RoundedPercent(prediction.probability), 2);
    WriteMetadata(model, json, "explanation_time_ms", ElapsedMs(context), scored.warnings.front());
    json.EndObject();
    auto request_data =
        serving::SingleRequestData(*employee, scored.rows.front().features_snapshot_json);
    return Answered(request, std::move(body), std::move(scored), std::move(request_data));
}

PredictionEndpoints::Outcome PredictionEndpoints::ScoreWhatIf(const Request& request,
                                                              const RequestContext& context) {
    const auto models = models_.Current();  // held until the answer is written
    const model::ServedModel* chosen = nullptr;
    if (auto stop = Precheck(request, *models, chosen)) return std::move(*stop);
    const model::ServedModel& model = *chosen;
    auto options = WhatIfOptionsOf(request);
    if (!options) return Rejected(request, options.error());
    auto lease = parsers_->Take();
    auto employee = domain::ParseEmployee(request.body(), models->RequestVocabulary(model), *lease);
    if (!employee) return Rejected(request, employee.error());

    const auto answer = serving::SearchWhatIf(model.predictor, model.actions, *employee, *options);
    auto scored = scoring_.Record(*models, model, {&*employee, 1}, {answer.current});
    // The request row: the payload, and in its object the search's answer.
    std::string logged =
        serving::SingleRequestData(*employee, scored.rows.front().features_snapshot_json);
    logged.pop_back();  // the payload's closing brace
    logged += R"(,"what_if":)";
    base::JsonWriter log_json(logged);
    WriteWhatIfLogged(log_json, answer, *options);
    logged += '}';

    std::string body;
    body.reserve(2048);
    base::JsonWriter json(body);
    json.BeginObject();
    WriteWhatIf(json, answer, model.predictor.Metadata().decision_threshold, *options);
    WriteMetadata(model, json, "what_if_time_ms", ElapsedMs(context), scored.warnings.front());
    json.EndObject();
    return Answered(request, std::move(body), std::move(scored), std::move(logged));
}

PredictionEndpoints::Outcome PredictionEndpoints::ScoreInfer(const Request& request) {
    const auto models = models_.Current();  // held until the answer is written
    // Answered {"error": ...} with the protocol's statuses: http/problem.hpp, from the path.
    const auto refuse = [&](std::string_view mark, const base::Error& error) {
        Outcome outcome;
        outcome.record.request_data_json = MarkedBody(mark, request.body(), kMarkedBodyBytes);
        outcome.response = ErrorResponse(request, error);
        return outcome;
    };
    const auto resolved =
        serving::ResolveVersion(*models, InferenceVersion(Router::PathOf(request.target())));
    if (!resolved) {
        return refuse(VersionRefusal(resolved.error().code), resolved.error());
    }
    // No Content-Type is read as JSON: what tritonclient.http sends.
    const auto content_type = request[bhttp::field::content_type];
    if (!content_type.empty() && !IsJsonContentType(content_type)) {
        return refuse("unsupported_media_type",
                      base::Error::Make(base::ErrorCode::kUnsupportedMediaType,
                                        "Content-Type must be application/json, or absent"));
    }
    const model::ServedModel& model = **resolved;
    auto lease = parsers_->Take();
    auto parsed = ParseInferRequest(request.body(), models->RequestVocabulary(model),
                                    settings_.infer_batch_limit, *lease);
    if (!parsed) {
        return refuse(parsed.error().code == base::ErrorCode::kMalformedRequest ? "json_invalid"
                                                                                : "invalid_input",
                      parsed.error());
    }
    auto scored = scoring_.Score(*models, model, parsed->employees);
    auto body = InferResponse(*parsed, model.predictor.Version(), scored.predictions);
    return Answered(request, std::move(body), std::move(scored),
                    serving::BatchRequestData(parsed->employees));
}

Awaitable<Response> PredictionEndpoints::LogThenReply(const Request& request,
                                                      RequestContext& context,
                                                      Outcome outcome) {
    auto& record = outcome.record;
    record.id = store::NewUuid();
    record.created_at = clock_.Now();
    // The route, not the client's path: a V2 version path carries the client's version name
    // (the version is in each prediction row's model_version).
    const std::string_view path = Router::PathOf(request.target());
    record.endpoint =
        path.starts_with("/v2/") ? std::string(kV2ModelPath) + "/infer" : std::string(path);
    record.client_ip = client_ip_.Resolve(context.peer_ip, request["X-Forwarded-For"]);
    static_assert(kMaxRequestIdChars == store::kMaxRequestIdChars);
    record.x_request_id = context.request_id;
    if (const auto agent = request[bhttp::field::user_agent]; !agent.empty()) {
        record.user_agent = base::ToValidUtf8(agent);  // a header is any bytes
    }
    record.http_status = static_cast<int>(outcome.response.result_int());
    record.response_time_ms = static_cast<int>(ElapsedMs(context));
    if (record.request_data_json.empty()) record.request_data_json = "{}";
    const bool acknowledges = record.http_status < 300;

    const auto durable = co_await AppendDurably(log_, std::move(record));
    if (!durable && acknowledges) {
        log_failures_.Inc();
        co_return ErrorResponse(
            request, base::Error::Make(base::ErrorCode::kUnavailable,
                                       "The prediction could not be logged, so it is not "
                                       "acknowledged; retry later"));
    }
    co_return std::move(outcome.response);
}

}  // namespace attrition::http::handlers
