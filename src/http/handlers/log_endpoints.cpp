#include "http/handlers/log_endpoints.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "base/text.hpp"
#include "domain/outcome.hpp"
#include "http/handlers/on_workers.hpp"
#include "http/problem.hpp"
#include "http/query.hpp"
#include "http/router.hpp"

namespace attrition::http::handlers {
namespace {

using base::ErrorCode;

nlohmann::json CountsJson(const store::RiskCounts& counts) {
    return {{"LOW", counts.low}, {"MEDIUM", counts.medium}, {"HIGH", counts.high}};
}

nlohmann::json VersionsJson(const std::vector<store::VersionStats>& versions) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& version : versions) {
        out.push_back({{"model_version", version.model_version},
                       {"total", version.counts.Total()},
                       {"by_risk_level", CountsJson(version.counts)},
                       {"mean_attrition_prob", version.mean_probability}});
    }
    return out;
}

// Adds the issue of a bad history query parameter, at loc ["query", name].
void AddHistoryIssue(std::vector<base::FieldIssue>& issues,
                     std::string_view name,
                     std::string msg,
                     std::string type) {
    issues.push_back({{"query", std::string(name)}, std::move(msg), std::move(type)});
}

// Reads employee_id, risk_level, include_shadow or x_request_id (or adds its issue); else false.
bool ReadHistoryFilter(const QueryParameter& parameter,
                       store::HistoryQuery& query,
                       std::vector<base::FieldIssue>& issues) {
    const auto& [name, value] = parameter;
    if (name == "employee_id") {
        if (base::CheckEmployeeId(value) != base::EmployeeIdProblem::kNone) {
            AddHistoryIssue(
                issues, name,
                fmt::format("String should have 1 to {} characters", base::kMaxEmployeeIdChars),
                "string_length");
        } else {
            query.employee_id = value;
        }
    } else if (name == "risk_level") {
        if (value != "LOW" && value != "MEDIUM" && value != "HIGH") {
            AddHistoryIssue(issues, name, "Input should be 'LOW', 'MEDIUM' or 'HIGH'", "enum");
        } else {
            query.risk_level = value;
        }
    } else if (name == "include_shadow") {
        if (value != "true" && value != "false") {
            AddHistoryIssue(issues, name, "Input should be 'true' or 'false'", "bool_parsing");
        } else {
            query.include_shadow = value == "true";
        }
    } else if (name == "x_request_id") {
        if (!IsValidRequestId(value)) {
            AddHistoryIssue(
                issues, name,
                fmt::format("Input should be an X-Request-ID: 1 to {} of A-Z a-z 0-9 . _ -",
                            kMaxRequestIdChars),
                "string_pattern_mismatch");
        } else {
            query.x_request_id = value;
        }
    } else {
        return false;
    }
    return true;
}

// Reads since, until, limit or cursor into query (or adds its issue); false for another name.
bool ReadHistoryRange(const QueryParameter& parameter,
                      store::HistoryQuery& query,
                      std::vector<base::FieldIssue>& issues) {
    const auto& [name, value] = parameter;
    if (name == "since" || name == "until") {
        const auto time = base::ParseIso8601(value);
        if (!time) {
            AddHistoryIssue(issues, name, std::string(kTimeParameterMessage), "datetime_parsing");
        } else {
            (name == "since" ? query.since : query.until) = *time;
        }
    } else if (name == "limit") {
        const auto limit = ParseQueryInt(value);
        if (!limit || *limit < 1 || *limit > static_cast<int>(store::kMaxHistoryLimit)) {
            AddHistoryIssue(
                issues, name,
                fmt::format("Input should be an integer from 1 to {}", store::kMaxHistoryLimit),
                "int_range");
        } else {
            query.limit = static_cast<std::size_t>(*limit);
        }
    } else if (name == "cursor") {
        auto cursor = store::DecodeCursor(value);
        if (!cursor) {
            AddHistoryIssue(issues, name,
                            "Input should be a next_cursor value returned by this endpoint",
                            "value_error");
        } else {
            query.after = std::move(*cursor);
        }
    } else {
        return false;
    }
    return true;
}

}  // namespace

base::Result<store::HistoryQuery> ParseHistoryQuery(std::string_view target) {
    store::HistoryQuery query;
    base::Error error = base::Error::Make(ErrorCode::kInvalidInput, "invalid query");
    auto parameters = ParseQuery(target);
    if (!parameters) return tl::unexpected(std::move(parameters.error()));
    for (const auto& parameter : *parameters) {
        if (!ReadHistoryFilter(parameter, query, error.issues) &&
            !ReadHistoryRange(parameter, query, error.issues)) {
            AddHistoryIssue(error.issues, parameter.name, "Unknown query parameter",
                            "extra_forbidden");
        }
    }
    if (!error.issues.empty()) return tl::unexpected(std::move(error));
    return query;
}

// A small pool for the blocking store calls, so that the event loop threads never wait on the
// database.
struct LogEndpoints::Workers {
    net::thread_pool pool{2};
    ~Workers() { pool.join(); }
};

LogEndpoints::LogEndpoints(store::Database* database,
                           const base::Clock& clock,
                           std::size_t json_max_depth)
    : database_(database),
      clock_(clock),
      json_max_depth_(json_max_depth),
      workers_(std::make_unique<Workers>()) {}

LogEndpoints::~LogEndpoints() = default;

base::Error StoreFailure(std::string_view call, const base::Error& error) {
    spdlog::warn("msg=\"log read failed\" call={} code={} detail=\"{}\"", call,
                 base::ErrorCodeName(error.code), error.message);
    switch (error.code) {
        case ErrorCode::kUnavailable:
        case ErrorCode::kOverloaded:
        case ErrorCode::kIo:
            return base::Error::Make(ErrorCode::kUnavailable,
                                     "The prediction log is unavailable; retry later");
        default:
            return base::Error::Make(ErrorCode::kInternal, "Internal Server Error");
    }
}

base::Error LogOff() {
    return base::Error::Make(ErrorCode::kUnavailable,
                             "The prediction log is off (OC5_DATABASE_URL=none)");
}

Awaitable<Response> LogEndpoints::History(const Request& request, RequestContext& /*context*/) {
    if (database_ == nullptr) co_return ErrorResponse(request, LogOff());
    auto query = ParseHistoryQuery(request.target());
    if (!query) co_return ErrorResponse(request, query.error());
    std::function<base::Result<store::HistoryPage>()> call = [this, filters = *query] {
        return store::ReadHistory(*database_, filters);
    };
    auto page = co_await OnWorkers(workers_->pool, std::move(call));
    if (!page) co_return ErrorResponse(request, StoreFailure("history", page.error()));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& row : page->rows) {
        items.push_back({{"id", row.id},
                         {"request_id", row.request_id},
                         {"created_at", row.created_at},
                         {"prediction_date", row.prediction_date},
                         {"employee_id", row.employee_id ? nlohmann::json(*row.employee_id)
                                                         : nlohmann::json(nullptr)},
                         {"attrition_prob", row.attrition_prob},
                         {"risk_level", row.risk_level},
                         {"model_version", row.model_version},
                         {"endpoint", row.endpoint},
                         {"shadow", row.shadow},
                         {"x_request_id", row.x_request_id ? nlohmann::json(*row.x_request_id)
                                                           : nlohmann::json(nullptr)}});
    }
    nlohmann::json body{
        {"items", std::move(items)},
        {"limit", query->limit},
        {"next_cursor",
         page->next ? nlohmann::json(store::EncodeCursor(*page->next)) : nlohmann::json(nullptr)}};
    co_return JsonResponse(request, Status::ok, body.dump());
}

Awaitable<Response> LogEndpoints::Stats(const Request& request, RequestContext& /*context*/) {
    if (database_ == nullptr) co_return ErrorResponse(request, LogOff());
    int days = 30;
    auto parameters = ParseQuery(request.target());
    if (!parameters) co_return ErrorResponse(request, parameters.error());
    for (const auto& [name, value] : *parameters) {
        if (name == "days") {
            const auto parsed = ParseQueryInt(value);
            if (!parsed || *parsed < 1 || *parsed > kMaxStatsDays) {
                co_return ErrorResponse(
                    request,
                    QueryIssue(
                        name, fmt::format("Input should be an integer from 1 to {}", kMaxStatsDays),
                        "int_range"));
            }
            days = *parsed;
        } else {
            co_return ErrorResponse(request,
                                    QueryIssue(name, "Unknown query parameter", "extra_forbidden"));
        }
    }
    // The window is whole UTC days: today and the days-1 before it.
    const auto today = std::chrono::floor<std::chrono::days>(clock_.Now());
    const base::SystemTime since = today - std::chrono::days(days - 1);
    std::function<base::Result<store::PredictionStats>()> call = [this, since] {
        return store::ReadStats(*database_, since);
    };
    auto stats = co_await OnWorkers(workers_->pool, std::move(call));
    if (!stats) co_return ErrorResponse(request, StoreFailure("stats", stats.error()));
    nlohmann::json per_day = nlohmann::json::array();
    for (const auto& day : stats->days) {
        per_day.push_back({{"date", day.date},
                           {"total", day.counts.Total()},
                           {"by_risk_level", CountsJson(day.counts)},
                           {"mean_attrition_prob", day.mean_probability},
                           {"by_model_version", VersionsJson(day.versions)}});
    }
    nlohmann::json body{{"days", days},
                        {"since", stats->since},
                        {"total", stats->counts.Total()},
                        {"by_risk_level", CountsJson(stats->counts)},
                        {"mean_attrition_prob", stats->mean_probability},
                        {"by_model_version", VersionsJson(stats->versions)},
                        {"per_day", std::move(per_day)}};
    co_return JsonResponse(request, Status::ok, body.dump());
}

Awaitable<Response> LogEndpoints::Erase(const Request& request, RequestContext& /*context*/) {
    if (database_ == nullptr) co_return ErrorResponse(request, LogOff());
    const auto encoded =
        Router::PatternParameter(kErasurePattern, Router::PathOf(request.target()));
    const auto employee_id = PercentDecode(encoded);
    if (!employee_id || base::CheckEmployeeId(*employee_id) != base::EmployeeIdProblem::kNone) {
        base::Error error = base::Error::Make(ErrorCode::kInvalidInput, "invalid path");
        error.issues.push_back({{"path", "employee_id"},
                                fmt::format("String should be 1 to {} characters of "
                                            "percent-encoded UTF-8",
                                            base::kMaxEmployeeIdChars),
                                "string_length"});
        co_return ErrorResponse(request, error);
    }
    std::function<base::Result<store::ErasureResult>()> call = [this, id = *employee_id] {
        return store::EraseEmployee(*database_, id);
    };
    auto erased = co_await OnWorkers(workers_->pool, std::move(call));
    if (!erased) co_return ErrorResponse(request, StoreFailure("erasure", erased.error()));
    const nlohmann::json body{{"employee_id", *employee_id},
                              {"predictions_deleted", erased->predictions_deleted},
                              {"requests_deleted", erased->requests_deleted},
                              {"requests_redacted", erased->requests_redacted},
                              {"outcomes_deleted", erased->outcomes_deleted}};
    co_return JsonResponse(request, Status::ok, body.dump());
}

Awaitable<Response> LogEndpoints::Outcomes(const Request& request, RequestContext& /*context*/) {
    if (database_ == nullptr) co_return ErrorResponse(request, LogOff());
    if (!IsJsonContentType(request[bhttp::field::content_type])) {
        co_return ErrorResponse(request,
                                base::Error::Make(ErrorCode::kUnsupportedMediaType,
                                                  "Content-Type must be application/json"));
    }
    auto outcomes = ParseOutcomes(request.body(), domain::UtcDay(clock_.Now()), json_max_depth_);
    if (!outcomes) co_return ErrorResponse(request, outcomes.error());
    std::function<base::Result<store::OutcomeCounts>()> call = [this, list = std::move(*outcomes)] {
        return store::RecordOutcomes(*database_, list);
    };
    auto stored = co_await OnWorkers(workers_->pool, std::move(call));
    if (!stored) co_return ErrorResponse(request, StoreFailure("outcomes", stored.error()));
    const nlohmann::json body{{"accepted", stored->accepted}, {"duplicates", stored->duplicates}};
    co_return JsonResponse(request, Status::ok, body.dump());
}

}  // namespace attrition::http::handlers
