// Faults around the real binary's prediction log: PostgreSQL crashes in the middle of a run,
// a table lock makes it hang, and the spool's disk fills while the database is down. Requests
// keep being answered, an acknowledgement always means the record lands exactly once, and what
// cannot be made durable is answered 503 and never stored.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "e2e/support/log_support.hpp"
#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/postgres_cluster.hpp"
#include "harness/service_process.hpp"

namespace attrition::test::log_faults_test {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

class LogFaultsTest : public ::testing::Test {
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

bool AllStored(const LogProbe& probe, const std::set<std::string>& markers) {
    try {
        const auto ids = probe.EmployeeIds();
        for (const auto& marker : markers) {
            if (!ids.count(marker)) return false;
        }
        return true;
    } catch (const std::exception&) {
        return false;  // the database is still starting
    }
}

// Exactly once: each acknowledged marker in predictions once, and no duplicate ids at all.
void ExpectExactlyOnce(const LogProbe& probe, const Tally& tally) {
    const auto ids = probe.EmployeeIds();
    for (const auto& marker : tally.acknowledged_markers) {
        const auto found = ids.find(marker);
        EXPECT_TRUE(found != ids.end() && found->second == 1)
            << marker << " stored " << (found == ids.end() ? 0 : found->second) << " times";
    }
    EXPECT_EQ(probe.Count("SELECT count(DISTINCT id) FROM api_requests"),
              probe.Count("SELECT count(*) FROM api_requests"));
    EXPECT_EQ(probe.Count("SELECT count(DISTINCT id) FROM predictions"),
              probe.Count("SELECT count(*) FROM predictions"));
}

TEST_F(LogFaultsTest, DatabaseStoppedMidRunEveryAcknowledgedRowLandsOnce) {
    auto& cluster = PostgresCluster::Shared();
    const auto url = cluster.CreateDatabase(UniqueDatabaseName("logtest_outage"));
    const auto probe = LogProbe::Postgres(url);
    ServiceProcess service(
        {.flags = {"--threads", "4", "--migrate"}, .env = {{"OC5_DATABASE_URL", url}}});
    LoadDriver load(service.Port(), 6, 0,
                    [](int client, int index) { return MixedRequest("outage", client, index); });
    ASSERT_TRUE(Eventually([&] { return load.Acknowledged() >= 40; }));
    cluster.Stop("immediate");
    const auto at_stop = load.Acknowledged();
    ASSERT_TRUE(Eventually([&] { return load.Acknowledged() >= at_stop + 60; }));
    const auto spooled = Metric(service.Port(), "attrition_log_records_spooled_total");
    cluster.Start();
    const auto at_start = load.Acknowledged();
    ASSERT_TRUE(Eventually([&] { return load.Acknowledged() >= at_start + 40; }));
    const auto tally = Summarize(load.Finish());

    EXPECT_EQ(tally.answered, tally.sent);
    EXPECT_EQ(tally.unavailable, 0U);  // the spool had room: nothing was refused
    EXPECT_GT(spooled, 0);             // the outage really went through the spool
    EXPECT_TRUE(Eventually([&] { return AllStored(probe, tally.acknowledged_markers); }));
    EXPECT_TRUE(
        Eventually([&] { return Metric(service.Port(), "attrition_log_spool_records") == 0; }));
    EXPECT_EQ(service.Stop(), 0);
    ExpectExactlyOnce(probe, tally);
    const auto requests = probe.Count("SELECT count(*) FROM api_requests");
    const auto predictions = probe.Count("SELECT count(*) FROM predictions");
    EXPECT_EQ(requests, static_cast<long long>(tally.answered));
    EXPECT_EQ(predictions, static_cast<long long>(tally.acknowledged_predictions));
    PrintFigures("log_faults/database_stopped_mid_run",
                 {{"requests_sent", static_cast<long long>(tally.sent)},
                  {"responses", static_cast<long long>(tally.answered)},
                  {"acknowledged_2xx", static_cast<long long>(tally.acknowledged)},
                  {"acknowledged_while_db_down",
                   static_cast<long long>(at_start) - static_cast<long long>(at_stop)},
                  {"records_spooled", spooled},
                  {"api_requests_rows", requests},
                  {"predictions_expected", static_cast<long long>(tally.acknowledged_predictions)},
                  {"predictions_rows", predictions}});
}

TEST_F(LogFaultsTest, LockedTableRequestsAnsweredThroughSpoolThenAllLand) {
    auto& cluster = PostgresCluster::Shared();
    const auto name = UniqueDatabaseName("logtest_lock");
    const auto url = cluster.CreateDatabase(name);
    const auto probe = LogProbe::Postgres(url);
    ServiceProcess service(
        {.flags = {"--threads", "4", "--migrate"}, .env = {{"OC5_DATABASE_URL", url}}});

    // A session that holds the table in ACCESS EXCLUSIVE mode until it is terminated: every
    // INSERT of the service waits behind it, which from the service looks like a hung database.
    const auto dir = MakeTempDir("logtest-lock");
    ChildProcess locker(
        {.argv = {"/usr/bin/psql", "-X", "-q", "-h", "127.0.0.1", "-p",
                  std::to_string(cluster.Port()), "-U", "postgres", "-d", name, "-c",
                  "BEGIN; LOCK TABLE api_requests IN ACCESS EXCLUSIVE MODE; "
                  "SELECT pg_sleep(600);"},
         .env = {{"PGAPPNAME", "logtest_locker"}},
         .log_path = dir + "/locker.log"});
    const auto lock_held = [&] {
        return probe.Count(
                   "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                   "WHERE c.relname = 'api_requests' AND l.mode = 'AccessExclusiveLock' "
                   "AND l.granted") == 1;
    };
    ASSERT_TRUE(Eventually(lock_held)) << ReadFile(dir + "/locker.log");

    LoadDriver load(service.Port(), 4, 10,
                    [](int client, int index) { return PredictRequest("lock", client, index); });
    const auto tally = Summarize(load.Finish());
    // Every request was answered and acknowledged while the lock was still held.
    EXPECT_TRUE(lock_held());
    EXPECT_EQ(tally.acknowledged, tally.attempted);
    const auto spooled = Metric(service.Port(), "attrition_log_records_spooled_total");
    EXPECT_GE(spooled, static_cast<long long>(tally.acknowledged));

    probe.Rows(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'logtest_locker'");
    locker.Wait(30s);
    EXPECT_TRUE(Eventually([&] { return AllStored(probe, tally.acknowledged_markers); }));
    EXPECT_TRUE(
        Eventually([&] { return Metric(service.Port(), "attrition_log_spool_records") == 0; }));
    EXPECT_EQ(service.Stop(), 0);
    ExpectExactlyOnce(probe, tally);
    const auto predictions = probe.Count("SELECT count(*) FROM predictions");
    EXPECT_EQ(predictions, static_cast<long long>(tally.acknowledged_predictions));
    PrintFigures("log_faults/locked_table",
                 {{"requests_sent", static_cast<long long>(tally.sent)},
                  {"acknowledged_2xx", static_cast<long long>(tally.acknowledged)},
                  {"records_spooled", spooled},
                  {"predictions_rows", predictions}});
}

// Runs SQL that returns no rows (DDL) in `database` as postgres; fails the test on an error.
void Psql(const std::string& database, const std::string& sql) {
    std::string output;
    EXPECT_EQ(
        RunCommand({.argv = {"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                             "127.0.0.1", "-p", std::to_string(PostgresCluster::Shared().Port()),
                             "-U", "postgres", "-d", database, "-c", sql}},
                   &output),
        0)
        << output;
}

// A database that answers but refuses every write, as a read-only one does (SQLSTATE 25006,
// raised here by a trigger: the service connects as a superuser, whom grants do not bind). The
// readiness ping cannot see it; the writer's failed writes can: /readyz says the log is
// degraded (and stays 200: the spool has room), the gauge says so, every acknowledged record is
// in the spool, a stop says how many remain, and a start after the fix replays them all once.
TEST_F(LogFaultsTest, ADatabaseRefusingWritesIsADegradedLogThatLosesNothing) {
    auto& cluster = PostgresCluster::Shared();
    const auto name = UniqueDatabaseName("logtest_readonly");
    const auto url = cluster.CreateDatabase(name);
    const auto probe = LogProbe::Postgres(url);
    const ServiceOptions options{.flags = {"--threads", "2", "--migrate"},
                                 .env = {{"OC5_DATABASE_URL", url}},
                                 .working_dir = MakeTempDir("logtest-readonly")};
    auto service = std::make_unique<ServiceProcess>(options);
    Psql(name,
         "CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
         "RAISE EXCEPTION 'cannot execute INSERT in a read-only transaction' "
         "USING ERRCODE = 'read_only_sql_transaction'; END $$; "
         "CREATE TRIGGER refuse_writes BEFORE INSERT ON api_requests "
         "FOR EACH ROW EXECUTE FUNCTION refuse_writes();");

    LoadDriver load(service->Port(), 2, 10, [](int client, int index) {
        return PredictRequest("readonly", client, index);
    });
    const auto tally = Summarize(load.Finish());
    EXPECT_EQ(tally.acknowledged, 20U);
    HttpClient client(service->Port());
    Json readiness;
    ASSERT_TRUE(Eventually([&] {
        readiness = Json::parse(client.Get("/readyz").body);
        return readiness["log"] == "spooling" && readiness["database"] == "up";
    })) << readiness.dump();
    EXPECT_EQ(client.Get("/readyz").status, 200);
    EXPECT_EQ(readiness["status"], "ready");
    EXPECT_EQ(readiness["detail"],
              "prediction log degraded: database refuses writes; records go to the spool");
    EXPECT_EQ(readiness["spool"]["records"], 20);
    EXPECT_EQ(Metric(service->Port(), "attrition_log_degraded"), 1);
    EXPECT_EQ(Metric(service->Port(), "attrition_database_up"), 1);
    EXPECT_EQ(probe.Count("SELECT count(*) FROM api_requests"), 0);

    EXPECT_EQ(service->Stop(), 0);
    EXPECT_NE(service->Log().find("records remain in the spool; replayed into the database at "
                                  "the next start\" records=20 "),
              std::string::npos)
        << service->Log();
    service.reset();

    Psql(name, "DROP TRIGGER refuse_writes ON api_requests;");
    service = std::make_unique<ServiceProcess>(options);
    EXPECT_TRUE(Eventually([&] { return AllStored(probe, tally.acknowledged_markers); }));
    HttpClient after(service->Port());
    EXPECT_EQ(Json::parse(after.Get("/readyz").body)["log"], "writing");
    EXPECT_EQ(Metric(service->Port(), "attrition_log_degraded"), 0);
    EXPECT_EQ(service->Stop(), 0);
    // Both runs write service.log in the same folder: only the first stop left records.
    const auto log = service->Log();
    const auto said = log.find("records remain in the spool");
    EXPECT_EQ(log.find("records remain in the spool", said + 1), std::string::npos) << log;
    ExpectExactlyOnce(probe, tally);
}

// A 64 KiB tmpfs mounted for the spool (the tests run as root); unmounted on destruction.
class TinyFilesystem {
  public:
    explicit TinyFilesystem(const std::string& dir) : dir_(dir) {
        mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k,mode=0755") == 0;
    }
    ~TinyFilesystem() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    TinyFilesystem(const TinyFilesystem&) = delete;
    TinyFilesystem& operator=(const TinyFilesystem&) = delete;
    bool Mounted() const { return mounted_; }

  private:
    std::string dir_;
    bool mounted_ = false;
};

TEST_F(LogFaultsTest, SpoolDiskFullAnswers503AndLosesNothingAcknowledged) {
    const auto mount_point = MakeTempDir("logtest-spoolfs");
    TinyFilesystem filesystem(mount_point);
    if (!filesystem.Mounted()) GTEST_SKIP() << "cannot mount a tmpfs (needs root)";
    auto& cluster = PostgresCluster::Shared();
    const auto url = cluster.CreateDatabase(UniqueDatabaseName("logtest_spoolfull"));
    const auto probe = LogProbe::Postgres(url);
    ServiceProcess service(
        {.flags = {"--threads", "2", "--migrate", "--spool-dir", mount_point + "/spool"},
         .env = {{"OC5_DATABASE_URL", url}}});

    cluster.Stop("immediate");
    // Two clients until the full disk has refused at least 10 requests.
    LoadDriver load(service.Port(), 2, 0,
                    [](int client, int index) { return PredictRequest("full", client, index); });
    ASSERT_TRUE(Eventually([&] {
        const auto acknowledged = load.Acknowledged();  // read first: it never exceeds Completed
        return load.Completed() >= acknowledged + 10;
    }));
    const auto tally = Summarize(load.Finish());
    cluster.Start();

    EXPECT_GT(tally.acknowledged, 0U);  // the spool took what fitted
    // Whatever was not acknowledged was refused with 503, never a 200 for a lost record.
    EXPECT_EQ(tally.answered, tally.acknowledged + tally.unavailable);
    EXPECT_GE(tally.unavailable, 10U);
    EXPECT_TRUE(Eventually([&] { return AllStored(probe, tally.acknowledged_markers); }));
    EXPECT_TRUE(
        Eventually([&] { return Metric(service.Port(), "attrition_log_spool_records") == 0; }));
    // With the database back the service acknowledges again.
    HttpClient client(service.Port());
    auto employee = SampleEmployee(1);
    employee["employee_id"] = "full-after";
    EXPECT_EQ(client.Post("/api/v1/predict", employee.dump()).status, 200);
    EXPECT_EQ(service.Stop(), 0);

    ExpectExactlyOnce(probe, tally);
    const auto ids = probe.EmployeeIds();
    std::size_t refused_but_stored = 0;
    for (const auto& marker : tally.refused_markers) refused_but_stored += ids.count(marker);
    EXPECT_EQ(refused_but_stored, 0U);
    const auto predictions = probe.Count("SELECT count(*) FROM predictions");
    EXPECT_EQ(predictions, static_cast<long long>(tally.acknowledged_predictions + 1));
    PrintFigures("log_faults/spool_disk_full",
                 {{"requests_sent", static_cast<long long>(tally.sent)},
                  {"acknowledged_2xx", static_cast<long long>(tally.acknowledged)},
                  {"refused_503", static_cast<long long>(tally.unavailable)},
                  {"predictions_rows", predictions},
                  {"refused_but_stored", static_cast<long long>(refused_but_stored)}});
}

}  // namespace
}  // namespace attrition::test::log_faults_test
