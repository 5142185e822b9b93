// A child process for tests: spawned with extra environment and optionally as another user,
// stdout+stderr to a log file; killed (SIGKILL) on destruction if still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attrition::test {

struct SpawnOptions {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;  // added to (or overriding) the current environment
    std::vector<std::string> unset_env;
    std::string log_path;                    // empty: inherit stdout/stderr
    std::optional<std::string> run_as_user;  // drop to this user when running as root
    std::string working_dir;
};

class ChildProcess {
  public:
    ChildProcess() = default;
    explicit ChildProcess(const SpawnOptions& options);  // throws std::runtime_error
    ~ChildProcess();
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t Pid() const { return pid_; }
    bool Running();
    void Signal(int signal_number);
    // Waits for exit; returns the exit code (128+signal when killed), nullopt on timeout.
    std::optional<int> Wait(std::chrono::milliseconds timeout);

  private:
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

// Runs a command to completion; returns its exit code and puts its output in *output.
int RunCommand(const SpawnOptions& options, std::string* output = nullptr);

// A TCP port on 127.0.0.1 that was free a moment ago.
unsigned short FreePort();

// A fresh empty directory; owned by user (when given and running as root).
std::string MakeTempDir(const std::string& prefix, const std::optional<std::string>& user = {});

std::string ReadFile(const std::string& path);

// The environment variable or a fallback.
std::string EnvOr(const char* name, const std::string& fallback);

}  // namespace attrition::test
