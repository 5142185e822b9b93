// Unit tests of the operator-facing HTTP pieces: API key files and checks, the readiness
// decision, the router's {parameter} patterns, and the history query parsing (ISO 8601 times,
// limits, cursors).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/api_keys.hpp"
#include "http/handlers/log_endpoints.hpp"
#include "http/handlers/monitoring_endpoints.hpp"
#include "http/handlers/probes.hpp"
#include "http/query.hpp"
#include "http/router.hpp"
#include "store/log_reader.hpp"

namespace attrition::http {
namespace {

using handlers::EvaluateReadiness;
using handlers::ReadinessInput;
using store::DatabaseState;

TEST(ApiKeysTest, Sha256MatchesTheKnownVector) {
    EXPECT_EQ(ToHex(Sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeysTest, AcceptsOnlyAStoredKeyAndNamesIt) {
    const auto text = "# operators\n" + KeyFileLine("s3cret-one", "grafana") + "\n\n" +
                      KeyFileLine("s3cret-two", "") + "\n";
    auto keys = ApiKeys::Parse(text, "keys.txt");
    ASSERT_TRUE(keys) << keys.error().message;
    EXPECT_EQ(keys->Count(), 2U);

    const auto one = keys->Verify("Bearer s3cret-one");
    EXPECT_EQ(one.verdict, KeyVerdict::kAccepted);
    EXPECT_EQ(one.name, "grafana");
    EXPECT_EQ(keys->Verify("bearer s3cret-two").verdict, KeyVerdict::kAccepted);
    EXPECT_EQ(keys->Verify("Bearer s3cret-three").verdict, KeyVerdict::kRejected);
    EXPECT_EQ(keys->Verify("Bearer s3cret-on").verdict, KeyVerdict::kRejected);
    EXPECT_EQ(keys->Verify("").verdict, KeyVerdict::kMissing);
    EXPECT_EQ(keys->Verify("Basic dXNlcjpwYXNz").verdict, KeyVerdict::kMissing);
    EXPECT_EQ(keys->Verify("Bearer ").verdict, KeyVerdict::kMissing);
}

TEST(ApiKeysTest, NoFileMeansNotConfigured) {
    const ApiKeys keys;
    EXPECT_FALSE(keys.Configured());
    EXPECT_EQ(keys.Verify("Bearer anything").verdict, KeyVerdict::kNotConfigured);
}

TEST(ApiKeysTest, MalformedLinesAreRefusedByLineNumberWithoutTheirContent) {
    auto keys = ApiKeys::Parse("# ok\nnot-a-hash secret-name\n", "keys.txt");
    ASSERT_FALSE(keys);
    EXPECT_EQ(keys.error().code, base::ErrorCode::kInvalidConfig);
    EXPECT_NE(keys.error().message.find("keys.txt line 2"), std::string::npos);
    EXPECT_EQ(keys.error().message.find("secret-name"), std::string::npos);
    EXPECT_FALSE(ApiKeys::Parse("# only comments\n", "keys.txt"));
}

TEST(ApiKeysTest, GeneratedKeysAreLongAndDistinct) {
    const auto a = GenerateKey();
    const auto b = GenerateKey();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->size(), 43U);  // 32 bytes in base64url
    EXPECT_NE(*a, *b);
}

TEST(ApiKeysTest, AuthorizeAnswers401Or403WithAClearMessage) {
    Request request{Verb::get, "/api/v1/stats", 11};
    const ApiKeys none;
    auto denied = Authorize(none, request, WhenUnconfigured::kRefuse);
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->result(), Status::forbidden);
    EXPECT_NE(denied->body().find("OC5_API_KEYS_FILE"), std::string::npos);
    EXPECT_FALSE(Authorize(none, request, WhenUnconfigured::kAllow));

    auto keys = ApiKeys::Parse(KeyFileLine("k1", "x"), "inline");
    ASSERT_TRUE(keys);
    denied = Authorize(*keys, request, WhenUnconfigured::kRefuse);
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->result(), Status::unauthorized);
    EXPECT_EQ((*denied)[bhttp::field::www_authenticate], "Bearer");
    request.set(bhttp::field::authorization, "Bearer k2");
    denied = Authorize(*keys, request, WhenUnconfigured::kAllow);  // configured: moot
    ASSERT_TRUE(denied);
    EXPECT_EQ(nlohmann::json::parse(denied->body())["detail"], "Invalid API key");
    request.set(bhttp::field::authorization, "Bearer k1");
    EXPECT_FALSE(Authorize(*keys, request, WhenUnconfigured::kRefuse));
}

TEST(ReadinessTest, ReadyWithModelAndDatabase) {
    const auto r = EvaluateReadiness({true, DatabaseState::kUp, 0, 1 << 20});
    EXPECT_TRUE(r.ready);
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["status"], "ready");
    EXPECT_EQ(body["database"], "up");
    EXPECT_FALSE(body.contains("detail"));
}

TEST(ReadinessTest, StaysReadyWhileTheSpoolHasRoomAndNotAfter) {
    const std::uint64_t max = 1 << 20;
    auto r = EvaluateReadiness({true, DatabaseState::kDown, 0, max});
    EXPECT_TRUE(r.ready);
    EXPECT_EQ(nlohmann::json::parse(r.body)["database"], "down");
    r = EvaluateReadiness({true, DatabaseState::kDown, max - handlers::kSpoolHeadroomBytes, max});
    EXPECT_TRUE(r.ready);
    r = EvaluateReadiness(
        {true, DatabaseState::kDown, max - handlers::kSpoolHeadroomBytes + 1, max});
    EXPECT_FALSE(r.ready);
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["status"], "not_ready");
    EXPECT_EQ(body["detail"], "prediction log database down and spool full");
}

TEST(ReadinessTest, NotReadyWithoutAModelAndReadyWithLoggingOff) {
    auto r = EvaluateReadiness({false, DatabaseState::kUp, 0, 1 << 20});
    EXPECT_FALSE(r.ready);
    EXPECT_EQ(nlohmann::json::parse(r.body)["detail"], "model not loaded");
    r = EvaluateReadiness({true, DatabaseState::kDisabled, 0, 0});
    EXPECT_TRUE(r.ready);
    EXPECT_EQ(nlohmann::json::parse(r.body)["database"], "disabled");
}

// A database that answers pings but refuses the writer's writes (read-only, full disk, revoked
// grant): every record goes to the spool. Ready while the spool has room, but said degraded;
// not ready once the spool is full, although the database is "up".
TEST(ReadinessTest, ALogThatCannotCommitIsDegradedAndNotReadyOnceTheSpoolIsFull) {
    const std::uint64_t max = 1 << 20;
    ReadinessInput input{true, DatabaseState::kUp, 4096, max};
    input.log_commits = false;
    input.spool_records = 3;
    EXPECT_TRUE(handlers::LogDegraded(input));
    auto r = EvaluateReadiness(input);
    EXPECT_TRUE(r.ready);
    auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["status"], "ready");
    EXPECT_EQ(body["database"], "up");
    EXPECT_EQ(body["log"], "spooling");
    EXPECT_EQ(body["spool"]["records"], 3);
    EXPECT_EQ(body["detail"],
              "prediction log degraded: database refuses writes; records go to the spool");

    input.spool_bytes = max - handlers::kSpoolHeadroomBytes + 1;
    r = EvaluateReadiness(input);
    EXPECT_FALSE(r.ready);
    body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["status"], "not_ready");
    EXPECT_EQ(body["detail"], "prediction log database refuses writes and spool full");

    input = ReadinessInput{true, DatabaseState::kDown, 0, max};
    EXPECT_TRUE(handlers::LogDegraded(input));
    body = nlohmann::json::parse(EvaluateReadiness(input).body);
    EXPECT_EQ(body["log"], "spooling");
    EXPECT_EQ(body["detail"], "prediction log degraded: database down; records go to the spool");
}

TEST(ReadinessTest, ALogThatCommitsOrIsOffIsNotDegraded) {
    ReadinessInput input{true, DatabaseState::kUp, 0, 1 << 20};
    EXPECT_FALSE(handlers::LogDegraded(input));
    auto body = nlohmann::json::parse(EvaluateReadiness(input).body);
    EXPECT_EQ(body["log"], "writing");
    EXPECT_FALSE(body.contains("detail"));
    input = ReadinessInput{true, DatabaseState::kDisabled, 0, 0};
    input.log_commits = false;
    EXPECT_FALSE(handlers::LogDegraded(input));
    body = nlohmann::json::parse(EvaluateReadiness(input).body);
    EXPECT_EQ(body["log"], "off");
    EXPECT_FALSE(body.contains("detail"));
}

TEST(RouterPatternTest, MatchesOneSegmentAndLabelsByPattern) {
    constexpr std::string_view kPattern = "/api/v1/employees/{employee_id}/predictions";
    EXPECT_EQ(Router::PatternParameter(kPattern, "/api/v1/employees/E42/predictions"), "E42");
    EXPECT_EQ(Router::PatternParameter(kPattern, "/api/v1/employees//predictions"), "");
    EXPECT_EQ(Router::PatternParameter(kPattern, "/api/v1/employees/a/b/predictions"), "");
    EXPECT_EQ(Router::PatternParameter(kPattern, "/api/v1/employees/E42/other"), "");

    const Handler none = [](const Request&, RequestContext&) -> Awaitable<Response> {
        co_return Response{};
    };
    std::vector<Route> routes;
    routes.push_back(
        {.verb = Verb::get, .path = "/health", .group = RouteGroup::kOther, .handler = none});
    routes.push_back({.verb = Verb::delete_,
                      .path = std::string(kPattern),
                      .group = RouteGroup::kRead,
                      .handler = none});
    const Router router(std::move(routes));
    EXPECT_EQ(router.Label("/health"), "/health");
    EXPECT_EQ(router.Label("/api/v1/employees/E42/predictions"), kPattern);
    EXPECT_EQ(router.Label("/api/v1/employees/E42"), "unmatched");
}

TEST(RouterOriginFormTest, AbsoluteFormBecomesOriginForm) {
    EXPECT_EQ(Router::OriginForm("http://host:8000/health"), "/health");
    EXPECT_EQ(Router::OriginForm("HTTPS://host/api/v1/predict?model_version=v2"),
              "/api/v1/predict?model_version=v2");
    EXPECT_EQ(Router::OriginForm("http://host:8000"), "/");
    EXPECT_EQ(Router::OriginForm("http://host?x=1"), "/?x=1");
    EXPECT_EQ(Router::OriginForm("/health"), std::nullopt);
    EXPECT_EQ(Router::OriginForm("/a?next=http://b/c"), std::nullopt);
    EXPECT_EQ(Router::OriginForm("ftp://host/x"), std::nullopt);
}

base::SystemTime Utc(int y, unsigned m, unsigned d, int h = 0, int min = 0, int s = 0) {
    return std::chrono::sys_days(std::chrono::year(y) / m / d) + std::chrono::hours(h) +
           std::chrono::minutes(min) + std::chrono::seconds(s);
}

TEST(HistoryQueryTest, ParsesEveryFilter) {
    const auto cursor = store::EncodeCursor(
        {"2026-11-27T09:23:32.123456Z", "0b5e8f4e-6f43-4c55-9d1e-4a3c2b1a0f9e"});
    auto query = handlers::ParseHistoryQuery(
        "/api/v1/predictions?employee_id=E%2042&risk_level=HIGH&since=2026-11-01"
        "&until=2026-11-27T00:00:00%2B01:00&limit=500&cursor=" +
        cursor);
    ASSERT_TRUE(query) << query.error().message;
    EXPECT_EQ(query->employee_id, "E 42");
    EXPECT_EQ(query->risk_level, "HIGH");
    EXPECT_EQ(query->since, Utc(2026, 11, 1));
    EXPECT_EQ(query->until, Utc(2026, 11, 26, 23));
    EXPECT_EQ(query->limit, 500U);
    ASSERT_TRUE(query->after);
    EXPECT_EQ(query->after->created_at, "2026-11-27T09:23:32.123456Z");
    EXPECT_EQ(query->after->id, "0b5e8f4e-6f43-4c55-9d1e-4a3c2b1a0f9e");

    query = handlers::ParseHistoryQuery("/api/v1/predictions");
    ASSERT_TRUE(query);
    EXPECT_EQ(query->limit, 100U);
    EXPECT_FALSE(query->employee_id || query->risk_level || query->since || query->until ||
                 query->after);
}

TEST(HistoryQueryTest, ReportsEveryBadParameter) {
    auto query = handlers::ParseHistoryQuery(
        "/api/v1/predictions?limit=501&risk_level=low&since=last-week&cursor=abc&color=red");
    ASSERT_FALSE(query);
    EXPECT_EQ(query.error().code, base::ErrorCode::kInvalidInput);
    std::vector<std::string> names;
    for (const auto& issue : query.error().issues) names.push_back(issue.loc.at(1));
    EXPECT_EQ(names, (std::vector<std::string>{"limit", "risk_level", "since", "cursor", "color"}));
    EXPECT_FALSE(handlers::ParseHistoryQuery("/api/v1/predictions?limit=0"));
}

TEST(HistoryQueryTest, FarDatesAreRefusedNotWrapped) {
    // 2300 would wrap the nanosecond clock to 1715 and return every row (issue 26, defect 2).
    for (const std::string far : {"since=2300-01-01", "until=1000-01-01T00:00:00Z"}) {
        const auto query = handlers::ParseHistoryQuery("/api/v1/predictions?" + far);
        ASSERT_FALSE(query) << far;
        ASSERT_EQ(query.error().issues.size(), 1U);
        EXPECT_EQ(query.error().issues[0].loc.at(1), far.substr(0, 5));
        EXPECT_EQ(query.error().issues[0].msg, kTimeParameterMessage);
    }
    // performance?since=1000-01-01 echoed since as 2169 and counted nothing.
    const auto performance =
        handlers::ParsePerformanceQuery("/api/v1/monitoring/performance?since=1000-01-01");
    ASSERT_FALSE(performance);
    EXPECT_EQ(performance.error().issues.at(0).loc, (std::vector<std::string>{"query", "since"}));
}

TEST(CursorTest, RoundTripsAndRejectsForgeries) {
    const store::HistoryCursor cursor{"2026-11-27T09:23:32.123456Z",
                                      "0b5e8f4e-6f43-4c55-9d1e-4a3c2b1a0f9e"};
    const auto token = store::EncodeCursor(cursor);
    EXPECT_EQ(
        token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    const auto decoded = store::DecodeCursor(token);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->created_at, cursor.created_at);
    EXPECT_EQ(decoded->id, cursor.id);
    // A well-formed token around SQL is still refused: only timestamp|uuid passes.
    EXPECT_FALSE(store::DecodeCursor(store::EncodeCursor({"2026-11-27'; DROP TABLE x;--", "1"})));
    EXPECT_FALSE(store::DecodeCursor("!!"));
    EXPECT_FALSE(store::DecodeCursor(""));
}

}  // namespace
}  // namespace attrition::http
