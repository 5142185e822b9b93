#include "http/handlers/monitoring_endpoints.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "http/handlers/log_endpoints.hpp"
#include "http/handlers/model_version.hpp"
#include "http/handlers/on_workers.hpp"
#include "http/problem.hpp"
#include "http/query.hpp"
#include "model/distributions.hpp"
#include "model/fairness.hpp"
#include "model/repository.hpp"
#include "monitoring/estimated.hpp"
#include "monitoring/evaluation.hpp"
#include "monitoring/realized.hpp"
#include "serving/version.hpp"

namespace attrition::http::handlers {
namespace {

using base::ErrorCode;
using Json = nlohmann::json;

Json MeanStdJson(const model::MeanStd& value) { return {{"mean", value.mean}, {"std", value.std}}; }

// The version's cross-validated figures, beside the live ones (null when it has none).
Json CrossValidationJson(const model::ModelMetadata& meta) {
    if (!meta.cross_validation) return nullptr;
    const auto& cv = meta.cross_validation->metrics;
    Json calibration = Json::array();
    for (const auto& bin : meta.calibration) {
        calibration.push_back({{"mean_predicted", bin.mean_predicted},
                               {"observed_rate", bin.observed_rate},
                               {"n", bin.count}});
    }
    return {{"folds", meta.cross_validation->folds}, {"roc_auc", MeanStdJson(cv.roc_auc)},
            {"pr_auc", MeanStdJson(cv.pr_auc)},      {"precision", MeanStdJson(cv.precision)},
            {"recall", MeanStdJson(cv.recall)},      {"f1_score", MeanStdJson(cv.f1)},
            {"accuracy", MeanStdJson(cv.accuracy)},  {"calibration", std::move(calibration)}};
}

// A version to evaluate: the repository snapshot that keeps it alive and its metadata.
struct Chosen {
    std::shared_ptr<const model::Repository> models;
    const model::ModelMetadata* metadata = nullptr;
};

// The version the request names (its X-Model-Version header, else the model_version parameter)
// or the default, as serving::ResolveVersion chooses for every route.
base::Result<Chosen> ChooseVersion(const model::Catalog& catalog,
                                   const Request& request,
                                   const std::optional<std::string>& from_query) {
    Chosen chosen{catalog.Current()};
    const auto model =
        serving::ResolveVersion(*chosen.models, RequestedVersion(request, from_query));
    if (!model) return tl::unexpected(model.error());
    chosen.metadata = &(*model)->predictor.Metadata();
    return chosen;
}

Json TimeOrNull(const std::optional<base::SystemTime>& time) {
    return time ? Json(base::FormatIso8601(*time)) : Json(nullptr);
}

Json OrNull(const std::optional<double>& value) { return value ? Json(*value) : Json(nullptr); }

Json IntervalOrNull(const std::optional<std::pair<double, double>>& interval) {
    return interval ? Json::array({interval->first, interval->second}) : Json(nullptr);
}

Json FairnessJson(const std::vector<model::AttributeFairness>& table) {
    Json attributes = Json::array();
    for (const auto& attribute : table) {
        Json groups = Json::array();
        for (const auto& g : attribute.groups) {
            const auto intervals = monitoring::IntervalsOf(g);
            groups.push_back({{"group", g.group},
                              {"n", g.n},
                              {"flagged", g.flagged},
                              {"selection_rate", g.selection_rate},
                              {"mean_predicted", g.mean_predicted},
                              {"resolved", g.resolved},
                              {"positives", g.positives},
                              {"observed_rate", OrNull(g.observed_rate)},
                              {"tpr", OrNull(g.tpr)},
                              {"fpr", OrNull(g.fpr)},
                              {"precision", OrNull(g.precision)},
                              {"intervals",
                               {{"selection_rate", IntervalOrNull(intervals.selection_rate)},
                                {"observed_rate", IntervalOrNull(intervals.observed_rate)},
                                {"tpr", IntervalOrNull(intervals.tpr)},
                                {"fpr", IntervalOrNull(intervals.fpr)},
                                {"precision", IntervalOrNull(intervals.precision)}}}});
        }
        attributes.push_back({{"attribute", attribute.attribute},
                              {"groups", std::move(groups)},
                              {"selection_rate_ratio", OrNull(attribute.selection_rate_ratio)},
                              {"below_four_fifths", attribute.below_four_fifths},
                              {"tpr_difference", OrNull(attribute.tpr_difference)}});
    }
    return attributes;
}

Json FigureJson(const monitoring::Figure& figure) {
    return {{"value", OrNull(figure.value)},
            {"n", figure.n},
            {"interval", IntervalOrNull(figure.interval)},
            {"reason", figure.reason.empty() ? Json(nullptr) : Json(figure.reason)}};
}

// The estimate (issue 29): the summary the contract names, and each figure in detail.
Json EstimatedJson(const monitoring::Estimated& estimated) {
    const std::pair<const char*, const monitoring::Figure*> figures[] = {
        {"roc_auc", &estimated.roc_auc},
        {"precision", &estimated.precision},
        {"recall", &estimated.recall},
        {"f1_score", &estimated.f1_score}};
    Json body{{"n", estimated.n},
              {"calibration", estimated.calibration},
              {"expected_positives",
               estimated.n > 0 ? Json(estimated.expected_positives) : Json(nullptr)}};
    Json details = Json::object();
    for (const auto& [name, figure] : figures) {
        body[name] = OrNull(figure->value);
        details[name] = FigureJson(*figure);
    }
    body["roc_auc_interval"] = details["roc_auc"]["interval"];
    body["figures"] = std::move(details);
    return body;
}

Json DriftJson(const model::FeatureDrift& drift) {
    const bool some = drift.n > 0;
    Json entry{{"name", drift.name},
               {"kind", drift.numeric ? "numeric" : "categorical"},
               {"n", drift.n},
               {"psi", some ? Json(drift.psi) : Json(nullptr)},
               {"level", some ? Json(model::DriftLevelName(drift.level)) : Json(nullptr)},
               {"chance_bound", some ? Json(drift.chance_bound) : Json(nullptr)},
               {"beyond_chance", some ? Json(drift.beyond_chance) : Json(nullptr)},
               {"significant", drift.Significant()}};
    if (drift.numeric) entry["ks"] = some ? Json(drift.ks) : Json(nullptr);
    Json bins = Json::array();
    for (const auto& bin : drift.bins) {
        Json item{{"training_share", bin.training_share},
                  {"live_share", bin.live_share},
                  {"contribution", bin.contribution}};
        if (drift.numeric) {
            item["lower"] = bin.lower ? Json(*bin.lower) : Json(nullptr);
            item["upper"] = bin.upper ? Json(*bin.upper) : Json(nullptr);
        } else {
            item["value"] = bin.value;
        }
        bins.push_back(std::move(item));
    }
    entry["bins"] = std::move(bins);
    return entry;
}

}  // namespace

base::Result<PerformanceParameters> ParsePerformanceQuery(std::string_view target) {
    PerformanceParameters parameters;
    base::Error error = base::Error::Make(ErrorCode::kInvalidInput, "invalid query");
    const auto issue = [&error](std::string_view name, std::string msg, std::string type) {
        error.issues.push_back({{"query", std::string(name)}, std::move(msg), std::move(type)});
    };
    auto query = ParseQuery(target);
    if (!query) return tl::unexpected(std::move(query.error()));
    for (const auto& [name, value] : *query) {
        if (name == "model_version") {
            if (value.empty() || value.size() > model::kMaxVersionChars) {
                issue(name,
                      fmt::format("String should have 1 to {} characters", model::kMaxVersionChars),
                      "string_length");
            } else {
                parameters.model_version = value;
            }
        } else if (name == "since" || name == "until") {
            const auto time = base::ParseIso8601(value);
            if (!time) {
                issue(name, std::string(kTimeParameterMessage), "datetime_parsing");
            } else {
                (name == "since" ? parameters.since : parameters.until) = *time;
            }
        } else if (name == "horizon_days") {
            const auto days = ParseQueryInt(value);
            if (!days || *days < 0 || *days > store::kMaxHorizonDays) {
                issue(
                    name,
                    fmt::format("Input should be an integer from 0 to {}", store::kMaxHorizonDays),
                    "int_range");
            } else {
                parameters.horizon_days = *days;
            }
        } else {
            issue(name, "Unknown query parameter", "extra_forbidden");
        }
    }
    if (parameters.since && parameters.until && *parameters.until <= *parameters.since) {
        issue("until", "Input should be later than since", "value_error");
    }
    if (!error.issues.empty()) return tl::unexpected(std::move(error));
    return parameters;
}

base::Result<DriftParameters> ParseDriftQuery(std::string_view target) {
    DriftParameters parameters;
    base::Error error = base::Error::Make(ErrorCode::kInvalidInput, "invalid query");
    auto query = ParseQuery(target);
    if (!query) return tl::unexpected(std::move(query.error()));
    for (const auto& [name, value] : *query) {
        if (name == "model_version") {
            if (value.empty() || value.size() > model::kMaxVersionChars) {
                error.issues.push_back(
                    {{"query", name},
                     fmt::format("String should have 1 to {} characters", model::kMaxVersionChars),
                     "string_length"});
            } else {
                parameters.model_version = value;
            }
        } else if (name == "days") {
            const auto days = ParseQueryInt(value);
            if (!days || *days < 1 || *days > kMaxStatsDays) {
                error.issues.push_back(
                    {{"query", name},
                     fmt::format("Input should be an integer from 1 to {}", kMaxStatsDays),
                     "int_range"});
            } else {
                parameters.days = *days;
            }
        } else {
            error.issues.push_back({{"query", name}, "Unknown query parameter", "extra_forbidden"});
        }
    }
    if (!error.issues.empty()) return tl::unexpected(std::move(error));
    return parameters;
}

// One thread: a monitoring query scans its window, and two at once would only share the cores.
struct MonitoringEndpoints::Workers {
    net::thread_pool pool{1};
    ~Workers() { pool.join(); }
};

MonitoringEndpoints::MonitoringEndpoints(store::Database* database,
                                         const model::Catalog& models,
                                         const base::Clock& clock)
    : database_(database), models_(models), clock_(clock), workers_(std::make_unique<Workers>()) {}

MonitoringEndpoints::~MonitoringEndpoints() = default;

Awaitable<Response> MonitoringEndpoints::Performance(const Request& request,
                                                     RequestContext& /*context*/) {
    if (database_ == nullptr) co_return ErrorResponse(request, LogOff());
    auto parameters = ParsePerformanceQuery(request.target());
    if (!parameters) co_return ErrorResponse(request, parameters.error());
    const auto chosen = ChooseVersion(models_, request, parameters->model_version);
    if (!chosen) co_return ErrorResponse(request, chosen.error());
    const auto& meta = *chosen->metadata;
    const auto query = monitoring::LabelledQuery(
        meta, {parameters->since, parameters->until, parameters->horizon_days}, clock_.Now());
    const auto scores = monitoring::EstimateQuery(
        meta, {parameters->since, parameters->until, parameters->horizon_days});
    using Read = std::pair<store::LivePerformance, std::vector<store::ScoreBin>>;
    std::function<base::Result<Read>()> call = [this, query, scores]() -> base::Result<Read> {
        auto live = store::ReadLivePerformance(*database_, query);
        if (!live) return tl::unexpected(live.error());
        auto bins = store::ReadScoreBins(*database_, scores);
        if (!bins) return tl::unexpected(bins.error());
        return Read{std::move(*live), std::move(*bins)};
    };
    auto read = co_await OnWorkers(workers_->pool, std::move(call));
    if (!read) co_return ErrorResponse(request, StoreFailure("performance", read.error()));
    const auto& live = read->first;
    Json calibration = Json::array();
    for (const auto& decile : live.deciles) {
        calibration.push_back(
            {{"decile", decile.decile + 1},
             {"mean_predicted", decile.sum_predicted / static_cast<double>(decile.n)},
             {"observed_rate",
              static_cast<double>(decile.positives) / static_cast<double>(decile.n)},
             {"n", decile.n}});
    }
    const auto realized = monitoring::Judge(live);
    const std::pair<const char*, const monitoring::Figure*> figures[] = {
        {"roc_auc", &realized.roc_auc},     {"pr_auc", &realized.pr_auc},
        {"precision", &realized.precision}, {"recall", &realized.recall},
        {"f1_score", &realized.f1_score},   {"brier", &realized.brier}};
    Json body{{"model_version", meta.model_version},
              {"since", TimeOrNull(query.since)},
              {"until", TimeOrNull(query.until)},
              {"horizon_days", query.horizon_days},
              {"as_of", base::FormatIso8601(query.as_of).substr(0, 10)},
              {"decision_threshold", query.threshold},
              {"resolved", live.resolved},
              {"unresolved", live.unresolved},
              {"not_yet_due", live.young},
              {"early_departures", live.early_departures},
              {"positives", live.positives},
              {"min_per_class", monitoring::kMinPerClass}};
    Json details = Json::object();
    for (const auto& [name, figure] : figures) {
        body[name] = OrNull(figure->value);
        details[name] = FigureJson(*figure);
    }
    body["realized"] = std::move(details);
    body["estimated"] = EstimatedJson(monitoring::Estimate(read->second, meta.calibrator));
    body["calibration"] = std::move(calibration);
    body["cross_validation"] = CrossValidationJson(meta);
    co_return JsonResponse(request, Status::ok, body.dump());
}

Awaitable<Response> MonitoringEndpoints::Drift(const Request& request,
                                               RequestContext& /*context*/) {
    if (database_ == nullptr) co_return ErrorResponse(request, LogOff());
    auto parameters = ParseDriftQuery(request.target());
    if (!parameters) co_return ErrorResponse(request, parameters.error());
    const auto chosen = ChooseVersion(models_, request, parameters->model_version);
    if (!chosen) co_return ErrorResponse(request, chosen.error());
    const auto& meta = *chosen->metadata;
    if (!meta.distributions) {
        co_return ErrorResponse(
            request, base::Error::Make(base::ErrorCode::kConflict,
                                       "This version's artifact holds no training distributions "
                                       "(trained before they were kept): retrain it"));
    }
    const auto query = monitoring::DriftWindow(meta, parameters->days, clock_.Now());
    std::function<base::Result<store::DriftSample>()> call = [this, query] {
        return store::ReadDriftSample(*database_, query);
    };
    auto sample = co_await OnWorkers(workers_->pool, std::move(call));
    if (!sample) co_return ErrorResponse(request, StoreFailure("drift", sample.error()));
    const auto window_rows = sample->window_rows;
    const auto sampled_rows = sample->sampled_rows;
    const auto comparison = monitoring::CompareDrift(meta, std::move(*sample));
    Json features = Json::array();
    for (const auto& drift : comparison.features) features.push_back(DriftJson(drift));
    const Json prediction =
        comparison.prediction ? DriftJson(*comparison.prediction) : Json(nullptr);
    const Json body{{"model_version", meta.model_version},
                    {"days", parameters->days},
                    {"since", base::FormatIso8601(query.since)},
                    {"rows", window_rows},
                    {"sampled_rows", sampled_rows},
                    {"thresholds",
                     {{"moderate", model::kPsiModerate}, {"significant", model::kPsiSignificant}}},
                    {"training_rows", meta.training_rows},
                    {"chance_bound_method",
                     "95th percentile of chi-square(bins - 1) (Wilson-Hilferty) x (1/n + "
                     "1/training_rows): the PSI sampling alone reaches; significant: level "
                     "significant and psi above it"},
                    {"features", std::move(features)},
                    {"prediction", prediction}};
    co_return JsonResponse(request, Status::ok, body.dump());
}

Awaitable<Response> MonitoringEndpoints::Fairness(const Request& request,
                                                  RequestContext& /*context*/) {
    if (database_ == nullptr) co_return ErrorResponse(request, LogOff());
    auto parameters = ParsePerformanceQuery(request.target());
    if (!parameters) co_return ErrorResponse(request, parameters.error());
    const auto chosen = ChooseVersion(models_, request, parameters->model_version);
    if (!chosen) co_return ErrorResponse(request, chosen.error());
    const auto& meta = *chosen->metadata;
    const auto query = monitoring::LabelledQuery(
        meta, {parameters->since, parameters->until, parameters->horizon_days}, clock_.Now());
    std::function<base::Result<std::vector<store::FairnessGroupRow>>()> call = [this, query] {
        return store::ReadFairnessGroups(*database_, query);
    };
    auto rows = co_await OnWorkers(workers_->pool, std::move(call));
    if (!rows) co_return ErrorResponse(request, StoreFailure("fairness", rows.error()));
    const Json body{{"model_version", meta.model_version},
                    {"since", TimeOrNull(query.since)},
                    {"until", TimeOrNull(query.until)},
                    {"horizon_days", query.horizon_days},
                    {"decision_threshold", query.threshold},
                    {"four_fifths", model::kFourFifths},
                    {"live", FairnessJson(monitoring::LiveFairness(std::move(*rows)))},
                    {"training", meta.fairness.empty()
                                     ? Json(nullptr)
                                     : FairnessJson(model::SummarizeFairness(meta.fairness))}};
    co_return JsonResponse(request, Status::ok, body.dump());
}

Awaitable<Response> MonitoringEndpoints::Refresh(const Request& request,
                                                 RequestContext& /*context*/) {
    if (!refresh_) {
        co_return ErrorResponse(request, base::Error::Make(base::ErrorCode::kConflict,
                                                           "The monitoring job is off (no log "
                                                           "database, or OC5_MONITORING_TIME=off): "
                                                           "nothing to refresh"));
    }
    const bool queued = refresh_("POST /api/v1/monitoring/refresh");
    const Json body{{"refresh", queued ? "queued" : "already_queued"}};
    co_return JsonResponse(request, Status::accepted, body.dump());
}

}  // namespace attrition::http::handlers
