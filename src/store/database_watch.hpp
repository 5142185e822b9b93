// The database's state as the service last saw it: DatabaseWatch pings it every interval on a
// thread of its own, so that a readiness probe never waits on the database. Owns its thread;
// thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "base/error.hpp"

namespace attrition::store {

enum class DatabaseState { kUp, kDown, kDisabled, kUnknown };
const char* DatabaseStateName(DatabaseState state) noexcept;

// Pings every `interval` on its own thread; State() is the last answer (kUnknown before).
class DatabaseWatch {
  public:
    DatabaseWatch(std::function<base::Result<void>()> ping, std::chrono::milliseconds interval);
    ~DatabaseWatch();  // stops the thread
    DatabaseWatch(const DatabaseWatch&) = delete;
    DatabaseWatch& operator=(const DatabaseWatch&) = delete;

    DatabaseState State() const { return state_.load(); }

  private:
    void Loop();
    std::function<base::Result<void>()> ping_;
    std::chrono::milliseconds interval_;
    std::atomic<DatabaseState> state_{DatabaseState::kUnknown};
    std::mutex mutex_;
    std::condition_variable stop_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace attrition::store
