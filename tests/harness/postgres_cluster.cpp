#include "harness/postgres_cluster.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace attrition::test {
namespace {

constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin/";
constexpr const char* kPgBouncer = "/usr/sbin/pgbouncer";

std::optional<std::string> ServiceUser() {
    if (geteuid() == 0) return std::string("postgres");  // initdb and pgbouncer refuse root
    return std::nullopt;
}

}  // namespace

bool PostgresAvailable() {
    return std::filesystem::exists(std::string(kPgBin) + "initdb") &&
           std::filesystem::exists(kPgBouncer);
}

std::string PostgresCluster::Bin(const std::string& tool) const { return kPgBin + tool; }

void PostgresCluster::Start() {
    if (running_) return;
    const auto user = ServiceUser();
    if (data_root_.empty()) {
        data_root_ = MakeTempDir("attrition-pg", user);
        port_ = FreePort();
        std::string output;
        const int code =
            RunCommand({.argv = {Bin("initdb"), "-D", data_root_ + "/data", "-U", "postgres", "-A",
                                 "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"},
                        .run_as_user = user},
                       &output);
        if (code != 0) throw std::runtime_error("initdb failed:\n" + output);
        std::ofstream conf(data_root_ + "/data/postgresql.conf", std::ios::app);
        conf << "listen_addresses = '127.0.0.1'\n"
             << "port = " << port_ << "\n"
             << "unix_socket_directories = '" << data_root_ << "'\n"
             << "fsync = off\nfull_page_writes = off\nmax_connections = 200\n"
             << "shared_buffers = 32MB\n";
    }
    std::string output;
    const int code = RunCommand({.argv = {Bin("pg_ctl"), "-D", data_root_ + "/data", "-l",
                                          data_root_ + "/server.log", "-w", "-t", "60", "start"},
                                 .run_as_user = user},
                                &output);
    if (code != 0) {
        throw std::runtime_error("pg_ctl start failed:\n" + output +
                                 ReadFile(data_root_ + "/server.log"));
    }
    running_ = true;
}

void PostgresCluster::Stop(const std::string& mode) {
    if (!running_) return;
    RunCommand({.argv = {Bin("pg_ctl"), "-D", data_root_ + "/data", "-m", mode, "-w", "stop"},
                .run_as_user = ServiceUser()});
    running_ = false;
}

PostgresCluster::~PostgresCluster() {
    StopPgBouncer();
    Stop("immediate");
    if (!data_root_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(data_root_, ec);
    }
}

std::string PostgresCluster::Url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresCluster::CreateDatabase(const std::string& name) {
    Psql("postgres", "CREATE DATABASE \"" + name + "\"");
    return Url(name);
}

std::string PostgresCluster::Psql(const std::string& database, const std::string& sql) const {
    std::string output;
    const int code =
        RunCommand({.argv = {"/usr/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h",
                             "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres", "-d",
                             database, "-c", sql}},
                   &output);
    if (code != 0) throw std::runtime_error("psql failed: " + output);
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
    return output;
}

void PostgresCluster::StartPgBouncer() {
    if (bouncer_) return;
    bouncer_port_ = FreePort();
    const std::string ini = data_root_ + "/pgbouncer.ini";
    {
        std::ofstream out(ini);
        out << "[databases]\n"
            << "* = host=127.0.0.1 port=" << port_ << " user=postgres\n"
            << "[pgbouncer]\n"
            << "listen_addr = 127.0.0.1\n"
            << "listen_port = " << bouncer_port_ << "\n"
            << "unix_socket_dir =\n"
            << "auth_type = any\n"
            << "pool_mode = transaction\n"
            << "max_client_conn = 500\n"
            << "default_pool_size = 10\n"
            << "server_reset_query =\n"
            << "logfile = " << data_root_ << "/pgbouncer.log\n"
            << "pidfile = " << data_root_ << "/pgbouncer.pid\n";
    }
    if (auto user = ServiceUser()) {
        RunCommand({.argv = {"/bin/chown", *user, ini}});
    }
    bouncer_ = std::make_unique<ChildProcess>(SpawnOptions{
        .argv = {kPgBouncer, ini},
        .log_path = data_root_ + "/pgbouncer.out",
        .run_as_user = ServiceUser(),
    });
    // Ready when a query round trip through it works.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
        std::string output;
        const int code = RunCommand({.argv = {"/usr/bin/psql", "-X", "-A", "-t", "-h", "127.0.0.1",
                                              "-p", std::to_string(bouncer_port_), "-U", "postgres",
                                              "-d", "postgres", "-c", "SELECT 1"}},
                                    &output);
        if (code == 0) return;
        if (std::chrono::steady_clock::now() > deadline || !bouncer_->Running()) {
            throw std::runtime_error("pgbouncer did not start:\n" + output +
                                     ReadFile(data_root_ + "/pgbouncer.out") +
                                     ReadFile(data_root_ + "/pgbouncer.log"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

void PostgresCluster::StopPgBouncer() {
    if (!bouncer_) return;
    bouncer_->Signal(SIGTERM);
    if (!bouncer_->Wait(std::chrono::seconds(5))) bouncer_->Signal(SIGKILL);
    bouncer_.reset();
}

std::string PostgresCluster::PgBouncerUrl(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(bouncer_port_) + "/" + database;
}

PostgresCluster& PostgresCluster::Shared() {
    static PostgresCluster cluster;  // destroyed at exit: the server is stopped with it
    cluster.Start();
    return cluster;
}

}  // namespace attrition::test
