// What the log keeps of a rejected body: a bounded prefix that is always valid JSON text, and
// every employee_id the body names, duplicate keys and invalid JSON included, so that erasure
// finds the row (issue 17, defects 4 and 5).
#include "http/json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace attrition::http {
namespace {

using Ids = std::vector<std::string>;

TEST(EmployeeIdsNamedTest, DuplicateKeysNameBothEmployees) {
    // The validator reads the last key and SQLite's json_extract the first: both are kept.
    const std::string body = R"({"employee_id":"DECOY-1","age":17,"employee_id":"VICTIM-1"})";
    EXPECT_EQ(EmployeeIdsNamed(body), (Ids{"DECOY-1", "VICTIM-1"}));
}

TEST(EmployeeIdsNamedTest, IdsAtAnyDepthInDocumentOrderWithoutRepeats) {
    const std::string body =
        R"({"employees":[{"employee_id":"A"},{"x":{"employee_id":"B"}},{"employee_id":"A"}]})";
    EXPECT_EQ(EmployeeIdsNamed(body), (Ids{"A", "B"}));
}

TEST(EmployeeIdsNamedTest, EscapedKeysOfValidJsonAreFound) {
    // "employee\u005fid" is the key employee_id once decoded, as the validator reads it.
    EXPECT_EQ(EmployeeIdsNamed(R"({"employee\u005fid":"E\u00e9"})"), (Ids{"E\xC3\xA9"}));
}

TEST(EmployeeIdsNamedTest, InvalidJsonIsScannedForTheKey) {
    const std::string body = R"({"employee_id" : "E-7", "age": 041, "employee_id":"E\"8")";
    EXPECT_EQ(EmployeeIdsNamed(body), (Ids{"E-7", "E\"8"}));
}

TEST(EmployeeIdsNamedTest, ValuesThatCannotBeEmployeeIdsAreSkipped) {
    const std::string too_long(51, 'x');
    const std::string body =
        R"({"employee_id":7,"a":{"employee_id":""},"b":{"employee_id":")" + too_long + R"("}})";
    EXPECT_TRUE(EmployeeIdsNamed(body).empty());
}

TEST(EmployeeIdsNamedTest, AtMostTheCapIsKept) {
    std::string body = R"({"employees":[)";
    for (std::size_t i = 0; i < kMaxNamedIds + 5; ++i) {
        body += (i ? "," : "") + std::string(R"({"employee_id":"E)") + std::to_string(i) + "\"}";
    }
    body += "]}";
    const auto ids = EmployeeIdsNamed(body);
    ASSERT_EQ(ids.size(), kMaxNamedIds);
    EXPECT_EQ(ids.front(), "E0");
    EXPECT_EQ(ids.back(), "E" + std::to_string(kMaxNamedIds - 1));
}

TEST(MarkedBodyTest, KeepsABoundedValidPrefixAndTheNamedIds) {
    std::string body = R"({"employee_id":"VICTIM-1","pad":")" + std::string(5000, 'p') + "\"}";
    const auto marked = nlohmann::json::parse(MarkedBody("invalid_input", body, 100));
    EXPECT_EQ(marked.at("rejected"), "invalid_input");
    EXPECT_EQ(marked.at("truncated"), true);
    EXPECT_EQ(marked.at("body_bytes"), body.size());
    EXPECT_EQ(marked.at("body_prefix"), body.substr(0, 100));
    EXPECT_EQ(marked.at("employee_ids"), nlohmann::json::array({"VICTIM-1"}));
}

TEST(MarkedBodyTest, InvalidUtf8AndNulBecomeReplacementCharacters) {
    const std::string body = std::string("a\xFF") + '\0' + "b";
    const auto marked = nlohmann::json::parse(MarkedBody("json_invalid", body, 64));
    EXPECT_EQ(marked.at("body_prefix"),
              "a\xEF\xBF\xBD\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(marked.at("truncated"), false);
}

}  // namespace
}  // namespace attrition::http
