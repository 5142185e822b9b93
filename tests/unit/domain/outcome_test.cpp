// The rules of one outcome (domain/outcome.hpp): calendar dates against a day count computed
// here independently (civil-from-days, Howard Hinnant's algorithm, written out), today's limit,
// and the issues' loc, message and type.
#include "domain/outcome.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace attrition::domain {
namespace {

// Days since 1970-01-01 of y-m-d, by the civil calendar's arithmetic.
long DaysFromCivil(long y, long m, long d) {
    y -= m <= 2 ? 1 : 0;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

TEST(OutcomeTest, CalendarDatesAreDayCounts) {
    EXPECT_EQ(ParseCalendarDate("1970-01-01"), 0);
    EXPECT_EQ(ParseCalendarDate("2026-10-31"), DaysFromCivil(2026, 10, 31));
    EXPECT_EQ(ParseCalendarDate("2024-02-29"), DaysFromCivil(2024, 2, 29));
    EXPECT_EQ(ParseCalendarDate("0001-01-01"), DaysFromCivil(1, 1, 1));
    EXPECT_EQ(ParseCalendarDate("9999-12-31"), DaysFromCivil(9999, 12, 31));
    for (const char* wrong : {"2026-02-29", "2025-13-01", "2026-00-10", "2026-04-31", "0000-01-01",
                              "2026-1-05", "2026-01-5", " 2026-01-05", "2026-01-05Z", "2026/01/05",
                              "20260105", "", "2026-01-05T00:00:00Z", "+026-01-05"}) {
        EXPECT_EQ(ParseCalendarDate(wrong), std::nullopt) << wrong;
    }
}

TEST(OutcomeTest, UtcDayIsTheDateOfTheInstant) {
    using namespace std::chrono;
    const auto midnight = sys_days(year(2026) / 12 / 1);
    EXPECT_EQ(UtcDay(midnight), DaysFromCivil(2026, 12, 1));
    EXPECT_EQ(UtcDay(midnight - microseconds(1)), DaysFromCivil(2026, 11, 30));
    EXPECT_EQ(UtcDay(midnight + hours(23) + minutes(59)), DaysFromCivil(2026, 12, 1));
}

TEST(OutcomeTest, ValidOutcomesPassAndTodayIsNotTheFuture) {
    const long today = DaysFromCivil(2026, 12, 1);
    std::vector<base::FieldIssue> issues;
    EXPECT_TRUE(CheckOutcome("E001", "left", "2026-12-01", today, {"body"}, issues));
    EXPECT_TRUE(CheckOutcome("É-42", "stayed", "1999-01-01", today, {"body"}, issues));
    // Already 2 December in UTC+14 while UTC is on 1 December: today somewhere.
    EXPECT_TRUE(CheckOutcome("E001", "left", "2026-12-02", today, {"body"}, issues));
    EXPECT_TRUE(issues.empty());

    EXPECT_FALSE(
        CheckOutcome("E001", "left", "2026-12-03", today, {"body", "outcomes", "3"}, issues));
    ASSERT_EQ(issues.size(), 1U);
    EXPECT_EQ(issues[0].loc, (std::vector<std::string>{"body", "outcomes", "3", "date"}));
    EXPECT_EQ(issues[0].type, "date_future");
}

TEST(OutcomeTest, EveryBrokenRuleIsOneIssueNamingTheFieldNotTheValue) {
    std::vector<base::FieldIssue> issues;
    EXPECT_FALSE(CheckOutcome(std::string(51, 'x'), "Left", "2026-02-30", 30000, {}, issues));
    ASSERT_EQ(issues.size(), 3U);
    EXPECT_EQ(issues[0].loc, std::vector<std::string>{"employee_id"});
    EXPECT_EQ(issues[0].type, "string_too_long");
    EXPECT_EQ(issues[1].loc, std::vector<std::string>{"event"});
    EXPECT_EQ(issues[1].msg, "Input should be 'left' or 'stayed'");
    EXPECT_EQ(issues[1].type, "enum");
    EXPECT_EQ(issues[2].loc, std::vector<std::string>{"date"});
    EXPECT_EQ(issues[2].type, "date_parsing");
    for (const auto& issue : issues) {
        EXPECT_EQ(issue.msg.find("2026-02-30"), std::string::npos);
        EXPECT_EQ(issue.msg.find("Left"), std::string::npos);
    }
    issues.clear();
    EXPECT_FALSE(CheckOutcome("", "left", "2026-01-01", 30000, {}, issues));
    ASSERT_EQ(issues.size(), 1U);
    EXPECT_EQ(issues[0].type, "string_too_short");
    issues.clear();
    EXPECT_FALSE(CheckOutcome(std::string("E\0", 2), "left", "2026-01-01", 30000, {}, issues));
    ASSERT_EQ(issues.size(), 1U);
    EXPECT_EQ(issues[0].type, "value_error");
}

}  // namespace
}  // namespace attrition::domain
