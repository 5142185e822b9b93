#include "app/serve_command.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include "app/cleanup_command.hpp"
#include "app/monitoring_job.hpp"
#include "app/serve_config.hpp"
#include "base/clock.hpp"
#include "domain/vocabulary.hpp"
#include "http/api_keys.hpp"
#include "http/handlers/health.hpp"
#include "http/handlers/log_endpoints.hpp"
#include "http/handlers/model_card_endpoint.hpp"
#include "http/handlers/model_reload.hpp"
#include "http/handlers/monitoring_endpoints.hpp"
#include "http/handlers/open_inference.hpp"
#include "http/handlers/prediction_endpoints.hpp"
#include "http/handlers/probes.hpp"
#include "http/handlers/service_endpoints.hpp"
#include "http/openapi.hpp"
#include "http/request_guard.hpp"
#include "http/router.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "http/static_assets.hpp"
#include "model/catalog.hpp"
#include "model/predictor.hpp"
#include "model/repository.hpp"
#include "ops/logging.hpp"
#include "ops/metrics.hpp"
#include "ops/scheduler.hpp"
#include "serving/model_reloads.hpp"
#include "serving/scoring.hpp"
#include "store/database_url.hpp"
#include "store/database_watch.hpp"
#include "store/partitions.hpp"
#include "store/prediction_log.hpp"

namespace attrition::app {
namespace {

// Every version of the model repository. No repository (or an empty one) is allowed: the
// service runs, /health says unhealthy and the prediction endpoints answer 503, so an operator
// can see what is wrong. A broken default stops the start; another broken version is logged
// and listed as failed.
// A folder as the log names it: absolute, so that it says which one whatever the working folder.
std::string Absolute(const std::filesystem::path& folder) {
    std::error_code error;
    auto absolute = std::filesystem::absolute(folder, error);
    return (error ? folder : absolute).string();
}

model::ServingFlags Flags(const ServeConfig& config) {
    return {.default_version = config.default_model, .shadow_version = config.shadow_model};
}

std::optional<model::Repository> LoadModels(const ServeConfig& config) {
    auto repository = model::LoadRepository(config.model_dir, Flags(config));
    if (!repository) {
        spdlog::critical("msg=\"model repository refused\" dir={} reason={}",
                         ops::LogValue(Absolute(config.model_dir)),
                         ops::LogValue(repository.error().message));
        return std::nullopt;
    }
    if (!repository->shadow_refused.empty()) {
        spdlog::error("msg=\"no shadow scoring\" reason={}",
                      ops::LogValue(repository->shadow_refused));
    } else if (!repository->shadow_version.empty()) {
        spdlog::info("msg=\"shadow scoring\" shadow={} default={}", repository->shadow_version,
                     repository->default_version);
    }
    if (repository->versions.empty()) {
        std::error_code error;
        const bool exists = std::filesystem::exists(config.model_dir, error);
        spdlog::error("msg=\"model not loaded\" dir={} reason={}",
                      ops::LogValue(Absolute(config.model_dir)),
                      exists ? "\"no model version there\""
                             : "\"the model folder does not exist (--model-dir)\"");
    }
    for (const auto& version : repository->versions) {
        if (version.model) {
            spdlog::info("msg=\"model loaded\" version={} default={} columns={}", version.name,
                         version.name == repository->default_version,
                         version.model->predictor.Metadata().encoding.ColumnCount());
        } else {
            spdlog::error("msg=\"model version failed; not served\" version={} reason={}",
                          ops::LogValue(version.name), ops::LogValue(version.failure));
        }
    }
    return std::move(*repository);
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
                         static_cast<double>(duration.count()) / 1000.0, slow_query_ms);
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

// The service's objects, each built once by the steps below in dependency order and destroyed
// in reverse (the server first, the prediction log last). Members borrow from those above them.
struct Objects {
    base::SystemClock clock;
    ops::Registry metrics;
    http::ApiKeys api_keys;
    std::unique_ptr<model::Catalog> models;
    std::unique_ptr<serving::ModelReloads> reloads;
    std::unique_ptr<store::PredictionLog> log;
    std::unique_ptr<store::Database> ops_database;
    std::unique_ptr<store::DatabaseWatch> database_watch;
    std::unique_ptr<RetentionMetrics> retention_metrics;
    std::unique_ptr<ops::DailyScheduler> retention;
    std::unique_ptr<ops::DailyScheduler> partitions;
    std::unique_ptr<MonitoringGauges> monitoring_gauges;
    std::unique_ptr<MonitoringJob> monitoring_job;
    std::unique_ptr<ops::DailyScheduler> monitoring_schedule;
    std::optional<http::StaticAssets> assets;
    std::unique_ptr<serving::Scoring> scoring;
    std::unique_ptr<http::handlers::PredictionEndpoints> predictions;
    std::unique_ptr<http::handlers::ModelEndpoints> model_endpoints;
    std::unique_ptr<http::handlers::LogEndpoints> log_endpoints;
    std::unique_ptr<http::handlers::MonitoringEndpoints> monitoring;
    std::unique_ptr<http::handlers::OpenInference> inference;
    std::string openapi_document;
    std::unique_ptr<http::Router> router;
    std::unique_ptr<http::RequestGuard> guard;
    std::unique_ptr<http::Server> server;
};

bool LoadKeys(const ServeConfig& config, Objects& o) {
    if (config.api_keys_file.empty()) {
        spdlog::warn(
            "msg=\"no OC5_API_KEYS_FILE: the log read endpoints answer 403 and /metrics is "
            "open\"");
        return true;
    }
    auto loaded = http::ApiKeys::Load(config.api_keys_file);
    if (!loaded) {
        spdlog::critical("msg=\"API keys unavailable\" reason={}",
                         ops::LogValue(loaded.error().message));
        return false;
    }
    o.api_keys = std::move(*loaded);
    spdlog::info("msg=\"API keys loaded\" count={}", o.api_keys.Count());
    return true;
}

bool LoadServedModels(const ServeConfig& config, Objects& o) {
    auto models = LoadModels(config);
    if (!models) return false;
    o.models = std::make_unique<model::Catalog>(config.model_dir, Flags(config), std::move(*models),
                                                std::chrono::seconds(config.reload_timeout_s));
    o.reloads = std::make_unique<serving::ModelReloads>(*o.models, o.metrics);
    return true;
}

// The prediction log, and a second connection for the read side, retention and readiness.
bool OpenLog(const ServeConfig& config, Objects& o) {
    store::LogOptions log_options;
    log_options.spool_dir = config.spool_dir;
    log_options.spool_max_bytes = config.spool_max_bytes;
    log_options.group_gap = std::chrono::microseconds(config.log_group_gap_us);
    log_options.group_wait = std::chrono::microseconds(config.log_group_wait_us);
    log_options.migrate = config.migrate;
    log_options.observer = ObserveQueries(o.metrics, config.slow_query_ms);
    log_options.clock = &o.clock;
    auto log = store::OpenPredictionLog(config.database_url, log_options);
    if (!log) {
        spdlog::critical("msg=\"prediction log unavailable\" reason={}",
                         ops::LogValue(log.error().message));
        return false;
    }
    o.log = std::move(*log);
    const auto status = o.log->Status();
    if (status.backend == "none") {
        spdlog::warn("msg=\"prediction logging is OFF (OC5_DATABASE_URL=none)\"");
    } else {
        spdlog::info(
            "msg=\"prediction log ready\" backend={} database={} group_gap_us={} "
            "group_wait_us={}",
            status.backend, ops::LogValue(status.database), config.log_group_gap_us,
            config.log_group_wait_us);
    }
    ObserveLog(o.metrics, *o.log);
    o.ops_database = OpenOpsDatabase(config.database_url, log_options.observer);
    if (!o.ops_database && status.backend != "none") return false;
    if (o.ops_database) {
        o.database_watch = std::make_unique<store::DatabaseWatch>(
            [&o] { return o.ops_database->Ping(); }, std::chrono::seconds(2));
        auto& database_up = o.metrics
                                .AddGauge("attrition_database_up",
                                          "1 when the log database answered the last readiness "
                                          "ping (every 2 s)")
                                .With({});
        o.metrics.AddCollector([&database_up, &o] {
            const auto state = o.database_watch->State();
            database_up.Set(state == store::DatabaseState::kDown ? 0 : 1);
        });
    }
    o.metrics
        .AddGauge("attrition_log_spool_max_bytes", "Spool size beyond which records are refused")
        .With({})
        .Set(static_cast<double>(status.spool_max_bytes));
    ObservePools(o.metrics, *o.log, o.ops_database.get());
    return true;
}

void ScheduleRetention(const ServeConfig& config, const ServeSettings& settings, Objects& o) {
    o.retention_metrics = std::make_unique<RetentionMetrics>(o.metrics);
    if (!o.ops_database || config.retention_days <= 0) {
        spdlog::warn("msg=\"no scheduled retention\" retention_days={}", config.retention_days);
        return;
    }
    const CleanupPass pass{.retention_days = config.retention_days,
                           .batch_size = config.retention_batch,
                           .mode = CleanupMode::kDelete};
    // Once per slot across the replicas on this database (job_runs): the others skip it.
    o.retention = std::make_unique<ops::DailyScheduler>(
        o.clock, ops::SchedulerOptions{.time_of_day = settings.retention_time},
        [&o, pass, owner = store::ProcessOwner()](base::SystemTime slot) {
            RunRetentionSlot(*o.ops_database, pass, o.clock, {"retention", slot, owner},
                             *o.retention_metrics);
        });
    o.retention->Start();
    spdlog::info("msg=\"retention scheduled\" retention_days={} at={}Z next_run={}",
                 config.retention_days, config.retention_time,
                 base::FormatIso8601(o.retention->NextRun()));
}

// PostgreSQL: the log's monthly partitions kept store::kPartitionMonthsAhead months ahead, at
// start and daily (idempotent; replicas take turns on an advisory lock). A failure is logged
// and counted; the rows of a month without partitions go to the default one, none is refused.
// The counter is exported on every backend (0 where nothing is partitioned), like the others the
// alert rules name.
void SchedulePartitions(const ServeSettings& settings, Objects& o) {
    auto& failures =
        o.metrics
            .AddCounter("attrition_log_partition_failures_total",
                        "PostgreSQL: daily creations of the log's partitions ahead that failed")
            .With({});
    if (!o.ops_database || o.ops_database->Kind() != store::Backend::kPostgres) return;
    o.partitions = std::make_unique<ops::DailyScheduler>(
        o.clock,
        ops::SchedulerOptions{.time_of_day = settings.retention_time,
                              .run_latest_slot_at_start = true},
        [&o, &failures](base::SystemTime /*slot*/) {
            auto made = store::CreateLogPartitions(*o.ops_database, o.clock.Now());
            if (!made) {
                failures.Inc();
                spdlog::error("msg=\"log partitions not created\" reason={}",
                              ops::LogValue(made.error().message));
            }
        });
    o.partitions->Start();
}

// The daily model evaluation (app/monitoring_job.hpp), also run at start for the slot just
// past: a new deployment has figures at once, a restarted replica loads that slot's.
void ScheduleMonitoring(const ServeConfig& config, const ServeSettings& settings, Objects& o) {
    o.monitoring_gauges = std::make_unique<MonitoringGauges>(o.metrics);
    if (!o.ops_database || !settings.monitoring_time) {
        spdlog::warn("msg=\"no scheduled model monitoring\" logging={} monitoring_time={}",
                     o.ops_database != nullptr, settings.monitoring_time ? "set" : "off");
        return;
    }
    o.monitoring_job = std::make_unique<MonitoringJob>(
        *o.ops_database, *o.models, o.clock, *o.monitoring_gauges,
        MonitoringSettings{.horizon_days = config.monitoring_horizon_days}, store::ProcessOwner());
    o.monitoring_job->StartRefreshes();
    o.reloads->OnServedChange([&o] {
        o.monitoring_job->RequestRefresh("reload: the default or the shadow model changed");
    });
    o.monitoring_schedule = std::make_unique<ops::DailyScheduler>(
        o.clock,
        ops::SchedulerOptions{.time_of_day = *settings.monitoring_time,
                              .run_latest_slot_at_start = true},
        [&o](base::SystemTime slot) { o.monitoring_job->RunSlot(slot); });
    o.monitoring_schedule->Start();
    spdlog::info("msg=\"model monitoring scheduled\" next_run={}",
                 base::FormatIso8601(o.monitoring_schedule->NextRun()));
}

http::handlers::ReadinessInput Readiness(const Objects& o) {
    const auto status = o.log->Status();
    http::handlers::ReadinessInput input;
    input.model_loaded = o.models->Current()->Default() != nullptr;
    input.database = o.database_watch ? o.database_watch->State() : store::DatabaseState::kDisabled;
    input.spool_bytes = status.spool_bytes;
    input.spool_max_bytes = status.spool_max_bytes;
    input.log_commits = status.database_reachable;
    input.spool_records = status.spool_records;
    return input;
}

// What /readyz says of the log, as a gauge an alert can watch.
void ObserveReadiness(Objects& o) {
    auto& degraded = o.metrics
                         .AddGauge("attrition_log_degraded",
                                   "1 when logging is on and records go to the spool, not the "
                                   "database (down, or refusing the writer's writes)")
                         .With({});
    o.metrics.AddCollector(
        [&degraded, &o] { degraded.Set(http::handlers::LogDegraded(Readiness(o)) ? 1 : 0); });
}

// The spool outlives the process: what is left in it is replayed at the next start.
void SayWhatTheSpoolHolds(const store::PredictionLog& log) {
    const auto status = log.Status();
    if (status.spool_records == 0) return;
    spdlog::warn(
        "msg=\"records remain in the spool; replayed into the database at the next start\" "
        "records={} bytes={}",
        status.spool_records, status.spool_bytes);
}

// The endpoints, their route declarations (http/routes.cpp), and what derives from them: the
// landing page's endpoint list, the OpenAPI document and the router.
// The OpenAPI document: the default version at start (its vocabulary and name) and the optional
// inputs of every version loaded then; empty without a default version.
std::string OpenApiDocument(const model::Repository& models,
                            const ServeConfig& config,
                            const char* version,
                            const std::vector<http::Route>& routes) {
    const auto* model = models.Default();
    if (model == nullptr) return {};
    http::OpenApiInfo info{.version = version,
                           .model_version = model->predictor.Version(),
                           .batch_limit = config.batch_limit,
                           .actions = model->actions};
    domain::Vocabulary vocabulary = model->vocabulary;
    for (const auto& loaded : models.versions) {
        if (!loaded.model) continue;
        vocabulary = vocabulary.WithLenientInputs(loaded.model->vocabulary);
        const auto& meta = loaded.model->predictor.Metadata();
        for (std::size_t i = 0; i < meta.encoding.optional.size(); ++i) {
            const auto& group = meta.encoding.optional[i];
            auto doc = std::find_if(info.optional_inputs.begin(), info.optional_inputs.end(),
                                    [&](const auto& d) { return d.name == group.name; });
            if (doc == info.optional_inputs.end()) {
                info.optional_inputs.push_back(
                    {group.name, meta.optional_features[i].description, loaded.name, group.mode});
            } else {
                doc->versions += ", " + loaded.name;
            }
        }
    }
    return http::BuildOpenApiDocument(vocabulary, info, routes);
}

bool BuildRoutes(const ServeConfig& config, const char* version, Objects& o) {
    auto assets = http::StaticAssets::Load(config.web_dir);
    if (!assets) {
        spdlog::critical("msg=\"web assets unavailable\" reason={}",
                         ops::LogValue(assets.error().message));
        return false;
    }
    o.assets = std::move(*assets);
    o.scoring = std::make_unique<serving::Scoring>(o.clock, o.metrics);
    o.predictions = std::make_unique<http::handlers::PredictionEndpoints>(
        *o.models, *o.scoring, *o.log, o.clock, o.metrics,
        http::handlers::PredictionSettings{.batch_limit = config.batch_limit,
                                           .json_max_depth = config.json_max_depth,
                                           .trusted_proxies = config.trusted_proxies});
    o.model_endpoints = std::make_unique<http::handlers::ModelEndpoints>(*o.models);
    o.log_endpoints = std::make_unique<http::handlers::LogEndpoints>(o.ops_database.get(), o.clock,
                                                                     config.json_max_depth);
    o.monitoring = std::make_unique<http::handlers::MonitoringEndpoints>(o.ops_database.get(),
                                                                         *o.models, o.clock);
    if (o.monitoring_job) {
        o.monitoring->SetRefresh([&o](std::string reason) {
            return o.monitoring_job->RequestRefresh(std::move(reason));
        });
    }
    o.inference = std::make_unique<http::handlers::OpenInference>(
        *o.models, [&o] { return http::handlers::EvaluateReadiness(Readiness(o)).ready; }, version,
        http::handlers::kInferBatchLimit);
    auto routes = http::DeclareRoutes(
        http::Endpoints{.predictions = *o.predictions,
                        .models = *o.model_endpoints,
                        .log = *o.log_endpoints,
                        .monitoring = *o.monitoring,
                        .inference = *o.inference,
                        .health = http::handlers::MakeHealthHandler(
                            [&o]() -> std::optional<std::string> {
                                const auto models = o.models->Current();
                                const auto* model = models->Default();
                                if (model == nullptr) return std::nullopt;
                                return model->predictor.Version();
                            },
                            o.clock),
                        .livez = http::handlers::MakeLivezHandler(),
                        .readyz = http::handlers::MakeReadyzHandler([&o] { return Readiness(o); }),
                        .metrics = http::handlers::MakeMetricsHandler(o.metrics),
                        .openapi = http::handlers::MakeOpenApiHandler(o.openapi_document),
                        .model_card = http::handlers::MakeModelCardHandler(*o.models),
                        .reload = http::handlers::MakeReloadHandler(*o.reloads),
                        .assets = *o.assets,
                        .batch_limit = config.batch_limit});
    o.assets->ListEndpoints(routes);
    o.openapi_document = OpenApiDocument(*o.models->Current(), config, version, routes);
    o.router = std::make_unique<http::Router>(std::move(routes));
    return true;
}

bool StartServer(const ServeConfig& config, ServeSettings settings, Objects& o) {
    http::ServerOptions server_options = config.server;
    server_options.uncapped_clients = config.trusted_proxies;  // a proxy carries many clients
    o.server = std::make_unique<http::Server>(std::move(server_options), *o.router);
    ObserveHttp(*o.server, *o.router, o.metrics);
    o.guard = std::make_unique<http::RequestGuard>(std::move(settings.guard), *o.router, o.api_keys,
                                                   o.metrics);
    o.server->SetAdmission([&o](const http::Request& request, const http::RequestContext& context) {
        return o.guard->Check(request, context);
    });
    o.server->SetHangupHandler([&o] { o.reloads->ReloadInBackground("SIGHUP"); });
    const auto port = o.server->Listen();
    if (!port) {
        spdlog::critical("msg=\"cannot listen\" reason={}", ops::LogValue(port.error().message));
        return false;
    }
    spdlog::info("msg=listening host={} port={} threads={} model_dir={} web_dir={}",
                 config.server.host, *port, config.server.threads,
                 ops::LogValue(Absolute(config.model_dir)),
                 ops::LogValue(Absolute(config.web_dir)));
    return true;
}

}  // namespace

int RunServe(const ServeConfig& config, const char* version) {
    auto settings = CheckServeConfig(config);
    if (!settings) {
        spdlog::critical("msg=\"invalid configuration\" reason={}",
                         ops::LogValue(settings.error().message));
        return 1;
    }
    Objects objects;
    if (!LoadKeys(config, objects)) return 1;
    if (!LoadServedModels(config, objects)) return 1;
    if (!OpenLog(config, objects)) return 1;
    SchedulePartitions(*settings, objects);
    ScheduleRetention(config, *settings, objects);
    ScheduleMonitoring(config, *settings, objects);
    ObserveReadiness(objects);
    if (!BuildRoutes(config, version, objects)) return 1;
    if (!StartServer(config, std::move(*settings), objects)) return 1;
    objects.server->Run();
    // A reload in flight finishes now (its worker is joined), before the job it may ask for
    // a refresh is stopped and destroyed.
    objects.reloads.reset();
    if (objects.partitions) objects.partitions->Stop();
    if (objects.retention) objects.retention->Stop();
    if (objects.monitoring_job) objects.monitoring_job->Stop();
    if (objects.monitoring_schedule) objects.monitoring_schedule->Stop();
    spdlog::info("msg=\"server drained; flushing the prediction log\"");
    objects.log->Shutdown();
    SayWhatTheSpoolHolds(*objects.log);
    spdlog::info("msg=stopped");
    return 0;
}

}  // namespace attrition::app
