#include "app/cli.hpp"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app/cleanup_command.hpp"
#include "app/install_paths.hpp"
#include "app/keys_command.hpp"
#include "app/migrate_command.hpp"
#include "app/model_card_command.hpp"
#include "app/outcomes_command.hpp"
#include "app/score_command.hpp"
#include "app/serve_command.hpp"
#include "app/train_command.hpp"
#include "model/artifact.hpp"
#include "model/technova_reader.hpp"
#include "ops/logging.hpp"

namespace attrition::app {
namespace {

// Abuse limits, rate limits and the prediction endpoints' API keys (docs/security.md).
void AddLimitOptions(CLI::App& serve, ServeConfig& config) {
    auto& server = config.server;
    serve.add_option("--header-limit", server.header_limit_bytes, "Most bytes in a request head")
        ->envname("OC5_HEADER_LIMIT")
        ->check(CLI::Range(1024, 1 << 20))
        ->capture_default_str();
    serve
        .add_option("--max-header-fields", server.max_header_fields,
                    "Most header fields in a request (more: 431)")
        ->envname("OC5_MAX_HEADER_FIELDS")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    const auto milliseconds = [&serve](const char* name, const char* env,
                                       std::chrono::milliseconds& target, const char* help) {
        serve
            .add_option_function<long long>(
                name, [&target](long long ms) { target = std::chrono::milliseconds(ms); }, help)
            ->envname(env)
            ->check(CLI::Range(1LL, 3'600'000LL))
            ->default_str(std::to_string(target.count()));
    };
    milliseconds("--read-timeout-ms", "OC5_READ_TIMEOUT_MS", server.read_timeout,
                 "Time to receive a whole request once its first byte came (slow clients are "
                 "closed)");
    milliseconds("--idle-timeout-ms", "OC5_IDLE_TIMEOUT_MS", server.idle_timeout,
                 "Time a keep-alive connection may wait for its next request");
    serve
        .add_option("--json-max-depth", config.json_max_depth,
                    "Deepest nesting of a JSON request body (deeper: 422)")
        ->envname("OC5_JSON_MAX_DEPTH")
        ->check(CLI::Range(3, 1024))
        ->capture_default_str();
    const auto rate = [&serve](const char* name, const char* env, std::string& target,
                               const char* group) {
        serve
            .add_option(name, target,
                        std::string("Rate limit of the ") + group +
                            " endpoints per client: off, RATE or RATE:BURST (requests per "
                            "second, bucket size)")
            ->envname(env)
            ->capture_default_str();
    };
    rate("--rate-limit-predict", "OC5_RATE_LIMIT_PREDICT", config.rate_limit_predict,
         "/api/v1/predict and /api/v1/predict/batch");
    rate("--rate-limit-explain", "OC5_RATE_LIMIT_EXPLAIN", config.rate_limit_explain,
         "/api/v1/explain");
    rate("--rate-limit-read", "OC5_RATE_LIMIT_READ", config.rate_limit_read, "other /api/v1/");
    rate("--rate-limit-other", "OC5_RATE_LIMIT_OTHER", config.rate_limit_other,
         "non-API (pages, docs, probes, /metrics)");
    serve
        .add_flag("--require-api-key", config.require_api_key,
                  "Prediction endpoints need Authorization: Bearer <key> from OC5_API_KEYS_FILE")
        ->envname("OC5_REQUIRE_API_KEY");
}

// --database-url (or OC5_DATABASE_URL): "<what>: postgresql://..., sqlite:///path<more>
// (default: the embedded SQLite file var/attrition.db<when>)".
void AddDatabaseUrl(CLI::App& app,
                    std::string& target,
                    std::string_view what,
                    std::string_view more = "",
                    std::string_view when = "") {
    app.add_option("--database-url", target,
                   fmt::format("{}: postgresql://..., sqlite:///path{} (default: the embedded "
                               "SQLite file var/attrition.db{})",
                               what, more, when))
        ->envname("OC5_DATABASE_URL");
}

// Longer than 60 lines: a data table (the options of `serve`).
// NOLINTNEXTLINE(readability-function-size)
void AddServeOptions(CLI::App& serve, ServeConfig& config) {
    auto& server = config.server;
    serve.add_option("--host", server.host, "Address to listen on")
        ->envname("OC5_HOST")
        ->capture_default_str();
    serve.add_option("--port", server.port, "TCP port (0 picks a free one)")
        ->envname("OC5_PORT")
        ->capture_default_str();
    serve.add_option("--threads", server.threads, "Worker threads (default: cores)")
        ->envname("OC5_THREADS")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    AddDatabaseUrl(serve, config.database_url, "Prediction log database", ", none");
    serve
        .add_option("--model-dir", config.model_dir,
                    "Model repository: one folder per version, or one artifact (default: model "
                    "in the current folder if there is one, else <folder of the "
                    "binary>/../share/attrition/model)")
        ->envname("OC5_MODEL_DIR")
        ->capture_default_str();
    serve
        .add_option("--default-model", config.default_model,
                    "Version that scores requests naming none (default: serving.json's, else "
                    "the repository's only version; one differing from serving.json's refuses "
                    "the start)")
        ->envname("OC5_DEFAULT_MODEL");
    serve
        .add_option("--shadow-model", config.shadow_model,
                    "Version that also scores every prediction, after the one the client gets: "
                    "logged as shadow rows, never answered (default: none)")
        ->envname("OC5_SHADOW_MODEL");
    serve
        .add_option("--reload-timeout", config.reload_timeout_s,
                    "Seconds a model reload may take to read the repository; one that overruns "
                    "fails and changes nothing")
        ->envname("OC5_RELOAD_TIMEOUT")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    serve.add_option("--body-limit", server.body_limit_bytes, "Maximum request body in bytes")
        ->envname("OC5_BODY_LIMIT")
        ->capture_default_str();
    serve.add_flag("--migrate", config.migrate,
                   "Apply pending migrations to a non-default database before serving");
    serve
        .add_option("--web-dir", config.web_dir,
                    "Folder holding the web pages and assets (default: web in the current folder "
                    "if there is one, else <folder of the binary>/../share/attrition/web)")
        ->envname("OC5_WEB_DIR")
        ->capture_default_str();
    serve
        .add_option("--spool-dir", config.spool_dir,
                    "Local spool for log records while the database is unreachable")
        ->envname("OC5_SPOOL_DIR")
        ->capture_default_str();
    serve.add_option("--batch-limit", config.batch_limit, "Most employees in one batch request")
        ->envname("OC5_BATCH_LIMIT")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    serve
        .add_option("--trusted-proxy", config.trusted_proxies,
                    "Proxy address whose X-Forwarded-For is believed (repeatable)")
        ->envname("OC5_TRUSTED_PROXIES")
        ->delimiter(',');
    serve
        .add_option("--slow-query-ms", config.slow_query_ms,
                    "Database statements slower than this are logged and counted")
        ->envname("OC5_SLOW_QUERY_MS")
        ->capture_default_str();
    serve
        .add_option("--spool-max-bytes", config.spool_max_bytes,
                    "Most bytes in the local spool; beyond, records are refused (503)")
        ->envname("OC5_SPOOL_MAX_BYTES")
        ->capture_default_str();
    serve
        .add_option("--log-group-gap-us", config.log_group_gap_us,
                    "Group commit: a batch after a batch of several closes at this gap without a "
                    "new record (four gaps while smaller than the batch before), in "
                    "microseconds, within --log-group-wait-us (0: batches never wait)")
        ->envname("OC5_LOG_GROUP_GAP_US")
        ->check(CLI::Range(0, 100000))
        ->capture_default_str();
    serve
        .add_option("--log-group-wait-us", config.log_group_wait_us,
                    "Group commit: the longest a batch waits for records still coming, in "
                    "microseconds from its oldest record's arrival")
        ->envname("OC5_LOG_GROUP_WAIT_US")
        ->check(CLI::Range(0, 1000000))
        ->capture_default_str();
    serve
        .add_option("--retention-days", config.retention_days,
                    "Delete log rows older than this many days, daily (0: never)")
        ->envname("OC5_RETENTION_DAYS")
        ->check(CLI::Range(0, 36500))
        ->capture_default_str();
    serve
        .add_option("--retention-time", config.retention_time,
                    "When the daily retention runs, HH:MM in UTC")
        ->envname("OC5_RETENTION_TIME")
        ->capture_default_str();
    serve
        .add_option("--monitoring-time", config.monitoring_time,
                    "When the daily model monitoring runs, HH:MM in UTC (off: never)")
        ->envname("OC5_MONITORING_TIME")
        ->capture_default_str();
    serve
        .add_option("--monitoring-horizon-days", config.monitoring_horizon_days,
                    "Horizon of the daily job's live performance and fairness (days after a "
                    "prediction within which a departure makes it positive)")
        ->envname("OC5_MONITORING_HORIZON_DAYS")
        ->check(CLI::Range(0, 3650))
        ->capture_default_str();
    serve
        .add_option("--retention-batch", config.retention_batch,
                    "Rows deleted per retention transaction")
        ->envname("OC5_RETENTION_BATCH")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    serve
        .add_option("--api-keys-file", config.api_keys_file,
                    "File of API key hashes for /api/v1/predictions, /api/v1/stats, erasure "
                    "and /metrics (attrition keys)")
        ->envname("OC5_API_KEYS_FILE");
    serve
        .add_option("--max-connections", server.max_connections,
                    "Concurrent connections; more are refused")
        ->envname("OC5_MAX_CONNECTIONS")
        ->capture_default_str();
    serve
        .add_option("--max-connections-per-client", server.max_connections_per_client,
                    "Concurrent connections from one client address, so that one client cannot "
                    "take every slot; --trusted-proxy addresses are exempt (0: no cap)")
        ->envname("OC5_MAX_CONNECTIONS_PER_CLIENT")
        ->capture_default_str();
    AddLimitOptions(serve, config);
}

// A data folder given by neither its flag nor its OC5_* variable: the current folder's, else
// the installed one next to the binary (app/install_paths.hpp).
void ResolveDefaultDir(const CLI::App& command, const std::string& flag, std::string& dir) {
    if (command.get_option(flag)->count() != 0) return;
    auto resolved = ResolveDataDir(dir, ExecutablePath()).string();
    if (resolved == dir) return;
    spdlog::info("msg=\"installed data folder\" option={} dir={}", flag, ops::LogValue(resolved));
    dir = std::move(resolved);
}

// A model version name as serve reads it (model::VersionNameProblem), refused at parse time.
CLI::Validator VersionName() {
    return {[](const std::string& name) { return model::VersionNameProblem(name).value_or(""); },
            "VERSION"};
}

void AddTrainOptions(CLI::App& train, TrainConfig& config) {
    train
        .add_option("--data", config.data_dir,
                    "Folder of the TechNova extracts (extrait_sirh.csv, extrait_eval.csv, "
                    "extrait_sondage.csv)")
        ->capture_default_str();
    train.add_option("--out", config.out_dir,
                     "Artifact folder to write (default: model/<model_version>, its folder in the "
                     "model repository)");
    train
        .add_option("--threads", config.threads,
                    "XGBoost threads (the booster is byte-identical across runs at a fixed count)")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    train.add_flag("--force", config.force,
                   "Write over the folder when it already holds a model version (refused without: "
                   "a served version is never replaced by mistake)");
    train.add_flag("!--no-cv", config.cross_validate,
                   "Skip cross-validation (final fit only; metadata then has no CV metrics)");
    train
        .add_option("--model-version", config.model_version,
                    "The version name written in the metadata (the repository folder's name): 1 "
                    "to 50 of [A-Za-z0-9._-], not starting with '.', no '..'")
        ->check(VersionName())
        ->capture_default_str();
    std::vector<std::string> optional_names;
    for (const auto& column : model::OptionalColumns()) optional_names.emplace_back(column.name);
    train
        .add_option("--optional-feature", config.optional_features,
                    "An extract column to add as an optional input (absent: imputed with its "
                    "training mode); repeatable")
        ->check(CLI::IsMember(optional_names));
    auto* from_log = train.add_flag(
        "--from-log", config.from_log,
        "Train on the prediction log instead of the extracts: each employee's latest mature, "
        "resolved prediction (its logged features, its outcome as the label)");
    train
        .add_flag("--with-extracts", config.with_extracts,
                  "With --from-log: the extracts' rows too")
        ->needs(from_log);
    AddDatabaseUrl(train, config.database_url, "With --from-log: the prediction log");
    train
        .add_option("--horizon-days", config.horizon_days,
                    "With --from-log: days after a prediction within which leaving counts as "
                    "leaving (a prediction is mature once they have passed), as /monitoring")
        ->check(CLI::Range(0, 3650))
        ->capture_default_str()
        ->needs(from_log);
    train
        .add_option("--log-model-version", config.log_model_version,
                    "With --from-log: only this version's predictions (default: any version's)")
        ->needs(from_log);
}

void AddMigrateOptions(CLI::App& migrate, MigrateConfig& config) {
    migrate.add_option("action", config.action, "up (apply pending), down (roll back one), status")
        ->required()
        ->check(CLI::IsMember({"up", "down", "status"}));
    AddDatabaseUrl(migrate, config.database_url, "Database to migrate");
}

void AddCleanupOptions(CLI::App& cleanup, CleanupConfig& config) {
    AddDatabaseUrl(cleanup, config.database_url, "Database to clean");
    cleanup
        .add_option("--retention-days", config.retention_days,
                    "Delete api_requests rows (and their predictions) older than this many days")
        ->envname("OC5_RETENTION_DAYS")
        ->check(CLI::Range(1, 36500))
        ->capture_default_str();
    cleanup.add_option("--batch-size", config.batch_size, "Rows deleted per transaction")
        ->envname("OC5_RETENTION_BATCH")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cleanup.add_flag("--dry-run", config.dry_run, "Count what would be deleted; delete nothing");
}

void AddKeysOptions(CLI::App& keys, KeysConfig& config) {
    keys.add_option("action", config.action,
                    "generate (a new key and its line) or hash (the line for a key read from "
                    "stdin)")
        ->required()
        ->check(CLI::IsMember({"generate", "hash"}));
    keys.add_option("--name", config.name, "A name for the key, kept in the keys file");
}

void AddScoreOptions(CLI::App& score, ScoreConfig& config, const char* version) {
    score
        .add_option("--model", config.model_dir,
                    "Model repository or artifact folder (default: as serve --model-dir)")
        ->envname("OC5_MODEL_DIR")
        ->capture_default_str();
    score
        .add_option("--model-version", config.model_version,
                    "Version to score with (default: as serve --default-model)")
        ->envname("OC5_DEFAULT_MODEL");
    score.add_option("--in", config.in_path, "Input CSV (- for stdin)")->required();
    score.add_option("--out", config.out_path, "Output CSV (- for stdout)")->required();
    score.add_flag("--explain", config.explain, "Add the top 5 reasons (SHAP) per row");
    AddDatabaseUrl(score, config.database_url, "Prediction log to add the predictions to", ", none",
                   ", if it exists");
    config.agent = std::string("attrition/") + version;
}

void AddModelCardOptions(CLI::App& card, ModelCardConfig& config) {
    card.add_option("--model", config.model_dir, "Artifact folder, e.g. model/xgb_enhanced_v2.1")
        ->required();
    card.add_option("--out", config.out_path, "Output file (- for stdout)")->capture_default_str();
}

// Every subcommand: its configuration, and the subcommand CLI11 fills it from.
struct Commands {
    ServeConfig serve_config;
    CLI::App* serve = nullptr;
    TrainConfig train_config;
    CLI::App* train = nullptr;
    MigrateConfig migrate_config;
    CLI::App* migrate = nullptr;
    CleanupConfig cleanup_config;
    CLI::App* cleanup = nullptr;
    KeysConfig keys_config;
    CLI::App* keys = nullptr;
    ScoreConfig score_config;
    CLI::App* score = nullptr;
    OutcomesImportConfig outcomes_config;
    CLI::App* outcomes_import = nullptr;
    ModelCardConfig card_config;
    CLI::App* card = nullptr;
};

void DeclareCommands(CLI::App& cli, Commands& c, const char* version) {
    c.serve_config.server.threads =
        static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    c.serve = cli.add_subcommand("serve", "Run the HTTP service");
    AddServeOptions(*c.serve, c.serve_config);
    c.train = cli.add_subcommand("train", "Train the model and write the artifact folder");
    AddTrainOptions(*c.train, c.train_config);
    c.migrate = cli.add_subcommand("migrate", "Apply, roll back or list schema migrations");
    AddMigrateOptions(*c.migrate, c.migrate_config);
    c.cleanup =
        cli.add_subcommand("cleanup",
                           "Delete prediction log rows older than the retention period (what serve "
                           "runs daily)");
    AddCleanupOptions(*c.cleanup, c.cleanup_config);
    c.keys = cli.add_subcommand("keys", "Make API key lines for OC5_API_KEYS_FILE");
    AddKeysOptions(*c.keys, c.keys_config);
    c.score = cli.add_subcommand("score", "Score a roster CSV into an output CSV");
    AddScoreOptions(*c.score, c.score_config, version);
    auto* outcomes = cli.add_subcommand("outcomes", "Report what became of employees");
    outcomes->require_subcommand(1);
    c.outcomes_import = outcomes->add_subcommand(
        "import", "Store outcomes from a CSV (employee_id,event,date), as POST /api/v1/outcomes");
    AddDatabaseUrl(*c.outcomes_import, c.outcomes_config.database_url, "Database to store into");
    c.outcomes_import->add_option("--in", c.outcomes_config.in_path, "Input CSV (- for stdin)")
        ->required();
    c.card = cli.add_subcommand("model-card", "Write the model card (Markdown) of an artifact");
    AddModelCardOptions(*c.card, c.card_config);
}

// Runs the subcommand the command line named; its exit status.
int RunCommand(Commands& c, const char* version) {
    if (c.serve->parsed()) {
        ResolveDefaultDir(*c.serve, "--model-dir", c.serve_config.model_dir);
        ResolveDefaultDir(*c.serve, "--web-dir", c.serve_config.web_dir);
        return RunServe(c.serve_config, version);
    }
    if (c.score->parsed()) {
        ResolveDefaultDir(*c.score, "--model", c.score_config.model_dir);
        return RunScore(c.score_config);
    }
    if (c.migrate->parsed()) return RunMigrate(c.migrate_config);
    if (c.cleanup->parsed()) return RunCleanup(c.cleanup_config);
    if (c.keys->parsed()) return RunKeys(c.keys_config);
    if (c.outcomes_import->parsed()) return RunOutcomesImport(c.outcomes_config);
    if (c.train->parsed()) return RunTrain(c.train_config);
    if (c.card->parsed()) return RunModelCard(c.card_config);
    return 2;
}

}  // namespace

int Main(int argc, char** argv, const char* version) {
    CLI::App cli{
        "Attrition API: predicts whether an employee is about to leave, explains why, "
        "and logs every prediction."};
    cli.set_version_flag("--version", std::string("attrition ") + version);
    cli.require_subcommand(1);
    // Options of the whole program (--log-level) are taken after the subcommand too
    // (`attrition serve --log-level debug`, what scripts/run.sh passes on); inherited.
    cli.fallthrough();

    std::string log_level = "info";
    cli.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
        ->envname("OC5_LOG_LEVEL")
        ->capture_default_str();
    Commands commands;
    DeclareCommands(cli, commands, version);

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }

    if (auto logging = ops::SetupLogging(log_level); !logging) {
        fmt::print(stderr, "attrition: {}\n", logging.error().message);
        return 2;
    }
    return RunCommand(commands, version);
}

}  // namespace attrition::app
