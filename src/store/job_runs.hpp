// Scheduled jobs once per slot across every replica on one database (the job_runs table,
// migration 0004). A replica about to run job J for slot S calls ClaimJobRun: it wins when no
// row (J, S) exists, or when the row is unfinished and claimed before `stale_before` (its
// replica died mid-run); the others lose and do not run. The winner records the outcome, and a
// result text (the monitoring job's figures, JSON), with FinishJobRun; LatestJobRuns reads the
// newest finished run and the newest successful one, so that every replica, and a restarted
// one, exports the same figures. One INSERT … ON CONFLICT statement per claim: no session
// state, so it holds through pgbouncer's transaction pooling. Thread-safe as the Database.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "store/database.hpp"

namespace attrition::store {

struct JobClaim {
    std::string job;        // e.g. "monitoring"
    base::SystemTime slot;  // the schedule slot, e.g. 2026-12-02T03:00:00Z
    std::string owner;      // who claims: host and process id, for the operator
};

// An unfinished claim older than this is stale: its replica died mid-run, another may take it.
inline constexpr std::chrono::minutes kStaleClaimAfter{60};

// "host:pid": this process as a claimant.
std::string ProcessOwner();

// true: this caller runs the slot. Errors: as Database::RunTransaction's.
base::Result<bool> ClaimJobRun(Database& database,
                               const JobClaim& claim,
                               base::SystemTime now,
                               base::SystemTime stale_before);

// Records the outcome of a claimed run (only the claimant's row is updated).
base::Result<void> FinishJobRun(Database& database,
                                const JobClaim& claim,
                                base::SystemTime now,
                                bool succeeded,
                                std::string_view result);

struct FinishedJobRun {
    base::SystemTime slot;
    base::SystemTime finished_at;
    bool succeeded = false;
    std::string result;
};

struct JobHistory {
    std::optional<FinishedJobRun> last_run;      // newest finished, success or not
    std::optional<FinishedJobRun> last_success;  // newest succeeded
};

base::Result<JobHistory> LatestJobRuns(Database& database, std::string_view job);

// Whether (job, slot) is finished (by anyone): a replica that lost the claim waits for it.
base::Result<bool> JobRunFinished(Database& database, std::string_view job, base::SystemTime slot);

}  // namespace attrition::store
