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

}  // namespace
}  // namespace attrition::base
