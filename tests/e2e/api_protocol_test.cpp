// Black-box contract tests, issue 4: HTTP behaviour of the prediction API — 415 for a body that
// is not JSON, 413 for an oversized body (read before the body is sent), 404 and 405 with Allow,
// HEAD as GET without a body, keep-alive, pipelined POSTs answered in order, X-Request-ID echoed
// on every reply.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "e2e/support/api_suite.hpp"
#include "e2e/support/employee_json.hpp"

namespace attrition::test::api_protocol_test {
namespace {

using nlohmann::json;

constexpr const char* kPredict = "/api/v1/predict";

class ApiProtocolTest : public ApiSuite {};

TEST_F(ApiProtocolTest, BodyMustBeDeclaredJson) {
    const std::string body = SampleEmployee().dump();
    for (const char* content_type : {"text/plain", "application/x-www-form-urlencoded",
                                     "application/jsonx", "multipart/form-data"}) {
        for (const char* path : {"/api/v1/predict", "/api/v1/predict/batch", "/api/v1/explain"}) {
            const auto response = Client().Post(path, body, {{"Content-Type", content_type}});
            EXPECT_EQ(response.status, 415) << path << " " << content_type;
            EXPECT_TRUE(StrictJson(response)["detail"].is_string()) << response.body;
        }
    }
    EXPECT_EQ(Client().Post(kPredict, body, {}).status, 415) << "no Content-Type";
    for (const char* content_type : {"application/json; charset=utf-8", "Application/JSON"}) {
        EXPECT_EQ(Client().Post(kPredict, body, {{"Content-Type", content_type}}).status, 200)
            << content_type;
    }
}

std::string PostHead(const std::string& path, std::size_t content_length) {
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
           "X-Request-ID: too-big\r\nContent-Length: " + std::to_string(content_length) +
           "\r\n\r\n";
}

TEST_F(ApiProtocolTest, BodyOverOneMebibyteIs413BeforeItIsSent) {
    for (const char* path : {"/api/v1/predict", "/api/v1/predict/batch", "/api/v1/explain"}) {
        HttpClient client(Service().Port());
        client.WriteRaw(PostHead(path, 1024 * 1024 + 1));  // headers only: the reply comes first
        const auto response = client.ReadResponse();
        EXPECT_EQ(response.status, 413) << path;
        EXPECT_TRUE(StrictJson(response)["detail"].is_string()) << response.body;
        EXPECT_EQ(response.Header("x-request-id"), "too-big");
        EXPECT_FALSE(response.keep_alive) << "the unread body is still on the wire";
        EXPECT_TRUE(client.ServerClosed());
    }
    // Just under the limit is read (extra fields are ignored).
    auto employee = SampleEmployee();
    employee["padding"] = "";
    const std::size_t padding = 1024 * 1024 - employee.dump().size();
    employee["padding"] = std::string(padding, 'x');
    ASSERT_EQ(employee.dump().size(), 1024U * 1024U);
    EXPECT_EQ(Post(kPredict, employee).status, 200);
}

TEST(ApiBodyLimitTest, BodyLimitFlagIsHonoured) {
    ServiceProcess service(
        {.flags = {"--body-limit", "2000"}, .env = {{"OC5_DATABASE_URL", "none"}}});
    const std::string body = SampleEmployee().dump();
    ASSERT_LT(body.size(), 2000U);
    HttpClient small(service.Port());
    EXPECT_EQ(small.Post(kPredict, body).status, 200);
    HttpClient large(service.Port());
    large.WriteRaw(PostHead(kPredict, 2001));
    const auto response = large.ReadResponse();
    EXPECT_EQ(response.status, 413);
    EXPECT_NE(StrictJson(response)["detail"].get<std::string>().find("2000"), std::string::npos);
}

TEST_F(ApiProtocolTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
    for (const char* path : {"/api/v1/nope", "/api/v2/predict", "/api/v1/predict/"}) {
        const auto response = Client().Post(path, "{}");
        EXPECT_EQ(response.status, 404) << path;
        EXPECT_EQ(StrictJson(response), (json{{"detail", "Not Found"}})) << path;
    }
    const std::vector<std::pair<std::string, std::string>> wrong{
        {"GET", "/api/v1/predict"},
        {"GET", "/api/v1/predict/batch"},
        {"PUT", "/api/v1/explain"},
        {"POST", "/api/v1/model/info"},
        {"DELETE", "/health"},
        {"POST", "/openapi.json"},
        {"POST", "/"},
        {"PATCH", "/docs"},
    };
    for (const auto& [method, path] : wrong) {
        const auto response = Client().Send(method, path, "", {});
        EXPECT_EQ(response.status, 405) << method << " " << path;
        EXPECT_EQ(StrictJson(response), (json{{"detail", "Method Not Allowed"}}));
        const bool post_only = path.starts_with("/api/v1/") && path != "/api/v1/model/info";
        // HEAD is answered wherever GET is (as GET without the body), so Allow names it too.
        EXPECT_EQ(response.Header("allow"), post_only ? "POST" : "GET, HEAD")
            << method << " " << path;
    }
}

TEST_F(ApiProtocolTest, HeadIsGetWithoutTheBody) {
    // The original (Starlette) answers HEAD on every GET route; monitors and `curl -I` use it.
    for (const char* path : {"/health", "/", "/api/v1/model/info", "/openapi.json", "/docs"}) {
        SCOPED_TRACE(path);
        const auto get = Client().Get(path);
        const auto head = Client().Send("HEAD", path, "", {});
        EXPECT_EQ(head.status, get.status);
        EXPECT_EQ(head.Header("content-type"), get.Header("content-type"));
        EXPECT_EQ(head.Header("content-length"), std::to_string(get.body.size()));
        EXPECT_TRUE(head.body.empty());
        EXPECT_TRUE(head.keep_alive);
    }
    const auto post_only = Client().Send("HEAD", kPredict, "", {});
    EXPECT_EQ(post_only.status, 405);
    EXPECT_EQ(post_only.Header("allow"), "POST");
    EXPECT_EQ(Post(kPredict, SampleEmployee()).status, 200) << "the connection is still in step";
}

TEST_F(ApiProtocolTest, TwoHundredPredictionsOnOneKeepAliveConnection) {
    for (int i = 0; i < 200; ++i) {
        const auto response = Post(kPredict, VariedEmployee(i));
        ASSERT_EQ(response.status, 200) << "request " << i << ": " << response.body;
        ASSERT_TRUE(response.keep_alive) << "request " << i;
    }
    // An error reply keeps the connection too.
    const auto invalid = Client().Post(kPredict, "{");
    EXPECT_EQ(invalid.status, 422);
    EXPECT_TRUE(invalid.keep_alive);
    EXPECT_EQ(Post(kPredict, SampleEmployee()).status, 200);
}

TEST_F(ApiProtocolTest, PipelinedPostsAreAnsweredInOrder) {
    constexpr int kRequests = 8;
    std::vector<json> expected;
    for (int i = 0; i < kRequests; ++i) {
        expected.push_back(Predict(VariedEmployee(i))["prediction"]);
    }
    std::string burst;
    for (int i = 0; i < kRequests; ++i) {
        // Every third request is invalid: errors keep their place in the sequence too.
        const std::string body = i % 3 == 2 ? "{\"age\": 41}" : VariedEmployee(i).dump();
        burst +=
            "POST /api/v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "X-Request-ID: pipe-" +
            std::to_string(i) + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
            body;
    }
    HttpClient client(Service().Port());
    client.WriteRaw(burst);
    for (int i = 0; i < kRequests; ++i) {
        SCOPED_TRACE(i);
        const auto response = client.ReadResponse();
        EXPECT_EQ(response.Header("x-request-id"), "pipe-" + std::to_string(i));
        if (i % 3 == 2) {
            EXPECT_EQ(response.status, 422);
        } else {
            ASSERT_EQ(response.status, 200) << response.body;
            EXPECT_EQ(StrictJson(response)["prediction"], expected[static_cast<std::size_t>(i)]);
        }
    }
}

TEST_F(ApiProtocolTest, RequestIdIsEchoedOnSuccessAndOnErrors) {
    const std::map<std::string, std::string> headers{{"Content-Type", "application/json"},
                                                     {"X-Request-ID", "trace-42.a_b"}};
    const std::string body = SampleEmployee().dump();
    EXPECT_EQ(Client().Post(kPredict, body, headers).Header("x-request-id"), "trace-42.a_b");
    EXPECT_EQ(Client().Post(kPredict, "{", headers).Header("x-request-id"), "trace-42.a_b");
    EXPECT_EQ(Client().Post("/api/v1/nope", body, headers).Header("x-request-id"), "trace-42.a_b");
    EXPECT_EQ(Client().Post(kPredict, body, {{"X-Request-ID", "trace-43"}}).Header("x-request-id"),
              "trace-43")
        << "415 too";
}

// 8-4-4-4-12 lower-case hex digits, version 7, the RFC 9562 variant.
bool IsUuid7(std::string_view id) {
    if (id.size() != 36) return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const bool hex = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f');
        if (dash ? id[i] != '-' : !hex) return false;
    }
    return id[14] == '7' && std::string_view("89ab").find(id[19]) != std::string_view::npos;
}

// A generated X-Request-ID is a UUIDv7: time-ordered, so that the log's index on x_request_id
// grows at one end instead of taking a random page per logged request.
TEST_F(ApiProtocolTest, AGeneratedRequestIdIsATimeOrderedUuid) {
    const std::string body = SampleEmployee().dump();
    const auto first = Client().Post(kPredict, body).Header("x-request-id");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the next millisecond
    const auto second = Client().Post(kPredict, body).Header("x-request-id");
    EXPECT_TRUE(IsUuid7(first)) << first;
    EXPECT_TRUE(IsUuid7(second)) << second;
    EXPECT_LT(first, second) << "a later request's id sorts after";
}

}  // namespace
}  // namespace attrition::test::api_protocol_test
