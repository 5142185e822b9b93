#include "http/routes.hpp"

#include <fmt/format.h>

#include <tuple>

#include "http/handlers/inference_tensors.hpp"
#include "http/handlers/model_card_endpoint.hpp"
#include "http/openapi.hpp"
#include "serving/what_if.hpp"

namespace attrition::http {
namespace {

using Json = nlohmann::json;

Json QueryParameter(std::string_view name, std::string_view description, Json schema) {
    return Json{{"name", name},
                {"in", "query"},
                {"required", false},
                {"description", description},
                {"schema", std::move(schema)}};
}

Json VersionParameter() {
    return QueryParameter(handlers::kModelVersionParameter,
                          "Model version to use (GET /api/v1/models lists them); default: the "
                          "default version",
                          {{"type", "string"}});
}

// The {version} of a versioned path.
Json VersionPathParameter() {
    return Json{{"name", "version"},
                {"in", "path"},
                {"required", true},
                {"description", "A model version (GET /api/v1/models)"},
                {"schema", {{"type", "string"}}}};
}

// The same choice as a header, which wins over the query parameter.
Json VersionHeader() {
    return Json{{"name", handlers::kModelVersionHeader},
                {"in", "header"},
                {"required", false},
                {"description", "Model version to use; wins over ?model_version="},
                {"schema", {{"type", "string"}}}};
}

// A route's own responses followed by those it shares with others.
std::vector<ResponseDoc> With(std::vector<ResponseDoc> own,
                              const std::vector<ResponseDoc>& shared) {
    own.insert(own.end(), shared.begin(), shared.end());
    return own;
}

// A member handler of an endpoints object as a Handler.
template <class Endpoint>
Handler Bind(Endpoint& endpoint,
             Awaitable<Response> (Endpoint::*method)(const Request&, RequestContext&)) {
    return [&endpoint, method](const Request& request, RequestContext& context) {
        return (endpoint.*method)(request, context);
    };
}

// Longer than 60 lines: a data table (route declarations).
// NOLINTNEXTLINE(readability-function-size)
void DeclarePredictionRoutes(const Endpoints& e, std::vector<Route>& routes) {
    auto& p = e.predictions;
    const RejectHandler refused = [&p](const Request& head, const base::Error& error,
                                       RequestContext& context) {
        return p.Refused(head, error, context);
    };
    const auto employee_example = [](const domain::Vocabulary& v) { return ExampleEmployee(v); };
    routes.push_back({
        .verb = Verb::post,
        .path = "/api/v1/predict",
        .group = RouteGroup::kPredict,
        .access = Access::kApiKeyIfRequired,
        .logging = Logging::kPredictionLog,
        .operation = Operation{.operation_id = "predict",
                               .summary = "Attrition risk of one employee",
                               .tag = "predictions",
                               .request_schema = "Employee",
                               .request_example = employee_example,
                               .parameters = {VersionHeader(), VersionParameter()},
                               .responses = {{200, "Success", "PredictionResponse"},
                                             {404, "No such model version", "Error"}}},
        .handler = Bind(p, &handlers::PredictionEndpoints::Predict),
        .reject = refused,
    });
    routes.push_back({
        .verb = Verb::post,
        .path = "/api/v1/predict/batch",
        .group = RouteGroup::kPredict,
        .access = Access::kApiKeyIfRequired,
        .logging = Logging::kPredictionLog,
        .operation =
            Operation{
                .operation_id = "predict_batch",
                .summary = fmt::format("Attrition risk of 1 to {} employees, in request order",
                                       e.batch_limit),
                .tag = "predictions",
                .request_schema = "BatchRequest",
                .request_example = [](const domain::Vocabulary& v) { return ExampleBatch(v); },
                .parameters = {VersionHeader(), VersionParameter()},
                .responses = {{200, "Success", "BatchResponse"},
                              {404, "No such model version", "Error"}}},
        .handler = Bind(p, &handlers::PredictionEndpoints::Batch),
        .reject = refused,
    });
    routes.push_back({
        .verb = Verb::post,
        .path = "/api/v1/explain",
        .group = RouteGroup::kExplain,
        .access = Access::kApiKeyIfRequired,
        .logging = Logging::kPredictionLog,
        .operation =
            Operation{.operation_id = "explain",
                      .summary = "The 5 input features that weigh most on one prediction (SHAP)",
                      .tag = "predictions",
                      .request_schema = "Employee",
                      .request_example = employee_example,
                      .parameters = {QueryParameter(
                                         "detail",
                                         "columns: add every encoded column's SHAP value "
                                         "and the base value",
                                         {{"type", "string"}, {"enum", Json::array({"columns"})}}),
                                     VersionHeader(), VersionParameter()},
                      .responses = {{200, "Success", "ExplainResponse"},
                                    {404, "No such model version", "Error"}}},
        .handler = Bind(p, &handlers::PredictionEndpoints::Explain),
        .reject = refused,
    });
    routes.push_back({
        .verb = Verb::post,
        .path = "/api/v1/what-if",
        .group = RouteGroup::kExplain,
        .access = Access::kApiKeyIfRequired,
        .logging = Logging::kPredictionLog,
        .operation =
            Operation{
                .operation_id = "what_if",
                .summary = "What would keep a flagged employee: the fewest, smallest changes "
                           "within the version's actions that bring the risk under the "
                           "threshold (what the model would predict, not a promise)",
                .tag = "predictions",
                .request_schema = "Employee",
                .request_example = employee_example,
                .parameters = {QueryParameter("max_changes", "Inputs a proposal may change at most",
                                              {{"type", "integer"},
                                               {"minimum", 1},
                                               {"maximum", serving::kMaxChanges},
                                               {"default", 2}}),
                               QueryParameter("proposals", "Proposals wanted at most",
                                              {{"type", "integer"},
                                               {"minimum", 1},
                                               {"maximum", serving::kMaxProposals},
                                               {"default", 3}}),
                               VersionHeader(), VersionParameter()},
                .responses = {{200, "Success", "WhatIfResponse"},
                              {404, "No such model version", "Error"}}},
        .handler = Bind(p, &handlers::PredictionEndpoints::WhatIf),
        .reject = refused,
    });
    routes.push_back({
        .verb = Verb::get,
        .path = "/api/v1/model/info",
        .group = RouteGroup::kRead,
        .operation =
            Operation{.operation_id = "model_info",
                      .summary = "A model version (the default unless named): version, training "
                                 "date, CV metrics, features",
                      .tag = "model",
                      .parameters = {VersionParameter()},
                      .responses = {{200, "Model description", "ModelInfo"},
                                    {404, "No such model version", "Error"},
                                    {503, "No model loaded", "Error"}}},
        .handler = [&m = e.models](
                       const Request& request,
                       RequestContext& context) { return m.ModelInfo(request, context); },
    });
    routes.push_back({
        .verb = Verb::get,
        .path = "/api/v1/models",
        .group = RouteGroup::kRead,
        .operation = Operation{.operation_id = "list_models",
                               .summary = "Every version of the model repository: state "
                                          "(default, loaded, failed with its reason), features, "
                                          "CV metrics, training date",
                               .tag = "model",
                               .responses = {{200, "The versions, by name", "ModelList"}}},
        .handler = [&m = e.models](const Request& request,
                                   RequestContext& context) { return m.Models(request, context); },
    });
    routes.push_back({
        .verb = Verb::get,
        .path = std::string(handlers::kModelVersionPattern),
        .group = RouteGroup::kRead,
        .operation = Operation{.operation_id = "get_model_version",
                               .summary = "One version of the model repository, as "
                                          "GET /api/v1/models lists it, with what "
                                          "POST /api/v1/what-if may change",
                               .tag = "model",
                               .parameters = {VersionPathParameter()},
                               .responses = {{200, "The version", "ModelVersion"},
                                             {404, "No such model version", "Error"}}},
        .handler = [&m = e.models](
                       const Request& request,
                       RequestContext& context) { return m.ModelVersion(request, context); },
    });
    // The model card: Markdown, or a page for a browser.
    const nlohmann::json format{{"name", "format"},
                                {"in", "query"},
                                {"required", false},
                                {"description",
                                 "html or markdown; without it, HTML when Accept names text/html "
                                 "(a browser), else Markdown"},
                                {"schema", {{"type", "string"}, {"enum", {"html", "markdown"}}}}};
    const std::vector<ResponseDoc> card_responses{
        {200, "The model card (Markdown; text/html with format=html or a browser's Accept)", "",
         "text/markdown; charset=utf-8"}};
    routes.push_back({
        .verb = Verb::get,
        .path = std::string(handlers::kModelCardPattern),
        .group = RouteGroup::kRead,
        .operation =
            Operation{.operation_id = "get_model_card",
                      .summary = "A version's model card: what it is for and not for, how good it "
                                 "is, its fairness at training, then its data and settings",
                      .tag = "model",
                      .parameters = {VersionPathParameter(), format},
                      .responses = With(card_responses, {{404, "No such model version", "Error"}})},
        .handler = e.model_card,
    });
    routes.push_back({
        .verb = Verb::get,
        .path = std::string(handlers::kDefaultModelCardPath),
        .group = RouteGroup::kRead,
        .operation =
            Operation{.operation_id = "get_default_model_card",
                      .summary = "The default version's model card (as "
                                 "/api/v1/models/{version}/card)",
                      .tag = "model",
                      .parameters = {format},
                      .responses = With(card_responses, {{503, "No model loaded", "Error"}})},
        .handler = e.model_card,
    });
    routes.push_back({
        .verb = Verb::post,
        .path = "/api/v1/models/reload",
        .group = RouteGroup::kRead,
        .access = Access::kApiKey,
        .operation =
            Operation{
                .operation_id = "reload_models",
                .summary = "Rescan the model repository: load new and changed versions "
                           "(checked before they serve), drop removed ones, follow "
                           "serving.json's default; what cannot change keeps serving",
                .tag = "model",
                .responses = {{200, "What changed", "ReloadReport"},
                              {409, "The repository cannot be read; nothing changed", "Error"}}},
        .handler = e.reload,
    });
}

// The Open Inference Protocol (KServe V2) REST routes: the model's description, health, and
// the inference call, for the default version and for each version by name.
// Longer than 60 lines: a data table (route declarations).
// NOLINTNEXTLINE(readability-function-size)
void DeclareInferenceRoutes(const Endpoints& e, std::vector<Route>& routes) {
    auto& v2 = e.inference;
    auto& p = e.predictions;
    const RejectHandler refused = [&p](const Request& head, const base::Error& error,
                                       RequestContext& context) {
        return p.Refused(head, error, context);
    };
    // The {version} of a versioned path, as OpenAPI declares a path parameter.
    const auto parameters_of = [](const std::string& path) {
        if (path.find("{version}") == std::string::npos) return std::vector<Json>{};
        return std::vector<Json>{VersionPathParameter()};
    };
    const auto get = [&](const std::string& path, std::string id, std::string summary,
                         RouteGroup group, std::string schema, std::vector<ResponseDoc> errors,
                         auto method) {
        std::vector<ResponseDoc> responses{{200, "Success", std::move(schema)}};
        responses.insert(responses.end(), errors.begin(), errors.end());
        routes.push_back({
            .verb = Verb::get,
            .path = path,
            .group = group,
            .operation = Operation{.operation_id = std::move(id),
                                   .summary = std::move(summary),
                                   .tag = "open inference protocol",
                                   .parameters = parameters_of(path),
                                   .responses = std::move(responses)},
            .handler = [&v2, method](
                           const Request& request,
                           RequestContext& context) { return (v2.*method)(request, context); },
        });
    };
    using handlers::OpenInference;
    const std::vector<ResponseDoc> no_version{{404, "No such model version", "V2Error"},
                                              {503, "No model loaded", "V2Error"}};
    get("/v2", "v2_server_metadata", "Server metadata (Open Inference Protocol)",
        RouteGroup::kOther, "V2ServerMetadata", {}, &OpenInference::ServerMetadata);
    // "/v2/" is "/v2" (a client joining a base URL and a path may add the slash).
    routes.push_back({.verb = Verb::get,
                      .path = "/v2/",
                      .group = RouteGroup::kOther,
                      .handler = [&v2](const Request& request, RequestContext& context) {
                          return v2.ServerMetadata(request, context);
                      }});
    get("/v2/health/live", "v2_live", "Liveness", RouteGroup::kOther, "V2Live", {},
        &OpenInference::Live);
    get("/v2/health/ready", "v2_ready",
        "Readiness: an inference would be answered and logged (as /readyz)", RouteGroup::kOther,
        "V2Ready", {{503, "Not ready", "V2Ready"}}, &OpenInference::Ready);
    const std::string model = std::string(handlers::kV2ModelPath);
    const std::string versioned = model + "/versions/{version}";
    for (const auto& [path, suffix, which] :
         {std::tuple{model, std::string(), std::string("the default version")},
          std::tuple{versioned, std::string("_version"), std::string("a version by name")}}) {
        get(path, "v2_model_metadata" + suffix,
            "Model metadata of " + which + ": inputs and outputs with datatype and shape",
            RouteGroup::kRead, "V2ModelMetadata", no_version, &OpenInference::ModelMetadata);
        get(path + "/ready", "v2_model_ready" + suffix, "Whether " + which + " serves",
            RouteGroup::kOther, "V2ModelReady", no_version, &OpenInference::ModelReady);
        routes.push_back({
            .verb = Verb::post,
            .path = path + "/infer",
            .group = RouteGroup::kPredict,
            .access = Access::kApiKeyIfRequired,
            .logging = Logging::kPredictionLog,
            .operation =
                Operation{
                    .operation_id = "v2_infer" + suffix,
                    .summary = "Inference with " + which +
                               ": one [N] tensor per feature, outputs probability_leave, "
                               "will_leave, risk_level; logged like a batch",
                    .tag = "open inference protocol",
                    .request_schema = "V2InferRequest",
                    .request_example =
                        [](const domain::Vocabulary& v) {
                            return handlers::ExampleInferRequest(ExampleBatch(v));
                        },
                    .parameters = parameters_of(path),
                    .responses = {{200, "Success", "V2InferResponse"},
                                  {400, "Invalid request: the input and the rule", "V2Error"},
                                  {415, "A Content-Type other than JSON (none is JSON)", "V2Error"},
                                  {404, "No such model version", "V2Error"},
                                  {503,
                                   "No model loaded, or the prediction log is "
                                   "unavailable",
                                   "V2Error"}}},
            .handler = Bind(p, &handlers::PredictionEndpoints::Infer),
            .reject = refused,
        });
    }
}

// Longer than 60 lines: a data table (route declarations).
// NOLINTNEXTLINE(readability-function-size)
void DeclareLogRoutes(const Endpoints& e, std::vector<Route>& routes) {
    const Json text{{"type", "string"}};
    const std::vector<ResponseDoc> log_errors{
        {422, "Invalid query", "HTTPValidationError"},
        {503, "Prediction log off or database unavailable", "Error"}};
    routes.push_back({
        .verb = Verb::get,
        .path = "/api/v1/predictions",
        .group = RouteGroup::kRead,
        .access = Access::kApiKey,
        .operation =
            Operation{
                .operation_id = "list_predictions",
                .summary = "History of logged predictions, newest first (keyset pages)",
                .tag = "log",
                .parameters =
                    {QueryParameter("employee_id", "Only this employee", text),
                     QueryParameter("risk_level", "Only this risk level",
                                    {{"type", "string"}, {"enum", {"LOW", "MEDIUM", "HIGH"}}}),
                     QueryParameter("since",
                                    "created_at >= since (ISO 8601 date, or date-time with a zone)",
                                    text),
                     QueryParameter("until", "created_at < until (ISO 8601)", text),
                     QueryParameter("cursor", "next_cursor of the previous page", text),
                     QueryParameter("x_request_id",
                                    "Only the request answered with this X-Request-ID header",
                                    {{"type", "string"}, {"pattern", "^[A-Za-z0-9._-]{1,128}$"}}),
                     QueryParameter("include_shadow",
                                    "true: shadow scoring's rows too (left out by default)",
                                    {{"type", "boolean"}, {"default", false}}),
                     QueryParameter("limit", "Rows per page",
                                    {{"type", "integer"},
                                     {"minimum", 1},
                                     {"maximum", 500},
                                     {"default", 100}})},
                .responses = With({{200, "One page", "HistoryPage"}}, log_errors)},
        .handler = Bind(e.log, &handlers::LogEndpoints::History),
    });
    routes.push_back({
        .verb = Verb::get,
        .path = "/api/v1/stats",
        .group = RouteGroup::kRead,
        .access = Access::kApiKey,
        .operation =
            Operation{.operation_id = "prediction_stats",
                      .summary = "Predictions per risk level and per day, with mean probability",
                      .tag = "log",
                      .parameters = {QueryParameter("days",
                                                    "Window: today (UTC) and the days-1 before it",
                                                    {{"type", "integer"},
                                                     {"minimum", 1},
                                                     {"maximum", handlers::kMaxStatsDays},
                                                     {"default", 30}})},
                      .responses = With({{200, "Statistics", "Stats"}}, log_errors)},
        .handler = Bind(e.log, &handlers::LogEndpoints::Stats),
    });
    routes.push_back({
        .verb = Verb::delete_,
        .path = std::string(handlers::kErasurePattern),
        .group = RouteGroup::kRead,
        .access = Access::kApiKey,
        .operation =
            Operation{
                .operation_id = "erase_employee",
                .summary = "GDPR erasure: delete an employee's predictions and request payloads",
                .tag = "log",
                .parameters = {{{"name", "employee_id"},
                                {"in", "path"},
                                {"required", true},
                                {"schema",
                                 {{"type", "string"},
                                  {"minLength", 1},
                                  {"maxLength", domain::kEmployeeIdMaxLength}}}}},
                .responses = With({{200, "What was deleted", "Erasure"}},
                                  {{422, "Invalid employee_id", "HTTPValidationError"},
                                   {503, "Prediction log off or database unavailable", "Error"}})},
        .handler = Bind(e.log, &handlers::LogEndpoints::Erase),
    });
    routes.push_back({
        .verb = Verb::post,
        .path = "/api/v1/outcomes",
        .group = RouteGroup::kRead,
        .access = Access::kApiKey,
        .operation =
            Operation{
                .operation_id = "record_outcomes",
                .summary = "Report what became of employees (left on a date, or still employed "
                           "on it): the ground truth live performance is measured against; "
                           "idempotent",
                .tag = "log",
                .request_schema = "OutcomesRequest",
                .request_example =
                    [](const domain::Vocabulary&) {
                        return nlohmann::json{
                            {"outcomes",
                             {{{"employee_id", "E001"}, {"event", "left"}, {"date", "2026-10-31"}},
                              {{"employee_id", "E002"},
                               {"event", "stayed"},
                               {"date", "2026-10-31"}}}}};
                    },
                .responses =
                    With({{200, "How many were stored, how many were already", "OutcomesResult"}},
                         {{415, "Content-Type is not application/json", "Error"},
                          {422, "Invalid outcomes: nothing is stored", "HTTPValidationError"},
                          {503, "Prediction log off or database unavailable", "Error"}})},
        .handler = Bind(e.log, &handlers::LogEndpoints::Outcomes),
    });
}

// The model's health from the log: what the HR analyst and the operator ask of a model after it
// ships (monitoring_endpoints.hpp).
// Longer than 60 lines: a data table (route declarations).
// NOLINTNEXTLINE(readability-function-size)
void DeclareMonitoringRoutes(const Endpoints& e, std::vector<Route>& routes) {
    const Json text{{"type", "string"}};
    const Json version = QueryParameter(
        "model_version", "Model version to evaluate (its shadow rows too); default: the default",
        text);
    // The predictions judged against outcomes, as for live performance.
    const std::vector<Json> labelled{
        VersionHeader(), version,
        QueryParameter("since", "Predictions created at or after (ISO 8601)", text),
        QueryParameter("until", "Predictions created before (ISO 8601)", text),
        QueryParameter("horizon_days", "Positive: left within this many days of the prediction",
                       {{"type", "integer"},
                        {"minimum", 0},
                        {"maximum", store::kMaxHorizonDays},
                        {"default", 365}})};
    const std::vector<ResponseDoc> labelled_errors{
        {404, "No such model version", "Error"},
        {422, "Invalid query", "HTTPValidationError"},
        {503, "Prediction log off, database unavailable or no model", "Error"}};
    routes.push_back({
        .verb = Verb::post,
        .path = "/api/v1/monitoring/refresh",
        .group = RouteGroup::kRead,
        .access = Access::kApiKey,
        .operation =
            Operation{
                .operation_id = "refresh_monitoring",
                .summary =
                    "Recompute the daily monitoring job's figures (the attrition_* model-health "
                    "metrics) now, for the versions served: runs once in the background",
                .tag = "monitoring",
                .responses = {{202, "Queued (or already queued)", "RefreshQueued"},
                              {409, "The monitoring job is off", "Error"}}},
        .handler = Bind(e.monitoring, &handlers::MonitoringEndpoints::Refresh),
    });
    routes.push_back({
        .verb = Verb::get,
        .path = "/api/v1/monitoring/performance",
        .group = RouteGroup::kRead,
        .access = Access::kApiKey,
        .operation =
            Operation{
                .operation_id = "live_performance",
                .summary = "Live accuracy: the version's logged predictions against the outcomes "
                           "reported since, beside its cross-validated figures",
                .tag = "monitoring",
                .parameters = labelled,
                .responses = With({{200, "Live figures", "LivePerformance"}}, labelled_errors)},
        .handler = Bind(e.monitoring, &handlers::MonitoringEndpoints::Performance),
    });
    routes.push_back({
        .verb = Verb::get,
        .path = "/api/v1/monitoring/drift",
        .group = RouteGroup::kRead,
        .access = Access::kApiKey,
        .operation =
            Operation{.operation_id = "drift",
                      .summary = "Drift: the inputs and scores of the version's recent predictions "
                                 "against its training data (PSI per feature, KS for numerics)",
                      .tag = "monitoring",
                      .parameters = {VersionHeader(), version,
                                     QueryParameter("days",
                                                    "Window: today (UTC) and the days-1 before it",
                                                    {{"type", "integer"},
                                                     {"minimum", 1},
                                                     {"maximum", handlers::kMaxStatsDays},
                                                     {"default", 30}})},
                      .responses =
                          {{200, "Drift per feature and of the prediction", "DriftReport"},
                           {404, "No such model version", "Error"},
                           {409, "The version's artifact holds no training distributions", "Error"},
                           {422, "Invalid query", "HTTPValidationError"},
                           {503, "Prediction log off, database unavailable or no model", "Error"}}},
        .handler = Bind(e.monitoring, &handlers::MonitoringEndpoints::Drift),
    });
    routes.push_back({
        .verb = Verb::get,
        .path = "/api/v1/monitoring/fairness",
        .group = RouteGroup::kRead,
        .access = Access::kApiKey,
        .operation =
            Operation{.operation_id = "fairness",
                      .summary = "Fairness by genre, statut_marital and age band: selection "
                                 "rates (four-fifths rule), mean probability and, where outcomes "
                                 "resolve them, observed rate, TPR, FPR and precision; live and "
                                 "at training",
                      .tag = "monitoring",
                      .parameters = labelled,
                      .responses = With({{200, "The table, live and at training", "Fairness"}},
                                        labelled_errors)},
        .handler = Bind(e.monitoring, &handlers::MonitoringEndpoints::Fairness),
    });
}

void DeclareServiceRoutes(const Endpoints& e, std::vector<Route>& routes) {
    const auto probe = [&](std::string path, std::string id, std::string summary,
                           std::vector<ResponseDoc> responses, Handler handler) {
        routes.push_back({.verb = Verb::get,
                          .path = std::move(path),
                          .group = RouteGroup::kOther,
                          .operation = Operation{.operation_id = std::move(id),
                                                 .summary = std::move(summary),
                                                 .tag = "health",
                                                 .responses = std::move(responses)},
                          .handler = std::move(handler)});
    };
    probe("/health", "health", "Service and model status", {{200, "Status", "Health"}}, e.health);
    probe("/livez", "livez", "Liveness: the process answers", {{200, "Alive", "Status"}}, e.livez);
    probe("/readyz", "readyz", "Readiness: model loaded and prediction log writable",
          {{200, "Ready", "Readiness"}, {503, "Not ready", "Readiness"}}, e.readyz);
    routes.push_back({
        .verb = Verb::get,
        .path = "/metrics",
        .group = RouteGroup::kOther,
        .access = Access::kApiKeyIfConfigured,
        .operation = Operation{.operation_id = "metrics",
                               .summary = "Prometheus metrics",
                               .tag = "health",
                               .responses = {{200, "Prometheus text exposition format 0.0.4", "",
                                              "text/plain; version=0.0.4"}}},
        .handler = e.metrics,
    });
    routes.push_back({
        .verb = Verb::get,
        .path = "/openapi.json",
        .group = RouteGroup::kOther,
        .operation =
            Operation{.operation_id = "openapi",
                      .summary = "This OpenAPI document",
                      .tag = "health",
                      .responses = {{200, "The OpenAPI 3.1 document", "", "application/json"},
                                    {503, "No model loaded", "Error"}}},
        .handler = e.openapi,
    });
}

}  // namespace

std::vector<Route> DeclareRoutes(const Endpoints& endpoints) {
    std::vector<Route> routes;
    DeclarePredictionRoutes(endpoints, routes);
    DeclareLogRoutes(endpoints, routes);
    DeclareMonitoringRoutes(endpoints, routes);
    DeclareInferenceRoutes(endpoints, routes);
    DeclareServiceRoutes(endpoints, routes);
    auto pages = endpoints.assets.Routes();
    routes.insert(routes.end(), std::make_move_iterator(pages.begin()),
                  std::make_move_iterator(pages.end()));
    return routes;
}

}  // namespace attrition::http
