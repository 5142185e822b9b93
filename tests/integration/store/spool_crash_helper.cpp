// Test helper process for the crash-recovery test: opens a prediction log, waits until the
// test has stopped the database (a file appears), appends N records, waits for every
// acknowledgement (spooled), prints "ACKED <n>" and sleeps until the test SIGKILLs it.
// Usage: spool_crash_helper URL SPOOL_DIR GO_FILE COUNT
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "integration/store/store_test_support.hpp"
#include "store/prediction_log.hpp"

int main(int argc, char** argv) {
    using namespace std::chrono_literals;
    if (argc != 5) {
        std::fprintf(stderr, "usage: spool_crash_helper URL SPOOL_DIR GO_FILE COUNT\n");
        return 2;
    }
    attrition::store::LogOptions options;
    options.spool_dir = argv[2];
    options.commit_timeout = 500ms;
    auto log = attrition::store::OpenPredictionLog(argv[1], options);
    if (!log) {
        std::fprintf(stderr, "open failed: %s\n", log.error().message.c_str());
        return 1;
    }
    std::printf("READY\n");
    std::fflush(stdout);
    while (!std::filesystem::exists(argv[3])) std::this_thread::sleep_for(10ms);
    const auto count = static_cast<std::size_t>(std::stoul(argv[4]));
    attrition::test::Completions completions;
    for (std::size_t i = 0; i < count; ++i) {
        (*log)->Append(
            attrition::test::MakeRecord(static_cast<int>(i % 3), std::chrono::system_clock::now()),
            completions.Callback());
    }
    if (!completions.Wait(count, 60s)) return 3;
    std::printf("ACKED %zu ERRORS %zu\n", completions.Ok(), completions.Errors().size());
    std::fflush(stdout);
    for (;;) std::this_thread::sleep_for(1s);  // killed by the test, never shut down
}
