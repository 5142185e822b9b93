#include "store/prediction_log.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <atomic>

#include "store/batch_writer.hpp"
#include "store/database_url.hpp"
#include "store/migrator.hpp"

namespace attrition::store {
namespace {

// OC5_DATABASE_URL=none: logging off. Acknowledges at once and stores nothing.
class DisabledPredictionLog final : public PredictionLog {
  public:
    void Append(RequestRecord /*record*/, AppendCallback on_durable) override {
        if (stopped_) {
            on_durable(base::Fail(base::ErrorCode::kUnavailable, "prediction log is shut down"));
            return;
        }
        on_durable({});
    }
    LogStatus Status() const override {
        LogStatus status;
        status.backend = "none";
        status.database = "none";
        return status;
    }
    void Shutdown() override { stopped_ = true; }

  private:
    std::atomic<bool> stopped_{false};
};

}  // namespace

base::Result<std::unique_ptr<PredictionLog>> OpenPredictionLog(std::string_view database_url,
                                                               const LogOptions& options) {
    if (options.queue_capacity == 0 || options.max_batch == 0 ||
        options.commit_timeout.count() <= 0 || options.spool_max_bytes == 0) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          "prediction log options: queue_capacity, max_batch, commit_timeout "
                          "and spool_max_bytes must be positive");
    }
    auto url = ParseDatabaseUrl(database_url);
    if (!url) return tl::unexpected(url.error());
    if (url->backend == Backend::kNone) {
        spdlog::warn("msg=\"prediction logging is off (OC5_DATABASE_URL=none)\"");
        return std::unique_ptr<PredictionLog>(std::make_unique<DisabledPredictionLog>());
    }
    DatabaseOptions database_options;
    database_options.pool_size = options.pool_size;
    database_options.statement_timeout = options.commit_timeout;
    database_options.connect_timeout = options.connect_timeout;
    database_options.reconnect_backoff_initial = options.reconnect_backoff_initial;
    database_options.reconnect_backoff_max = options.reconnect_backoff_max;
    database_options.observer = options.observer;
    auto database = OpenDatabase(*url, database_options);
    if (!database) {
        auto error = database.error();
        error.message =
            ScrubSecret("prediction log database unavailable: " + error.message, url->password);
        return tl::unexpected(std::move(error));
    }
    auto migrations = EmbeddedMigrations((*database)->Kind());
    if (!migrations) return tl::unexpected(migrations.error());
    Migrator migrator(**database, std::move(*migrations));
    if (url->is_default || options.migrate) {
        if (auto applied = migrator.Up(); !applied) {
            auto error = applied.error();
            error.message = ScrubSecret(error.message, url->password);
            return tl::unexpected(std::move(error));
        }
    } else if (auto current = migrator.CheckCurrent(); !current) {
        return tl::unexpected(current.error());
    }
    auto spool = Spool::Open(options.spool_dir, options.spool_max_bytes);
    if (!spool) return tl::unexpected(spool.error());
    spdlog::info("msg=\"prediction log open\" backend={} database={} spool={}",
                 BackendName(url->backend), url->redacted, (*spool)->FilePath().string());
    return std::unique_ptr<PredictionLog>(
        std::make_unique<BatchWriter>(std::move(*database), std::move(*spool), options));
}

}  // namespace attrition::store
