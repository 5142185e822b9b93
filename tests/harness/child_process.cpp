#include "harness/child_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace attrition::test {

ChildProcess::ChildProcess(const SpawnOptions& options) {
    std::optional<passwd> user;
    if (options.run_as_user && geteuid() == 0) {
        passwd* found = getpwnam(options.run_as_user->c_str());
        if (found == nullptr) throw std::runtime_error("no such user: " + *options.run_as_user);
        user = *found;
    }
    // Build everything the child needs before fork: only async-signal-safe calls after it.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        const std::string key = entry.substr(0, entry.find('='));
        bool drop = options.env.count(key) > 0;
        for (const auto& unset : options.unset_env) drop = drop || unset == key;
        if (!drop) env_strings.push_back(std::move(entry));
    }
    for (const auto& [key, value] : options.env) env_strings.push_back(key + "=" + value);
    if (user) {
        env_strings.push_back(std::string("HOME=") + user->pw_dir);
        env_strings.push_back(std::string("USER=") + user->pw_name);
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = options.argv;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int log_fd = -1;
    if (!options.log_path.empty()) {
        log_fd = ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) throw std::runtime_error("cannot open log " + options.log_path);
        if (user && fchown(log_fd, user->pw_uid, user->pw_gid) != 0) {
            // Not fatal: the child writes through the inherited descriptor anyway.
        }
    }
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        setpgid(0, 0);
        if (log_fd >= 0) {
            dup2(log_fd, STDOUT_FILENO);
            dup2(log_fd, STDERR_FILENO);
        }
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        if (!options.working_dir.empty() && chdir(options.working_dir.c_str()) != 0) _exit(126);
        if (user) {
            if (setgid(user->pw_gid) != 0 || setuid(user->pw_uid) != 0) _exit(126);
        }
        execve(argv[0], argv.data(), envp.data());
        execvpe(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    if (log_fd >= 0) ::close(log_fd);
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && !exit_code_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_code_(other.exit_code_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        this->~ChildProcess();
        pid_ = std::exchange(other.pid_, -1);
        exit_code_ = other.exit_code_;
    }
    return *this;
}

bool ChildProcess::Running() {
    if (pid_ <= 0 || exit_code_) return false;
    return !Wait(std::chrono::milliseconds(0)).has_value();
}

void ChildProcess::Signal(int signal_number) {
    if (pid_ > 0 && !exit_code_) ::kill(pid_, signal_number);
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
    if (exit_code_) return exit_code_;
    if (pid_ <= 0) return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return exit_code_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

int RunCommand(const SpawnOptions& options, std::string* output) {
    SpawnOptions with_log = options;
    std::string log_path;
    if (output != nullptr || with_log.log_path.empty()) {
        char name[] = "/tmp/attrition-cmd-XXXXXX";
        const int fd = mkstemp(name);
        if (fd >= 0) ::close(fd);
        log_path = name;
        with_log.log_path = log_path;
    }
    ChildProcess child(with_log);
    const auto code = child.Wait(std::chrono::minutes(5));
    if (!log_path.empty()) {
        if (output != nullptr) *output = ReadFile(log_path);
        ::unlink(log_path.c_str());
    }
    return code.value_or(-1);
}

namespace {

// The low end of the kernel's ephemeral range (where connect() takes local ports).
unsigned short EphemeralLow() {
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    unsigned low = 0;
    in >> low;
    return low > 12000 && low <= 65535 ? static_cast<unsigned short>(low) : 32768;
}

bool CanBind(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return free;
}

}  // namespace

// Below the ephemeral range: a port the kernel handed out (bind to port 0) may be taken by any
// outgoing connection before the server binds it; there only another explicit bind can.
unsigned short FreePort() {
    static const unsigned short low = EphemeralLow();
    static std::mutex mutex;
    static std::mt19937 random(std::random_device{}());
    const std::lock_guard lock(mutex);
    std::uniform_int_distribution<unsigned> pick(10000, low - 1U);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const auto port = static_cast<unsigned short>(pick(random));
        if (CanBind(port)) return port;
    }
    throw std::runtime_error("no free port below the ephemeral range");
}

std::string MakeTempDir(const std::string& prefix, const std::optional<std::string>& user) {
    std::string pattern = "/tmp/" + prefix + "-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    if (user && geteuid() == 0) {
        passwd* found = getpwnam(user->c_str());
        if (found == nullptr || chown(pattern.c_str(), found->pw_uid, found->pw_gid) != 0) {
            throw std::runtime_error("cannot give " + pattern + " to " + *user);
        }
    }
    return pattern;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string EnvOr(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace attrition::test
