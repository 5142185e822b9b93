// The job_runs table (migration 0004) on SQLite, PostgreSQL direct and through pgbouncer: one
// claimant per (job, slot) even when several race for it, a stale unfinished claim taken over,
// a finished one never, and the history that replicas export.
#include "store/job_runs.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/store/store_test_support.hpp"
#include "store/database_url.hpp"

namespace attrition::test {
namespace {

using namespace std::chrono_literals;
using JobRunsTest = MigratedBackendTest;

base::SystemTime At(int day, int hour) {
    return std::chrono::sys_days(std::chrono::year(2026) / 12 / day) + std::chrono::hours(hour);
}

store::JobClaim Claim(std::string owner, base::SystemTime slot = At(2, 3)) {
    return {"monitoring", slot, std::move(owner)};
}

TEST_P(JobRunsTest, OneOfManyRacingClaimantsRunsTheSlot) {
    auto url = store::ParseDatabaseUrl(db_.url);
    ASSERT_TRUE(url);
    // Each "replica" has its own connection (pool), as separate processes would.
    std::vector<std::unique_ptr<store::Database>> replicas;
    for (int i = 0; i < 4; ++i) {
        auto database = store::OpenDatabase(*url, {});
        ASSERT_TRUE(database) << database.error().message;
        replicas.push_back(std::move(*database));
    }
    std::atomic<int> winners{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&, i] {
            const auto now = At(2, 3);
            auto claimed = store::ClaimJobRun(*replicas[static_cast<std::size_t>(i)],
                                              Claim("replica-" + std::to_string(i)), now, now - 1h);
            if (!claimed) {
                ++failures;
            } else if (*claimed) {
                ++winners;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(db_.Query("SELECT count(*) FROM job_runs"), "1");
    // Another slot is another run.
    auto next = store::ClaimJobRun(*database_, Claim("replica-0", At(3, 3)), At(3, 3), At(3, 2));
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_TRUE(*next);
}

TEST_P(JobRunsTest, AStaleUnfinishedClaimIsTakenOverAndAFinishedOneNever) {
    const auto slot = At(2, 3);
    auto first = store::ClaimJobRun(*database_, Claim("a"), slot, slot - 1h);
    ASSERT_TRUE(first && *first);
    // Half an hour later, a still running claim is not stale.
    auto early = store::ClaimJobRun(*database_, Claim("b"), slot + 30min, slot - 30min);
    ASSERT_TRUE(early);
    EXPECT_FALSE(*early);
    auto finished = store::JobRunFinished(*database_, "monitoring", slot);
    ASSERT_TRUE(finished);
    EXPECT_FALSE(*finished);
    // Two hours later "a" never finished: "b" takes over, and only "b" can finish it.
    auto late = store::ClaimJobRun(*database_, Claim("b"), slot + 2h, slot + 1h);
    ASSERT_TRUE(late);
    EXPECT_TRUE(*late);
    ASSERT_TRUE(store::FinishJobRun(*database_, Claim("a"), slot + 2h, false, "stale"));
    EXPECT_EQ(db_.Query("SELECT count(*) FROM job_runs WHERE finished_at IS NULL"), "1");
    ASSERT_TRUE(store::FinishJobRun(*database_, Claim("b"), slot + 3h, true, R"({"figures":[]})"));
    finished = store::JobRunFinished(*database_, "monitoring", slot);
    ASSERT_TRUE(finished);
    EXPECT_TRUE(*finished);
    // Finished: never claimed again, however old.
    auto again = store::ClaimJobRun(*database_, Claim("c"), slot + 48h, slot + 47h);
    ASSERT_TRUE(again);
    EXPECT_FALSE(*again);
    EXPECT_EQ(db_.Query("SELECT claimed_by FROM job_runs"), "b");
}

TEST_P(JobRunsTest, HistoryNamesTheNewestRunAndTheNewestSuccessWithItsResult) {
    auto empty = store::LatestJobRuns(*database_, "monitoring");
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_FALSE(empty->last_run);
    EXPECT_FALSE(empty->last_success);

    for (const auto& [day, succeeded, result] :
         {std::tuple{1, true, "first"}, std::tuple{2, true, "second"}, std::tuple{3, false, "x"}}) {
        const auto claim = Claim("a", At(day, 3));
        ASSERT_TRUE(store::ClaimJobRun(*database_, claim, At(day, 3), At(day, 2)));
        ASSERT_TRUE(store::FinishJobRun(*database_, claim, At(day, 4), succeeded, result));
    }
    // Another job's runs are not this one's.
    ASSERT_TRUE(store::ClaimJobRun(*database_, {"retention", At(4, 2), "a"}, At(4, 2), At(4, 1)));
    ASSERT_TRUE(store::FinishJobRun(*database_, {"retention", At(4, 2), "a"}, At(4, 3), true, ""));

    auto history = store::LatestJobRuns(*database_, "monitoring");
    ASSERT_TRUE(history) << history.error().message;
    ASSERT_TRUE(history->last_run);
    EXPECT_EQ(history->last_run->slot, At(3, 3));
    EXPECT_EQ(history->last_run->finished_at, At(3, 4));
    EXPECT_FALSE(history->last_run->succeeded);
    ASSERT_TRUE(history->last_success);
    EXPECT_EQ(history->last_success->slot, At(2, 3));
    EXPECT_TRUE(history->last_success->succeeded);
    EXPECT_EQ(history->last_success->result, "second");
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         JobRunsTest,
                         ::testing::ValuesIn(kAllStoreBackends),
                         BackendParamName);

}  // namespace
}  // namespace attrition::test
