// What the log keeps of a rejected body: a bounded prefix that is always valid JSON text, and
// every employee_id the body names, duplicate keys and Open Inference tensors included, so that
// erasure finds the row (issue 17, defects 4 and 5; issue 26, defect 1); the prefix of a body
// that is not JSON is not kept.
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

TEST(EmployeeIdsNamedTest, OpenInferenceTensorDataNamesIds) {
    // The id is a value of the tensor's data, not a key: nested by shape, escaped name included.
    const std::string body =
        R"({"inputs":[{"name":"age","datatype":"INT64","shape":[2],"data":[41,"NOT-AN-ID-KEY"]},)"
        R"({"name":"employee\u005fid","datatype":"BYTES","shape":[2,1],)"
        R"("data":[["VICTIM-2"],["V-3"]]}]})";
    EXPECT_EQ(EmployeeIdsNamed(body), (Ids{"VICTIM-2", "V-3"}));
}

TEST(EmployeeIdsNamedTest, InvalidJsonNamesNoReadableIds) {
    EXPECT_EQ(EmployeeIdsNamed(R"({"employee\u005fid":"E-7", "age": 041})"), std::nullopt);
}

TEST(EmployeeIdsNamedTest, ValuesThatCannotBeEmployeeIdsAreSkipped) {
    const std::string too_long(51, 'x');
    const std::string body =
        R"({"employee_id":7,"a":{"employee_id":""},"b":{"employee_id":")" + too_long + R"("}})";
    EXPECT_EQ(EmployeeIdsNamed(body), Ids{});
}

TEST(EmployeeIdsNamedTest, AtMostTheCapIsKept) {
    std::string body = R"({"employees":[)";
    for (std::size_t i = 0; i < kMaxNamedIds + 5; ++i) {
        body += (i ? "," : "") + std::string(R"({"employee_id":"E)") + std::to_string(i) + "\"}";
    }
    body += "]}";
    const auto ids = EmployeeIdsNamed(body);
    ASSERT_TRUE(ids);
    ASSERT_EQ(ids->size(), kMaxNamedIds);
    EXPECT_EQ(ids->front(), "E0");
    EXPECT_EQ(ids->back(), "E" + std::to_string(kMaxNamedIds - 1));
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

TEST(MarkedBodyTest, ACharacterCutByThePrefixBecomesAReplacementCharacter) {
    const std::string body = "{\"a\":\"\xC3\xA9\"}";  // {"a":"é"}
    const auto marked = nlohmann::json::parse(MarkedBody("invalid_input", body, 7));
    EXPECT_EQ(marked.at("body_prefix"), "{\"a\":\"\xEF\xBF\xBD");
    EXPECT_EQ(marked.at("truncated"), true);
}

TEST(MarkedBodyTest, ABodyThatIsNotJsonKeepsItsSizeNotItsPrefix) {
    // The escaped key names VICTIM-1, but no reader of invalid JSON can know it.
    const std::string body = R"({"employee\u005fid":"VICTIM-1","age":041})";
    const auto marked = nlohmann::json::parse(MarkedBody("json_invalid", body, 2048));
    EXPECT_TRUE(marked.at("body_prefix").is_null());
    EXPECT_EQ(marked.at("body_withheld"), kWithheldReason);
    EXPECT_EQ(marked.at("body_bytes"), body.size());
    EXPECT_EQ(marked.at("employee_ids"), nlohmann::json::array());
    EXPECT_EQ(marked.dump().find("VICTIM"), std::string::npos);
}

TEST(MarkedBodyTest, ATensorBodyNamesItsIds) {
    const std::string body =
        R"({"inputs":[{"name":"employee_id","datatype":"BYTES","shape":[1],"data":["VICTIM-2"]}]})";
    const auto marked = nlohmann::json::parse(MarkedBody("unknown_model_version", body, 2048));
    EXPECT_EQ(marked.at("employee_ids"), nlohmann::json::array({"VICTIM-2"}));
    EXPECT_EQ(marked.at("body_prefix"), body);
}

}  // namespace
}  // namespace attrition::http
