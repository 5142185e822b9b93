#include "app/serve_command.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>

#include "app/cleanup_command.hpp"
#include "base/clock.hpp"
#include "domain/vocabulary.hpp"
#include "http/api_keys.hpp"
#include "http/handlers/health.hpp"
#include "http/handlers/log_endpoints.hpp"
#include "http/handlers/prediction_endpoints.hpp"
#include "http/handlers/probes.hpp"
#include "http/openapi.hpp"
#include "http/problem.hpp"
#include "http/request_guard.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/static_assets.hpp"
#include "model/predictor.hpp"
#include "ops/logging.hpp"
#include "ops/metrics.hpp"
#include "ops/scheduler.hpp"
#include "store/database_url.hpp"
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
        const std::string route = router.Label(http::Router::PathOf(request.target()));
        requests.With({route, std::to_string(response.result_int())}).Inc();
        latency.With({route}).Observe(std::chrono::duration<double>(elapsed).count());
    });
    auto& refused =
        registry.AddCounter("attrition_http_connections_refused_total",
                            "Connections closed unanswered at accept, by limit", {"limit"});
    auto& server_limit = refused.With({"max_connections"});
    auto& client_limit = refused.With({"max_connections_per_client"});
    auto& heads = registry
                      .AddCounter("attrition_http_heads_refused_total",
                                  "Requests refused on their head before any body was read "
                                  "(framing, Host, Expect, field count)")
                      .With({});
    auto& exceptions = registry
                           .AddCounter("attrition_http_handler_exceptions_total",
                                       "Requests answered 500 because their handler threw")
                           .With({});
    server.SetEventObserver([&](http::ServerEvent event) {
        switch (event) {
            case http::ServerEvent::kConnectionLimit:
                server_limit.Inc();
                break;
            case http::ServerEvent::kClientConnectionLimit:
                client_limit.Inc();
                break;
            case http::ServerEvent::kRefusedHead:
                heads.Inc();
                break;
            case http::ServerEvent::kHandlerException:
                exceptions.Inc();
                break;
        }
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
        // Counters (the writer's totals since start), so that their _total names are what
        // Prometheus expects (`promtool check metrics`).
        ops::Counter& rows_written;
        ops::Counter& predictions_written;
        ops::Counter& write_errors;
        ops::Counter& spooled;
        ops::Counter& replayed;
        ops::Counter& rejected;
    };
    auto gauge = [&registry](const char* name, const char* help) -> ops::Gauge& {
        return registry.AddGauge(name, help).With({});
    };
    auto counter = [&registry](const char* name, const char* help) -> ops::Counter& {
        return registry.AddCounter(name, help).With({});
    };
    auto gauges = std::make_shared<Gauges>(Gauges{
        gauge("attrition_log_queue_depth", "Records waiting for the log writer"),
        gauge("attrition_log_queue_capacity", "Capacity of the log writer queue"),
        gauge("attrition_log_spool_bytes", "Bytes in the local spool awaiting replay"),
        gauge("attrition_log_spool_records", "Records in the local spool awaiting replay"),
        gauge("attrition_log_spool_oldest_age_seconds", "Age of the oldest spooled record"),
        gauge("attrition_log_database_up", "1 when the log database is reachable"),
        counter("attrition_log_rows_written_total", "api_requests rows committed"),
        counter("attrition_log_predictions_written_total", "predictions rows committed"),
        counter("attrition_log_write_errors_total", "Failed database batches and spool writes"),
        counter("attrition_log_records_spooled_total", "Records acknowledged through the spool"),
        counter("attrition_log_records_replayed_total", "Records replayed from the spool"),
        counter("attrition_log_records_rejected_total", "Records refused (queue or spool full)"),
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
        // Collectors run one at a time (Registry::Expose), so catching up is race-free.
        const auto advance = [](ops::Counter& c, std::uint64_t total) {
            if (static_cast<double>(total) > c.Value())
                c.Inc(static_cast<double>(total) - c.Value());
        };
        advance(gauges->rows_written, status.rows_written);
        advance(gauges->predictions_written, status.predictions_written);
        advance(gauges->write_errors, status.write_errors);
        advance(gauges->spooled, status.records_spooled);
        advance(gauges->replayed, status.records_replayed);
        advance(gauges->rejected, status.rejected_overloaded + status.rejected_spool_full);
    });
}

// PostgreSQL connection pools: the writer's and the one of the read side and retention
// ("ops"). SQLite has none: no series then.
void ObservePools(ops::Registry& registry,
                  const store::PredictionLog& log,
                  const store::Database* ops_database) {
    auto& in_use = registry.AddGauge("attrition_db_pool_connections_in_use",
                                     "Pool connections leased or connecting", {"pool"});
    auto& idle = registry.AddGauge("attrition_db_pool_connections_idle",
                                   "Open pool connections waiting for a caller", {"pool"});
    auto& max = registry.AddGauge("attrition_db_pool_connections_max",
                                  "Most connections the pool opens", {"pool"});
    auto& waiters = registry.AddGauge("attrition_db_pool_waiters",
                                      "Callers waiting for a free pool connection", {"pool"});
    // Pointers, not references, in the capture: the collector outlives this function.
    registry.AddCollector([in_use = &in_use, idle = &idle, max = &max, waiters = &waiters,
                           log = &log, ops_database] {
        const auto set = [&](const std::string& pool, const std::optional<store::PoolStats>& s) {
            if (!s) return;
            in_use->With({pool}).Set(static_cast<double>(s->in_use));
            idle->With({pool}).Set(static_cast<double>(s->idle));
            max->With({pool}).Set(static_cast<double>(s->max));
            waiters->With({pool}).Set(static_cast<double>(s->waiters));
        };
        set("writer", log->Status().pool);
        if (ops_database != nullptr) set("ops", ops_database->Pool());
    });
}

// A second connection (pool) to the log database for the read endpoints, the retention job
// and the readiness watch, so that they never compete with the writer's connections.
std::unique_ptr<store::Database> OpenOpsDatabase(const std::string& database_url,
                                                 const store::QueryObserver& observer) {
    auto url = store::ParseDatabaseUrl(database_url);
    if (!url || url->backend == store::Backend::kNone) return nullptr;
    store::DatabaseOptions options;
    options.pool_size = 2;
    options.migration_timeout = std::chrono::seconds(10);  // bounds every read transaction
    options.observer = observer;
    auto database = store::OpenDatabase(*url, options);
    if (!database) {
        spdlog::error("msg=\"ops database connection failed\" reason={}",
                      ops::LogValue(database.error().message));
        return nullptr;
    }
    return std::move(*database);
}

}  // namespace

int RunServe(const ServeConfig& config, const char* version) {
    const base::SystemClock clock;
    ops::Registry metrics;

    http::ApiKeys api_keys;
    if (!config.api_keys_file.empty()) {
        auto loaded = http::ApiKeys::Load(config.api_keys_file);
        if (!loaded) {
            spdlog::critical("msg=\"API keys unavailable\" reason={}",
                             ops::LogValue(loaded.error().message));
            return 1;
        }
        api_keys = std::move(*loaded);
        spdlog::info("msg=\"API keys loaded\" count={}", api_keys.Count());
    } else {
        spdlog::warn(
            "msg=\"no OC5_API_KEYS_FILE: the log read endpoints answer 403 and /metrics is "
            "open\"");
    }
    if (config.require_api_key && !api_keys.Configured()) {
        spdlog::critical("msg=\"--require-api-key needs OC5_API_KEYS_FILE\"");
        return 1;
    }
    http::GuardOptions guard_options{.require_api_key = config.require_api_key,
                                     .trusted_proxies = config.trusted_proxies};
    for (const auto& [group, text] :
         {std::pair{http::RouteGroup::kPredict, &config.rate_limit_predict},
          std::pair{http::RouteGroup::kExplain, &config.rate_limit_explain},
          std::pair{http::RouteGroup::kRead, &config.rate_limit_read},
          std::pair{http::RouteGroup::kOther, &config.rate_limit_other}}) {
        auto limit = http::ParseRateLimit(*text);
        if (!limit) {
            spdlog::critical("msg=\"invalid rate limit\" group={} reason={}",
                             http::RouteGroupName(group), ops::LogValue(limit.error().message));
            return 1;
        }
        guard_options.rate_limits[static_cast<std::size_t>(group)] = *limit;
    }
    const auto retention_time = ops::ParseTimeOfDay(config.retention_time);
    if (!retention_time) {
        spdlog::critical("msg=\"invalid retention time\" reason={}",
                         ops::LogValue(retention_time.error().message));
        return 1;
    }

    const auto served_model = LoadModel(config.model_dir);
    auto& model_info = metrics.AddGauge(
        "attrition_model_info", "The loaded model (value 1), labelled by version", {"version"});
    metrics.AddGauge("attrition_model_loaded", "1 when a model is loaded")
        .With({})
        .Set(served_model ? 1 : 0);
    if (served_model) model_info.With({served_model->predictor.Version()}).Set(1);

    store::LogOptions log_options;
    log_options.spool_dir = config.spool_dir;
    log_options.spool_max_bytes = config.spool_max_bytes;
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

    const auto ops_database = OpenOpsDatabase(config.database_url, log_options.observer);
    if (!ops_database && log_status.backend != "none") return 1;
    std::unique_ptr<http::handlers::DatabaseWatch> database_watch;
    if (ops_database) {
        database_watch = std::make_unique<http::handlers::DatabaseWatch>(
            [&ops_database] { return ops_database->Ping(); }, std::chrono::seconds(2));
        auto& database_up = metrics
                                .AddGauge("attrition_database_up",
                                          "1 when the log database answered the last readiness "
                                          "ping (every 2 s)")
                                .With({});
        metrics.AddCollector([&database_up, &database_watch] {
            database_up.Set(database_watch->State() == http::handlers::DatabaseState::kDown ? 0
                                                                                            : 1);
        });
    }
    metrics.AddGauge("attrition_log_spool_max_bytes", "Spool size beyond which records are refused")
        .With({})
        .Set(static_cast<double>(log_status.spool_max_bytes));
    ObservePools(metrics, **log, ops_database.get());
    RetentionMetrics retention_metrics(metrics);
    std::unique_ptr<ops::DailyScheduler> retention;
    if (ops_database && config.retention_days > 0) {
        retention = std::make_unique<ops::DailyScheduler>(
            clock, ops::SchedulerOptions{.time_of_day = *retention_time}, [&](base::SystemTime) {
                retention_metrics.Record(CleanupOnce(*ops_database, config.retention_days,
                                                     config.retention_batch, false, clock),
                                         clock.Now());
            });
        retention->Start();
        spdlog::info("msg=\"retention scheduled\" retention_days={} at={}Z next_run={}",
                     config.retention_days, config.retention_time,
                     base::FormatIso8601(retention->NextRun()));
    } else {
        spdlog::warn("msg=\"no scheduled retention\" retention_days={}", config.retention_days);
    }

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
    router.Add(http::Verb::get, "/livez", http::handlers::MakeLivezHandler());
    router.Add(http::Verb::get, "/readyz",
               http::handlers::MakeReadyzHandler([&served_model, &log, &database_watch] {
                   const auto status = (*log)->Status();
                   http::handlers::ReadinessInput input;
                   input.model_loaded = served_model != nullptr;
                   input.database = database_watch ? database_watch->State()
                                                   : http::handlers::DatabaseState::kDisabled;
                   input.spool_bytes = status.spool_bytes;
                   input.spool_max_bytes = status.spool_max_bytes;
                   return input;
               }));
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
               [&metrics, &api_keys](const http::Request& request,
                                     http::RequestContext&) -> http::Awaitable<http::Response> {
                   // Open when no keys file is configured (local use); keyed otherwise.
                   if (auto denied = http::Authorize(api_keys, request, true)) {
                       co_return std::move(*denied);
                   }
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
                                           .json_max_depth = config.json_max_depth,
                                           .trusted_proxies = config.trusted_proxies});
    endpoints.AddRoutes(router);
    http::handlers::LogEndpoints log_endpoints(ops_database.get(), api_keys, clock);
    log_endpoints.AddRoutes(router);

    http::ServerOptions server_options = config.server;
    server_options.uncapped_clients = config.trusted_proxies;  // a proxy carries many clients
    http::Server server(std::move(server_options), router);
    ObserveHttp(server, router, metrics);
    http::RequestGuard guard(std::move(guard_options), api_keys, metrics);
    server.SetAdmission(
        [&guard](const http::Request& request, const http::RequestContext& context) {
            return guard.Check(request, context);
        });
    const auto port = server.Listen();
    if (!port) {
        spdlog::critical("msg=\"cannot listen\" reason={}", ops::LogValue(port.error().message));
        return 1;
    }
    spdlog::info("msg=listening host={} port={} threads={}", config.server.host, *port,
                 config.server.threads);
    server.Run();
    if (retention) retention->Stop();
    spdlog::info("msg=\"server drained; flushing the prediction log\"");
    (*log)->Shutdown();
    spdlog::info("msg=stopped");
    return 0;
}

}  // namespace attrition::app
