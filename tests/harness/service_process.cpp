#include "harness/service_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>
#include <stdexcept>
#include <thread>

#include "harness/http_client.hpp"

namespace attrition::test {

std::string AttritionBinary() { return EnvOr("ATTRITION_BINARY", "attrition"); }
std::string SourceDir() { return EnvOr("ATTRITION_SOURCE_DIR", "."); }

ServiceProcess::ServiceProcess(ServiceOptions options) {
    working_dir_ = options.working_dir.empty() ? MakeTempDir("attrition-svc") : options.working_dir;
    log_path_ = working_dir_ + "/service.log";
    port_ = options.port != 0 ? options.port : FreePort();
    SpawnOptions spawn;
    spawn.argv = {AttritionBinary(), "serve",  "--host",
                  "127.0.0.1",       "--port", std::to_string(port_)};
    for (auto& f : options.flags) spawn.argv.push_back(f);
    spawn.env = options.env;
    if (!spawn.env.count("OC5_MODEL_DIR")) spawn.env["OC5_MODEL_DIR"] = SourceDir() + "/model";
    if (!spawn.env.count("OC5_WEB_DIR")) spawn.env["OC5_WEB_DIR"] = SourceDir() + "/web";
    spawn.log_path = log_path_;
    spawn.working_dir = working_dir_;
    process_ = ChildProcess(spawn);
    if (!options.wait_ready) return;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        if (!process_.Running()) throw std::runtime_error("attrition exited early:\n" + Log());
        try {
            HttpClient client(port_);
            if (client.Get("/health").status > 0) return;
        } catch (const std::exception&) {
            // not listening yet
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error("attrition did not become ready:\n" + Log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
}

ServiceProcess::~ServiceProcess() {
    if (process_.Running()) Stop();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    if (info != nullptr && info->result() != nullptr && info->result()->Failed()) {
        std::cerr << "---- attrition log (" << log_path_ << ") ----\n"
                  << Log() << "---- end of log ----\n";
    }
}

std::string ServiceProcess::Log() const { return ReadFile(log_path_); }

int ServiceProcess::Stop() {
    process_.Signal(SIGTERM);
    if (auto code = process_.Wait(std::chrono::seconds(30))) return *code;
    process_.Signal(SIGKILL);
    return process_.Wait(std::chrono::seconds(5)).value_or(-1);
}

void ServiceProcess::Kill() {
    process_.Signal(SIGKILL);
    process_.Wait(std::chrono::seconds(5));
}

}  // namespace attrition::test
