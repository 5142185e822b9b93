// What the server checks before a request reaches a handler: the framing of its head (RFC 9112
// §6.3: request smuggling through Transfer-Encoding, Host, Expect) and its query string (every
// name and value valid percent-encoded UTF-8, so no later echo or database call can refuse the
// bytes). Issue 17, defects 1 and 3.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/query.hpp"
#include "http/request_limits.hpp"

namespace attrition::http {
namespace {

Request Head(std::vector<std::pair<std::string, std::string>> fields, unsigned version = 11) {
    Request head{Verb::post, "/api/v1/predict", version};
    for (const auto& [name, value] : fields) head.insert(name, value);
    return head;
}

unsigned StatusOf(const std::optional<Response>& refused) {
    return refused ? refused->result_int() : 0U;
}

TEST(FramingTest, ASoundHeadPasses) {
    EXPECT_FALSE(CheckFraming(Head({{"Host", "h"}, {"Content-Length", "2"}})));
    EXPECT_FALSE(CheckFraming(Head({{"Host", "h"}, {"Transfer-Encoding", "chunked"}})));
    EXPECT_FALSE(CheckFraming(Head({{"Host", "h"}, {"Transfer-Encoding", " Chunked "}})));
    EXPECT_FALSE(CheckFraming(Head({{"Host", "h"}, {"Expect", "100-Continue"}})));
    EXPECT_FALSE(CheckFraming(Head({}, 10)));  // HTTP/1.0 needs no Host
}

TEST(FramingTest, ACodingListNotEndingInChunkedIsRefusedAndCloses) {
    for (const std::string coding :
         {"xchunked", "chunked, identity", "identity", "gzip", "chunked, chunked", ","}) {
        SCOPED_TRACE(coding);
        const auto refused = CheckFraming(Head({{"Host", "h"}, {"Transfer-Encoding", coding}}));
        ASSERT_EQ(StatusOf(refused), 400U);
        EXPECT_FALSE(refused->keep_alive());
        EXPECT_EQ(nlohmann::json::parse(refused->body()).at("detail"),
                  "Transfer-Encoding must end with chunked");
    }
    // Two fields make one list: "chunked" then "identity".
    EXPECT_EQ(
        StatusOf(CheckFraming(Head(
            {{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "identity"}}))),
        400U);
}

TEST(FramingTest, OtherCodingsBeforeChunkedAreNotImplemented) {
    const auto refused =
        CheckFraming(Head({{"Host", "h"}, {"Transfer-Encoding", "gzip, chunked"}}));
    ASSERT_EQ(StatusOf(refused), 501U);
    EXPECT_FALSE(refused->keep_alive());
}

TEST(FramingTest, TransferEncodingWithContentLengthOrInHttp10IsRefused) {
    EXPECT_EQ(StatusOf(CheckFraming(Head(
                  {{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}))),
              400U);
    EXPECT_EQ(StatusOf(CheckFraming(Head(
                  {{"Host", "h"}, {"Transfer-Encoding", "xchunked"}, {"Content-Length", "5"}}))),
              400U);
    EXPECT_EQ(StatusOf(CheckFraming(Head({{"Transfer-Encoding", "chunked"}}, 10))), 400U);
}

TEST(FramingTest, HostMustBeThereExactlyOnce) {
    EXPECT_EQ(StatusOf(CheckFraming(Head({}))), 400U);
    EXPECT_EQ(StatusOf(CheckFraming(Head({{"Host", "a"}, {"Host", "b"}}))), 400U);
    EXPECT_EQ(StatusOf(CheckFraming(Head({{"Host", "a"}, {"Host", "b"}}, 10))), 400U);
}

TEST(FramingTest, OnlyTheContinueExpectationIsMet) {
    const auto refused = CheckFraming(Head({{"Host", "h"}, {"Expect", "something-else"}}));
    EXPECT_EQ(StatusOf(refused), 417U);
    EXPECT_TRUE(WantsContinue(Head({{"Host", "h"}, {"Expect", "100-continue"}})));
    EXPECT_FALSE(WantsContinue(Head({{"Host", "h"}})));
    EXPECT_FALSE(WantsContinue(Head({{"Expect", "100-continue"}}, 10)));
}

TEST(QueryTest, ParametersAreDecodedInOrder) {
    const auto parameters = ParseQuery("/p?a=1&b=%C3%A9&flag&&c=x%2By+z");
    ASSERT_TRUE(parameters);
    ASSERT_EQ(parameters->size(), 4U);
    EXPECT_EQ((*parameters)[0].name, "a");
    EXPECT_EQ((*parameters)[1].value, "\xC3\xA9");
    EXPECT_EQ((*parameters)[2].name, "flag");
    EXPECT_EQ((*parameters)[2].value, "");
    EXPECT_EQ((*parameters)[3].value, "x+y+z");
    EXPECT_TRUE(ParseQuery("/p")->empty());
}

TEST(QueryTest, InvalidUtf8NamesAreRefusedWithoutBeingEchoed) {
    const auto parameters = ParseQuery("/api/v1/stats?%FF=1");
    ASSERT_FALSE(parameters);
    ASSERT_EQ(parameters.error().issues.size(), 1U);
    EXPECT_EQ(parameters.error().issues[0].loc, std::vector<std::string>{"query"});
    EXPECT_EQ(parameters.error().code, base::ErrorCode::kInvalidInput);
}

TEST(QueryTest, InvalidValuesNameTheirParameter) {
    const auto parameters = ParseQuery("/p?days=%FF&limit=%G1");
    ASSERT_FALSE(parameters);
    ASSERT_EQ(parameters.error().issues.size(), 2U);
    EXPECT_EQ(parameters.error().issues[0].loc, (std::vector<std::string>{"query", "days"}));
    EXPECT_EQ(parameters.error().issues[0].type, "string_unicode");
    EXPECT_EQ(parameters.error().issues[1].loc, (std::vector<std::string>{"query", "limit"}));
    EXPECT_EQ(parameters.error().issues[1].type, "value_error");
}

TEST(QueryTest, ANameGivenTwiceIsRefusedOnceDecoded) {
    // `%6Dodel_version` is `model_version`: one name, two values, no guess (issue 26, defect 6).
    const auto parameters = ParseQuery("/p?model_version=a&%6Dodel_version=b&x=1&x=2&x=3");
    ASSERT_FALSE(parameters);
    ASSERT_EQ(parameters.error().issues.size(), 2U);
    EXPECT_EQ(parameters.error().issues[0].loc,
              (std::vector<std::string>{"query", "model_version"}));
    EXPECT_EQ(parameters.error().issues[0].type, "duplicate_parameter");
    EXPECT_EQ(parameters.error().issues[1].loc, (std::vector<std::string>{"query", "x"}));
}

TEST(QueryTest, FindParameterReadsTheDecodedName) {
    const auto parameters = ParseQuery("/p?%6Dodel_version=v%32&flag");
    ASSERT_TRUE(parameters);
    EXPECT_EQ(FindParameter(*parameters, "model_version"), "v2");
    EXPECT_EQ(FindParameter(*parameters, "flag"), "");
    EXPECT_EQ(FindParameter(*parameters, "detail"), std::nullopt);
}

}  // namespace
}  // namespace attrition::http
