// Runs a job once a day at a fixed UTC time of day, on its own thread (the retention cleanup).
// The time comes from an injectable base::Clock, so tests move time forward instead of waiting
// a day; the thread re-reads the clock at least every `poll` (which also absorbs wall-clock
// jumps). A run that is missed (clock jumped over several days) is done once, not caught up.
// Ownership: owns its thread; the clock and the job's captures must outlive it.
// Thread-safety: all members are thread-safe; the job runs on the scheduler thread only, one
// run at a time, and must not throw (an exception is caught and logged).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/clock.hpp"
#include "base/error.hpp"

namespace attrition::ops {

// "HH:MM" (24 h, UTC) as minutes after midnight; kInvalidConfig otherwise.
base::Result<std::chrono::minutes> ParseTimeOfDay(std::string_view text);

// The first instant strictly after `now` that is `time_of_day` after a UTC midnight.
base::SystemTime NextDailyRun(base::SystemTime now, std::chrono::minutes time_of_day);

struct SchedulerOptions {
    std::chrono::minutes time_of_day{2 * 60};  // 02:00 UTC
    std::chrono::milliseconds poll{30000};     // how often the clock is re-read at most
    // Also run the latest slot already past, at once: a job whose outcome is kept per slot
    // (job_runs) then has one for today even when the process started after the time.
    bool run_latest_slot_at_start = false;
};

class DailyScheduler {
  public:
    // Receives the slot it runs for (e.g. 2026-11-28T02:00:00Z), not the current time.
    using Job = std::function<void(base::SystemTime scheduled_for)>;

    DailyScheduler(const base::Clock& clock, SchedulerOptions options, Job job);
    ~DailyScheduler();  // Stop()
    DailyScheduler(const DailyScheduler&) = delete;
    DailyScheduler& operator=(const DailyScheduler&) = delete;

    // Starts the thread; the first run is the next slot after the clock's current time (or the
    // latest past one, with run_latest_slot_at_start).
    void Start();
    // Wakes the thread and joins it; a running job finishes first. Idempotent.
    void Stop();
    // Wakes the thread so it re-reads the clock now (tests that move a manual clock).
    void Wake();

    base::SystemTime NextRun() const;
    std::uint64_t Runs() const;

  private:
    void Loop();

    const base::Clock& clock_;
    const SchedulerOptions options_;
    const Job job_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool woken_ = false;
    base::SystemTime next_run_{};
    std::uint64_t runs_ = 0;
    std::thread thread_;
};

}  // namespace attrition::ops
