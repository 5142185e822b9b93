// Black-box tests of the operations surface of `attrition serve` and its helper commands:
// /livez and /readyz (also with PostgreSQL stopped), /metrics scraped, parsed and checked with
// `promtool check metrics`, counters moving with traffic, slow queries counted and logged at
// WARN, API keys on the log's read side (missing, wrong, right; none configured), history
// paging, stats and erasure over HTTP, `attrition cleanup` on back-dated rows, `attrition
// keys`. Every wait is a poll with a generous deadline.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "e2e/support/log_support.hpp"
#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/postgres_cluster.hpp"
#include "harness/service_process.hpp"

namespace attrition::test::operations_test {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

constexpr const char* kKey = "e2e-operator-key-0123456789";

// Sample lines of the text exposition: "name{labels}" -> value.
std::map<std::string, double> ParseMetrics(const std::string& text) {
    std::map<std::string, double> samples;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty() || line[0] == '#') continue;
        const auto space = line.rfind(' ');
        if (space == std::string::npos) continue;
        samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return samples;
}

double Sample(const std::map<std::string, double>& samples, const std::string& key) {
    const auto found = samples.find(key);
    return found == samples.end() ? 0.0 : found->second;
}

Json ExampleEmployee(HttpClient& client) {
    const auto doc = Json::parse(client.Get("/openapi.json").body);
    return doc["paths"]["/api/v1/predict"]["post"]["requestBody"]["content"]["application/json"]
              ["example"];
}

TEST(OpsTest, LivezReadyzAndMetricsThatMoveWithTraffic) {
    const auto dir = MakeTempDir("attrition-ops-metrics");
    ServiceProcess service({.flags = {"--migrate", "--slow-query-ms", "0", "--threads", "2"},
                            .env = {{"OC5_DATABASE_URL", "sqlite:///" + dir + "/log.db"}}});
    HttpClient client(service.Port());

    const auto live = client.Get("/livez");
    EXPECT_EQ(live.status, 200);
    EXPECT_EQ(Json::parse(live.body), Json({{"status", "alive"}}));
    Json ready;
    ASSERT_TRUE(Eventually([&] {
        const auto response = client.Get("/readyz");
        ready = Json::parse(response.body);
        return response.status == 200 && ready["database"] == "up";
    })) << ready.dump();
    EXPECT_EQ(ready["status"], "ready");
    EXPECT_EQ(ready["model_loaded"], true);

    // No keys file: /metrics stays open (local use), and it is what promtool accepts.
    const auto first = client.Get("/metrics");
    ASSERT_EQ(first.status, 200);
    EXPECT_EQ(first.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const auto before = ParseMetrics(first.body);

    const auto employee = ExampleEmployee(client);
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(client.Post("/api/v1/predict", employee.dump()).status, 200);
    }
    const auto second = client.Get("/metrics");
    const auto after = ParseMetrics(second.body);
    const std::string predict_ok =
        R"(attrition_http_requests_total{route="/api/v1/predict",status="200"})";
    EXPECT_EQ(Sample(after, predict_ok) - Sample(before, predict_ok), 3.0);
    EXPECT_GE(Sample(after, R"(attrition_http_requests_total{route="/metrics",status="200"})"),
              1.0);
    EXPECT_GE(Sample(after, "attrition_log_rows_written_total") -
                  Sample(before, "attrition_log_rows_written_total"),
              3.0);
    EXPECT_EQ(Sample(after, "attrition_model_loaded"), 1.0);
    const auto version =
        Json::parse(client.Get("/health").body)["model_version"].get<std::string>();
    EXPECT_EQ(Sample(after, "attrition_model_info{version=\"" + version + "\",default=\"true\"}"),
              1.0);
    EXPECT_EQ(Sample(after, "attrition_database_up"), 1.0);
    EXPECT_TRUE(after.count("attrition_retention_last_run_timestamp_seconds"));
    EXPECT_TRUE(after.count("attrition_retention_deleted_requests_total"));
    EXPECT_GT(Sample(after, "attrition_log_spool_max_bytes"), 0.0);

    // --slow-query-ms 0: every statement is slow, counted and logged at WARN.
    double slow = 0;
    for (const auto& [key, value] : after) {
        if (key.starts_with("attrition_db_slow_queries_total{")) slow += value;
    }
    EXPECT_GE(slow, 1.0);
    EXPECT_TRUE(Eventually([&] {
        const auto log = service.Log();
        return log.find("level=warning msg=\"slow query\" statement=") != std::string::npos;
    }));

    const std::string scraped = dir + "/metrics.txt";
    std::ofstream(scraped) << second.body;
    std::string promtool_output;
    const int code = RunCommand(
        {.argv = {"sh", "-c", "promtool check metrics < '" + scraped + "'"}}, &promtool_output);
    EXPECT_EQ(code, 0) << promtool_output;
}

// The group-commit settings reach the log (said in its startup line), and one out of range
// stops the start with the flag named.
TEST(OpsTest, LogGroupCommitFlagsReachTheLogAndAreChecked) {
    const auto dir = MakeTempDir("attrition-ops-group");
    {
        ServiceProcess service(
            {.flags = {"--migrate", "--log-group-gap-us", "250", "--log-group-wait-us", "5000"},
             .env = {{"OC5_DATABASE_URL", "sqlite:///" + dir + "/log.db"}}});
        EXPECT_EQ(HttpClient(service.Port()).Get("/livez").status, 200);
        EXPECT_NE(service.Log().find("group_gap_us=250 group_wait_us=5000"), std::string::npos)
            << service.Log();
    }
    ServiceProcess refused({.flags = {"--log-group-gap-us", "100001"},
                            .env = {{"OC5_DATABASE_URL", "none"}},
                            .wait_ready = false});
    for (int i = 0; i < 600 && refused.Running(); ++i) std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(refused.Running());
    EXPECT_NE(refused.Stop(), 0);
    EXPECT_NE(refused.Log().find("--log-group-gap-us"), std::string::npos) << refused.Log();
}

TEST(OpsTest, ReadyzIs503WithoutAModelWhileLivezStaysUp) {
    ServiceProcess service(
        {.env = {{"OC5_DATABASE_URL", "none"}, {"OC5_MODEL_DIR", "/nonexistent-model"}}});
    HttpClient client(service.Port());
    EXPECT_EQ(client.Get("/livez").status, 200);
    const auto ready = client.Get("/readyz");
    EXPECT_EQ(ready.status, 503);
    const auto body = Json::parse(ready.body);
    EXPECT_EQ(body["status"], "not_ready");
    EXPECT_EQ(body["detail"], "model not loaded");
    EXPECT_EQ(body["database"], "disabled");
    const auto metrics = ParseMetrics(client.Get("/metrics").body);
    EXPECT_EQ(Sample(metrics, "attrition_model_loaded"), 0.0);
}

// A service logging to SQLite in `dir`, its read side behind kKey.
ServiceOptions WithSqliteLogAndKey(const std::string& dir) {
    return {.flags = {"--migrate"},
            .env = {{"OC5_DATABASE_URL", "sqlite:///" + dir + "/log.db"},
                    {"OC5_API_KEYS_FILE", WriteApiKeysFile(dir, kKey)}}};
}

TEST(OpsTest, ApiKeysGuardTheLogReadSideAndMetrics) {
    const auto dir = MakeTempDir("attrition-ops-keys");
    ServiceProcess service(WithSqliteLogAndKey(dir));
    HttpClient client(service.Port());
    for (const std::string target : {"/api/v1/stats", "/api/v1/predictions", "/metrics"}) {
        const auto missing = client.Get(target);
        EXPECT_EQ(missing.status, 401) << target;
        EXPECT_EQ(missing.Header("www-authenticate"), "Bearer");
        EXPECT_EQ(Json::parse(missing.body)["detail"],
                  "Missing API key: send Authorization: Bearer <key>");
        const auto wrong = client.Get(target, Bearer("not-the-key"));
        EXPECT_EQ(wrong.status, 401) << target;
        EXPECT_EQ(Json::parse(wrong.body)["detail"], "Invalid API key");
        EXPECT_EQ(client.Get(target, Bearer(kKey)).status, 200) << target;
    }
    const auto erase_wrong =
        client.Send("DELETE", "/api/v1/employees/E1/predictions", "", Bearer("nope"));
    EXPECT_EQ(erase_wrong.status, 401);
    // The probes stay open: orchestrators do not hold keys.
    EXPECT_EQ(client.Get("/livez").status, 200);
    EXPECT_EQ(client.Get("/health").status, 200);
}

TEST(OpsTest, WithoutAKeysFileTheReadSideIsClosedWithAClearMessage) {
    const auto dir = MakeTempDir("attrition-ops-nokeys");
    ServiceProcess service(
        {.flags = {"--migrate"}, .env = {{"OC5_DATABASE_URL", "sqlite:///" + dir + "/log.db"}}});
    HttpClient client(service.Port());
    const auto stats = client.Get("/api/v1/stats", Bearer(kKey));
    EXPECT_EQ(stats.status, 403);
    EXPECT_NE(Json::parse(stats.body)["detail"].get<std::string>().find("OC5_API_KEYS_FILE"),
              std::string::npos);
    EXPECT_EQ(client.Send("DELETE", "/api/v1/employees/E1/predictions", "", {}).status, 403);
    EXPECT_EQ(client.Get("/metrics").status, 200);
}

TEST(OpsTest, HistoryStatsAndErasureOverHttp) {
    const auto dir = MakeTempDir("attrition-ops-history");
    ServiceProcess service(WithSqliteLogAndKey(dir));
    HttpClient client(service.Port());
    auto employee = ExampleEmployee(client);
    for (const auto* id : {"H-1", "H-2", "H-1", "H-3", "H-1"}) {
        employee["employee_id"] = id;
        ASSERT_EQ(client.Post("/api/v1/predict", employee.dump()).status, 200);
    }
    Json batch{{"employees", Json::array()}};
    for (const auto* id : {"H-1", "H-4"}) {
        employee["employee_id"] = id;
        batch["employees"].push_back(employee);
    }
    ASSERT_EQ(client.Post("/api/v1/predict/batch", batch.dump()).status, 200);

    // Page through H-1's history two rows at a time: 4 rows, newest first, each once.
    std::vector<Json> rows;
    std::string cursor;
    int pages = 0;
    do {
        const auto response = client.Get("/api/v1/predictions?employee_id=H-1&limit=2" +
                                             (cursor.empty() ? std::string() : "&cursor=" + cursor),
                                         Bearer(kKey));
        ASSERT_EQ(response.status, 200) << response.body;
        const auto body = Json::parse(response.body);
        for (const auto& item : body["items"]) rows.push_back(item);
        cursor = body["next_cursor"].is_null() ? "" : body["next_cursor"].get<std::string>();
        ASSERT_LE(++pages, 3);
    } while (!cursor.empty());
    ASSERT_EQ(rows.size(), 4U);
    std::set<std::string> ids;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i]["employee_id"], "H-1");
        ids.insert(rows[i]["id"].get<std::string>());
        if (i > 0) {
            EXPECT_GE(rows[i - 1]["created_at"], rows[i]["created_at"]);
        }
    }
    EXPECT_EQ(ids.size(), 4U);
    EXPECT_EQ(rows.front()["endpoint"], "/api/v1/predict/batch");

    const auto bad = client.Get("/api/v1/predictions?limit=501", Bearer(kKey));
    EXPECT_EQ(bad.status, 422);
    EXPECT_EQ(Json::parse(bad.body)["detail"][0]["loc"], Json::array({"query", "limit"}));

    const auto stats = client.Get("/api/v1/stats?days=1", Bearer(kKey));
    ASSERT_EQ(stats.status, 200) << stats.body;
    const auto stats_body = Json::parse(stats.body);
    EXPECT_EQ(stats_body["total"], 7);
    const auto& by_risk = stats_body["by_risk_level"];
    EXPECT_EQ(by_risk["LOW"].get<int>() + by_risk["MEDIUM"].get<int>() + by_risk["HIGH"].get<int>(),
              7);
    ASSERT_EQ(stats_body["per_day"].size(), 1U);
    EXPECT_EQ(stats_body["per_day"][0]["total"], 7);
    EXPECT_EQ(client.Get("/api/v1/stats?days=0", Bearer(kKey)).status, 422);

    const auto erased =
        client.Send("DELETE", "/api/v1/employees/H-1/predictions", "", Bearer(kKey));
    ASSERT_EQ(erased.status, 200) << erased.body;
    const auto erased_body = Json::parse(erased.body);
    EXPECT_EQ(erased_body["employee_id"], "H-1");
    EXPECT_EQ(erased_body["predictions_deleted"], 4);
    EXPECT_EQ(erased_body["requests_deleted"], 3);
    EXPECT_EQ(erased_body["requests_redacted"], 1);
    const auto after =
        Json::parse(client.Get("/api/v1/predictions?employee_id=H-1", Bearer(kKey)).body);
    EXPECT_TRUE(after["items"].empty());
    const auto remaining = Json::parse(client.Get("/api/v1/predictions", Bearer(kKey)).body);
    EXPECT_EQ(remaining["items"].size(), 3U);  // H-2, H-3, H-4
}

// The request id a client sees (the one it sent, or the one the service made and answered with)
// is the one the log keeps, and finds the request's rows.
TEST(OpsTest, TheRequestIdAClientSeesFindsItsLogRows) {
    const auto dir = MakeTempDir("attrition-ops-request-id");
    ServiceProcess service(WithSqliteLogAndKey(dir));
    HttpClient client(service.Port());
    auto employee = ExampleEmployee(client);
    employee["employee_id"] = "R-1";
    const auto given =
        client.Post("/api/v1/predict", employee.dump(),
                    {{"Content-Type", "application/json"}, {"X-Request-ID", "crm-2026.12_06-a"}});
    ASSERT_EQ(given.status, 200) << given.body;
    EXPECT_EQ(given.Header("x-request-id"), "crm-2026.12_06-a");
    employee["employee_id"] = "R-2";
    const auto made = client.Post("/api/v1/predict", employee.dump());
    ASSERT_EQ(made.status, 200) << made.body;
    const auto made_id = made.Header("x-request-id");
    ASSERT_FALSE(made_id.empty());

    const auto find = [&](const std::string& id) {
        const auto response = client.Get("/api/v1/predictions?x_request_id=" + id, Bearer(kKey));
        EXPECT_EQ(response.status, 200) << response.body;
        return Json::parse(response.body)["items"];
    };
    const auto found_given = find("crm-2026.12_06-a");
    ASSERT_EQ(found_given.size(), 1U);
    EXPECT_EQ(found_given[0]["employee_id"], "R-1");
    EXPECT_EQ(found_given[0]["x_request_id"], "crm-2026.12_06-a");
    const auto found_made = find(made_id);
    ASSERT_EQ(found_made.size(), 1U);
    EXPECT_EQ(found_made[0]["employee_id"], "R-2");
    EXPECT_TRUE(find("nobody-sent-this").empty());

    const auto bad = client.Get("/api/v1/predictions?x_request_id=a%20b", Bearer(kKey));
    EXPECT_EQ(bad.status, 422);
    const auto detail = Json::parse(bad.body)["detail"][0];
    EXPECT_EQ(detail["loc"], Json::array({"query", "x_request_id"}));
    EXPECT_EQ(bad.body.find("a b"), std::string::npos) << "the submitted value is echoed";
}

// Rows back-dated straight into the SQLite file, then `attrition cleanup`.
void InsertRequest(sqlite3* db, const std::string& id, const std::string& created_at) {
    const std::string sql =
        "INSERT INTO api_requests (id, created_at, endpoint, request_data, http_status) VALUES "
        "('" +
        id + "', '" + created_at +
        "', '/api/v1/predict', '{}', 200);"
        "INSERT INTO predictions (id, request_id, created_at, prediction_date, employee_id, "
        "attrition_prob, risk_level, model_version) VALUES ('f" +
        id.substr(1) + "', '" + id + "', '" + created_at + "', '" + created_at +
        "', 'C1', 0.5, 'LOW', 'v');";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
}

std::string CountRows(const std::string& path, const std::string& table) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    std::string out;
    sqlite3_exec(
        db, ("SELECT count(*) FROM " + table).c_str(),
        [](void* context, int, char** values, char**) {
            *static_cast<std::string*>(context) = values[0];
            return 0;
        },
        &out, nullptr);
    sqlite3_close(db);
    return out;
}

TEST(OpsTest, CleanupCommandDeletesOnlyBackDatedRowsAndDryRunNothing) {
    const auto dir = MakeTempDir("attrition-ops-cleanup");
    const std::string path = dir + "/log.db";
    const std::string url = "sqlite:///" + path;
    ASSERT_EQ(RunCommand({.argv = {AttritionBinary(), "migrate", "up", "--database-url", url}}), 0);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    InsertRequest(db, "00000000-0000-4000-8000-000000000001", "2020-01-01T00:00:00.000000Z");
    InsertRequest(db, "00000000-0000-4000-8000-000000000002", "2021-06-01T00:00:00.000000Z");
    InsertRequest(db, "00000000-0000-4000-8000-000000000003", "2999-01-01T00:00:00.000000Z");
    sqlite3_close(db);

    std::string output;
    ASSERT_EQ(
        RunCommand({.argv = {AttritionBinary(), "cleanup", "--dry-run", "--database-url", url}},
                   &output),
        0)
        << output;
    EXPECT_NE(output.find("dry run: would delete 2 requests and 2 predictions"), std::string::npos)
        << output;
    EXPECT_EQ(CountRows(path, "api_requests"), "3");

    ASSERT_EQ(RunCommand({.argv = {AttritionBinary(), "cleanup", "--retention-days", "365",
                                   "--batch-size", "1", "--database-url", url}},
                         &output),
              0)
        << output;
    EXPECT_NE(output.find("deleted 2 requests and 2 predictions"), std::string::npos) << output;
    EXPECT_NE(output.find("(2 batches)"), std::string::npos) << output;
    EXPECT_NE(output.find("msg=\"retention run\""), std::string::npos) << output;
    EXPECT_EQ(CountRows(path, "api_requests"), "1");
    EXPECT_EQ(CountRows(path, "predictions"), "1");
}

TEST(OpsTest, KeysGenerateGivesAKeyAndItsLine) {
    std::string output;
    ASSERT_EQ(
        RunCommand({.argv = {AttritionBinary(), "keys", "generate", "--name", "ops"}}, &output), 0);
    const auto key_at = output.find("key:  ");
    const auto line_at = output.find("line: ");
    ASSERT_NE(key_at, std::string::npos) << output;
    ASSERT_NE(line_at, std::string::npos) << output;
    const auto key = output.substr(key_at + 6, output.find('\n', key_at) - key_at - 6);
    const auto line = output.substr(line_at + 6, output.find('\n', line_at) - line_at - 6);
    std::string hashed;
    RunCommand({.argv = {"sh", "-c",
                         "printf '%s\\n' '" + key + "' | '" + AttritionBinary() +
                             "' keys hash --name ops"}},
               &hashed);
    EXPECT_EQ(hashed, line + "\n");
    EXPECT_EQ(line.size(), 64U + 2 + 3);
}

// PostgreSQL stopped under a running service: /readyz reports the database down and stays 200
// while the spool has room (records are still acknowledged durably), and is 503 when the spool
// cannot take more; both recover when PostgreSQL is back.
TEST(OpsTest, ReadinessFollowsThePostgresOutage) {
    if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 not installed";
    auto& cluster = PostgresCluster::Shared();
    const auto url = cluster.CreateDatabase("ops_readiness");
    ServiceProcess roomy({.flags = {"--migrate"}, .env = {{"OC5_DATABASE_URL", url}}});
    ServiceProcess cramped(
        {.flags = {"--spool-max-bytes", "4096"}, .env = {{"OC5_DATABASE_URL", url}}});
    HttpClient roomy_client(roomy.Port());
    HttpClient cramped_client(cramped.Port());
    const auto state = [](HttpClient& client) {
        const auto response = client.Get("/readyz");
        return std::make_pair(response.status, Json::parse(response.body));
    };
    ASSERT_TRUE(Eventually([&] { return state(roomy_client).second["database"] == "up"; }));
    ASSERT_TRUE(Eventually([&] { return state(cramped_client).first == 200; }));

    cluster.Stop("fast");
    std::pair<int, Json> roomy_state;
    ASSERT_TRUE(Eventually([&] {
        roomy_state = state(roomy_client);
        return roomy_state.second["database"] == "down";
    })) << roomy_state.second.dump();
    EXPECT_EQ(roomy_state.first, 200);
    EXPECT_EQ(roomy_state.second["status"], "ready");
    EXPECT_EQ(roomy_state.second["spool"]["has_room"], true);
    std::pair<int, Json> cramped_state;
    ASSERT_TRUE(Eventually([&] {
        cramped_state = state(cramped_client);
        return cramped_state.first == 503;
    })) << cramped_state.second.dump();
    EXPECT_EQ(cramped_state.second["status"], "not_ready");
    EXPECT_EQ(cramped_state.second["database"], "down");
    EXPECT_EQ(cramped_state.second["detail"], "prediction log database down and spool full");
    EXPECT_EQ(cramped_client.Get("/livez").status, 200);
    const auto metrics = ParseMetrics(roomy_client.Get("/metrics").body);
    EXPECT_EQ(Sample(metrics, "attrition_database_up"), 0.0);

    cluster.Start();
    EXPECT_TRUE(Eventually([&] { return state(roomy_client).second["database"] == "up"; }));
    EXPECT_TRUE(Eventually([&] { return state(cramped_client).first == 200; }));
}

}  // namespace
}  // namespace attrition::test::operations_test
