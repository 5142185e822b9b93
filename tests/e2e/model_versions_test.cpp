// Model versions side by side, against the real binary: a repository of three versions (the
// committed one as default, a candidate, a broken one), listed by GET /api/v1/models, chosen
// per request by header or query parameter, the version that scored in the response and in the
// log row; an unknown version is a logged 404 naming the loaded ones; a broken default stops
// the start; a shadow version scores every prediction into rows of its own that the read
// endpoints leave out unless asked.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/service_process.hpp"
#include "support/employee_json.hpp"
#include "support/log_support.hpp"

namespace attrition::test::model_versions_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
const std::string kDefault = "xgb_enhanced_v2.0";
const std::string kCandidate = "candidate_v3";

class ModelVersionsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        repository_ = MakeTempDir("attrition-versions-");
        AddVersion(kDefault);
        AddVersion(kCandidate);
        AddVersion("broken_v0");
        std::ofstream(fs::path(repository_) / "broken_v0" / "booster.json", std::ios::trunc)
            << "{}";
    }
    void TearDown() override { fs::remove_all(repository_); }

    void AddVersion(const std::string& version) {
        const auto committed = fs::path(SourceDir()) / "model" / kDefault;
        const auto dir = fs::path(repository_) / version;
        fs::create_directories(dir);
        fs::copy_file(committed / "booster.json", dir / "booster.json");
        std::ifstream in(committed / "metadata.json");
        auto metadata = json::parse(in);
        metadata["model_version"] = version;
        std::ofstream(dir / "metadata.json") << metadata.dump();
    }

    // Risk cutoffs that put (nearly) every employee of `version` in LOW: its answers differ
    // from the default's, for the high-risk sample employee, although the booster is the same.
    void AllLow(const std::string& version) const {
        const auto path = fs::path(repository_) / version / "metadata.json";
        std::ifstream in(path);
        auto metadata = json::parse(in);
        in.close();
        metadata["risk_levels"] = {{"low_below", 0.9998}, {"medium_below", 0.9999}};
        std::ofstream(path, std::ios::trunc) << metadata.dump();
    }

    ServiceOptions Options(const std::string& default_model) const {
        return ServiceOptions{.flags = {"--default-model", default_model},
                              .env = {{"OC5_MODEL_DIR", repository_}}};
    }

    std::string repository_;
};

// model_version of each predictions row, by count.
std::map<std::string, int> LoggedVersions(const std::string& working_dir) {
    sqlite3* db = nullptr;
    const auto path = working_dir + "/var/attrition.db";
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    std::map<std::string, int> counts;
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db, "SELECT model_version, count(*) FROM predictions GROUP BY 1", -1,
                       &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW) {
        counts[reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))] =
            sqlite3_column_int(statement, 1);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return counts;
}

int LoggedRequests(const std::string& working_dir, int status) {
    sqlite3* db = nullptr;
    const auto path = working_dir + "/var/attrition.db";
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM api_requests WHERE http_status = ?", -1,
                       &statement, nullptr);
    sqlite3_bind_int(statement, 1, status);
    const int count = sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int(statement, 0) : -1;
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return count;
}

TEST_F(ModelVersionsTest, ListsEveryVersionWithItsState) {
    ServiceProcess service(Options(kDefault));
    HttpClient client(service.Port());
    const auto listed = client.Get("/api/v1/models");
    ASSERT_EQ(listed.status, 200) << listed.body;
    const auto body = json::parse(listed.body);
    EXPECT_EQ(body["default"], kDefault);
    ASSERT_EQ(body["models"].size(), 3U);
    std::map<std::string, json> by_name;
    for (const auto& model : body["models"]) by_name[model["name"]] = model;
    EXPECT_EQ(by_name.at(kDefault)["state"], "default");
    EXPECT_EQ(by_name.at(kCandidate)["state"], "loaded");
    EXPECT_EQ(by_name.at("broken_v0")["state"], "failed");
    EXPECT_FALSE(by_name.at("broken_v0")["reason"].get<std::string>().empty());
    EXPECT_EQ(by_name.at(kCandidate)["features_required"]["numeric"].size(), 18U);
    EXPECT_EQ(by_name.at(kCandidate)["features_required"]["categorical"].size(), 6U);
    EXPECT_TRUE(by_name.at(kCandidate)["features_optional"].empty());
    EXPECT_GT(by_name.at(kCandidate)["performance_metrics"]["roc_auc"].get<double>(), 0.5);
    EXPECT_FALSE(by_name.at(kCandidate)["training_date"].get<std::string>().empty());
    EXPECT_NE(service.Log().find("model version failed; not served"), std::string::npos);
}

TEST_F(ModelVersionsTest, EachRequestIsScoredAndLoggedByTheVersionItNames) {
    ServiceProcess service(Options(kDefault));
    HttpClient client(service.Port());
    const std::string employee = SampleEmployee().dump();
    const auto version_of = [](const HttpResponse& response) {
        return json::parse(response.body)["metadata"]["model_version"].get<std::string>();
    };
    const auto by_default = client.Post("/api/v1/predict", employee);
    ASSERT_EQ(by_default.status, 200) << by_default.body;
    EXPECT_EQ(version_of(by_default), kDefault);
    const auto by_header =
        client.Post("/api/v1/predict", employee,
                    {{"Content-Type", "application/json"}, {"X-Model-Version", kCandidate}});
    ASSERT_EQ(by_header.status, 200) << by_header.body;
    EXPECT_EQ(version_of(by_header), kCandidate);
    const auto by_query = client.Post("/api/v1/explain?model_version=" + kCandidate, employee);
    ASSERT_EQ(by_query.status, 200) << by_query.body;
    EXPECT_EQ(version_of(by_query), kCandidate);
    const auto batch =
        client.Post("/api/v1/predict/batch", SampleBatch(3).dump(),
                    {{"Content-Type", "application/json"}, {"X-Model-Version", kCandidate}});
    ASSERT_EQ(batch.status, 200) << batch.body;
    EXPECT_EQ(version_of(batch), kCandidate);
    // The header wins over the query parameter.
    const auto both =
        client.Post("/api/v1/predict?model_version=" + kCandidate, employee,
                    {{"Content-Type", "application/json"}, {"X-Model-Version", kDefault}});
    EXPECT_EQ(version_of(both), kDefault);
    // One query parser for every route: the name decoded, a repeated one refused (issue 26,
    // defect 6).
    const auto encoded = client.Post("/api/v1/predict?%6Dodel_version=" + kCandidate, employee);
    ASSERT_EQ(encoded.status, 200) << encoded.body;
    EXPECT_EQ(version_of(encoded), kCandidate);
    const auto twice = client.Post(
        "/api/v1/predict?model_version=" + kCandidate + "&model_version=" + kDefault, employee);
    EXPECT_EQ(twice.status, 422) << twice.body;
    EXPECT_EQ(json::parse(twice.body)["detail"][0]["loc"], json({"query", "model_version"}));
    // Same booster under two names: the same score.
    EXPECT_EQ(json::parse(by_default.body)["prediction"],
              json::parse(by_header.body)["prediction"]);

    const auto info = client.Get("/api/v1/model/info?model_version=" + kCandidate);
    ASSERT_EQ(info.status, 200) << info.body;
    EXPECT_EQ(json::parse(info.body)["model_version"], kCandidate);
    EXPECT_EQ(json::parse(client.Get("/api/v1/model/info").body)["model_version"], kDefault);

    const auto logged = LoggedVersions(service.WorkingDir());
    EXPECT_EQ(logged, (std::map<std::string, int>{{kDefault, 2}, {kCandidate, 6}}));
}

TEST_F(ModelVersionsTest, AnUnknownOrFailedVersionIsALogged404NamingTheLoadedOnes) {
    ServiceProcess service(Options(kDefault));
    HttpClient client(service.Port());
    for (const std::string version : {"nope_v9", "broken_v0"}) {
        const auto refused =
            client.Post("/api/v1/predict", SampleEmployee().dump(),
                        {{"Content-Type", "application/json"}, {"X-Model-Version", version}});
        EXPECT_EQ(refused.status, 404) << refused.body;
        EXPECT_EQ(json::parse(refused.body), (json{{"detail", "Unknown model version; available: " +
                                                                  kCandidate + ", " + kDefault}}));
    }
    EXPECT_EQ(client.Get("/api/v1/model/info?model_version=nope_v9").status, 404);
    EXPECT_EQ(LoggedRequests(service.WorkingDir(), 404), 2);
    EXPECT_TRUE(LoggedVersions(service.WorkingDir()).empty());
}

// One rule on every route: a v1 route and a monitoring route read the name from the
// X-Model-Version header (which wins) or the model_version parameter, a V2 route from its path;
// an unknown or failed name is the same 404 naming the loaded versions, in the route's dialect.
TEST_F(ModelVersionsTest, EveryRouteChoosesTheVersionOneWay) {
    const std::string key = "versions-test-key-0123456789abcdef";
    auto options = Options(kDefault);
    options.env["OC5_API_KEYS_FILE"] = WriteApiKeysFile(repository_, key);
    ServiceProcess service(options);
    HttpClient client(service.Port());
    const std::string unknown = "Unknown model version; available: " + kCandidate + ", " + kDefault;
    auto with_version = [&](const std::string& version) {
        auto headers = Bearer(key);
        headers["X-Model-Version"] = version;
        headers["Content-Type"] = "application/json";
        return headers;
    };
    const std::string employee = SampleEmployee().dump();
    for (const std::string version : {"nope_v9", "broken_v0"}) {
        const auto info = client.Get("/api/v1/model/info", with_version(version));
        EXPECT_EQ(info.status, 404);
        EXPECT_EQ(json::parse(info.body), (json{{"detail", unknown}}));
        const auto drift = client.Get("/api/v1/monitoring/drift", with_version(version));
        EXPECT_EQ(drift.status, 404) << drift.body;
        EXPECT_EQ(json::parse(drift.body), (json{{"detail", unknown}}));
        const auto by_query =
            client.Get("/api/v1/monitoring/performance?model_version=" + version, Bearer(key));
        EXPECT_EQ(by_query.status, 404);
        EXPECT_EQ(json::parse(by_query.body), (json{{"detail", unknown}}));
        const auto v2 = client.Get("/v2/models/attrition/versions/" + version);
        EXPECT_EQ(v2.status, 404);
        EXPECT_EQ(json::parse(v2.body), (json{{"error", unknown}}));
        const auto what_if = client.Post("/api/v1/what-if", employee, with_version(version));
        EXPECT_EQ(what_if.status, 404);
        EXPECT_EQ(json::parse(what_if.body), (json{{"detail", unknown}}));
    }
    // The header names the version the figures are of, and wins over the parameter.
    const auto drift =
        client.Get("/api/v1/monitoring/drift?model_version=" + kDefault, with_version(kCandidate));
    ASSERT_EQ(drift.status, 200) << drift.body;
    EXPECT_EQ(json::parse(drift.body)["model_version"], kCandidate);
    const auto info =
        client.Get("/api/v1/model/info?model_version=" + kDefault, with_version(kCandidate));
    ASSERT_EQ(info.status, 200);
    EXPECT_EQ(json::parse(info.body)["model_version"], kCandidate);
    const auto v2 = client.Get("/v2/models/attrition/versions/" + kCandidate + "/ready");
    ASSERT_EQ(v2.status, 200);
    EXPECT_EQ(json::parse(v2.body)["version"], kCandidate);
    const auto what_if = client.Post("/api/v1/what-if?model_version=" + kDefault, employee,
                                     with_version(kCandidate));
    ASSERT_EQ(what_if.status, 200) << what_if.body;
    EXPECT_EQ(json::parse(what_if.body)["metadata"]["model_version"], kCandidate);
}

TEST_F(ModelVersionsTest, AShadowVersionScoresEveryPredictionInRowsTheReadsLeaveOut) {
    const std::string key = "shadow-test-key";
    AllLow(kCandidate);
    auto options = Options(kDefault);
    options.flags.insert(options.flags.end(), {"--shadow-model", kCandidate});
    options.env["OC5_API_KEYS_FILE"] = WriteApiKeysFile(repository_, key);
    ServiceProcess service(options);
    HttpClient client(service.Port());

    auto employee = SampleEmployee();
    employee["employee_id"] = "S-1";
    const auto single = client.Post("/api/v1/predict", employee.dump());
    ASSERT_EQ(single.status, 200) << single.body;
    EXPECT_EQ(json::parse(single.body)["metadata"]["model_version"], kDefault);
    EXPECT_EQ(single.body.find(kCandidate), std::string::npos) << single.body;
    const auto batch = client.Post("/api/v1/predict/batch", SampleBatch(3).dump());
    ASSERT_EQ(batch.status, 200) << batch.body;
    EXPECT_EQ(batch.body.find(kCandidate), std::string::npos);
    ASSERT_EQ(client.Post("/api/v1/explain", employee.dump()).status, 200);
    // Asking for the shadow version itself: one row, not two.
    const auto direct =
        client.Post("/api/v1/predict", employee.dump(),
                    {{"Content-Type", "application/json"}, {"X-Model-Version", kCandidate}});
    ASSERT_EQ(direct.status, 200) << direct.body;
    const auto direct_risk = json::parse(direct.body)["prediction"]["risk_level"];
    EXPECT_EQ(direct_risk, "LOW");
    EXPECT_NE(json::parse(single.body)["prediction"]["risk_level"], direct_risk);

    const auto listed = json::parse(client.Get("/api/v1/models").body);
    EXPECT_EQ(listed["shadow"], kCandidate);
    std::map<std::string, std::string> states;
    for (const auto& model : listed["models"]) states[model["name"]] = model["state"];
    EXPECT_EQ(states[kCandidate], "shadow");
    EXPECT_EQ(states[kDefault], "default");

    // Rows: the default's 5 answers, the candidate's answer, and 5 shadow rows (1 + 3 + 1).
    const auto probe = LogProbe::Sqlite(service.WorkingDir() + "/var/attrition.db");
    EXPECT_EQ(
        probe.Count("SELECT count(*) FROM predictions WHERE NOT shadow AND model_version = '" +
                    kDefault + "'"),
        5);
    EXPECT_EQ(
        probe.Count("SELECT count(*) FROM predictions WHERE NOT shadow AND model_version = '" +
                    kCandidate + "'"),
        1);
    EXPECT_EQ(probe.Count("SELECT count(*) FROM predictions WHERE shadow AND model_version = '" +
                          kCandidate + "'"),
              5);
    // The shadow rows are the candidate's scores (its risk level), not copies of the answer.
    const auto shadow_risks =
        probe.Rows("SELECT risk_level FROM predictions WHERE shadow AND employee_id = 'S-1'");
    ASSERT_EQ(shadow_risks.size(), 2U);  // predict and explain
    for (const auto& row : shadow_risks) EXPECT_EQ(row[0].value_or(""), direct_risk);
    // Each shadow row pairs with the answered row of its request: same employee, same features.
    EXPECT_EQ(probe.Count("SELECT count(*) FROM predictions s JOIN predictions p ON "
                          "p.request_id = s.request_id AND NOT p.shadow AND "
                          "p.employee_id IS s.employee_id AND "
                          "p.features_snapshot = s.features_snapshot WHERE s.shadow"),
              5);

    const auto keyed = Bearer(key);
    const auto history = json::parse(client.Get("/api/v1/predictions?limit=50", keyed).body);
    EXPECT_EQ(history["items"].size(), 6U);
    for (const auto& item : history["items"]) EXPECT_EQ(item["shadow"], false);
    const auto all =
        json::parse(client.Get("/api/v1/predictions?limit=50&include_shadow=true", keyed).body);
    EXPECT_EQ(all["items"].size(), 11U);
    EXPECT_EQ(client.Get("/api/v1/predictions?include_shadow=yes", keyed).status, 422);
    EXPECT_EQ(json::parse(client.Get("/api/v1/stats?days=1", keyed).body)["total"], 6);
    EXPECT_NE(
        client.Get("/metrics", keyed)
            .body.find("attrition_shadow_predictions_total{version=\"" + kCandidate + "\"} 5"),
        std::string::npos);
}

TEST_F(ModelVersionsTest, ABrokenDefaultStopsTheStart) {
    auto options = Options("broken_v0");
    options.wait_ready = false;
    ServiceProcess service(options);
    for (int i = 0; i < 600 && service.Running(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_FALSE(service.Running());
    EXPECT_NE(service.Stop(), 0);
    EXPECT_NE(service.Log().find("the default model version broken_v0 failed"), std::string::npos)
        << service.Log();
}

}  // namespace
}  // namespace attrition::test::model_versions_test
