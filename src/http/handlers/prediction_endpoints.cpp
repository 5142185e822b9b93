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

// What the log keeps of an accepted single-employee body: the validated fields in their
// canonical values (the features snapshot, with the employee_id first when there is one), never
// the client's bytes: unknown fields, padding and duplicate keys are gone.
std::string CanonicalPayload(const domain::Employee& employee, std::string_view snapshot) {
    if (!employee.employee_id) return std::string(snapshot);
    std::string out;
    base::JsonWriter(out).BeginObject().Key("employee_id").String(*employee.employee_id);
    out += ',';
    out.append(snapshot.substr(1));  // the snapshot's members, after its '{'
    return out;
}

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

void WriteWarnings(base::JsonWriter& json, const std::vector<std::string>& warnings) {
    json.BeginArray();
    for (const auto& warning : warnings) json.String(warning);
    json.EndArray();
}

long long ElapsedMs(const RequestContext& context) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 context.received_at)
        .count();
}

double Rounded(double value, double scale) { return std::round(value * scale) / scale; }

// The cross-validated means, 3 decimals ({} when the artifact has none).
void WriteCvMetrics(base::JsonWriter& json, const model::ModelMetadata& meta) {
    json.BeginObject();
    if (meta.cross_validation) {
        const auto& cv = meta.cross_validation->metrics;
        json.Key("accuracy").Double(Rounded(cv.accuracy.mean, 1000));
        json.Key("precision").Double(Rounded(cv.precision.mean, 1000));
        json.Key("recall").Double(Rounded(cv.recall.mean, 1000));
        json.Key("f1_score").Double(Rounded(cv.f1.mean, 1000));
        json.Key("roc_auc").Double(Rounded(cv.roc_auc.mean, 1000));
        json.Key("pr_auc").Double(Rounded(cv.pr_auc.mean, 1000));
    }
    json.EndObject();
}

void WriteRequiredFeatures(base::JsonWriter& json) {
    json.BeginObject().Key("numeric").BeginArray();
    for (const auto& f : domain::NumericFields()) json.String(f.name);
    json.EndArray().Key("categorical").BeginArray();
    for (const auto& f : domain::CategoricalFields()) json.String(f.name);
    json.EndArray().EndObject();
}

// The optional inputs of a version: name, kind, description, accepted values, aliases and
// what an absent one is imputed with.
void WriteOptionalFeatures(base::JsonWriter& json, const model::ServedModel& model) {
    const auto& meta = model.predictor.Metadata();
    json.BeginArray();
    for (std::size_t i = 0; i < meta.encoding.optional.size(); ++i) {
        const auto& group = meta.encoding.optional[i];
        json.BeginObject().Key("name").String(group.name).Key("kind").String("categorical");
        json.Key("description").String(meta.optional_features[i].description);
        json.Key("values").BeginArray();
        for (const auto& value : group.vocabulary) json.String(value);
        json.EndArray().Key("aliases").BeginObject();
        for (const auto& [spelling, canonical] : meta.optional_features[i].aliases) {
            json.Key(spelling).String(canonical);
        }
        json.EndObject().Key("imputed_with").String(group.mode).EndObject();
    }
    json.EndArray();
}

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

// One version of the repository: its state (default, shadow, loaded, or failed with the reason)
// and, loaded, its description and what a what-if search may change.
void WriteVersion(base::JsonWriter& json,
                  const model::Repository& models,
                  const model::RepositoryVersion& version) {
    json.BeginObject().Key("name").String(version.name);
    if (!version.model) {
        json.Key("state").String("failed").Key("reason").String(version.failure).EndObject();
        return;
    }
    const auto& meta = version.model->predictor.Metadata();
    json.Key("state").String(version.name == models.default_version  ? "default"
                             : version.name == models.shadow_version ? "shadow"
                                                                     : "loaded");
    if (!version.refused.empty()) json.Key("reload_refused").String(version.refused);
    json.Key("training_date").String(meta.training_date);
    json.Key("features_required");
    WriteRequiredFeatures(json);
    json.Key("features_optional");
    WriteOptionalFeatures(json, *version.model);
    json.Key("performance_metrics");
    WriteCvMetrics(json, meta);
    json.Key("actions");
    WriteActions(json, version.model->actions);
    json.EndObject();
}

// One child per risk level, resolved once: scoring then skips the family's label lookup.
std::array<ops::Counter*, 3> RiskCounters(ops::Family<ops::Counter>& family) {
    std::array<ops::Counter*, 3> counters{};
    for (const auto risk :
         {model::RiskLevel::kLow, model::RiskLevel::kMedium, model::RiskLevel::kHigh}) {
        counters[static_cast<std::size_t>(risk)] =
            &family.With({std::string(model::RiskLevelName(risk))});
    }
    return counters;
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
                                         store::PredictionLog& log,
                                         const base::Clock& clock,
                                         ops::Registry& metrics,
                                         PredictionSettings settings)
    : models_(models),
      log_(log),
      clock_(clock),
      settings_(std::move(settings)),
      client_ip_(settings_.trusted_proxies),
      parsers_(std::make_shared<ParserPool>(settings_.json_max_depth)),
      predictions_by_risk_(RiskCounters(metrics.AddCounter(
          "attrition_predictions_total", "Employees scored, by risk level", {"risk_level"}))),
      out_of_range_warnings_(
          metrics.AddCounter("attrition_out_of_range_warnings_total",
                             "Scored values outside the range seen in training, by field",
                             {"field"})),
      imputed_inputs_(metrics.AddCounter(
          "attrition_imputed_inputs_total",
          "Optional inputs a request left out, imputed with their training mode, by feature",
          {"feature"})),
      log_failures_(metrics
                        .AddCounter("attrition_unacknowledged_total",
                                    "Predictions answered 503 because their log record could "
                                    "not be made durable")
                        .With({})),
      shadow_predictions_(metrics.AddCounter("attrition_shadow_predictions_total",
                                             "Employees scored by the shadow version (logged as "
                                             "shadow rows, never answered), by version",
                                             {"version"})) {}

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

Awaitable<Response> PredictionEndpoints::ModelInfo(const Request& request,
                                                   RequestContext& /*context*/) const {
    const auto models = models_.Current();
    const auto chosen = Choose(request, *models);
    if (!chosen) co_return ErrorResponse(request, chosen.error());
    const model::ServedModel& model = **chosen;
    const auto& meta = model.predictor.Metadata();
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject().Key("model_version").String(meta.model_version);
    json.Key("training_date").String(meta.training_date);
    json.Key("performance_metrics");
    WriteCvMetrics(json, meta);
    json.Key("features_required");
    WriteRequiredFeatures(json);
    json.Key("features_optional");
    WriteOptionalFeatures(json, model);
    json.Key("decision_threshold").Double(meta.decision_threshold);
    if (meta.threshold_f1_optimal) {
        json.Key("f1_optimal_threshold").Double(meta.threshold_f1_optimal->threshold);
    }
    json.Key("risk_cutoffs").BeginObject();
    json.Key("low_below").Double(meta.risk.low_below);
    json.Key("medium_below").Double(meta.risk.medium_below).EndObject();
    json.Key("categorical_values").BeginObject();
    for (std::size_t i = 0; i < model.vocabulary.Count(); ++i) {
        json.Key(model.vocabulary.Name(i)).BeginArray();
        for (const auto& value : model.vocabulary.Values(i)) json.String(value);
        json.EndArray();
    }
    json.EndObject().EndObject();
    co_return JsonResponse(request, Status::ok, std::move(body));
}

Awaitable<Response> PredictionEndpoints::Models(const Request& request,
                                                RequestContext& /*context*/) const {
    const auto snapshot = models_.Current();
    const model::Repository& models = *snapshot;
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject().Key("default").StringOrNull(models.default_version);
    json.Key("shadow").StringOrNull(models.shadow_version);
    json.Key("models").BeginArray();
    for (const auto& version : models.versions) WriteVersion(json, models, version);
    json.EndArray().EndObject();
    co_return JsonResponse(request, Status::ok, std::move(body));
}

Awaitable<Response> PredictionEndpoints::ModelVersion(const Request& request,
                                                      RequestContext& /*context*/) const {
    const auto snapshot = models_.Current();
    const model::Repository& models = *snapshot;
    const auto name =
        Router::PatternParameter(kModelVersionPattern, Router::PathOf(request.target()));
    const auto decoded = PercentDecode(name);
    const auto* version = decoded ? models.Find(*decoded) : nullptr;
    if (version == nullptr) {
        co_return ErrorResponse(request, base::Error::Make(base::ErrorCode::kNotFound,
                                                           "Unknown model version; available: " +
                                                               models.LoadedNames()));
    }
    std::string body;
    base::JsonWriter json(body);
    WriteVersion(json, models, *version);
    co_return JsonResponse(request, Status::ok, std::move(body));
}

base::Result<const model::ServedModel*> PredictionEndpoints::Choose(
    const Request& request, const model::Repository& models) {
    const auto query = ParseQuery(request.target());
    if (!query) return tl::unexpected(query.error());
    return serving::ResolveVersion(
        models, RequestedVersion(request, FindParameter(*query, kModelVersionParameter)));
}

std::optional<PredictionEndpoints::Outcome> PredictionEndpoints::Precheck(
    const Request& request, const model::Repository& models, const model::ServedModel*& chosen) {
    auto model = Choose(request, models);
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

store::PredictionRecord PredictionEndpoints::Record(const model::ServedModel& model,
                                                    const domain::Employee& employee,
                                                    const model::Prediction& prediction,
                                                    std::vector<std::string>& warnings) {
    warnings = model.predictor.Warnings(employee);
    predictions_by_risk_[static_cast<std::size_t>(prediction.risk)]->Inc();
    const auto imputed = model.predictor.Imputed(employee);
    // The out-of-range warnings come first, each starting with the field name.
    for (std::size_t i = 0; i + imputed.size() < warnings.size(); ++i) {
        out_of_range_warnings_.With({warnings[i].substr(0, warnings[i].find(' '))}).Inc();
    }
    for (const auto name : imputed) imputed_inputs_.With({std::string(name)}).Inc();
    return serving::PredictionRow(model.predictor.Version(), employee, prediction, clock_.Now(),
                                  serving::FeaturesSnapshot(employee));
}

void PredictionEndpoints::AddShadowRows(const model::Repository& models,
                                        const model::ServedModel& primary,
                                        std::span<const domain::Employee> employees,
                                        std::vector<store::PredictionRecord>& rows) {
    const model::ServedModel* shadow = models.Shadow();
    if (shadow == nullptr || shadow == &primary) return;
    serving::AppendShadowRows(*shadow, employees, clock_.Now(), rows);
    shadow_predictions_.With({shadow->predictor.Version()})
        .Inc(static_cast<double>(employees.size()));
}

void PredictionEndpoints::WriteMetadata(const model::ServedModel& model,
                                        base::JsonWriter& json,
                                        std::string_view time_key,
                                        long long elapsed_ms,
                                        const std::vector<std::string>& warnings) const {
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

    Outcome outcome;
    const auto prediction = model.predictor.Predict(*employee);
    std::vector<std::string> warnings;
    outcome.record.predictions.push_back(Record(model, *employee, prediction, warnings));
    outcome.record.request_data_json =
        CanonicalPayload(*employee, outcome.record.predictions.back().features_snapshot_json);
    AddShadowRows(*models, model, {&*employee, 1}, outcome.record.predictions);
    const double leave = RoundedPercent(prediction.probability);
    std::string body;
    body.reserve(256);
    base::JsonWriter json(body);
    json.BeginObject().Key("prediction").BeginObject();
    json.Key("will_leave").Bool(prediction.will_leave);
    json.Key("probability_leave").Fixed(leave, 2);
    json.Key("probability_stay").Fixed(Rounded(100.0 - leave, 100), 2);
    json.Key("risk_level").String(model::RiskLevelName(prediction.risk)).EndObject();
    WriteMetadata(model, json, "prediction_time_ms", ElapsedMs(context), warnings);
    json.EndObject();
    outcome.response = JsonResponse(request, Status::ok, std::move(body));
    return outcome;
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

    Outcome outcome;
    // The features of each employee are in its predictions row; the request row keeps the
    // count (as the original did) and the ids, not a second copy of up to 1 MiB.
    std::string& request_data = outcome.record.request_data_json;
    request_data.reserve(64 + 16 * employees->size());
    base::JsonWriter logged(request_data);
    logged.BeginObject().Key("employee_count").Uint(employees->size());
    logged.Key("employee_ids").BeginArray();
    std::string body;
    body.reserve(256 + 128 * employees->size());
    base::JsonWriter json(body);
    json.BeginObject().Key("predictions").BeginArray();
    const auto predictions = model.predictor.PredictMany(*employees);
    outcome.record.predictions.reserve(employees->size());
    for (std::size_t i = 0; i < employees->size(); ++i) {
        const auto& employee = (*employees)[i];
        const auto& prediction = predictions[i];
        std::vector<std::string> warnings;
        outcome.record.predictions.push_back(Record(model, employee, prediction, warnings));
        logged.String(employee.employee_id.value_or(""));
        json.BeginObject().Key("employee_id").String(employee.employee_id.value_or(""));
        json.Key("will_leave").Bool(prediction.will_leave);
        json.Key("probability_leave").Fixed(RoundedPercent(prediction.probability), 2);
        json.Key("risk_level").String(model::RiskLevelName(prediction.risk));
        if (!warnings.empty()) {
            json.Key("warnings");
            WriteWarnings(json, warnings);
        }
        json.EndObject();
    }
    logged.EndArray().EndObject();
    AddShadowRows(*models, model, *employees, outcome.record.predictions);
    json.EndArray().Key("metadata").BeginObject();
    json.Key("total_predictions").Uint(employees->size());
    json.Key("model_version").String(model.predictor.Version());
    json.Key("prediction_time_ms").Int(ElapsedMs(context));
    json.Key("timestamp").String(base::FormatIso8601(clock_.Now()));
    json.EndObject().EndObject();
    outcome.response = JsonResponse(request, Status::ok, std::move(body));
    return outcome;
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

    Outcome outcome;
    const auto prediction = model.predictor.Predict(*employee);
    std::vector<std::string> warnings;
    outcome.record.predictions.push_back(Record(model, *employee, prediction, warnings));
    outcome.record.request_data_json =
        CanonicalPayload(*employee, outcome.record.predictions.back().features_snapshot_json);
    AddShadowRows(*models, model, {&*employee, 1}, outcome.record.predictions);
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
    WriteMetadata(model, json, "explanation_time_ms", ElapsedMs(context), warnings);
    json.EndObject();
    outcome.response = JsonResponse(request, Status::ok, std::move(body));
    return outcome;
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
    Outcome outcome;
    std::vector<std::string> warnings;
    outcome.record.predictions.push_back(Record(model, *employee, answer.current, warnings));
    std::string& logged = outcome.record.request_data_json;
    logged = CanonicalPayload(*employee, outcome.record.predictions.back().features_snapshot_json);
    logged.pop_back();  // the payload's closing brace: the search's answer goes in the object
    logged += R"(,"what_if":)";
    base::JsonWriter log_json(logged);
    WriteWhatIfLogged(log_json, answer, *options);
    logged += '}';
    AddShadowRows(*models, model, {&*employee, 1}, outcome.record.predictions);

    std::string body;
    body.reserve(2048);
    base::JsonWriter json(body);
    json.BeginObject();
    WriteWhatIf(json, answer, model.predictor.Metadata().decision_threshold, *options);
    WriteMetadata(model, json, "what_if_time_ms", ElapsedMs(context), warnings);
    json.EndObject();
    outcome.response = JsonResponse(request, Status::ok, std::move(body));
    return outcome;
}

PredictionEndpoints::Outcome PredictionEndpoints::ScoreInfer(const Request& request) {
    const auto models = models_.Current();  // held until the answer is written
    Outcome outcome;
    // Answered {"error": ...} with the protocol's statuses: http/problem.hpp, from the path.
    const auto refuse = [&](std::string_view mark, const base::Error& error) {
        outcome.record.request_data_json = MarkedBody(mark, request.body(), kMarkedBodyBytes);
        outcome.response = ErrorResponse(request, error);
        return std::move(outcome);
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
    const auto& employees = parsed->employees;
    const auto predictions = model.predictor.PredictMany(employees);
    std::string& request_data = outcome.record.request_data_json;
    base::JsonWriter logged(request_data);
    logged.BeginObject().Key("employee_count").Uint(employees.size());
    logged.Key("employee_ids").BeginArray();
    outcome.record.predictions.reserve(employees.size());
    for (std::size_t i = 0; i < employees.size(); ++i) {
        std::vector<std::string> warnings;
        outcome.record.predictions.push_back(Record(model, employees[i], predictions[i], warnings));
        logged.String(employees[i].employee_id.value_or(""));
    }
    logged.EndArray().EndObject();
    AddShadowRows(*models, model, employees, outcome.record.predictions);

    std::string body;
    body.reserve(256 + 48 * employees.size());
    base::JsonWriter json(body);
    json.BeginObject().Key("model_name").String(kV2ModelName);
    json.Key("model_version").String(model.predictor.Version());
    if (parsed->id) json.Key("id").String(*parsed->id);
    json.Key("outputs").BeginArray();
    for (const auto& output : parsed->outputs) {
        json.BeginObject().Key("name").String(output).Key("datatype");
        json.String(output == kOutputProbability ? "FP64"
                    : output == kOutputWillLeave ? "BOOL"
                                                 : "BYTES");
        json.Key("shape").BeginArray().Uint(employees.size()).EndArray();
        json.Key("data").BeginArray();
        for (const auto& prediction : predictions) {
            if (output == kOutputProbability) {
                json.Double(prediction.probability);
            } else if (output == kOutputWillLeave) {
                json.Bool(prediction.will_leave);
            } else {
                json.String(model::RiskLevelName(prediction.risk));
            }
        }
        json.EndArray().EndObject();
    }
    json.EndArray().EndObject();
    outcome.response = JsonResponse(request, Status::ok, std::move(body));
    return outcome;
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
