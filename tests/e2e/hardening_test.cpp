// Issue 17, the defects an outside test found on the wire, each pinned against the real binary:
// invalid UTF-8 in every part of a request to every route (no 5xx, every reply valid JSON, no
// connection slot lost), request smuggling through Transfer-Encoding, Host and Expect rules,
// the Allow header of a 405, a trickled head cut at the read timeout, the per-client connection
// cap, fixed error bodies when the database fails, and what a malformed number is told.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "e2e/support/log_support.hpp"
#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/service_process.hpp"

namespace attrition::test::hardening_test {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kKey = "e2e-hardening-key-0123456789";

std::string Raw(const std::string& method,
                const std::string& target,
                const std::string& extra_headers,
                const std::string& body) {
    return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

double MetricValue(const std::string& exposition, const std::string& series) {
    const auto at = exposition.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(exposition.substr(at + series.size() + 2));
}

class HardeningTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = MakeTempDir("attrition-hardening");
        keys_ = WriteApiKeysFile(dir_, kKey);
    }
    ServiceOptions Options(std::vector<std::string> flags) const {
        flags.insert(flags.end(), {"--migrate", "--api-keys-file", keys_});
        return {.flags = flags, .env = {{"OC5_DATABASE_URL", "sqlite:///" + dir_ + "/log.db"}}};
    }
    std::string dir_;
    std::string keys_;
};

// Every documented route, with invalid UTF-8 in its path parameter, a query name, a query
// value, the headers that are logged or compared, and the body. Three connection slots: a
// leaked slot would lock every client out before the end.
TEST_F(HardeningTest, InvalidUtf8AnywhereIsAnsweredWithoutLosingAConnectionSlot) {
    ServiceProcess service(Options({"--max-connections", "3"}));
    std::vector<std::pair<std::string, std::string>> routes;  // method, path
    {
        HttpClient client(service.Port());
        const auto document = Json::parse(client.Get("/openapi.json").body);
        for (const auto& [path, operations] : document["paths"].items()) {
            for (const auto& [method, operation] : operations.items()) {
                std::string upper = method;
                for (auto& c : upper) c = static_cast<char>(std::toupper(c));
                routes.emplace_back(upper, path);
            }
        }
    }
    ASSERT_GE(routes.size(), 10U);
    const std::string auth = "Authorization: Bearer " + std::string(kKey) + "\r\n";
    int answered = 0;
    for (const auto& [method, path] : routes) {
        std::string concrete = path;
        const auto brace = concrete.find('{');
        if (brace != std::string::npos) {
            concrete.replace(brace, concrete.find('}') - brace + 1, "%FF%FE");
        }
        const std::vector<std::pair<std::string, std::string>> variants{
            {concrete + "?%FF=1", ""},
            {concrete + "?days=%FF&employee_id=%C3&limit=%FF", ""},
            {concrete, "User-Agent: \xFF\xFE\r\nX-Request-ID: \xFF\r\n"},
            {concrete, "Authorization: Bearer \xFF\r\n"},
            {concrete, "Content-Type: application/json\r\n"},
        };
        for (const auto& [target, headers] : variants) {
            SCOPED_TRACE(method + " " + target);
            const std::string body =
                method == "POST" ? std::string(R"({"employee_id":"\xFF","age":"\xFE"})") : "";
            HttpClient client(service.Port());
            client.WriteRaw(Raw(method, target, auth + headers, body));
            const auto response = client.ReadResponse();
            ++answered;
            EXPECT_GT(response.status, 0);
            EXPECT_LT(response.status, 500) << response.body;
            if (response.Header("content-type") == "application/json") {
                EXPECT_TRUE(Json::accept(response.body)) << response.body;
            }
        }
    }
    // Every slot came back: three fresh connections at once still get answers.
    std::vector<std::unique_ptr<HttpClient>> held;
    for (int i = 0; i < 3; ++i) {
        bool ok = false;
        for (int attempt = 0; !ok && attempt < 100; ++attempt) {
            try {
                auto client = std::make_unique<HttpClient>(service.Port());
                ok = client->Get("/livez").status == 200;
                if (ok) held.push_back(std::move(client));
            } catch (const std::exception&) {
                std::this_thread::sleep_for(50ms);
            }
        }
        EXPECT_TRUE(ok) << "slot " << i;
    }
    const auto metrics = held.front()->Get("/metrics", Bearer(kKey)).body;
    EXPECT_EQ(MetricValue(metrics, "attrition_http_handler_exceptions_total"), 0) << metrics;
    PrintFigures("hardening/invalid_utf8", {{"routes", static_cast<long long>(routes.size())},
                                            {"requests_answered", answered}});
    EXPECT_EQ(service.Stop(), 0);
}

// RFC 9112 §6.3: a coding list that does not end in chunked cannot be framed: 400 and close,
// so the bytes after it are never read as a second request.
TEST_F(HardeningTest, TransferEncodingThatCannotBeFramedIsRefusedAndClosed) {
    ServiceProcess service(Options({}));
    const std::string smuggled =
        "GET /api/v1/model/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: smuggled\r\n\r\n";
    for (const std::string coding : {"xchunked", "chunked, identity", "identity", "gzip"}) {
        for (const bool with_length : {false, true}) {
            SCOPED_TRACE(coding + (with_length ? " + Content-Length" : ""));
            HttpClient client(service.Port());
            std::string head =
                "POST /api/v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: " +
                coding + "\r\n";
            if (with_length) head += "Content-Length: " + std::to_string(smuggled.size()) + "\r\n";
            client.WriteRaw(head + "\r\n" + smuggled);
            const auto response = client.ReadResponse();
            EXPECT_EQ(response.status, 400);
            EXPECT_EQ(Json::parse(response.body)["detail"],
                      "Transfer-Encoding must end with chunked");
            EXPECT_NE(response.Header("x-request-id"), "smuggled");
            EXPECT_TRUE(client.ServerClosed());
        }
    }
    HttpClient client(service.Port());
    client.WriteRaw(
        "POST /api/v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, "
        "chunked\r\n\r\n0\r\n\r\n");
    EXPECT_EQ(client.ReadResponse().status, 501);
    EXPECT_TRUE(client.ServerClosed());
    // Chunked alone is still read: a valid employee in two chunks is scored.
    auto employee = SampleEmployee(1).dump();
    HttpClient chunked(service.Port());
    const auto half = employee.size() / 2;
    const auto hex = [](std::size_t n) {
        char text[32];
        std::snprintf(text, sizeof text, "%zx", n);
        return std::string(text);
    };
    chunked.WriteRaw(
        "POST /api/v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        "application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
        hex(half) + "\r\n" + employee.substr(0, half) + "\r\n" + hex(employee.size() - half) +
        "\r\n" + employee.substr(half) + "\r\n0\r\n\r\n");
    EXPECT_EQ(chunked.ReadResponse().status, 200);
}

TEST_F(HardeningTest, HostExpectAndAllowFollowTheRfc) {
    ServiceProcess service(Options({}));
    for (const std::string head :
         {"GET /health HTTP/1.1\r\n\r\n", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}) {
        HttpClient client(service.Port());
        client.WriteRaw(head);
        const auto response = client.ReadResponse();
        EXPECT_EQ(response.status, 400) << head;
        EXPECT_EQ(Json::parse(response.body)["detail"], "A request needs exactly one Host header");
        EXPECT_TRUE(client.ServerClosed());
    }
    // Expect: 100-continue gets its interim answer before the body is sent.
    const auto body = SampleEmployee(2).dump();
    HttpClient client(service.Port());
    client.WriteRaw(
        "POST /api/v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        "application/json\r\nExpect: 100-continue\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n");
    EXPECT_EQ(client.ReadResponse().status, 100);
    client.WriteRaw(body);
    EXPECT_EQ(client.ReadResponse().status, 200);
    // RFC 9112 3.2.2: the absolute form is accepted and routed by its path and query
    // (issue 26, defect 8).
    const auto port = std::to_string(service.Port());
    client.WriteRaw("GET http://127.0.0.1:" + port + "/health HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto absolute = client.ReadResponse();
    EXPECT_EQ(absolute.status, 200) << absolute.body;
    client.WriteRaw("GET HTTP://127.0.0.1:" + port +
                    "/api/v1/model/info?model_version=nope_v9 HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(client.ReadResponse().status, 404);
    // A GET route answers HEAD too, and says so.
    const auto not_allowed = client.Post("/health", "{}");
    EXPECT_EQ(not_allowed.status, 405);
    EXPECT_EQ(not_allowed.Header("allow"), "GET, HEAD");
}

// The head is read under the read timeout once its first byte came (not the idle timeout),
// and one address cannot hold more than its share of the connections.
TEST_F(HardeningTest, TrickledHeadIsCutAtTheReadTimeoutAndOneClientCannotTakeEverySlot) {
    ServiceProcess service(Options({"--read-timeout-ms", "1500", "--idle-timeout-ms", "60000",
                                    "--max-connections-per-client", "4"}));
    HttpClient slow(service.Port());
    const std::string head = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: abcdefghij";
    const auto start = std::chrono::steady_clock::now();
    bool cut = false;
    for (std::size_t i = 0; i < head.size() && !cut; ++i) {
        try {
            slow.WriteRaw(head.substr(i, 1));
        } catch (const std::exception&) {
            cut = true;
        }
        std::this_thread::sleep_for(200ms);
        if (std::chrono::steady_clock::now() - start > 5s) break;
    }
    EXPECT_TRUE(cut || slow.ServerClosed());
    const auto held_for = std::chrono::steady_clock::now() - start;
    EXPECT_LT(held_for, 15s) << "the head was held for the idle timeout";

    std::vector<std::unique_ptr<HttpClient>> held;
    for (int i = 0; i < 4; ++i) {
        held.push_back(std::make_unique<HttpClient>(service.Port()));
        EXPECT_EQ(held.back()->Get("/livez").status, 200);
    }
    HttpClient fifth(service.Port());   // the kernel completes the handshake...
    EXPECT_TRUE(fifth.ServerClosed());  // ...and the server closes it unanswered
    held.pop_back();
    bool freed = false;
    for (int attempt = 0; !freed && attempt < 100; ++attempt) {
        freed = FreshHealth(service.Port()) == 200;
        if (!freed) std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(freed);
    const auto metrics = held.front()->Get("/metrics", Bearer(kKey)).body;
    EXPECT_GE(MetricValue(metrics,
                          "attrition_http_connections_refused_total{limit=\""
                          "max_connections_per_client\"}"),
              1)
        << metrics;
}

// A database failure reaches the client as a fixed message; its own words go to the log.
TEST_F(HardeningTest, DatabaseErrorsAreNotShownToClients) {
    ServiceProcess service(Options({}));
    HttpClient client(service.Port());
    ASSERT_EQ(client.Get("/api/v1/stats", Bearer(kKey)).status, 200);
    sqlite3* locker = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/log.db").c_str(), &locker), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(locker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
    const auto erased = client.Send("DELETE", "/api/v1/employees/E1/predictions", "", Bearer(kKey));
    sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(locker);
    EXPECT_EQ(erased.status, 503);
    EXPECT_EQ(Json::parse(erased.body)["detail"], "The prediction log is unavailable; retry later");
    EXPECT_EQ(erased.body.find("sqlite"), std::string::npos);
    EXPECT_NE(service.Log().find("database is locked"), std::string::npos);
}

TEST_F(HardeningTest, MalformedNumbersAreNamed) {
    ServiceProcess service(Options({}));
    HttpClient client(service.Port());
    const auto response = client.Post("/api/v1/predict", R"({"age":041})");
    ASSERT_EQ(response.status, 422);
    EXPECT_EQ(Json::parse(response.body)["detail"][0]["msg"],
              "JSON decode error: a number cannot have a leading zero");
}

}  // namespace
}  // namespace attrition::test::hardening_test
