// The durability promise against a real PostgreSQL: the server crashes in the middle of a run
// (direct, and through pgbouncer where the symptom is a hang, not a refused connection),
// appends keep being acknowledged through the spool, and after the restart every acknowledged
// record is in the database exactly once. And a process killed with records in its spool has
// them replayed by the next process on open.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "harness/child_process.hpp"
#include "harness/postgres_cluster.hpp"
#include "integration/store/store_test_support.hpp"
#include "store/database.hpp"
#include "store/database_url.hpp"
#include "store/prediction_log.hpp"

#ifndef ATTRITION_SPOOL_CRASH_HELPER
#error "ATTRITION_SPOOL_CRASH_HELPER must name the helper executable"
#endif

namespace attrition::test {
namespace {

using namespace std::chrono_literals;

store::LogOptions FastOptions(const TestDatabase& db) {
    store::LogOptions options;
    options.spool_dir = db.scratch_dir + "/spool";
    options.migrate = true;
    options.commit_timeout = 500ms;
    options.connect_timeout = 2000ms;
    options.reconnect_backoff_initial = 50ms;
    options.reconnect_backoff_max = 300ms;
    return options;
}

// Waits until the spool is empty and the queue drained.
bool WaitForDrain(store::PredictionLog& log, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto status = log.Status();
        if (status.spool_records == 0 && status.spool_bytes == 0 && status.queue_depth == 0 &&
            status.database_reachable) {
            return true;
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

class OutageTest : public ::testing::TestWithParam<StoreBackend> {
  protected:
    void SetUp() override {
        if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 or pgbouncer not installed";
    }
    void TearDown() override {
        if (PostgresAvailable() && !PostgresCluster::Shared().Running()) {
            PostgresCluster::Shared().Start();
        }
    }
};

TEST_P(OutageTest, DatabaseCrashMidRunLosesNothing) {
    auto db = TestDatabase::Create(GetParam(), "outage");
    auto& cluster = PostgresCluster::Shared();
    auto opened = store::OpenPredictionLog(db.url, FastOptions(db));
    ASSERT_TRUE(opened) << opened.error().message;
    auto& log = **opened;

    Completions completions;
    std::size_t appended = 0;
    std::size_t predictions = 0;
    const auto append = [&](int count) {
        for (int i = 0; i < count; ++i) {
            const int n = static_cast<int>(appended % 3);
            log.Append(MakeRecord(n, std::chrono::system_clock::now()), completions.Callback());
            ++appended;
            predictions += static_cast<std::size_t>(n);
            std::this_thread::sleep_for(1ms);
        }
    };
    append(40);
    ASSERT_TRUE(completions.Wait(appended, 20s));
    cluster.Stop("immediate");
    append(60);  // database down: spooled
    ASSERT_TRUE(completions.Wait(appended, 30s));
    const auto during = log.Status();
    EXPECT_GT(during.records_spooled, 0U);
    EXPECT_GT(during.spool_records, 0U);
    EXPECT_FALSE(during.database_reachable);
    cluster.Start();
    append(40);
    ASSERT_TRUE(completions.Wait(appended, 30s));
    EXPECT_EQ(completions.Ok(), appended);
    for (const auto& error : completions.Errors()) ADD_FAILURE() << error.message;
    EXPECT_TRUE(WaitForDrain(log, 30s));
    const auto after = log.Status();
    log.Shutdown();
    EXPECT_GT(after.records_replayed, 0U);
    EXPECT_EQ(db.Query("SELECT count(*) FROM api_requests"), std::to_string(appended));
    EXPECT_EQ(db.Query("SELECT count(DISTINCT id) FROM api_requests"), std::to_string(appended));
    EXPECT_EQ(db.Query("SELECT count(*) FROM predictions"), std::to_string(predictions));
}

TEST(SpoolFullTest, RefusesWhatItCannotStoreAndKeepsWhatItAcknowledged) {
    if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 not installed";
    auto db = TestDatabase::Create(StoreBackend::kPostgres, "spool_full");
    auto& cluster = PostgresCluster::Shared();
    auto options = FastOptions(db);
    options.spool_max_bytes = 8 * 1024;  // room for about 15 records
    auto opened = store::OpenPredictionLog(db.url, options);
    ASSERT_TRUE(opened) << opened.error().message;
    auto& log = **opened;
    cluster.Stop("immediate");
    Completions completions;
    constexpr std::size_t kAppends = 40;
    for (std::size_t i = 0; i < kAppends; ++i) {
        log.Append(MakeRecord(1, std::chrono::system_clock::now()), completions.Callback());
        ASSERT_TRUE(completions.Wait(i + 1, 20s));  // one record per batch: deterministic
    }
    const auto acknowledged = completions.Ok();
    EXPECT_GT(acknowledged, 0U);
    EXPECT_LT(acknowledged, kAppends);
    for (const auto& error : completions.Errors()) {
        EXPECT_EQ(error.code, base::ErrorCode::kOverloaded) << error.message;
    }
    const auto full = log.Status();
    EXPECT_EQ(full.rejected_spool_full, kAppends - acknowledged);
    EXPECT_LE(full.spool_bytes, options.spool_max_bytes);
    cluster.Start();
    EXPECT_TRUE(WaitForDrain(log, 30s));
    Completions after;
    log.Append(MakeRecord(1, std::chrono::system_clock::now()), after.Callback());
    ASSERT_TRUE(after.Wait(1, 20s));
    EXPECT_EQ(after.Ok(), 1U);
    log.Shutdown();
    EXPECT_EQ(db.Query("SELECT count(*) FROM api_requests"), std::to_string(acknowledged + 1));
}

TEST(QueueFullTest, FullQueueFailsInlineAndSlowDatabaseSpools) {
    if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 not installed";
    auto db = TestDatabase::Create(StoreBackend::kPostgres, "queue_full");
    auto& cluster = PostgresCluster::Shared();
    auto options = FastOptions(db);
    options.queue_capacity = 4;
    options.commit_timeout = 2000ms;
    auto opened = store::OpenPredictionLog(db.url, options);
    ASSERT_TRUE(opened) << opened.error().message;
    auto& log = **opened;
    Completions completions;
    log.Append(MakeRecord(1, std::chrono::system_clock::now()), completions.Callback());
    ASSERT_TRUE(completions.Wait(1, 10s));

    // Another session holds an exclusive lock on api_requests: the database is up but slower
    // than commit_timeout, and the writer is stuck in one batch until then.
    ChildProcess locker(
        {.argv = {"/usr/bin/psql", "-X", "-q", "-h", "127.0.0.1", "-p",
                  std::to_string(cluster.Port()), "-U", "postgres", "-d", db.name, "-c",
                  "BEGIN; LOCK TABLE api_requests IN ACCESS EXCLUSIVE MODE; "
                  "SELECT pg_sleep(4); COMMIT;"},
         .log_path = db.scratch_dir + "/locker.log"});
    const auto lock_deadline = std::chrono::steady_clock::now() + 10s;
    while (db.Query("SELECT count(*) FROM pg_locks WHERE relation = 'api_requests'::regclass "
                    "AND mode = 'AccessExclusiveLock' AND granted") != "1") {
        ASSERT_LT(std::chrono::steady_clock::now(), lock_deadline) << "the lock was not taken";
        std::this_thread::sleep_for(10ms);
    }
    log.Append(MakeRecord(1, std::chrono::system_clock::now()), completions.Callback());
    const auto taken_deadline = std::chrono::steady_clock::now() + 5s;
    while (log.Status().queue_depth != 0 && std::chrono::steady_clock::now() < taken_deadline) {
        std::this_thread::sleep_for(1ms);
    }
    for (int i = 0; i < 4; ++i) {
        log.Append(MakeRecord(1, std::chrono::system_clock::now()), completions.Callback());
    }
    EXPECT_EQ(log.Status().queue_depth, 4U);
    log.Append(MakeRecord(1, std::chrono::system_clock::now()), completions.Callback());
    // The refusal arrived inline, before Append returned.
    const auto errors = completions.Errors();
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].code, base::ErrorCode::kOverloaded);
    EXPECT_EQ(log.Status().rejected_overloaded, 1U);

    ASSERT_TRUE(completions.Wait(7, 30s));
    EXPECT_EQ(completions.Ok(), 6U);
    EXPECT_GT(log.Status().records_spooled, 0U);  // the slow batch went to the spool
    EXPECT_EQ(locker.Wait(20s), 0);
    EXPECT_TRUE(WaitForDrain(log, 30s));
    log.Shutdown();
    EXPECT_EQ(db.Query("SELECT count(*) FROM api_requests"), "6");
}

TEST(ConnectionPoolTest, HealthCheckAndBackoffAcrossARestart) {
    if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 not installed";
    auto db = TestDatabase::Create(StoreBackend::kPostgres, "pool");
    auto& cluster = PostgresCluster::Shared();
    auto url = store::ParseDatabaseUrl(db.url);
    ASSERT_TRUE(url);
    store::DatabaseOptions checked;
    checked.health_check_idle = 0s;  // check every idle connection before use
    checked.reconnect_backoff_initial = 2000ms;
    store::DatabaseOptions unchecked;
    unchecked.health_check_idle = 3600s;
    auto with_check = store::OpenDatabase(*url, checked);
    auto without_check = store::OpenDatabase(*url, unchecked);
    ASSERT_TRUE(with_check && without_check);

    cluster.Stop("immediate");
    cluster.Start();
    // The idle connection died with the server: the health check replaces it unnoticed...
    EXPECT_TRUE((*with_check)->Ping());
    // ...while without it the first statement on the dead connection fails (and drops it).
    EXPECT_FALSE((*without_check)->Ping());
    EXPECT_TRUE((*without_check)->Ping());

    cluster.Stop("immediate");
    EXPECT_FALSE((*with_check)->Ping());  // the health check fails, the reconnect is refused
    auto backing_off = (*with_check)->Ping();
    ASSERT_FALSE(backing_off);
    EXPECT_EQ(backing_off.error().code, base::ErrorCode::kUnavailable);
    EXPECT_NE(backing_off.error().message.find("next attempt in"), std::string::npos)
        << backing_off.error().message;
    cluster.Start();
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         OutageTest,
                         ::testing::Values(StoreBackend::kPostgres, StoreBackend::kPgBouncer),
                         [](const auto& test_param) { return BackendLabel(test_param.param); });

TEST(CrashRecoveryTest, SpoolOfAKilledProcessIsReplayedOnOpen) {
    if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 not installed";
    auto db = TestDatabase::Create(StoreBackend::kPostgres, "crash");
    auto& cluster = PostgresCluster::Shared();
    {
        // Migrate first, so the helper opens a current schema.
        auto log = store::OpenPredictionLog(db.url, FastOptions(db));
        ASSERT_TRUE(log) << log.error().message;
    }
    const auto spool_dir = db.scratch_dir + "/spool";
    const auto go_file = db.scratch_dir + "/go";
    const auto output = db.scratch_dir + "/helper.log";
    constexpr int kRecords = 50;
    ChildProcess helper({.argv = {ATTRITION_SPOOL_CRASH_HELPER, db.url, spool_dir, go_file,
                                  std::to_string(kRecords)},
                         .log_path = output});
    const auto wait_for = [&](const std::string& text) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (ReadFile(output).find(text) != std::string::npos) return true;
            if (!helper.Running()) return false;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    };
    ASSERT_TRUE(wait_for("READY")) << ReadFile(output);
    cluster.Stop("immediate");
    { std::ofstream(go_file) << "go"; }
    ASSERT_TRUE(wait_for("ACKED 50 ERRORS 0")) << ReadFile(output);
    helper.Signal(SIGKILL);
    EXPECT_TRUE(helper.Wait(10s).has_value());
    EXPECT_GT(std::filesystem::file_size(spool_dir + "/prediction-log.spool"), 0U);
    cluster.Start();
    EXPECT_EQ(db.Query("SELECT count(*) FROM api_requests"), "0");

    auto next = store::OpenPredictionLog(db.url, FastOptions(db));
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_TRUE(WaitForDrain(**next, 30s));
    const auto status = (*next)->Status();
    (*next)->Shutdown();
    EXPECT_EQ(status.records_replayed, static_cast<std::uint64_t>(kRecords));
    EXPECT_EQ(db.Query("SELECT count(*) FROM api_requests"), std::to_string(kRecords));
    EXPECT_EQ(db.Query("SELECT count(*) FROM predictions"), "49");  // 0+1+2 repeating, 50 records
    EXPECT_EQ(std::filesystem::file_size(spool_dir + "/prediction-log.spool"), 0U);
}

}  // namespace
}  // namespace attrition::test
