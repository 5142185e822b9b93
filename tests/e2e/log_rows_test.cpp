// The rows one request leaves in the prediction log, read back from the database the real
// binary wrote: SQLite, PostgreSQL direct (serve --migrate) and PostgreSQL through pgbouncer in
// transaction mode (`attrition migrate up` first). And serve refusing an unmigrated database
// without showing its password.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "e2e/support/log_support.hpp"
#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/postgres_cluster.hpp"
#include "harness/service_process.hpp"

namespace attrition::test::log_rows_test {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kOperatorKey = "e2e-rows-operator-key-0123456789";

enum class Backend { kSqlite, kPostgres, kPgBouncer };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
    switch (info.param) {
        case Backend::kSqlite:
            return "Sqlite";
        case Backend::kPostgres:
            return "Postgres";
        case Backend::kPgBouncer:
            return "PgBouncer";
    }
    return "Unknown";
}

// The client's spellings (SPEC §1 aliases, ../shared/data/category_aliases.csv) and the
// training values the snapshot must hold instead.
const std::map<std::string, std::pair<std::string, std::string>>& Aliases() {
    static const std::map<std::string, std::pair<std::string, std::string>> aliases{
        {"genre", {"Male", "M"}},
        {"statut_marital", {"Married", "Marié(e)"}},
        {"departement", {"Sales", "Commercial"}},
        {"poste", {"Sales Executive", "Cadre Commercial"}},
        {"domaine_etude", {"Life Sciences", "Infra & Cloud"}},
        {"heure_supplementaires", {"Yes", "Oui"}},
    };
    return aliases;
}

Json AliasEmployee(int variant, const std::string& employee_id) {
    auto employee = SampleEmployee(variant);
    for (const auto& [field, spellings] : Aliases()) employee[field] = spellings.first;
    employee["employee_id"] = employee_id;
    return employee;
}

// What features_snapshot must be: the sent features, categorical values canonical.
Json CanonicalSnapshot(Json employee) {
    employee.erase("employee_id");
    for (const auto& [field, spellings] : Aliases()) employee[field] = spellings.second;
    return employee;
}

// What request_data must be for an accepted single employee: the validated fields in their
// canonical values, the employee_id with them, unknown fields (here: "pad") dropped.
enum class Spellings { kClient, kTraining };
Json CanonicalPayload(const Json& employee, Spellings spellings) {
    Json payload = employee;
    if (spellings == Spellings::kClient) payload = CanonicalSnapshot(employee);
    payload.erase("pad");
    if (employee.contains("employee_id")) payload["employee_id"] = employee["employee_id"];
    return payload;
}

// What request_data must be for a rejected body: a marked prefix and the ids it names.
void ExpectMarked(const std::string& stored,
                  const std::string& reason,
                  const std::string& body,
                  const Json& employee_ids) {
    const auto marked = Json::parse(stored);
    EXPECT_EQ(marked["rejected"], reason) << stored;
    EXPECT_EQ(marked["body_bytes"], body.size()) << stored;
    EXPECT_EQ(marked["truncated"], body.size() > 2048) << stored;
    EXPECT_EQ(marked["body_prefix"], body.substr(0, 2048)) << stored;
    EXPECT_EQ(marked["employee_ids"], employee_ids) << stored;
}

struct Sent {
    std::string path;
    int status = 0;
    Json request;   // the body sent (null when it was not JSON)
    Json response;  // parsed body of a 2xx
    long long elapsed_ms = 0;
    std::string x_request_id;  // the X-Request-ID the service answered with (made: none given)
};

class LogRowsTest : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        scratch_ = MakeTempDir("logtest-rows");
        if (GetParam() == Backend::kSqlite) {
            url_ = "sqlite:///" + scratch_ + "/log.db";
            probe_ = LogProbe::Sqlite(scratch_ + "/log.db");
            flags_.push_back("--migrate");  // only the embedded default file migrates itself
            return;
        }
        if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 or pgbouncer not installed";
        auto& cluster = PostgresCluster::Shared();
        const auto name = UniqueDatabaseName("logtest_rows");
        url_ = cluster.CreateDatabase(name);
        probe_ = LogProbe::Postgres(url_);
        if (GetParam() == Backend::kPostgres) {
            flags_.push_back("--migrate");
            return;
        }
        cluster.StartPgBouncer();
        url_ = cluster.PgBouncerUrl(name);
        std::string output;
        ASSERT_EQ(RunCommand({.argv = {AttritionBinary(), "migrate", "up", "--database-url", url_}},
                             &output),
                  0)
            << output;
    }

    Sent Post(HttpClient& client,
              const std::string& path,
              const std::string& body,
              const std::string& content_type = "application/json") {
        Sent sent{path, 0, Json::parse(body, nullptr, false), {}, 0};
        if (sent.request.is_discarded()) sent.request = nullptr;
        const auto start = std::chrono::steady_clock::now();
        const auto response = client.Post(
            path, body, {{"Content-Type", content_type}, {"User-Agent", "logtest-rows/1.0"}});
        sent.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count() +
                          1;
        sent.status = response.status;
        sent.x_request_id = response.Header("x-request-id");
        if (response.status == 200) sent.response = Json::parse(response.body);
        return sent;
    }

    std::string scratch_;
    std::string url_;
    std::vector<std::string> flags_{"--threads", "2", "--body-limit", "4096"};
    LogProbe probe_ = LogProbe::Sqlite("");
};

void ExpectPrediction(const LogProbe::Row& row,
                      double probability_leave,
                      const std::string& risk_level,
                      const std::string& model_version,
                      const Json& sent_employee) {
    // row: employee_id, attrition_prob, risk_level, model_version, features_snapshot
    ASSERT_TRUE(row[1] && row[2] && row[3] && row[4]);
    const double stored = std::stod(*row[1]);
    EXPECT_GE(stored, 0.0);
    EXPECT_LE(stored, 1.0);
    EXPECT_NEAR(stored, probability_leave / 100.0, 0.00005) << *row[0];
    EXPECT_EQ(*row[2], risk_level) << *row[0];
    EXPECT_EQ(*row[3], model_version) << *row[0];
    EXPECT_EQ(Json::parse(*row[4]), CanonicalSnapshot(sent_employee)) << *row[0];
}

TEST_P(LogRowsTest, EveryRequestLeavesExactlyItsRows) {
    ServiceProcess service({.flags = flags_, .env = {{"OC5_DATABASE_URL", url_}}});
    HttpClient client(service.Port());

    std::vector<Sent> sent;
    const auto single = AliasEmployee(3, "rows-single");
    sent.push_back(Post(client, "/api/v1/predict", single.dump()));
    Json batch{{"employees", Json::array()}};
    for (int k = 0; k < 3; ++k) {
        batch["employees"].push_back(AliasEmployee(10 + k, "rows-batch-" + std::to_string(k)));
    }
    sent.push_back(Post(client, "/api/v1/predict/batch", batch.dump()));
    // The same employee as the single prediction: the explain row must hold the same score.
    const auto explained = AliasEmployee(3, "rows-explain");
    sent.push_back(Post(client, "/api/v1/explain", explained.dump()));
    auto invalid = AliasEmployee(4, "rows-invalid");
    invalid["age"] = 15;
    sent.push_back(Post(client, "/api/v1/predict", invalid.dump()));
    const std::string form = "age=41&genre=Male";
    sent.push_back(Post(client, "/api/v1/predict", form, "application/x-www-form-urlencoded"));
    HttpClient big_client(service.Port());
    const std::string big(8192, ' ');
    sent.push_back(Post(big_client, "/api/v1/predict", big));
    // The same employee again: the what-if row holds the same score, the request its proposals.
    const auto what_if = AliasEmployee(3, "rows-what-if");
    sent.push_back(Post(client, "/api/v1/what-if?max_changes=3", what_if.dump()));

    const std::vector<int> expected_status{200, 200, 200, 422, 415, 413, 200};
    ASSERT_EQ(sent.size(), expected_status.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        ASSERT_EQ(sent[i].status, expected_status[i]) << "request " << i;
    }
    const auto model_version = sent[0].response["metadata"]["model_version"].get<std::string>();

    // Each request was acknowledged only once durable: the rows are there now, no waiting.
    const auto requests = probe_.Rows(
        "SELECT id, endpoint, http_status, request_data, client_ip, user_agent, "
        "response_time_ms, x_request_id FROM api_requests ORDER BY created_at");
    ASSERT_EQ(requests.size(), sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        SCOPED_TRACE("api_requests row " + std::to_string(i));
        const auto& row = requests[i];
        // The route's path, never the query string.
        EXPECT_EQ(row[1],
                  std::optional<std::string>(sent[i].path.substr(0, sent[i].path.find('?'))));
        EXPECT_EQ(row[2], std::optional<std::string>(std::to_string(sent[i].status)));
        EXPECT_EQ(row[4], std::optional<std::string>("127.0.0.1"));
        EXPECT_EQ(row[5], std::optional<std::string>("logtest-rows/1.0"));
        ASSERT_TRUE(row[6]);
        // The server's time is inside the client's round trip.
        EXPECT_GE(std::stoll(*row[6]), 0);
        EXPECT_LE(std::stoll(*row[6]), sent[i].elapsed_ms);
        // The request id the client was answered with, also for a refused request.
        ASSERT_FALSE(sent[i].x_request_id.empty());
        EXPECT_EQ(row[7], std::optional<std::string>(sent[i].x_request_id));
    }
    EXPECT_EQ(Json::parse(*requests[0][3]), CanonicalPayload(single, Spellings::kClient));
    const auto batch_data = Json::parse(*requests[1][3]);
    EXPECT_EQ(batch_data["employee_count"], 3);
    EXPECT_EQ(batch_data["employee_ids"], Json({"rows-batch-0", "rows-batch-1", "rows-batch-2"}));
    EXPECT_EQ(Json::parse(*requests[2][3]), CanonicalPayload(explained, Spellings::kClient));
    ExpectMarked(*requests[3][3], "invalid_input", invalid.dump(), Json({"rows-invalid"}));
    // Bodies that are not JSON are kept as a marked object too, not lost.
    const auto unsupported = Json::parse(*requests[4][3]);
    EXPECT_TRUE(unsupported["rejected"].is_string()) << unsupported;
    EXPECT_EQ(unsupported["body_bytes"], form.size()) << unsupported;
    EXPECT_TRUE(Json::parse(*requests[5][3])["rejected"].is_string()) << *requests[5][3];
    // The what-if request: the employee as for a prediction, then the search and its answer.
    auto what_if_data = Json::parse(*requests[6][3]);
    const auto search = what_if_data["what_if"];
    what_if_data.erase("what_if");
    EXPECT_EQ(what_if_data, CanonicalPayload(what_if, Spellings::kClient));
    EXPECT_EQ(search["max_changes"], 3);
    EXPECT_EQ(search["proposals_asked"], 3);
    EXPECT_EQ(search["reason"], sent[6].response["reason"]);
    ASSERT_EQ(search["proposals"].size(), sent[6].response["proposals"].size());
    for (std::size_t p = 0; p < search["proposals"].size(); ++p) {
        const auto& answered = sent[6].response["proposals"][p];
        EXPECT_EQ(search["proposals"][p]["probability_leave"], answered["probability_leave"]);
        ASSERT_EQ(search["proposals"][p]["changes"].size(), answered["changes"].size());
        for (std::size_t c = 0; c < answered["changes"].size(); ++c) {
            for (const auto* key : {"feature", "from", "to"}) {
                EXPECT_EQ(search["proposals"][p]["changes"][c][key], answered["changes"][c][key]);
            }
        }
    }

    // One predictions row per employee scored, none for a rejected request.
    const auto predictions = probe_.Rows(
        "SELECT p.employee_id, p.attrition_prob, p.risk_level, p.model_version, "
        "p.features_snapshot, a.id, p.prediction_date FROM predictions p "
        "JOIN api_requests a ON a.id = p.request_id ORDER BY p.employee_id");
    ASSERT_EQ(predictions.size(), 6U);
    std::map<std::string, LogProbe::Row> by_employee;
    for (const auto& row : predictions) {
        ASSERT_TRUE(row[0] && row[6]);
        by_employee[*row[0]] = row;
    }
    const auto& single_prediction = sent[0].response["prediction"];
    ExpectPrediction(by_employee["rows-single"],
                     single_prediction["probability_leave"].get<double>(),
                     single_prediction["risk_level"].get<std::string>(), model_version, single);
    EXPECT_EQ(by_employee["rows-single"][5], requests[0][0]);
    for (int k = 0; k < 3; ++k) {
        const auto& item = sent[1].response["predictions"][static_cast<std::size_t>(k)];
        const auto id = "rows-batch-" + std::to_string(k);
        ASSERT_EQ(item["employee_id"], id);
        ExpectPrediction(by_employee[id], item["probability_leave"].get<double>(),
                         item["risk_level"].get<std::string>(), model_version,
                         batch["employees"][static_cast<std::size_t>(k)]);
        EXPECT_EQ(by_employee[id][5], requests[1][0]);
    }
    ExpectPrediction(by_employee["rows-explain"],
                     single_prediction["probability_leave"].get<double>(),
                     single_prediction["risk_level"].get<std::string>(), model_version, explained);
    EXPECT_EQ(by_employee["rows-explain"][5], requests[2][0]);
    ExpectPrediction(by_employee["rows-what-if"],
                     single_prediction["probability_leave"].get<double>(),
                     single_prediction["risk_level"].get<std::string>(), model_version, what_if);
    EXPECT_EQ(by_employee["rows-what-if"][5], requests[6][0]);

    PrintFigures("log_rows/" + std::string(BackendName({GetParam(), 0})),
                 {{"requests_sent", static_cast<long long>(sent.size())},
                  {"acknowledged_2xx", 4},
                  {"api_requests_rows", static_cast<long long>(requests.size())},
                  {"predictions_rows", static_cast<long long>(predictions.size())}});
    EXPECT_EQ(service.Stop(), 0);
}

// Every statement is meant to bind its values (never splice them into SQL); only strings that
// would break a spliced statement, written through the real binary and read back, show that no
// path (SQLite, libpq, pgbouncer's transaction mode, the hand-built batch JSON) ever does.
TEST_P(LogRowsTest, SqlInjectionStringsAreStoredVerbatim) {
    ServiceProcess service({.flags = flags_, .env = {{"OC5_DATABASE_URL", url_}}});
    HttpClient client(service.Port());

    // Quotes that close a literal, a comment, a second statement; backslash and $n for
    // escape-style literals and libpq placeholders. All within the 50-character limit.
    const std::string single_id = "x'); DROP TABLE predictions; --";
    const std::vector<std::string> batch_ids{"1' OR '1'='1",
                                             "\\'\"; DELETE FROM api_requests WHERE $1; --"};
    const std::string department = "Sales'; DROP TABLE api_requests; --";

    auto single = SampleEmployee(1);
    single["employee_id"] = single_id;
    const auto predicted = Post(client, "/api/v1/predict", single.dump());
    ASSERT_EQ(predicted.status, 200);

    Json batch{{"employees", Json::array()}};
    for (std::size_t k = 0; k < batch_ids.size(); ++k) {
        auto employee = SampleEmployee(20 + static_cast<int>(k));
        employee["employee_id"] = batch_ids[k];
        batch["employees"].push_back(std::move(employee));
    }
    const auto batched = Post(client, "/api/v1/predict/batch", batch.dump());
    ASSERT_EQ(batched.status, 200);
    for (std::size_t k = 0; k < batch_ids.size(); ++k) {
        EXPECT_EQ(batched.response["predictions"][k]["employee_id"], batch_ids[k]);
    }

    auto invalid = SampleEmployee(2);
    invalid["employee_id"] = "sql-invalid";
    invalid["departement"] = department;
    const auto response =
        client.Post("/api/v1/predict", invalid.dump(), {{"Content-Type", "application/json"}});
    ASSERT_EQ(response.status, 422) << response.body;
    const auto detail = Json::parse(response.body)["detail"];
    ASSERT_EQ(detail.size(), 1U) << response.body;
    EXPECT_EQ(detail[0]["loc"], Json({"body", "departement"})) << response.body;

    // Acknowledged only once durable, so no waiting. A dropped table would make these reads
    // throw (a failure); a deleted or extra row changes the counts.
    const auto requests = probe_.Rows(
        "SELECT id, endpoint, http_status, request_data FROM api_requests ORDER BY created_at");
    ASSERT_EQ(requests.size(), 3U);
    EXPECT_EQ(requests[0][2], std::optional<std::string>("200"));
    EXPECT_EQ(requests[1][2], std::optional<std::string>("200"));
    EXPECT_EQ(requests[2][2], std::optional<std::string>("422"));
    ASSERT_TRUE(requests[0][3] && requests[1][3] && requests[2][3]);
    EXPECT_EQ(Json::parse(*requests[0][3]), CanonicalPayload(single, Spellings::kTraining));
    EXPECT_EQ(Json::parse(*requests[1][3])["employee_ids"], Json(batch_ids));
    ExpectMarked(*requests[2][3], "invalid_input", invalid.dump(), Json({"sql-invalid"}));
    EXPECT_EQ(Json::parse(Json::parse(*requests[2][3])["body_prefix"].get<std::string>()), invalid);

    const auto predictions = probe_.Rows(
        "SELECT p.employee_id, a.id FROM predictions p JOIN api_requests a ON a.id = "
        "p.request_id");
    ASSERT_EQ(predictions.size(), 3U);
    std::map<std::string, std::optional<std::string>> request_of;
    for (const auto& row : predictions) {
        ASSERT_TRUE(row[0]);
        request_of[*row[0]] = row[1];
    }
    // Byte for byte, each under the request that carried it.
    const std::map<std::string, std::optional<std::string>> expected{
        {single_id, requests[0][0]},
        {batch_ids[0], requests[1][0]},
        {batch_ids[1], requests[1][0]}};
    EXPECT_EQ(request_of, expected);
    EXPECT_EQ(probe_.Count("SELECT count(*) FROM predictions"), 3);

    PrintFigures("log_rows_injection/" + std::string(BackendName({GetParam(), 0})),
                 {{"api_requests_rows", static_cast<long long>(requests.size())},
                  {"predictions_rows", static_cast<long long>(predictions.size())}});
    EXPECT_EQ(service.Stop(), 0);
}

// Issue 17, defects 2, 4, 5 and 7 on each backend: an id of 50 two-byte characters is stored and
// found (characters, not bytes); a padded body is stored as its canonical fields or as a bounded
// prefix; a body naming two employees through a duplicate key is erased with either; a
// User-Agent that is not UTF-8 is repaired, not refused by PostgreSQL.
TEST_P(LogRowsTest, StoredTextIsBoundedValidAndErasable) {
    const auto keys = WriteApiKeysFile(scratch_, kOperatorKey);
    auto flags = flags_;
    flags.insert(flags.end(), {"--api-keys-file", keys});
    ServiceProcess service({.flags = flags, .env = {{"OC5_DATABASE_URL", url_}}});
    HttpClient client(service.Port());
    const std::map<std::string, std::string> json{{"Content-Type", "application/json"}};

    std::string accents;  // 50 characters, 100 bytes
    for (int i = 0; i < 50; ++i) accents += "\xC3\xA9";
    auto accented = SampleEmployee(7);
    accented["employee_id"] = accents;
    ASSERT_EQ(client.Post("/api/v1/predict", accented.dump(), json).status, 200);
    ASSERT_EQ(client.Post("/api/v1/explain", accented.dump(), json).status, 200);
    auto other = SampleEmployee(8);
    other["employee_id"] = "batch-other";
    const Json batch{{"employees", Json::array({accented, other})}};
    ASSERT_EQ(client.Post("/api/v1/predict/batch", batch.dump(), json).status, 200);
    std::string encoded;  // percent-encoded for the query and the path
    for (int i = 0; i < 50; ++i) encoded += "%C3%A9";
    const auto history =
        client.Get("/api/v1/predictions?employee_id=" + encoded, Bearer(kOperatorKey));
    ASSERT_EQ(history.status, 200) << history.body;
    EXPECT_EQ(Json::parse(history.body)["items"].size(), 3U);

    // Padding up to the body limit: the canonical fields are stored, not the padding.
    auto padded = SampleEmployee(9);
    padded["employee_id"] = "padded";
    padded["pad"] = std::string(2600, 'p');  // under the 4096-byte body limit
    ASSERT_EQ(client.Post("/api/v1/predict", padded.dump(), json).status, 200);
    auto padded_invalid = padded;
    padded_invalid["employee_id"] = "padded-invalid";
    padded_invalid["age"] = 15;
    ASSERT_EQ(client.Post("/api/v1/predict", padded_invalid.dump(), json).status, 422);

    // The validator reads the last employee_id, SQLite's json_extract the first.
    auto fields = SampleEmployee(10);
    fields.erase("employee_id");
    fields.erase("age");
    const std::string rest = fields.dump();  // {"...":...}
    const std::string two_ids = R"({"employee_id":"DECOY-1",)" + rest.substr(1, rest.size() - 2) +
                                R"(,"age":17,"employee_id":"VICTIM-1"})";
    ASSERT_EQ(client.Post("/api/v1/predict", two_ids, json).status, 422);

    // Open Inference bodies name the id as a tensor's value, not a key (issue 26, defect 1):
    // refused for an unknown version, for a wrong Content-Type and for an invalid row.
    const Json tensor{
        {"inputs",
         Json::array({{{"name", "employee_id"},
                       {"datatype", "BYTES"},
                       {"shape", {1}},
                       {"data", {"VICTIM-2"}}},
                      {{"name", "age"}, {"datatype", "INT64"}, {"shape", {1}}, {"data", {15}}}})}};
    EXPECT_EQ(
        client.Post("/v2/models/attrition/versions/nope_v0/infer", tensor.dump(), json).status,
        404);
    EXPECT_EQ(
        client.Post("/v2/models/attrition/infer", tensor.dump(), {{"Content-Type", "text/csv"}})
            .status,
        415);
    EXPECT_EQ(client.Post("/v2/models/attrition/infer", tensor.dump(), json).status, 400);
    // A body that is not JSON: no reader can tell which ids it names, so its text is not kept.
    const std::string broken = R"({"employee\u005fid":"VICTIM-3","age":041})";
    ASSERT_EQ(client.Post("/api/v1/predict", broken, json).status, 422);

    // A User-Agent with a byte that is not UTF-8 (PostgreSQL would refuse it: SQLSTATE 22021).
    client.WriteRaw(
        "POST /api/v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nUser-Agent: bad\xFF"
        "agent\r\n"
        "Content-Length: " +
        std::to_string(other.dump().size()) + "\r\n\r\n" + other.dump());
    EXPECT_EQ(client.ReadResponse().status, 200);

    const auto stored = [&](const std::string& where) {
        const auto rows =
            probe_.Rows("SELECT request_data, user_agent FROM api_requests WHERE " + where);
        if (rows.size() != 1 || !rows[0][0]) throw std::runtime_error("no single row: " + where);
        return rows[0];
    };
    const std::string like =
        GetParam() == Backend::kSqlite ? "request_data LIKE " : "request_data::text LIKE ";
    const auto padded_row = stored(like + "'%\"padded\"%'");
    EXPECT_EQ(Json::parse(*padded_row[0]), CanonicalPayload(padded, Spellings::kTraining));
    EXPECT_LT(padded_row[0]->size(), 1500U);
    ExpectMarked(*stored(like + "'%padded-invalid%'")[0], "invalid_input", padded_invalid.dump(),
                 Json({"padded-invalid"}));
    ExpectMarked(*stored(like + "'%VICTIM-1%'")[0], "invalid_input", two_ids,
                 Json({"DECOY-1", "VICTIM-1"}));
    EXPECT_EQ(stored(like + "'%batch-other%' AND endpoint = '/api/v1/predict'")[1],
              std::optional<std::string>("bad\xEF\xBF\xBD"
                                         "agent"));

    const auto withheld = Json::parse(*stored(like + "'%body_withheld%'")[0]);
    EXPECT_TRUE(withheld["body_prefix"].is_null()) << withheld;
    EXPECT_EQ(withheld["body_bytes"], broken.size()) << withheld;
    EXPECT_EQ(probe_.Count("SELECT count(*) FROM api_requests WHERE " + like + "'%VICTIM-3%'"), 0);
    const auto tensors =
        client.Send("DELETE", "/api/v1/employees/VICTIM-2/predictions", "", Bearer(kOperatorKey));
    ASSERT_EQ(tensors.status, 200) << tensors.body;
    EXPECT_EQ(Json::parse(tensors.body)["requests_deleted"], 3) << tensors.body;
    EXPECT_EQ(probe_.Count("SELECT count(*) FROM api_requests WHERE " + like + "'%VICTIM-2%'"), 0);

    // Erasure finds the rejected row by the id the validator read, and the 100-byte id's rows.
    const auto victim =
        client.Send("DELETE", "/api/v1/employees/VICTIM-1/predictions", "", Bearer(kOperatorKey));
    ASSERT_EQ(victim.status, 200) << victim.body;
    EXPECT_EQ(Json::parse(victim.body)["requests_deleted"], 1);
    EXPECT_EQ(probe_.Count("SELECT count(*) FROM api_requests WHERE " + like + "'%DECOY-1%'"), 0);
    const auto erased = client.Send("DELETE", "/api/v1/employees/" + encoded + "/predictions", "",
                                    Bearer(kOperatorKey));
    ASSERT_EQ(erased.status, 200) << erased.body;
    const auto counts = Json::parse(erased.body);
    EXPECT_EQ(counts["employee_id"], accents);
    EXPECT_EQ(counts["predictions_deleted"], 3);
    EXPECT_EQ(counts["requests_deleted"], 2);
    EXPECT_EQ(counts["requests_redacted"], 1);
    EXPECT_EQ(probe_.Count("SELECT count(*) FROM predictions WHERE employee_id = 'batch-other'"),
              2);
    EXPECT_EQ(service.Stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         LogRowsTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres,
                                           Backend::kPgBouncer),
                         BackendName);

TEST(LogStartupTest, UnmigratedPostgresIsRefusedWithoutThePassword) {
    if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 not installed";
    auto& cluster = PostgresCluster::Shared();
    const auto name = UniqueDatabaseName("logtest_unmigrated");
    cluster.CreateDatabase(name);
    // The cluster trusts local connections, so any password is accepted: it only has to stay
    // out of the message.
    const std::string password = "Sup3rSecretPw";
    const std::string url = "postgresql://postgres:" + password +
                            "@127.0.0.1:" + std::to_string(cluster.Port()) + "/" + name;
    const auto dir = MakeTempDir("logtest-unmigrated");
    ChildProcess serve({.argv = {AttritionBinary(), "serve", "--host", "127.0.0.1", "--port", "0",
                                 "--spool-dir", dir + "/spool"},
                        .env = {{"OC5_DATABASE_URL", url},
                                {"OC5_MODEL_DIR", SourceDir() + "/model"},
                                {"OC5_WEB_DIR", SourceDir() + "/web"}},
                        .log_path = dir + "/serve.log",
                        .working_dir = dir});
    const auto code = serve.Wait(60s);
    ASSERT_TRUE(code.has_value()) << "serve started on an unmigrated database";
    const auto output = ReadFile(dir + "/serve.log");
    EXPECT_NE(*code, 0) << output;
    EXPECT_NE(output.find("not migrated"), std::string::npos) << output;
    EXPECT_NE(output.find("migrate up"), std::string::npos) << output;
    EXPECT_EQ(output.find(password), std::string::npos) << output;
    // Nothing was created behind the operator's back.
    EXPECT_EQ(LogProbe::Postgres(cluster.Url(name))
                  .Count("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                         "('api_requests', 'predictions')"),
              0);
    PrintFigures("log_startup/unmigrated", {{"exit_code", *code}});
}

}  // namespace
}  // namespace attrition::test::log_rows_test
