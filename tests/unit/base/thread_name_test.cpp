#include "base/thread_name.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <array>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace attrition::base {
namespace {

std::string NameOf(std::thread& thread) {
    std::array<char, 64> name{};
    EXPECT_EQ(pthread_getname_np(thread.native_handle(), name.data(), name.size()), 0);
    return name.data();
}

// The name is set from inside the thread; the test reads it from outside, as top does.
std::string NameGiven(std::string_view name) {
    std::mutex mutex;
    std::condition_variable named;
    bool done = false;
    bool release = false;
    std::thread thread([&] {
        NameThisThread(name);
        std::unique_lock lock(mutex);
        done = true;
        named.notify_all();
        named.wait(lock, [&] { return release; });
    });
    std::unique_lock lock(mutex);
    named.wait(lock, [&] { return done; });
    auto seen = NameOf(thread);
    release = true;
    named.notify_all();
    lock.unlock();
    thread.join();
    return seen;
}

TEST(ThreadNameTest, NamesTheCallingThread) { EXPECT_EQ(NameGiven("log-writer"), "log-writer"); }

TEST(ThreadNameTest, CutsALongNameAtFifteenBytes) {
    EXPECT_EQ(NameGiven("a-name-longer-than-fifteen-bytes"), "a-name-longer-t");
}

}  // namespace
}  // namespace attrition::base
