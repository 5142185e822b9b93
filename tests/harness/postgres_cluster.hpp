// A throwaway PostgreSQL 15 cluster for one test binary: initdb in a temp folder, a free port
// on 127.0.0.1, its socket in that folder, run as the unprivileged `postgres` user when the
// tests run as root. Optionally pgbouncer in front, in pool_mode = transaction. Both are
// stopped and their folders removed by Stop() or the destructor, even after failed tests.
// Not thread-safe: drive it from the test thread.
#pragma once

#include <memory>
#include <string>

#include "harness/child_process.hpp"

namespace attrition::test {

class PostgresCluster {
  public:
    PostgresCluster() = default;
    ~PostgresCluster();
    PostgresCluster(const PostgresCluster&) = delete;
    PostgresCluster& operator=(const PostgresCluster&) = delete;

    // initdb (once) and start the server; throws std::runtime_error with the log on failure.
    void Start();
    // Stops the server; mode: "fast" or "immediate" (a crash). Data stays for a restart.
    void Stop(const std::string& mode = "fast");
    bool Running() const { return running_; }

    // Creates a database owned by the superuser; returns its direct URL.
    std::string CreateDatabase(const std::string& name);
    // postgresql://postgres@127.0.0.1:PORT/DB
    std::string Url(const std::string& database) const;
    // Runs SQL with psql against a database; returns psql's output (unaligned, tuples only).
    std::string Psql(const std::string& database, const std::string& sql) const;

    unsigned short Port() const { return port_; }
    const std::string& SocketDir() const { return data_root_; }

    // pgbouncer in front of this cluster, pool_mode = transaction. Started on first call.
    void StartPgBouncer();
    void StopPgBouncer();
    std::string PgBouncerUrl(const std::string& database) const;
    unsigned short PgBouncerPort() const { return bouncer_port_; }

    // One cluster per test binary, started on first use, stopped at exit.
    static PostgresCluster& Shared();

  private:
    std::string Bin(const std::string& tool) const;
    std::string data_root_;  // holds data/, the socket and logs
    unsigned short port_ = 0;
    bool running_ = false;
    std::unique_ptr<ChildProcess> bouncer_;
    unsigned short bouncer_port_ = 0;
};

// Skips the current test with a clear message when PostgreSQL 15 is not installed.
bool PostgresAvailable();

}  // namespace attrition::test
