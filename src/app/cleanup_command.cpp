#include "app/cleanup_command.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "store/database_url.hpp"
#include "store/log_reader.hpp"
#include "store/retention.hpp"

namespace attrition::app {

base::Result<CleanupReport> CleanupOnce(store::Database& database,
                                        const CleanupPass& pass,
                                        const base::Clock& clock) {
    const int retention_days = pass.retention_days;
    const std::size_t batch_size = pass.batch_size;
    const bool dry_run = pass.mode == CleanupMode::kDryRun;
    if (retention_days < 1) {
        return base::Fail(base::ErrorCode::kInvalidConfig, "retention days must be at least 1");
    }
    CleanupReport report;
    report.dry_run = dry_run;
    report.cutoff = clock.Now() - std::chrono::days(retention_days);
    const auto cutoff_text = base::FormatIso8601(report.cutoff);
    if (dry_run) {
        auto count = store::CountOlderThan(database, report.cutoff);
        if (!count) {
            spdlog::error("msg=\"retention dry run failed\" cutoff={} reason=\"{}\"", cutoff_text,
                          count.error().message);
            return tl::unexpected(count.error());
        }
        report.requests = count->requests;
        report.predictions = count->predictions;
        spdlog::info(
            "msg=\"retention dry run\" cutoff={} retention_days={} would_delete_requests={} "
            "would_delete_predictions={}",
            cutoff_text, retention_days, report.requests, report.predictions);
        return report;
    }
    auto deleted = store::DeleteOlderThan(database, report.cutoff, batch_size);
    if (!deleted) {
        spdlog::error("msg=\"retention failed\" cutoff={} reason=\"{}\"", cutoff_text,
                      deleted.error().message);
        return tl::unexpected(deleted.error());
    }
    report.requests = deleted->requests_deleted;
    report.predictions = deleted->predictions_deleted;
    report.batches = deleted->batches;
    report.partitions_dropped = deleted->partitions_dropped;
    spdlog::info(
        "msg=\"retention run\" cutoff={} retention_days={} deleted_requests={} "
        "deleted_predictions={} batches={} partitions_dropped={}",
        cutoff_text, retention_days, report.requests, report.predictions, report.batches,
        report.partitions_dropped);
    return report;
}

void RunRetentionSlot(store::Database& database,
                      const CleanupPass& pass,
                      const base::Clock& clock,
                      const store::JobClaim& claim,
                      RetentionMetrics& metrics) {
    const auto now = clock.Now();
    auto claimed = store::ClaimJobRun(database, claim, now, now - store::kStaleClaimAfter);
    if (!claimed) {
        spdlog::error("msg=\"retention claim failed\" slot={} reason=\"{}\"",
                      base::FormatIso8601(claim.slot), claimed.error().message);
        metrics.Record(tl::unexpected(claimed.error()), clock.Now());
        return;
    }
    if (!*claimed) {
        spdlog::info("msg=\"retention slot run by another replica\" slot={}",
                     base::FormatIso8601(claim.slot));
        return;
    }
    auto report = CleanupOnce(database, pass, clock);
    const auto recorded = store::FinishJobRun(database, claim, clock.Now(), report.has_value(), "");
    if (!recorded) {
        spdlog::error("msg=\"retention run not recorded\" slot={} reason=\"{}\"",
                      base::FormatIso8601(claim.slot), recorded.error().message);
    }
    metrics.Record(report, clock.Now());
}

RetentionMetrics::RetentionMetrics(ops::Registry& registry)
    : last_run_(registry
                    .AddGauge("attrition_retention_last_run_timestamp_seconds",
                              "When the retention job last finished (Unix time), success or not")
                    .With({})),
      last_success_(registry
                        .AddGauge("attrition_retention_last_success_timestamp_seconds",
                                  "When the retention job last succeeded (Unix time)")
                        .With({})),
      last_requests_(registry
                         .AddGauge("attrition_retention_last_deleted_requests",
                                   "api_requests rows deleted by the last successful run")
                         .With({})),
      last_predictions_(registry
                            .AddGauge("attrition_retention_last_deleted_predictions",
                                      "predictions rows deleted by the last successful run")
                            .With({})),
      requests_total_(registry
                          .AddCounter("attrition_retention_deleted_requests_total",
                                      "api_requests rows deleted by retention")
                          .With({})),
      predictions_total_(registry
                             .AddCounter("attrition_retention_deleted_predictions_total",
                                         "predictions rows deleted by retention (cascade)")
                             .With({})),
      failures_total_(
          registry.AddCounter("attrition_retention_failures_total", "Retention runs that failed")
              .With({})) {}

void RetentionMetrics::Record(const base::Result<CleanupReport>& outcome,
                              base::SystemTime finished_at) {
    const double now = std::chrono::duration<double>(finished_at.time_since_epoch()).count();
    last_run_.Set(now);
    if (!outcome) {
        failures_total_.Inc();
        return;
    }
    last_success_.Set(now);
    last_requests_.Set(static_cast<double>(outcome->requests));
    last_predictions_.Set(static_cast<double>(outcome->predictions));
    requests_total_.Inc(static_cast<double>(outcome->requests));
    predictions_total_.Inc(static_cast<double>(outcome->predictions));
}

int RunCleanup(const CleanupConfig& config) {
    const auto fail = [](const std::string& message) {
        fmt::print(stderr, "attrition cleanup: {}\n", message);
        return 1;
    };
    auto url = store::ParseDatabaseUrl(config.database_url);
    if (!url) return fail(url.error().message);
    if (url->backend == store::Backend::kNone) {
        return fail("OC5_DATABASE_URL=none: logging is off, there is nothing to clean up");
    }
    auto database = store::OpenDatabase(*url, store::DatabaseOptions{});
    if (!database) return fail(store::ScrubSecret(database.error().message, url->password));
    const base::SystemClock clock;
    auto report = CleanupOnce(
        **database,
        CleanupPass{.retention_days = config.retention_days,
                    .batch_size = config.batch_size,
                    .mode = config.dry_run ? CleanupMode::kDryRun : CleanupMode::kDelete},
        clock);
    if (!report) return fail(store::ScrubSecret(report.error().message, url->password));
    if (report->dry_run) {
        fmt::print("{}: dry run: would delete {} requests and {} predictions created before {}\n",
                   url->redacted, report->requests, report->predictions,
                   base::FormatIso8601(report->cutoff));
    } else {
        const auto dropped =
            report->partitions_dropped == 0
                ? std::string()
                : fmt::format(", {} month partitions dropped", report->partitions_dropped);
        fmt::print("{}: deleted {} requests and {} predictions created before {} ({} batches{})\n",
                   url->redacted, report->requests, report->predictions,
                   base::FormatIso8601(report->cutoff), report->batches, dropped);
    }
    return 0;
}

}  // namespace attrition::app
