#include "http/handlers/prediction_endpoints.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "domain/fields.hpp"
#include "http/json_text.hpp"
#include "http/log_append.hpp"
#include "http/problem.hpp"
#include "http/router.hpp"
#include "store/uuid.hpp"

namespace attrition::http::handlers {
namespace {

constexpr std::size_t kTopFeatures = 5;
// How much of a body that cannot be stored as JSON the log keeps.
constexpr std::size_t kMarkedBodyBytes = 2048;

bool IsJsonContentType(std::string_view content_type) {
    const auto semicolon = content_type.find(';');
    std::string_view media = content_type.substr(0, semicolon);
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    constexpr std::string_view kJson = "application/json";
    if (media.size() != kJson.size()) return false;
    for (std::size_t i = 0; i < media.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(media[i])) != kJson[i]) return false;
    }
    return true;
}

std::string_view QueryValue(std::string_view target, std::string_view key) {
    const auto question = target.find('?');
    if (question == std::string_view::npos) return {};
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == key) {
            return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

// The canonical features as stored in predictions.features_snapshot. Written with format_to
// into one reserved string: a batch of 100 builds 100 of these per request.
std::string FeaturesSnapshot(const domain::Employee& employee) {
    std::string out;
    out.reserve(768);
    auto sink = std::back_inserter(out);
    const auto numeric = domain::NumericFields();
    for (std::size_t i = 0; i < numeric.size(); ++i) {
        out += i == 0 ? "{\"" : ",\"";
        out += numeric[i].name;
        out += "\":";
        if (numeric[i].kind == domain::FieldKind::kInteger) {
            const fmt::format_int digits(static_cast<long long>(employee.numeric[i]));
            out.append(digits.data(), digits.size());
        } else {
            fmt::format_to(sink, "{}", employee.numeric[i]);
        }
    }
    const auto categorical = domain::CategoricalFields();
    for (std::size_t i = 0; i < categorical.size(); ++i) {
        out += ",\"";
        out += categorical[i].name;
        out += "\":";
        AppendJsonString(out, employee.categorical[i]);
    }
    out += '}';
    return out;
}

// What the log keeps of an accepted single-employee body: the validated fields in their
// canonical values (the features snapshot, with the employee_id first when there is one), never
// the client's bytes: unknown fields, padding and duplicate keys are gone.
std::string CanonicalPayload(const domain::Employee& employee, std::string_view snapshot) {
    if (!employee.employee_id) return std::string(snapshot);
    std::string out = "{\"employee_id\":";
    AppendJsonString(out, *employee.employee_id);
    out += ',';
    out.append(snapshot.substr(1));
    return out;
}

void AppendWarnings(std::string& out, const std::vector<std::string>& warnings) {
    out += "[";
    for (std::size_t i = 0; i < warnings.size(); ++i) {
        if (i > 0) out += ",";
        AppendJsonString(out, warnings[i]);
    }
    out += "]";
}

long long ElapsedMs(const RequestContext& context) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 context.received_at)
        .count();
}

double Rounded(double value, double scale) { return std::round(value * scale) / scale; }

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

PredictionEndpoints::PredictionEndpoints(const ServedModel* model,
                                         store::PredictionLog& log,
                                         const base::Clock& clock,
                                         ops::Registry& metrics,
                                         PredictionSettings settings)
    : model_(model),
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

Awaitable<Response> PredictionEndpoints::Refused(const Request& head,
                                                 const base::Error& error,
                                                 RequestContext& context) {
    Outcome outcome{ErrorResponse(head, error), {}};
    outcome.record.request_data_json = MarkedBody(base::ErrorCodeName(error.code), "", 0);
    co_return co_await LogThenReply(head, context, std::move(outcome));
}

Awaitable<Response> PredictionEndpoints::ModelInfo(const Request& request,
                                                   RequestContext& /*context*/) const {
    if (model_ == nullptr) {
        co_return ErrorResponse(
            request, base::Error::Make(base::ErrorCode::kUnavailable, "Model not loaded"));
    }
    const auto& meta = model_->predictor.Metadata();
    nlohmann::json body;
    body["model_version"] = meta.model_version;
    body["training_date"] = meta.training_date;
    auto& metrics = body["performance_metrics"];
    metrics = nlohmann::json::object();
    if (meta.cross_validation) {
        const auto& cv = meta.cross_validation->metrics;
        metrics["accuracy"] = Rounded(cv.accuracy.mean, 1000);
        metrics["precision"] = Rounded(cv.precision.mean, 1000);
        metrics["recall"] = Rounded(cv.recall.mean, 1000);
        metrics["f1_score"] = Rounded(cv.f1.mean, 1000);
        metrics["roc_auc"] = Rounded(cv.roc_auc.mean, 1000);
        metrics["pr_auc"] = Rounded(cv.pr_auc.mean, 1000);
    }
    auto& features = body["features_required"];
    features["numeric"] = nlohmann::json::array();
    features["categorical"] = nlohmann::json::array();
    for (const auto& f : domain::NumericFields()) features["numeric"].push_back(f.name);
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        features["categorical"].push_back(domain::CategoricalFields()[i].name);
    }
    body["decision_threshold"] = meta.decision_threshold;
    if (meta.threshold_f1_optimal) {
        body["f1_optimal_threshold"] = meta.threshold_f1_optimal->threshold;
    }
    body["risk_cutoffs"] = {{"low_below", meta.risk.low_below},
                            {"medium_below", meta.risk.medium_below}};
    auto& vocabulary = body["categorical_values"];
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        const auto values = model_->vocabulary.Values(i);
        vocabulary[std::string(domain::CategoricalFields()[i].name)] =
            std::vector<std::string>(values.begin(), values.end());
    }
    co_return JsonResponse(request, Status::ok, body.dump());
}

std::optional<PredictionEndpoints::Outcome> PredictionEndpoints::Precheck(
    const Request& request) const {
    if (model_ == nullptr) {
        Outcome outcome;
        outcome.record.request_data_json =
            MarkedBody("model_not_loaded", request.body(), kMarkedBodyBytes);
        outcome.response = ErrorResponse(
            request, base::Error::Make(base::ErrorCode::kUnavailable, "Model not loaded"));
        return outcome;
    }
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

store::PredictionRecord PredictionEndpoints::Record(const domain::Employee& employee,
                                                    const model::Prediction& prediction,
                                                    std::vector<std::string>& warnings) {
    warnings = model_->predictor.Warnings(employee);
    predictions_by_risk_[static_cast<std::size_t>(prediction.risk)]->Inc();
    for (const auto& warning : warnings) {
        // The warning starts with the field name.
        out_of_range_warnings_.With({warning.substr(0, warning.find(' '))}).Inc();
    }
    store::PredictionRecord record;
    record.id = store::NewUuid();
    record.prediction_date = clock_.Now();
    record.employee_id = employee.employee_id;
    record.attrition_prob = prediction.probability;
    record.risk_level = std::string(model::RiskLevelName(prediction.risk));
    record.model_version = model_->predictor.Version();
    record.features_snapshot_json = FeaturesSnapshot(employee);
    return record;
}

PredictionEndpoints::Outcome PredictionEndpoints::ScoreOne(const Request& request,
                                                           const RequestContext& context) {
    if (auto stop = Precheck(request)) return std::move(*stop);
    auto lease = parsers_->Take();
    auto employee = domain::ParseEmployee(request.body(), model_->vocabulary, *lease);
    if (!employee) return Rejected(request, employee.error());

    Outcome outcome;
    const auto prediction = model_->predictor.Predict(*employee);
    std::vector<std::string> warnings;
    outcome.record.predictions.push_back(Record(*employee, prediction, warnings));
    outcome.record.request_data_json =
        CanonicalPayload(*employee, outcome.record.predictions.back().features_snapshot_json);
    const double leave = RoundedPercent(prediction.probability);
    std::string body = fmt::format(
        "{{\"prediction\":{{\"will_leave\":{},\"probability_leave\":{:.2f},"
        "\"probability_stay\":{:.2f},\"risk_level\":\"{}\"}},\"metadata\":{{\"model_version\":",
        prediction.will_leave, leave, Rounded(100.0 - leave, 100),
        model::RiskLevelName(prediction.risk));
    AppendJsonString(body, model_->predictor.Version());
    fmt::format_to(std::back_inserter(body),
                   ",\"prediction_time_ms\":{},\"timestamp\":\"{}\",\"warnings\":",
                   ElapsedMs(context), base::FormatIso8601(clock_.Now()));
    AppendWarnings(body, warnings);
    body += "}}";
    outcome.response = JsonResponse(request, Status::ok, std::move(body));
    return outcome;
}

PredictionEndpoints::Outcome PredictionEndpoints::ScoreBatch(const Request& request,
                                                             const RequestContext& context) {
    if (auto stop = Precheck(request)) return std::move(*stop);
    auto lease = parsers_->Take();
    auto employees =
        domain::ParseBatch(request.body(), model_->vocabulary, settings_.batch_limit, *lease);
    if (!employees) return Rejected(request, employees.error());

    Outcome outcome;
    // The features of each employee are in its predictions row; the request row keeps the
    // count (as the original did) and the ids, not a second copy of up to 1 MiB.
    std::string request_data =
        fmt::format("{{\"employee_count\":{},\"employee_ids\":[", employees->size());
    request_data.reserve(64 + 16 * employees->size());
    std::string body = "{\"predictions\":[";
    body.reserve(256 + 128 * employees->size());
    const auto predictions = model_->predictor.PredictMany(*employees);
    outcome.record.predictions.reserve(employees->size());
    for (std::size_t i = 0; i < employees->size(); ++i) {
        const auto& employee = (*employees)[i];
        const auto& prediction = predictions[i];
        std::vector<std::string> warnings;
        outcome.record.predictions.push_back(Record(employee, prediction, warnings));
        if (i > 0) {
            body += ",";
            request_data += ",";
        }
        AppendJsonString(request_data, employee.employee_id.value_or(""));
        body += "{\"employee_id\":";
        AppendJsonString(body, employee.employee_id.value_or(""));
        fmt::format_to(std::back_inserter(body),
                       ",\"will_leave\":{},\"probability_leave\":{:.2f},\"risk_level\":\"{}\"",
                       prediction.will_leave, RoundedPercent(prediction.probability),
                       model::RiskLevelName(prediction.risk));
        if (!warnings.empty()) {
            body += ",\"warnings\":";
            AppendWarnings(body, warnings);
        }
        body += "}";
    }
    outcome.record.request_data_json = request_data + "]}";
    fmt::format_to(
        std::back_inserter(body),
        "],\"metadata\":{{\"total_predictions\":{},\"model_version\":", employees->size());
    AppendJsonString(body, model_->predictor.Version());
    fmt::format_to(std::back_inserter(body), ",\"prediction_time_ms\":{},\"timestamp\":\"{}\"}}}}",
                   ElapsedMs(context), base::FormatIso8601(clock_.Now()));
    outcome.response = JsonResponse(request, Status::ok, std::move(body));
    return outcome;
}

PredictionEndpoints::Outcome PredictionEndpoints::ScoreExplained(const Request& request,
                                                                 const RequestContext& context) {
    if (auto stop = Precheck(request)) return std::move(*stop);
    const std::string_view detail = QueryValue(request.target(), "detail");
    if (!detail.empty() && detail != "columns") {
        base::Error error = base::Error::Make(base::ErrorCode::kInvalidInput, "invalid query");
        error.issues.push_back({{"query", "detail"}, "Input should be 'columns'", "enum"});
        return Rejected(request, error);
    }
    auto lease = parsers_->Take();
    auto employee = domain::ParseEmployee(request.body(), model_->vocabulary, *lease);
    if (!employee) return Rejected(request, employee.error());

    Outcome outcome;
    const auto prediction = model_->predictor.Predict(*employee);
    std::vector<std::string> warnings;
    outcome.record.predictions.push_back(Record(*employee, prediction, warnings));
    outcome.record.request_data_json =
        CanonicalPayload(*employee, outcome.record.predictions.back().features_snapshot_json);
    const auto explanation = model_->predictor.Explain(*employee);

    std::string body = "{\"top_features\":[";
    const std::size_t top = std::min(kTopFeatures, explanation.features.size());
    for (std::size_t i = 0; i < top; ++i) {
        const auto& feature = explanation.features[i];
        const double value = Rounded(feature.shap_value, 1e6);
        fmt::format_to(std::back_inserter(body),
                       "{}{{\"feature\":\"{}\",\"shap_value\":{},\"impact\":\"{}\"}}",
                       i == 0 ? "" : ",", feature.feature, value,
                       value > 0 ? "increases risk" : (value < 0 ? "decreases risk" : "neutral"));
    }
    body += "]";
    if (detail == "columns") {
        body += ",\"columns\":[";
        for (std::size_t i = 0; i < explanation.columns.size(); ++i) {
            body += i == 0 ? "{\"column\":" : ",{\"column\":";
            AppendJsonString(body, explanation.columns[i].column);
            fmt::format_to(std::back_inserter(body), ",\"shap_value\":{}}}",
                           Rounded(explanation.columns[i].shap_value, 1e6));
        }
        fmt::format_to(std::back_inserter(body), "],\"base_value\":{}",
                       Rounded(explanation.base_value, 1e6));
    }
    fmt::format_to(std::back_inserter(body),
                   ",\"probability_leave\":{:.2f},\"metadata\":{{\"model_version\":",
                   RoundedPercent(prediction.probability));
    AppendJsonString(body, model_->predictor.Version());
    fmt::format_to(std::back_inserter(body),
                   ",\"explanation_time_ms\":{},\"timestamp\":\"{}\",\"warnings\":",
                   ElapsedMs(context), base::FormatIso8601(clock_.Now()));
    AppendWarnings(body, warnings);
    body += "}}";
    outcome.response = JsonResponse(request, Status::ok, std::move(body));
    return outcome;
}

Awaitable<Response> PredictionEndpoints::LogThenReply(const Request& request,
                                                      RequestContext& context,
                                                      Outcome outcome) {
    auto& record = outcome.record;
    record.id = store::NewUuid();
    record.created_at = clock_.Now();
    record.endpoint = std::string(Router::PathOf(request.target()));
    record.client_ip = client_ip_.Resolve(context.peer_ip, request["X-Forwarded-For"]);
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
