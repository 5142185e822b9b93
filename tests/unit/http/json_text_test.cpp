// StorableJson: what PostgreSQL's jsonb refuses (the escape \u0000) is replaced, and nothing
// else in the body changes, including text that only looks like that escape.
#include "http/json_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace attrition::http {
namespace {

TEST(StorableJsonTest, BodiesWithoutNulEscapesAreStoredUnchanged) {
    const std::string body = R"({"poste":"Cadre Commercial","note":"a\"b\\c é \u00e9"})";
    EXPECT_EQ(StorableJson(body), body);
}

TEST(StorableJsonTest, NulEscapesBecomeTheReplacementCharacter) {
    EXPECT_EQ(StorableJson(R"({"a":"x\u0000y","b":"\u0000"})"), R"({"a":"x\ufffdy","b":"\ufffd"})");
}

TEST(StorableJsonTest, AnEscapedBackslashBeforeU0000IsNotAnEscape) {
    // JSON "\\u0000" is a backslash followed by the five characters u0000: valid in jsonb.
    const std::string body = R"({"a":"\\u0000","b":"\u0000"})";
    EXPECT_EQ(StorableJson(body), R"({"a":"\\u0000","b":"\ufffd"})");
}

}  // namespace
}  // namespace attrition::http
