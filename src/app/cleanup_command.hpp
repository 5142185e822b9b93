// Retention of the prediction log: `attrition cleanup [--retention-days N] [--dry-run]` by
// hand, and the same job run daily by `serve` (ops::DailyScheduler). Removes api_requests rows
// older than N days (their predictions go by cascade): on PostgreSQL whole expired months by
// dropping their partitions, the rest in bounded batches; logs what it removed and, in serve,
// records it as metrics (RetentionMetrics).
// CleanupOnce is stateless (thread-safe as the Database); RetentionMetrics is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "ops/metrics.hpp"
#include "store/database.hpp"
#include "store/job_runs.hpp"

namespace attrition::app {

inline constexpr int kDefaultRetentionDays = 365;
inline constexpr std::size_t kDefaultRetentionBatch = 1000;

struct CleanupConfig {
    std::string database_url;  // empty: the embedded SQLite default
    int retention_days = kDefaultRetentionDays;
    std::size_t batch_size = kDefaultRetentionBatch;
    bool dry_run = false;
};

struct CleanupReport {
    bool dry_run = false;
    base::SystemTime cutoff;  // rows created before this go
    std::uint64_t requests = 0;
    std::uint64_t predictions = 0;
    std::uint64_t batches = 0;             // 0 for a dry run
    std::uint64_t partitions_dropped = 0;  // PostgreSQL months dropped whole; 0 for a dry run
};

enum class CleanupMode {
    kDelete,  // delete what is older than the cutoff, in batches
    kDryRun,  // count what would go, delete nothing
};

struct CleanupPass {
    int retention_days = 365;
    std::size_t batch_size = kDefaultRetentionBatch;
    CleanupMode mode = CleanupMode::kDelete;
};

// One retention pass: cutoff = now - retention_days. Logs the outcome at info (error on
// failure).
base::Result<CleanupReport> CleanupOnce(store::Database& database,
                                        const CleanupPass& pass,
                                        const base::Clock& clock);

class RetentionMetrics;

// The scheduled pass of one slot, once across the replicas on the database: it runs only when
// this caller claims the slot (store::ClaimJobRun), records its outcome there and in metrics.
void RunRetentionSlot(store::Database& database,
                      const CleanupPass& pass,
                      const base::Clock& clock,
                      const store::JobClaim& claim,
                      RetentionMetrics& metrics);

// attrition_retention_* metrics of the scheduled job.
class RetentionMetrics {
  public:
    explicit RetentionMetrics(ops::Registry& registry);
    void Record(const base::Result<CleanupReport>& outcome, base::SystemTime finished_at);

  private:
    ops::Gauge& last_run_;
    ops::Gauge& last_success_;
    ops::Gauge& last_requests_;
    ops::Gauge& last_predictions_;
    ops::Counter& requests_total_;
    ops::Counter& predictions_total_;
    ops::Counter& failures_total_;
};

// Prints the outcome to stdout, errors (password redacted) to stderr; returns the exit code.
int RunCleanup(const CleanupConfig& config);

}  // namespace attrition::app
