#include "base/clock.hpp"

#include <gtest/gtest.h>

namespace attrition::base {
namespace {

TEST(ClockTest, FormatsUtcWithMicroseconds) {
    const SystemTime t =
        SystemTime{} + std::chrono::seconds(1'700'000'000) + std::chrono::microseconds(42);
    EXPECT_EQ(FormatIso8601(t), "2023-11-14T22:13:20.000042Z");
}

TEST(ClockTest, EpochIsFormatted) {
    EXPECT_EQ(FormatIso8601(SystemTime{}), "1970-01-01T00:00:00.000000Z");
}

base::SystemTime Utc(int y, unsigned m, unsigned d, int h = 0, int min = 0, int s = 0) {
    return std::chrono::sys_days(std::chrono::year(y) / m / d) + std::chrono::hours(h) +
           std::chrono::minutes(min) + std::chrono::seconds(s);
}

TEST(Iso8601Test, ParsesDatesAndZonedTimes) {
    EXPECT_EQ(ParseIso8601("2026-11-27"), Utc(2026, 11, 27));
    EXPECT_EQ(ParseIso8601("2026-11-27T09:23:32Z"), Utc(2026, 11, 27, 9, 23, 32));
    EXPECT_EQ(ParseIso8601("2026-11-27T09:23:32.5Z"),
              Utc(2026, 11, 27, 9, 23, 32) + std::chrono::milliseconds(500));
    EXPECT_EQ(ParseIso8601("2026-11-27T09:23:32.123456Z"),
              Utc(2026, 11, 27, 9, 23, 32) + std::chrono::microseconds(123456));
    EXPECT_EQ(ParseIso8601("2026-11-27T11:23:32+02:00"), Utc(2026, 11, 27, 9, 23, 32));
    EXPECT_EQ(ParseIso8601("2026-11-27T04:23:32-05:00"), Utc(2026, 11, 27, 9, 23, 32));
    for (const auto* bad :
         {"", "2026-11", "2026-13-01", "2026-02-30", "2026-11-27T09:23:32", "2026-11-27T25:00:00Z",
          "2026-11-27T09:23Z", "yesterday", "2026-11-27T09:23:32.Z", "2026-11-27T09:23:32+2"}) {
        EXPECT_FALSE(ParseIso8601(bad)) << bad;
    }
}

TEST(Iso8601Test, DatesTheClockCannotHoldAreRefusedNotWrapped) {
    // The clock counts nanoseconds in 64 bits: 1677-09-21 to 2262-04-11 (issue 26, defect 2).
    EXPECT_EQ(ParseIso8601("1678-01-01T00:00:00+23:59"), Utc(1677, 12, 31, 0, 1));
    EXPECT_EQ(ParseIso8601("2261-12-31T23:59:59-23:59"), Utc(2262, 1, 1, 23, 58, 59));
    for (const auto* far : {"1000-01-01", "1677-12-31", "2262-01-01", "2300-01-01T00:00:00Z",
                            "9999-12-31", "0000-01-01"}) {
        EXPECT_FALSE(ParseIso8601(far)) << far;
    }
    EXPECT_EQ(FormatIso8601(*ParseIso8601(kEarliestIso8601)), "1678-01-01T00:00:00.000000Z");
    EXPECT_EQ(FormatIso8601(*ParseIso8601(kLatestIso8601)), "2261-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace attrition::base
