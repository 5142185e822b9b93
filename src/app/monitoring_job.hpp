// The daily evaluation of the served model: `serve` runs it at OC5_MONITORING_TIME (03:00 UTC)
// on its scheduler, and at start for the slot just past. Once per slot across every replica on
// the database (store::ClaimJobRun): the replica that claims the slot evaluates the default and
// the shadow version (each as its own) — live performance and fairness over the whole log at the
// endpoints' default horizon, drift of the last days — and stores the figures with the run; the
// others wait for that run to finish and load them. Every replica, and one restarted, so exports
// the same attrition_* model-health gauges (MonitoringGauges), which the alert rules
// (deploy/prometheus/attrition-rules.yml) and the dashboard (deploy/grafana/) read.
// Figures are also recomputed between slots (RequestRefresh), on the job's own refresh thread,
// as a run of its own (its slot: the millisecond it starts): at start when the slot's figures do
// not describe exactly the versions this replica serves, after a reload that changed the
// default or the shadow model, and on POST /api/v1/monitoring/refresh. A gauge then never
// describes a version that is no longer served.
// Thread-safety: MonitoringGauges and MonitoringJob are thread-safe; RunSlot runs on one thread
// (the scheduler's) at a time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "model/catalog.hpp"
#include "ops/metrics.hpp"
#include "store/database.hpp"
#include "store/job_runs.hpp"

namespace attrition::app {

inline constexpr std::string_view kMonitoringJob = "monitoring";

struct MonitoringSettings {
    int horizon_days = 365;  // live performance and fairness (the endpoints' default)
    int drift_days = 30;     // the drift window (the endpoint's default)
    // A claim older than this, unfinished, is taken over (its replica died mid-run).
    std::chrono::minutes stale_claim = store::kStaleClaimAfter;
    // How often a replica that lost the claim looks whether the run finished.
    std::chrono::milliseconds follow_poll{10000};
};

// One exported figure: a gauge family, its label values, the value.
struct GaugeFigure {
    std::string metric;
    std::vector<std::string> labels;
    double value = 0;
    bool operator==(const GaugeFigure&) const = default;
};

// Evaluates the default and the shadow version of `models` on the log as of `now`. A figure
// that is undefined (no outcomes resolve a class, no drift distributions) is left out.
// Errors: the store's.
base::Result<std::vector<GaugeFigure>> EvaluateModels(store::Database& database,
                                                      const model::Repository& models,
                                                      base::SystemTime now,
                                                      const MonitoringSettings& settings);

// The figures as job_runs.result keeps them (JSON), and back (kInternal when unreadable).
std::string FiguresToJson(std::span<const GaugeFigure> figures);
base::Result<std::vector<GaugeFigure>> FiguresFromJson(std::string_view json);

// The model-health gauge families, set from a run's figures all at once (a scrape sees one
// run's figures, never a mix); a figure of a family this build does not know is ignored.
class MonitoringGauges {
  public:
    explicit MonitoringGauges(ops::Registry& registry);
    void Export(std::span<const GaugeFigure> figures);
    // attrition_monitoring_last_{run,success}_timestamp_seconds from the job's history.
    void ExportHistory(const store::JobHistory& history);

  private:
    std::vector<ops::Family<ops::Gauge>*> families_;
    ops::Gauge& last_run_;
    ops::Gauge& last_success_;
    std::mutex mutex_;  // one Export at a time
};

class MonitoringJob {
  public:
    MonitoringJob(store::Database& database,
                  const model::Catalog& models,
                  const base::Clock& clock,
                  MonitoringGauges& gauges,
                  MonitoringSettings settings,
                  std::string owner);

    // Runs the slot (when this replica claims it) or follows it (waits until the claimant
    // finished, or takes a stale claim over), then exports the newest successful figures.
    // Failures are logged; nothing throws.
    void RunSlot(base::SystemTime slot);
    // Asks for a run now, on the refresh thread; `reason` is logged with it. A request while
    // one is waiting joins it: false then (it runs once, after the current run, if any).
    bool RequestRefresh(std::string reason);
    // Starts the thread that runs refreshes (serve does, with the schedule).
    void StartRefreshes();
    // A RunSlot waiting for another replica returns promptly; a waiting refresh is dropped and
    // a running one finishes, then the refresh thread is joined. Idempotent.
    void Stop();
    ~MonitoringJob();

  private:
    bool Claim(const store::JobClaim& claim);
    void RunSlotOnce(base::SystemTime slot);
    // Evaluates and records the run; false when it could not be recorded (its figures, if
    // any, are then exported from memory).
    bool Evaluate(const store::JobClaim& claim);
    void ExportLatest();
    void RefreshLoop();
    // Whether the exported figures describe exactly the versions served now.
    bool DescribesServed();

    store::Database& database_;
    const model::Catalog& models_;
    const base::Clock& clock_;
    MonitoringGauges& gauges_;
    const MonitoringSettings settings_;
    const std::string owner_;
    std::mutex mutex_;
    std::condition_variable stop_;
    bool stopping_ = false;
    std::condition_variable refresh_wanted_;
    std::string refresh_reason_;               // non-empty: a refresh is waiting
    bool first_slot_ = true;                   // the scheduler thread's
    std::set<std::string> exported_versions_;  // of the last figures exported (mutex_)
    std::thread refresher_;
};

}  // namespace attrition::app
