// N replicas on one database (issue 16 item 4): three `attrition serve` processes behind
// haproxy, on one PostgreSQL through pgbouncer (transaction pooling). Under load one replica is
// SIGKILLed and restarted on its spool, another has its database cut for a while (its own
// pgbouncer killed and restarted): every acknowledged prediction is in the database exactly
// once. The daily jobs run once per slot across the replicas: the monitoring job (run at start
// for the slot just past) and the retention job (its time set a minute or two ahead).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/support/log_support.hpp"
#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/postgres_cluster.hpp"
#include "harness/service_process.hpp"

namespace attrition::test::replicas_test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kHaproxy = "/usr/sbin/haproxy";
constexpr const char* kPgBouncer = "/usr/sbin/pgbouncer";

std::optional<std::string> ServiceUser() {
    if (geteuid() == 0) return std::string("postgres");  // pgbouncer refuses root
    return std::nullopt;
}

// A pgbouncer of one replica's own, in front of the shared cluster, that the test can kill
// (the replica's database is then unreachable) and start again on the same port.
class OwnPgBouncer {
  public:
    explicit OwnPgBouncer(unsigned short postgres_port)
        : dir_(MakeTempDir("replica-bouncer", ServiceUser())), port_(FreePort()) {
        std::ofstream out(dir_ + "/pgbouncer.ini");
        out << "[databases]\n* = host=127.0.0.1 port=" << postgres_port << " user=postgres\n"
            << "[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = " << port_ << "\n"
            << "unix_socket_dir =\nauth_type = any\npool_mode = transaction\n"
            << "max_client_conn = 100\ndefault_pool_size = 5\nserver_reset_query =\n"
            << "logfile = " << dir_ << "/pgbouncer.log\n";
        out.close();
        if (auto user = ServiceUser()) RunCommand({.argv = {"/bin/chown", *user, Ini()}});
        Start();
    }
    void Start() {
        process_ = std::make_unique<ChildProcess>(SpawnOptions{
            .argv = {kPgBouncer, Ini()},
            .log_path = dir_ + "/pgbouncer.out",
            .run_as_user = ServiceUser(),
        });
        ASSERT_TRUE(Eventually(
            [&] {
                return RunCommand({.argv = {"/usr/bin/psql", "-X", "-At", "-h", "127.0.0.1", "-p",
                                            std::to_string(port_), "-U", "postgres", "-d",
                                            "postgres", "-c", "SELECT 1"}}) == 0;
            },
            20s))
            << ReadFile(dir_ + "/pgbouncer.out");
    }
    void Kill() {
        process_->Signal(SIGKILL);
        process_->Wait(5s);
        process_.reset();
    }
    std::string Url(const std::string& database) const {
        return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
    }

  private:
    std::string Ini() const { return dir_ + "/pgbouncer.ini"; }
    std::string dir_;
    unsigned short port_;
    std::unique_ptr<ChildProcess> process_;
};

// haproxy in front of the replicas: round robin over the ones whose /readyz answers 200.
class Haproxy {
  public:
    explicit Haproxy(const std::vector<unsigned short>& ports)
        : dir_(MakeTempDir("replica-haproxy")), port_(FreePort()) {
        std::ofstream out(dir_ + "/haproxy.cfg");
        out << "global\n  maxconn 500\n"
            << "defaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n"
            << "  timeout server 30s\n  retries 2\n  option redispatch\n"
            << "frontend attrition\n  bind 127.0.0.1:" << port_ << "\n"
            << "  default_backend replicas\n"
            << "backend replicas\n  balance roundrobin\n  option httpchk GET /readyz\n"
            << "  default-server inter 300ms fall 2 rise 2\n";
        for (std::size_t i = 0; i < ports.size(); ++i) {
            out << "  server r" << i << " 127.0.0.1:" << ports[i] << " check\n";
        }
        out.close();
        process_ = ChildProcess(
            {.argv = {kHaproxy, "-db", "-f", dir_ + "/haproxy.cfg"}, .log_path = dir_ + "/out"});
        EXPECT_TRUE(Eventually([&] { return FreshHealth(port_) == 200; }, 20s))
            << ReadFile(dir_ + "/out");
    }
    unsigned short Port() const { return port_; }

  private:
    std::string dir_;
    unsigned short port_;
    ChildProcess process_;
};

std::size_t Occurrences(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

// HH:MM (UTC) of the first whole minute at least `ahead` from now.
std::string MinuteAhead(std::chrono::seconds ahead) {
    const auto at =
        std::chrono::ceil<std::chrono::minutes>(std::chrono::system_clock::now() + ahead);
    const auto minute_of_day = (at - std::chrono::floor<std::chrono::days>(at)).count();
    const auto two_digits = [](long long n) { return (n < 10 ? "0" : "") + std::to_string(n); };
    return two_digits(minute_of_day / 60) + ":" + two_digits(minute_of_day % 60);
}

TEST(ReplicasTest, AKilledReplicaAndACutDatabaseLoseNoAcknowledgedPrediction) {
    if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 or pgbouncer not installed";
    if (!std::filesystem::exists(kHaproxy)) GTEST_SKIP() << "haproxy is not installed";
    auto& cluster = PostgresCluster::Shared();
    cluster.StartPgBouncer();
    const auto name = UniqueDatabaseName("replicas");
    const auto direct_url = cluster.CreateDatabase(name);
    std::string output;
    ASSERT_EQ(
        RunCommand({.argv = {AttritionBinary(), "migrate", "up", "--database-url", direct_url}},
                   &output),
        0)
        << output;
    const auto probe = LogProbe::Postgres(direct_url);
    OwnPgBouncer cut_bouncer(cluster.Port());

    const auto retention_time = MinuteAhead(75s);
    const auto replica = [&](const std::string& url, const std::string& dir, unsigned short port) {
        return std::make_unique<ServiceProcess>(
            ServiceOptions{.flags = {"--threads", "2", "--retention-time", retention_time},
                           .env = {{"OC5_DATABASE_URL", url}},
                           .working_dir = dir,
                           .port = port});
    };
    const auto pooled_url = cluster.PgBouncerUrl(name);
    std::vector<std::string> dirs{MakeTempDir("replica-a"), MakeTempDir("replica-b"),
                                  MakeTempDir("replica-c")};
    std::vector<std::unique_ptr<ServiceProcess>> replicas;
    replicas.push_back(replica(pooled_url, dirs[0], 0));
    replicas.push_back(replica(cut_bouncer.Url(name), dirs[1], 0));
    replicas.push_back(replica(pooled_url, dirs[2], 0));
    std::vector<unsigned short> ports;
    for (const auto& r : replicas) ports.push_back(r->Port());
    Haproxy haproxy(ports);

    LoadDriver load(haproxy.Port(), 6, 0, [](int client, int index) {
        return PredictRequest("replicas", client, index);
    });
    ASSERT_TRUE(Eventually([&] { return load.Acknowledged() >= 60; }));

    // Replica a crashes; haproxy routes around it; it restarts on its port and its spool.
    replicas[0]->Kill();
    const auto at_kill = load.Acknowledged();
    ASSERT_TRUE(Eventually([&] { return load.Acknowledged() >= at_kill + 60; }));
    replicas[0].reset();
    replicas[0] = replica(pooled_url, dirs[0], ports[0]);

    // Replica b loses its database: it answers from its spool, then replays.
    cut_bouncer.Kill();
    const auto at_cut = load.Acknowledged();
    ASSERT_TRUE(Eventually([&] { return load.Acknowledged() >= at_cut + 90; }));
    ASSERT_TRUE(Eventually(
        [&] { return Metric(ports[1], "attrition_log_records_spooled_total") > 0; }, 20s));
    const auto spooled_b = Metric(ports[1], "attrition_log_records_spooled_total");
    cut_bouncer.Start();
    const auto at_restore = load.Acknowledged();
    ASSERT_TRUE(Eventually([&] { return load.Acknowledged() >= at_restore + 60; }));
    const auto tally = Summarize(load.Finish());

    // Every acknowledged prediction exactly once, every spool drained.
    for (const auto port : ports) {
        EXPECT_TRUE(Eventually([&] { return Metric(port, "attrition_log_spool_records") == 0; }))
            << port;
    }
    const auto ids = probe.EmployeeIds();
    std::size_t missing = 0;
    std::size_t duplicated = 0;
    for (const auto& marker : tally.acknowledged_markers) {
        const auto found = ids.find(marker);
        if (found == ids.end()) {
            ++missing;
        } else if (found->second != 1) {
            ++duplicated;
        }
    }
    EXPECT_EQ(missing, 0U);
    EXPECT_EQ(duplicated, 0U);
    EXPECT_EQ(probe.Count("SELECT count(*) FROM predictions"),
              probe.Count("SELECT count(DISTINCT employee_id) FROM predictions"));
    EXPECT_GT(spooled_b, 0);

    // The daily jobs, once per slot: one claim each in job_runs, one replica ran each, the
    // others stood aside.
    ASSERT_TRUE(Eventually(
        [&] {
            return probe.Count(
                       "SELECT count(*) FROM job_runs WHERE job = 'retention' AND "
                       "finished_at IS NOT NULL") == 1;
        },
        180s));
    EXPECT_EQ(probe.Count("SELECT count(*) FROM job_runs WHERE job = 'retention'"), 1);
    EXPECT_EQ(probe.Count("SELECT count(*) FROM job_runs WHERE job = 'monitoring'"), 1);
    std::this_thread::sleep_for(2s);  // the others' log lines, a poll later at most
    std::string logs;
    for (const auto& r : replicas) logs += r->Log();
    // Every replica tried the slot: one ran it, each other one found it claimed (or, had its
    // database been cut at that moment, could not claim it).
    const std::size_t retention_runs = Occurrences(logs, "msg=\"retention run\"");
    const std::size_t retention_skips = Occurrences(logs, "retention slot run by another replica") +
                                        Occurrences(logs, "retention claim failed");
    EXPECT_EQ(retention_runs, 1U) << logs;
    EXPECT_EQ(retention_skips, 2U) << logs;

    PrintFigures("replicas/kill_and_cut",
                 {{"requests_sent", static_cast<long long>(tally.sent)},
                  {"acknowledged_2xx", static_cast<long long>(tally.acknowledged)},
                  {"not_acknowledged", static_cast<long long>(tally.sent - tally.acknowledged)},
                  {"acknowledged_after_kill", static_cast<long long>(at_cut - at_kill)},
                  {"acknowledged_while_db_cut",
                   static_cast<long long>(at_restore) - static_cast<long long>(at_cut)},
                  {"spooled_by_cut_replica", spooled_b},
                  {"predictions_rows", probe.Count("SELECT count(*) FROM predictions")},
                  {"missing", static_cast<long long>(missing)},
                  {"duplicated", static_cast<long long>(duplicated)},
                  {"retention_runs", static_cast<long long>(retention_runs)},
                  {"retention_skips", static_cast<long long>(retention_skips)}});
}

}  // namespace
}  // namespace attrition::test::replicas_test
