#include "app/serve_command.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>

#include "base/clock.hpp"
#include "domain/vocabulary.hpp"
#include "http/handlers/health.hpp"
#include "http/handlers/prediction_endpoints.hpp"
#include "http/openapi.hpp"
#include "http/problem.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/static_assets.hpp"
#include "model/predictor.hpp"
#include "ops/logging.hpp"
#include "ops/metrics.hpp"
#include "store/prediction_log.hpp"

namespace attrition::app {
namespace {

// The model is optional at startup: without it the service runs, /health says unhealthy and
// the prediction endpoints answer 503, so an operator can see what is wrong.
std::unique_ptr<http::handlers::ServedModel> LoadModel(const std::string& model_dir) {
    auto predictor = model::Predictor::Load(model_dir);
    if (!predictor) {
        spdlog::error("msg=\"model not loaded\" dir={} reason={}", ops::LogValue(model_dir),
                      ops::LogValue(predictor.error().message));
        return nullptr;
    }
    auto vocabulary = domain::Vocabulary::Make(predictor->Metadata().encoding.vocabulary);
    if (!vocabulary) {
        spdlog::error("msg=\"model vocabulary rejected\" reason={}",
                      ops::LogValue(vocabulary.error().message));
        return nullptr;
    }
    spdlog::info("msg=\"model loaded\" version={} columns={}", predictor->Version(),
                 predictor->Metadata().encoding.ColumnCount());
    return std::make_unique<http::handlers::ServedModel>(
        http::handlers::ServedModel{std::move(*predictor), std::move(*vocabulary)});
}

// HTTP metrics: requests by route and status, latency by route. Unknown paths share one
// label so that scanners cannot blow up the series count.
void ObserveHttp(http::Server& server, const http::Router& router, ops::Registry& registry) {
    auto& requests = registry.AddCounter("attrition_http_requests_total",
                                         "HTTP requests by route and status", {"route", "status"});
    auto& latency = registry.AddHistogram("attrition_http_request_duration_seconds",
                                          "Time from request read to response ready, by route",
                                          {"route"}, ops::LatencyBuckets());
    server.SetResponseObserver([&router, &requests, &latency](const http::Request& request,
                                                              const http::Response& response,
                                                              std::chrono::nanoseconds elapsed) {
        const auto path = http::Router::PathOf(request.target());
        const std::string route = router.Has(path) ? std::string(path) : "unmatched";
        requests.With({route, std::to_string(response.result_int())}).Inc();
        latency.With({route}).Observe(std::chrono::duration<double>(elapsed).count());
    });
}

store::QueryObserver ObserveQueries(ops::Registry& registry, int slow_query_ms) {
    auto& latency = registry.AddHistogram("attrition_db_query_duration_seconds",
                                          "Database statement latency, by statement", {"statement"},
                                          ops::LatencyBuckets());
    auto& slow = registry.AddCounter("attrition_db_slow_queries_total",
                                     "Statements slower than OC5_SLOW_QUERY_MS", {"statement"});
    return [&latency, &slow, slow_query_ms](std::string_view statement,
                                            std::chrono::microseconds duration) {
        const std::string name(statement);
        latency.With({name}).Observe(std::chrono::duration<double>(duration).count());
        if (duration.count() >= static_cast<long long>(slow_query_ms) * 1000) {
            slow.With({name}).Inc();
            spdlog::warn("msg=\"slow query\" statement={} duration_ms={:.3f} threshold_ms={}", name,
                         duration.count() / 1000.0, slow_query_ms);
        }
    };
}

void ObserveLog(ops::Registry& registry, const store::PredictionLog& log) {
    struct Gauges {
        ops::Gauge& queue_depth;
        ops::Gauge& queue_capacity;
        ops::Gauge& spool_bytes;
        ops::Gauge& spool_records;
        ops::Gauge& spool_age;
        ops::Gauge& reachable;
        ops::Gauge& rows_written;
        ops::Gauge& predictions_written;
        ops::Gauge& write_errors;
        ops::Gauge& spooled;
        ops::Gauge& replayed;
        ops::Gauge& rejected;
    };
    auto gauge = [&registry](const char* name, const char* help) -> ops::Gauge& {
        return registry.AddGauge(name, help).With({});
    };
    auto gauges = std::make_shared<Gauges>(Gauges{
        gauge("attrition_log_queue_depth", "Records waiting for the log writer"),
        gauge("attrition_log_queue_capacity", "Capacity of the log writer queue"),
        gauge("attrition_log_spool_bytes", "Bytes in the local spool awaiting replay"),
        gauge("attrition_log_spool_records", "Records in the local spool awaiting replay"),
        gauge("attrition_log_spool_oldest_age_seconds", "Age of the oldest spooled record"),
        gauge("attrition_log_database_up", "1 when the log database is reachable"),
        gauge("attrition_log_rows_written_total", "api_requests rows committed"),
        gauge("attrition_log_predictions_written_total", "predictions rows committed"),
        gauge("attrition_log_write_errors_total", "Failed database batches and spool writes"),
        gauge("attrition_log_records_spooled_total", "Records acknowledged through the spool"),
        gauge("attrition_log_records_replayed_total", "Records replayed from the spool"),
        gauge("attrition_log_records_rejected_total", "Records refused (queue or spool full)"),
    });
    registry.AddCollector([&log, gauges] {
        const auto status = log.Status();
        gauges->queue_depth.Set(static_cast<double>(status.queue_depth));
        gauges->queue_capacity.Set(static_cast<double>(status.queue_capacity));
        gauges->spool_bytes.Set(static_cast<double>(status.spool_bytes));
        gauges->spool_records.Set(static_cast<double>(status.spool_records));
        gauges->spool_age.Set(
            status.spool_oldest_age ? static_cast<double>(status.spool_oldest_age->count()) : 0);
        gauges->reachable.Set(status.database_reachable ? 1 : 0);
        gauges->rows_written.Set(static_cast<double>(status.rows_written));
        gauges->predictions_written.Set(static_cast<double>(status.predictions_written));
        gauges->write_errors.Set(static_cast<double>(status.write_errors));
        gauges->spooled.Set(static_cast<double>(status.records_spooled));
        gauges->replayed.Set(static_cast<double>(status.records_replayed));
        gauges->rejected.Set(
            static_cast<double>(status.rejected_overloaded + status.rejected_spool_full));
    });
}

}  // namespace

int RunServe(const ServeConfig& config, const char* version) {
    const base::SystemClock clock;
    ops::Registry metrics;

    const auto served_model = LoadModel(config.model_dir);

    store::LogOptions log_options;
    log_options.spool_dir = config.spool_dir;
    log_options.migrate = config.migrate;
    log_options.observer = ObserveQueries(metrics, config.slow_query_ms);
    log_options.clock = &clock;
    auto log = store::OpenPredictionLog(config.database_url, log_options);
    if (!log) {
        spdlog::critical("msg=\"prediction log unavailable\" reason={}",
                         ops::LogValue(log.error().message));
        return 1;
    }
    const auto log_status = (*log)->Status();
    spdlog::info("msg=\"prediction log ready\" backend={} database={}", log_status.backend,
                 ops::LogValue(log_status.database));
    if (log_status.backend == "none") {
        spdlog::warn("msg=\"prediction logging is OFF (OC5_DATABASE_URL=none)\"");
    }
    ObserveLog(metrics, **log);

    auto assets = http::StaticAssets::Load(config.web_dir);
    if (!assets) {
        spdlog::critical("msg=\"web assets unavailable\" reason={}",
                         ops::LogValue(assets.error().message));
        return 1;
    }

    http::Router router;
    router.Add(http::Verb::get, "/health",
               http::handlers::MakeHealthHandler(
                   [&served_model]() -> std::optional<std::string> {
                       if (!served_model) return std::nullopt;
                       return served_model->predictor.Version();
                   },
                   clock));
    assets->AddRoutes(router);

    std::string openapi_document;
    if (served_model) {
        openapi_document = http::BuildOpenApiDocument(
            served_model->vocabulary,
            http::OpenApiInfo{.version = version,
                              .model_version = served_model->predictor.Version(),
                              .batch_limit = config.batch_limit});
    }
    router.Add(http::Verb::get, "/openapi.json",
               [&openapi_document](const http::Request& request,
                                   http::RequestContext&) -> http::Awaitable<http::Response> {
                   if (openapi_document.empty()) {
                       co_return http::ErrorResponse(
                           request,
                           base::Error::Make(base::ErrorCode::kUnavailable, "Model not loaded"));
                   }
                   co_return http::JsonResponse(request, http::Status::ok, openapi_document);
               });
    router.Add(http::Verb::get, "/metrics",
               [&metrics](const http::Request& request,
                          http::RequestContext&) -> http::Awaitable<http::Response> {
                   http::Response response{http::Status::ok, request.version()};
                   response.set(http::bhttp::field::content_type,
                                "text/plain; version=0.0.4; charset=utf-8");
                   response.keep_alive(request.keep_alive());
                   response.body() = metrics.Expose();
                   response.prepare_payload();
                   co_return response;
               });

    http::handlers::PredictionEndpoints endpoints(
        served_model.get(), **log, clock, metrics,
        http::handlers::PredictionSettings{.batch_limit = config.batch_limit,
                                           .trusted_proxies = config.trusted_proxies});
    endpoints.AddRoutes(router);

    http::Server server(config.server, router);
    ObserveHttp(server, router, metrics);
    const auto port = server.Listen();
    if (!port) {
        spdlog::critical("msg=\"cannot listen\" reason={}", ops::LogValue(port.error().message));
        return 1;
    }
    spdlog::info("msg=listening host={} port={} threads={}", config.server.host, *port,
                 config.server.threads);
    server.Run();
    spdlog::info("msg=\"server drained; flushing the prediction log\"");
    (*log)->Shutdown();
    spdlog::info("msg=stopped");
    return 0;
}

}  // namespace attrition::app
