// The UTF-8 rules every module shares: validity as PostgreSQL checks it, length in characters
// as varchar(n) counts, repair of untrusted bytes, and the one employee_id rule (issue 17,
// defects 2 and 7).
#include "base/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace attrition::base {
namespace {

TEST(TextTest, ValidUtf8IsWhatTheStandardAllows) {
    EXPECT_TRUE(IsValidUtf8(""));
    EXPECT_TRUE(IsValidUtf8("plain ASCII"));
    EXPECT_TRUE(IsValidUtf8("Mari\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
    EXPECT_FALSE(IsValidUtf8("\xFF"));
    EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated sequence
    EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a UTF-16 surrogate
    EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(IsValidUtf8("ok\x80"));            // a lone continuation byte
}

TEST(TextTest, CharactersAreCodePointsNotBytes) {
    EXPECT_EQ(CharCount(""), 0U);
    EXPECT_EQ(CharCount("abc"), 3U);
    EXPECT_EQ(CharCount("\xC3\xA9\xC3\xA9"), 2U);  // 4 bytes
    EXPECT_EQ(CharCount("\xF0\x9F\x98\x80"), 1U);  // 4 bytes
}

TEST(TextTest, InvalidBytesAndNulBecomeReplacementCharacters) {
    const std::string text = std::string("a\xFF") + '\0' + "\xC3\xA9\xC3";
    const std::string repaired = ToValidUtf8(text);
    EXPECT_EQ(repaired, "a\xEF\xBF\xBD\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBD");
    EXPECT_TRUE(IsValidUtf8(repaired));
    EXPECT_EQ(ToValidUtf8("unchanged \xC3\xA9"), "unchanged \xC3\xA9");
}

TEST(TextTest, EmployeeIdRuleCountsCharacters) {
    std::string fifty_accents;
    for (int i = 0; i < 50; ++i) fifty_accents += "\xC3\xA9";  // 100 bytes, 50 characters
    EXPECT_EQ(CheckEmployeeId(fifty_accents), EmployeeIdProblem::kNone);
    EXPECT_EQ(CheckEmployeeId(fifty_accents + "x"), EmployeeIdProblem::kTooLong);
    EXPECT_EQ(CheckEmployeeId(std::string(50, 'x')), EmployeeIdProblem::kNone);
    EXPECT_EQ(CheckEmployeeId(std::string(51, 'x')), EmployeeIdProblem::kTooLong);
    EXPECT_EQ(CheckEmployeeId(""), EmployeeIdProblem::kEmpty);
    EXPECT_EQ(CheckEmployeeId(std::string("E\0"
                                          "1",
                                          3)),
              EmployeeIdProblem::kNul);
    EXPECT_EQ(CheckEmployeeId("E\xFF"), EmployeeIdProblem::kInvalidUtf8);
}

}  // namespace
}  // namespace attrition::base
