// Every acknowledged prediction lands in the database exactly once, under concurrent load
// against the real binary: many clients through pgbouncer (transaction mode), the service
// SIGKILLed in the middle of a run and restarted on the same spool, and SIGTERM under load.
// Employees carry a unique employee_id per request so that rows are matched to responses.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "e2e/support/log_support.hpp"
#include "harness/child_process.hpp"
#include "harness/postgres_cluster.hpp"
#include "harness/service_process.hpp"

namespace attrition::test::log_load_test {
namespace {

using namespace std::chrono_literals;

class LogLoadTest : public ::testing::Test {
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

// Every acknowledged marker is in predictions exactly once; returns how many markers of
// `others` are there too (those requests were not acknowledged).
std::size_t ExpectAcknowledgedExactlyOnce(const LogProbe& probe,
                                          const Tally& tally,
                                          const std::set<std::string>& others = {}) {
    const auto ids = probe.EmployeeIds();
    std::size_t missing = 0;
    for (const auto& marker : tally.acknowledged_markers) {
        const auto found = ids.find(marker);
        if (found == ids.end()) {
            ++missing;
            ADD_FAILURE() << "acknowledged but not in the database: " << marker;
        } else {
            EXPECT_EQ(found->second, 1) << "stored more than once: " << marker;
        }
    }
    EXPECT_EQ(missing, 0U);
    std::size_t also_stored = 0;
    for (const auto& marker : others) also_stored += ids.count(marker);
    return also_stored;
}

bool AllAcknowledgedStored(const LogProbe& probe, const Tally& tally) {
    try {
        const auto ids = probe.EmployeeIds();
        for (const auto& marker : tally.acknowledged_markers) {
            if (!ids.count(marker)) return false;
        }
        return true;
    } catch (const std::exception&) {
        return false;  // the database is still starting
    }
}

TEST_F(LogLoadTest, ConcurrentClientsThroughPgBouncerLeaveOneRowPerResponse) {
    auto& cluster = PostgresCluster::Shared();
    const auto name = UniqueDatabaseName("logtest_concurrent");
    cluster.CreateDatabase(name);
    cluster.StartPgBouncer();
    const auto probe = LogProbe::Postgres(cluster.Url(name));
    ServiceProcess service({.flags = {"--threads", "4", "--migrate"},
                            .env = {{"OC5_DATABASE_URL", cluster.PgBouncerUrl(name)}}});

    constexpr int kClients = 8;
    constexpr int kPerClient = 25;
    LoadDriver load(service.Port(), kClients, kPerClient,
                    [](int client, int index) { return MixedRequest("conc", client, index); });
    const auto tally = Summarize(load.Finish());
    EXPECT_EQ(tally.attempted, static_cast<std::size_t>(kClients * kPerClient));
    EXPECT_EQ(tally.answered, tally.attempted);
    EXPECT_EQ(tally.unavailable, 0U);
    // Every planned request with employees is valid; the others are the 422s of the mix.
    std::size_t valid_planned = 0;
    for (int c = 0; c < kClients; ++c) {
        for (int i = 0; i < kPerClient; ++i) {
            valid_planned += MixedRequest("conc", c, i).markers.empty() ? 0 : 1;
        }
    }
    EXPECT_EQ(tally.acknowledged, valid_planned);

    // A record acknowledged through the spool (a commit slower than the timeout on a loaded
    // machine) reaches the database a little later: wait for it, then count exactly.
    EXPECT_TRUE(Eventually([&] {
        return probe.Count("SELECT count(*) FROM api_requests") >=
               static_cast<long long>(tally.answered);
    }));
    EXPECT_EQ(service.Stop(), 0);
    const auto rows = probe.Count("SELECT count(*) FROM api_requests");
    const auto distinct = probe.Count("SELECT count(DISTINCT id) FROM api_requests");
    const auto predictions = probe.Count("SELECT count(*) FROM predictions");
    const auto rejected_rows =
        probe.Count("SELECT count(*) FROM api_requests WHERE http_status = 422");
    EXPECT_EQ(rows, static_cast<long long>(tally.answered));
    EXPECT_EQ(distinct, rows);
    EXPECT_EQ(rejected_rows, static_cast<long long>(tally.answered - tally.acknowledged));
    EXPECT_EQ(predictions, static_cast<long long>(tally.acknowledged_predictions));
    ExpectAcknowledgedExactlyOnce(probe, tally);
    PrintFigures("log_load/concurrent_pgbouncer",
                 {{"clients", kClients},
                  {"requests_sent", static_cast<long long>(tally.sent)},
                  {"responses", static_cast<long long>(tally.answered)},
                  {"acknowledged_2xx", static_cast<long long>(tally.acknowledged)},
                  {"api_requests_rows", rows},
                  {"api_requests_distinct_ids", distinct},
                  {"predictions_expected", static_cast<long long>(tally.acknowledged_predictions)},
                  {"predictions_rows", predictions}});
}

TEST_F(LogLoadTest, SigkillMidRunLosesNoAcknowledgedPrediction) {
    auto& cluster = PostgresCluster::Shared();
    const auto url = cluster.CreateDatabase(UniqueDatabaseName("logtest_sigkill"));
    const auto probe = LogProbe::Postgres(url);
    const auto spool_dir = MakeTempDir("logtest-sigkill") + "/spool";
    const ServiceOptions options{.flags = {"--threads", "4", "--migrate", "--spool-dir", spool_dir},
                                 .env = {{"OC5_DATABASE_URL", url}}};
    Tally tally;
    std::size_t acknowledged_before_outage = 0;
    {
        ServiceProcess service(options);
        LoadDriver load(service.Port(), 6, 0, [](int client, int index) {
            return PredictRequest("kill", client, index);
        });
        ASSERT_TRUE(Eventually([&] { return load.Acknowledged() >= 40; }));
        // The database goes away too, so that the crash leaves acknowledged records in the
        // spool that only the next process can deliver.
        cluster.Stop("immediate");
        acknowledged_before_outage = load.Acknowledged();
        ASSERT_TRUE(
            Eventually([&] { return load.Acknowledged() >= acknowledged_before_outage + 40; }));
        service.Kill();  // clients are mid-request
        tally = Summarize(load.Finish());
    }
    cluster.Start();
    ServiceProcess restarted(options);  // same spool folder, same database
    EXPECT_TRUE(Eventually([&] { return AllAcknowledgedStored(probe, tally); }));
    EXPECT_EQ(restarted.Stop(), 0);

    EXPECT_GT(tally.acknowledged, acknowledged_before_outage);
    const auto not_acknowledged_but_stored =
        ExpectAcknowledgedExactlyOnce(probe, tally, tally.unanswered_markers);
    const auto rows = probe.Count("SELECT count(*) FROM predictions");
    EXPECT_EQ(probe.Count("SELECT count(DISTINCT employee_id) FROM predictions"), rows);
    EXPECT_EQ(probe.Count("SELECT count(DISTINCT id) FROM api_requests"),
              probe.Count("SELECT count(*) FROM api_requests"));
    // Rows beyond the acknowledged ones can only be requests whose answer the crash cut off.
    EXPECT_EQ(static_cast<std::size_t>(rows),
              tally.acknowledged_predictions + not_acknowledged_but_stored);
    PrintFigures(
        "log_load/sigkill_mid_run",
        {{"requests_sent", static_cast<long long>(tally.sent)},
         {"acknowledged_2xx", static_cast<long long>(tally.acknowledged)},
         {"acknowledged_before_db_stop", static_cast<long long>(acknowledged_before_outage)},
         {"unanswered", static_cast<long long>(tally.sent - tally.answered)},
         {"predictions_rows", rows},
         {"rows_of_unanswered_requests", static_cast<long long>(not_acknowledged_but_stored)}});
}

TEST_F(LogLoadTest, SigtermUnderLoadDropsNothingInFlight) {
    auto& cluster = PostgresCluster::Shared();
    const auto url = cluster.CreateDatabase(UniqueDatabaseName("logtest_sigterm"));
    const auto probe = LogProbe::Postgres(url);
    ServiceProcess service(
        {.flags = {"--threads", "4", "--migrate"}, .env = {{"OC5_DATABASE_URL", url}}});
    LoadDriver load(service.Port(), 8, 0,
                    [](int client, int index) { return MixedRequest("term", client, index); });
    ASSERT_TRUE(Eventually([&] { return load.Completed() >= 80; }));
    const int exit_code = service.Stop();  // SIGTERM while the clients keep sending
    const auto tally = Summarize(load.Finish());
    EXPECT_EQ(exit_code, 0);

    // Right after exit, with no other process running: everything acknowledged is stored.
    const auto processed_without_answer =
        ExpectAcknowledgedExactlyOnce(probe, tally, tally.unanswered_markers);
    // A request that got no answer was never processed: the service closed the connection
    // before reading it, it did not drop it half-way.
    EXPECT_EQ(processed_without_answer, 0U);
    const auto requests = probe.Count("SELECT count(*) FROM api_requests");
    const auto predictions = probe.Count("SELECT count(*) FROM predictions");
    EXPECT_EQ(requests, static_cast<long long>(tally.answered - tally.unavailable));
    EXPECT_EQ(predictions, static_cast<long long>(tally.acknowledged_predictions));
    PrintFigures("log_load/sigterm_under_load",
                 {{"requests_attempted", static_cast<long long>(tally.attempted)},
                  {"requests_sent", static_cast<long long>(tally.sent)},
                  {"responses", static_cast<long long>(tally.answered)},
                  {"acknowledged_2xx", static_cast<long long>(tally.acknowledged)},
                  {"unanswered_after_send", static_cast<long long>(tally.sent - tally.answered)},
                  {"api_requests_rows", requests},
                  {"predictions_rows", predictions},
                  {"exit_code", exit_code}});
}

}  // namespace
}  // namespace attrition::test::log_load_test
