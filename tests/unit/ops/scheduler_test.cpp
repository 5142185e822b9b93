// The daily scheduler against a manual clock: no test waits for a real day, and every wait is
// a poll with a generous timeout (robust on a loaded machine).
#include "ops/scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace attrition::ops {
namespace {

using namespace std::chrono_literals;

base::SystemTime At(int year, unsigned month, unsigned day, int hour, int minute) {
    return std::chrono::sys_days(std::chrono::year(year) / month / day) + std::chrono::hours(hour) +
           std::chrono::minutes(minute);
}

class ManualClock final : public base::Clock {
  public:
    explicit ManualClock(base::SystemTime now) : now_(now.time_since_epoch().count()) {}
    base::SystemTime Now() const override {
        return base::SystemTime(base::SystemTime::duration(now_.load()));
    }
    void Set(base::SystemTime now) { now_ = now.time_since_epoch().count(); }

  private:
    std::atomic<base::SystemTime::rep> now_;
};

// Polls until pred holds or 60 s passed.
template <class Pred>
bool Eventually(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(2ms);
    }
    return pred();
}

TEST(SchedulerTest, ParsesTimeOfDay) {
    EXPECT_EQ(ParseTimeOfDay("02:00").value(), 120min);
    EXPECT_EQ(ParseTimeOfDay("23:59").value(), 23h + 59min);
    EXPECT_EQ(ParseTimeOfDay("00:00").value(), 0min);
    for (const auto* bad : {"24:00", "12:60", "2:00", "02-00", "", "ab:cd", "02:000"}) {
        const auto parsed = ParseTimeOfDay(bad);
        ASSERT_FALSE(parsed) << bad;
        EXPECT_EQ(parsed.error().code, base::ErrorCode::kInvalidConfig);
    }
}

TEST(SchedulerTest, NextRunIsTheNextSlotStrictlyAfterNow) {
    EXPECT_EQ(NextDailyRun(At(2026, 11, 27, 1, 59), 120min), At(2026, 11, 27, 2, 0));
    EXPECT_EQ(NextDailyRun(At(2026, 11, 27, 2, 0), 120min), At(2026, 11, 28, 2, 0));
    EXPECT_EQ(NextDailyRun(At(2026, 11, 27, 23, 0), 120min), At(2026, 11, 28, 2, 0));
    EXPECT_EQ(NextDailyRun(At(2026, 12, 31, 3, 0), 120min), At(2027, 1, 1, 2, 0));
}

TEST(SchedulerTest, FiresOncePerDayAtTheConfiguredTime) {
    ManualClock clock(At(2026, 11, 27, 1, 0));
    std::mutex mutex;
    std::vector<base::SystemTime> slots;
    DailyScheduler scheduler(clock, SchedulerOptions{.time_of_day = 120min, .poll = 5ms},
                             [&](base::SystemTime slot) {
                                 const std::lock_guard lock(mutex);
                                 slots.push_back(slot);
                             });
    scheduler.Start();
    EXPECT_EQ(scheduler.NextRun(), At(2026, 11, 27, 2, 0));
    EXPECT_EQ(scheduler.Runs(), 0U);

    clock.Set(At(2026, 11, 27, 2, 0));
    scheduler.Wake();
    ASSERT_TRUE(Eventually([&] { return scheduler.Runs() == 1; }));
    // The next slot is tomorrow: the same slot never runs twice.
    EXPECT_EQ(scheduler.NextRun(), At(2026, 11, 28, 2, 0));

    clock.Set(At(2026, 11, 28, 2, 30));
    scheduler.Wake();
    ASSERT_TRUE(Eventually([&] { return scheduler.Runs() == 2; }));
    EXPECT_EQ(scheduler.NextRun(), At(2026, 11, 29, 2, 0));
    scheduler.Stop();

    const std::lock_guard lock(mutex);
    ASSERT_EQ(slots.size(), 2U);
    EXPECT_EQ(slots[0], At(2026, 11, 27, 2, 0));
    EXPECT_EQ(slots[1], At(2026, 11, 28, 2, 0));
}

TEST(SchedulerTest, AClockThatJumpsDaysRunsOnceNotACatchUpBurst) {
    ManualClock clock(At(2026, 11, 27, 12, 0));
    std::atomic<int> runs{0};
    DailyScheduler scheduler(clock, SchedulerOptions{.time_of_day = 120min, .poll = 5ms},
                             [&](base::SystemTime) { ++runs; });
    scheduler.Start();
    clock.Set(At(2026, 12, 5, 12, 0));  // eight slots passed
    scheduler.Wake();
    ASSERT_TRUE(Eventually([&] { return scheduler.Runs() == 1; }));
    EXPECT_EQ(scheduler.NextRun(), At(2026, 12, 6, 2, 0));
    scheduler.Stop();
    EXPECT_EQ(runs.load(), 1);
}

TEST(SchedulerTest, RunLatestSlotAtStartRunsTheSlotJustPastThenTheNextOnes) {
    for (const auto& [start, latest] :
         {std::pair{At(2026, 11, 27, 12, 0), At(2026, 11, 27, 2, 0)},
          std::pair{At(2026, 11, 27, 1, 0), At(2026, 11, 26, 2, 0)},  // before today's time
          std::pair{At(2026, 11, 27, 2, 0), At(2026, 11, 27, 2, 0)}}) {
        ManualClock clock(start);
        std::mutex mutex;
        std::vector<base::SystemTime> slots;
        DailyScheduler scheduler(
            clock,
            SchedulerOptions{.time_of_day = 120min, .poll = 5ms, .run_latest_slot_at_start = true},
            [&](base::SystemTime slot) {
                const std::lock_guard lock(mutex);
                slots.push_back(slot);
            });
        scheduler.Start();
        ASSERT_TRUE(Eventually([&] { return scheduler.Runs() == 1; }));
        EXPECT_EQ(scheduler.NextRun(), latest + 24h);
        scheduler.Stop();
        const std::lock_guard lock(mutex);
        ASSERT_EQ(slots.size(), 1U);
        EXPECT_EQ(slots[0], latest);
    }
}

TEST(SchedulerTest, AThrowingJobIsLoggedAndTheSchedulerGoesOn) {
    ManualClock clock(At(2026, 11, 27, 1, 0));
    DailyScheduler scheduler(clock, SchedulerOptions{.time_of_day = 120min, .poll = 5ms},
                             [](base::SystemTime) { throw std::runtime_error("boom"); });
    scheduler.Start();
    clock.Set(At(2026, 11, 27, 3, 0));
    ASSERT_TRUE(Eventually([&] { return scheduler.Runs() == 1; }));  // found by polling alone
    clock.Set(At(2026, 11, 28, 3, 0));
    ASSERT_TRUE(Eventually([&] { return scheduler.Runs() == 2; }));
}

TEST(SchedulerTest, StopReturnsPromptlyWhileWaitingForADistantSlot) {
    ManualClock clock(At(2026, 11, 27, 3, 0));
    DailyScheduler scheduler(clock, SchedulerOptions{.time_of_day = 120min, .poll = 1h},
                             [](base::SystemTime) {});
    scheduler.Start();
    scheduler.Stop();  // would hang for an hour if the wait ignored Stop
    EXPECT_EQ(scheduler.Runs(), 0U);
}

}  // namespace
}  // namespace attrition::ops
