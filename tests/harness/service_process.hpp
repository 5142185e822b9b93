// Runs the real `attrition` binary for black-box tests: `serve` on a free port with the given
// flags and environment, waits until /health answers, and stops it (SIGTERM, then SIGKILL).
// The service log is kept in a file and printed when the owning test failed.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/child_process.hpp"

namespace attrition::test {

struct ServiceOptions {
    std::vector<std::string> flags;          // after `serve --host 127.0.0.1 --port N`
    std::map<std::string, std::string> env;  // e.g. OC5_DATABASE_URL
    bool wait_ready = true;                  // poll GET /health until it answers
    std::string working_dir;                 // default: a fresh temp folder
    unsigned short port = 0;                 // default: a free one (a restart reuses its port)
};

class ServiceProcess {
  public:
    explicit ServiceProcess(ServiceOptions options);  // throws with the log on failure
    ~ServiceProcess();
    ServiceProcess(const ServiceProcess&) = delete;
    ServiceProcess& operator=(const ServiceProcess&) = delete;

    unsigned short Port() const { return port_; }
    const std::string& WorkingDir() const { return working_dir_; }
    std::string Log() const;
    // SIGTERM and wait; returns the exit code.
    int Stop();
    // SIGKILL: a crash.
    void Kill();
    // Any other signal (SIGHUP: a model reload).
    void Signal(int signal_number) { process_.Signal(signal_number); }
    bool Running() { return process_.Running(); }

  private:
    unsigned short port_ = 0;
    std::string working_dir_;
    std::string log_path_;
    ChildProcess process_;
};

// The path of the attrition binary under test (ATTRITION_BINARY).
std::string AttritionBinary();
// The repository root (ATTRITION_SOURCE_DIR).
std::string SourceDir();

}  // namespace attrition::test
