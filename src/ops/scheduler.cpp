#include "ops/scheduler.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "base/thread_name.hpp"

namespace attrition::ops {

base::Result<std::chrono::minutes> ParseTimeOfDay(std::string_view text) {
    const auto invalid = [text] {
        return base::Fail(
            base::ErrorCode::kInvalidConfig,
            fmt::format("time of day must be HH:MM (UTC, 00:00 to 23:59), got '{}'", text));
    };
    if (text.size() != 5 || text[2] != ':') return invalid();
    for (const std::size_t i : {0U, 1U, 3U, 4U}) {
        if (text[i] < '0' || text[i] > '9') return invalid();
    }
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (hours > 23 || minutes > 59) return invalid();
    return std::chrono::minutes(hours * 60 + minutes);
}

base::SystemTime NextDailyRun(base::SystemTime now, std::chrono::minutes time_of_day) {
    const auto midnight = std::chrono::floor<std::chrono::days>(now);
    base::SystemTime slot = midnight + time_of_day;
    if (slot <= now) slot += std::chrono::days(1);
    return slot;
}

DailyScheduler::DailyScheduler(const base::Clock& clock, SchedulerOptions options, Job job)
    : clock_(clock), options_(options), job_(std::move(job)) {}

DailyScheduler::~DailyScheduler() { Stop(); }

void DailyScheduler::Start() {
    {
        const std::lock_guard lock(mutex_);
        if (thread_.joinable() || stopping_) return;
        const auto now = clock_.Now();
        next_run_ = options_.run_latest_slot_at_start
                        ? NextDailyRun(now - std::chrono::hours(24), options_.time_of_day)
                        : NextDailyRun(now, options_.time_of_day);
    }
    thread_ = std::thread([this] {
        base::NameThisThread("scheduler");
        Loop();
    });
}

void DailyScheduler::Stop() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void DailyScheduler::Wake() {
    {
        const std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_.notify_all();
}

base::SystemTime DailyScheduler::NextRun() const {
    const std::lock_guard lock(mutex_);
    return next_run_;
}

std::uint64_t DailyScheduler::Runs() const {
    const std::lock_guard lock(mutex_);
    return runs_;
}

void DailyScheduler::Loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto now = clock_.Now();
        if (now < next_run_) {
            // Sleep until the slot, but re-read the clock every `poll`: the clock may be a
            // manual one or the wall clock may have been set.
            const auto remaining =
                std::chrono::duration_cast<std::chrono::milliseconds>(next_run_ - now);
            wake_.wait_for(lock, std::min(remaining + std::chrono::milliseconds(1), options_.poll),
                           [this] { return stopping_ || woken_; });
            woken_ = false;
            continue;
        }
        const auto slot = next_run_;
        // The next slot after both the one being run and now: a clock that jumped several days
        // gives one run, not a burst of catch-up runs.
        next_run_ = NextDailyRun(std::max(now, slot), options_.time_of_day);
        lock.unlock();
        try {
            job_(slot);
        } catch (const std::exception& e) {
            spdlog::error("msg=\"scheduled job threw\" slot={} what=\"{}\"",
                          base::FormatIso8601(slot), e.what());
        }
        lock.lock();
        ++runs_;
    }
}

}  // namespace attrition::ops
