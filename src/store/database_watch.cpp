#include "store/database_watch.hpp"

#include <spdlog/spdlog.h>

#include "base/thread_name.hpp"

namespace attrition::store {

const char* DatabaseStateName(DatabaseState state) noexcept {
    switch (state) {
        case DatabaseState::kUp:
            return "up";
        case DatabaseState::kDown:
            return "down";
        case DatabaseState::kDisabled:
            return "disabled";
        case DatabaseState::kUnknown:
            return "unknown";
    }
    return "unknown";
}

DatabaseWatch::DatabaseWatch(std::function<base::Result<void>()> ping,
                             std::chrono::milliseconds interval)
    : ping_(std::move(ping)), interval_(interval) {
    thread_ = std::thread([this] {
        base::NameThisThread("database-watch");
        Loop();
    });
}

DatabaseWatch::~DatabaseWatch() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stop_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void DatabaseWatch::Loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        const auto result = ping_();
        const auto state = result ? DatabaseState::kUp : DatabaseState::kDown;
        if (state_.exchange(state) != state) {
            if (result) {
                spdlog::info("msg=\"readiness: database up\"");
            } else {
                spdlog::warn("msg=\"readiness: database down\" reason=\"{}\"",
                             result.error().message);
            }
        }
        lock.lock();
        stop_.wait_for(lock, interval_, [this] { return stopping_; });
    }
}

}  // namespace attrition::store
