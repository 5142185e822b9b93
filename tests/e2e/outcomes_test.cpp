// Outcomes against the real binary on its SQLite default: POST /api/v1/outcomes behind an API
// key, idempotent (a repeat is a duplicate), every problem of a rejected body reported at once
// with nothing stored; the GDPR erasure removes the employee's outcomes; and
// `attrition outcomes import` storing a CSV into the same table, invalid rows reported by line.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/service_process.hpp"
#include "support/log_support.hpp"

namespace attrition::test::outcomes_test {
namespace {

using nlohmann::json;
const std::string kKey = "outcomes-test-key";

class OutcomesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        keys_dir_ = MakeTempDir("attrition-outcomes-keys");
        service_ = std::make_unique<ServiceProcess>(
            ServiceOptions{.env = {{"OC5_API_KEYS_FILE", WriteApiKeysFile(keys_dir_, kKey)}}});
        client_ = std::make_unique<HttpClient>(service_->Port());
    }

    HttpResponse Post(const json& body, bool keyed = true) {
        auto headers = keyed ? Bearer(kKey) : std::map<std::string, std::string>{};
        headers["Content-Type"] = "application/json";
        return client_->Post("/api/v1/outcomes", body.dump(), headers);
    }

    long long Stored() const {
        return LogProbe::Sqlite(service_->WorkingDir() + "/var/attrition.db")
            .Count("SELECT count(*) FROM outcomes");
    }

    std::string keys_dir_;
    std::unique_ptr<ServiceProcess> service_;
    std::unique_ptr<HttpClient> client_;
};

json Item(const std::string& id, const std::string& event, const std::string& date) {
    return {{"employee_id", id}, {"event", event}, {"date", date}};
}

TEST_F(OutcomesTest, StoredOnceRepeatsCountAsDuplicates) {
    const json body{
        {"outcomes", {Item("E001", "left", "2026-10-31"), Item("E002", "stayed", "2026-10-31")}}};
    const auto first = Post(body);
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(json::parse(first.body), (json{{"accepted", 2}, {"duplicates", 0}}));
    const auto again = Post(body);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(json::parse(again.body), (json{{"accepted", 0}, {"duplicates", 2}}));
    EXPECT_EQ(Stored(), 2);

    EXPECT_EQ(Post(body, false).status, 401);
    auto headers = Bearer(kKey);
    headers["Content-Type"] = "text/plain";
    EXPECT_EQ(client_->Post("/api/v1/outcomes", body.dump(), headers).status, 415);
    EXPECT_EQ(Stored(), 2);
}

TEST_F(OutcomesTest, ARejectedBodyReportsEveryProblemAndStoresNothing) {
    json outcomes = json::array({Item("E001", "left", "2026-10-31"),
                                 Item("E002", "retired", "2026-10-31"),
                                 Item("E003", "left", "2026-02-30"),
                                 Item("E004", "stayed", "2999-01-01"),
                                 {{"employee_id", 4}, {"event", "left"}},
                                 "not an object"});
    const auto refused = Post(json{{"outcomes", outcomes}});
    ASSERT_EQ(refused.status, 422) << refused.body;
    const auto detail = json::parse(refused.body)["detail"];
    std::map<std::string, std::string> types;  // loc -> type
    for (const auto& issue : detail) types[issue["loc"].dump()] = issue["type"];
    EXPECT_EQ(types, (std::map<std::string, std::string>{
                         {R"(["body","outcomes",1,"event"])", "enum"},
                         {R"(["body","outcomes",2,"date"])", "date_parsing"},
                         {R"(["body","outcomes",3,"date"])", "date_future"},
                         {R"(["body","outcomes",4,"employee_id"])", "string_type"},
                         {R"(["body","outcomes",4,"date"])", "missing"},
                         {R"(["body","outcomes",5])", "model_attributes_type"}}));
    for (const std::string value : {"retired", "2026-02-30", "2999-01-01", "not an object"}) {
        EXPECT_EQ(refused.body.find(value), std::string::npos) << value;
    }
    EXPECT_EQ(Stored(), 0);  // not even the valid first item

    const auto empty = Post(json{{"outcomes", json::array()}});
    EXPECT_EQ(empty.status, 422);
    EXPECT_EQ(json::parse(empty.body)["detail"][0]["type"], "too_short");
    json many = json::array();
    for (int i = 0; i < 1001; ++i)
        many.push_back(Item("E" + std::to_string(i), "left", "2026-01-01"));
    const auto too_many = Post(json{{"outcomes", many}});
    EXPECT_EQ(too_many.status, 422);
    EXPECT_EQ(json::parse(too_many.body)["detail"][0]["type"], "too_long");
    many.erase(1000);
    const auto thousand = Post(json{{"outcomes", many}});
    ASSERT_EQ(thousand.status, 200) << thousand.body;
    EXPECT_EQ(json::parse(thousand.body)["accepted"], 1000);
    auto headers = Bearer(kKey);
    headers["Content-Type"] = "application/json";
    const auto not_json = client_->Post("/api/v1/outcomes", "{", headers);
    EXPECT_EQ(not_json.status, 422);
    EXPECT_EQ(json::parse(not_json.body)["detail"][0]["type"], "json_invalid");
}

TEST_F(OutcomesTest, ErasureRemovesTheEmployeesOutcomes) {
    ASSERT_EQ(
        Post(json{{"outcomes",
                   {Item("GONE-1", "stayed", "2026-01-31"), Item("GONE-1", "left", "2026-10-31"),
                    Item("KEPT-1", "left", "2026-10-31")}}})
            .status,
        200);
    const auto erased =
        client_->Send("DELETE", "/api/v1/employees/GONE-1/predictions", "", Bearer(kKey));
    ASSERT_EQ(erased.status, 200) << erased.body;
    EXPECT_EQ(json::parse(erased.body)["outcomes_deleted"], 2);
    EXPECT_EQ(Stored(), 1);
}

TEST(OutcomesImportTest, StoresTheValidRowsReportsTheOthersByLineAndIsIdempotent) {
    const auto dir = MakeTempDir("attrition-outcomes-import");
    {
        std::ofstream csv(dir + "/departures.csv");
        csv << "date,employee_id,event,note\n"
            << "2026-10-31,E001,left,x\n"
            << "2026-10-31,E002,stayed,\n"
            << "2026-13-01,E003,left,secret-note\n"
            << "\n"
            << "2026-10-31,,quit,\n"
            << "2026-10-31,E001,left,again\n";
    }
    const std::string url = "sqlite:///" + dir + "/log.db";
    std::string output;
    ASSERT_EQ(
        RunCommand({.argv = {AttritionBinary(), "migrate", "up", "--database-url", url}}, &output),
        0)
        << output;
    const auto import = [&] {
        return RunCommand({.argv = {AttritionBinary(), "outcomes", "import", "--in",
                                    dir + "/departures.csv", "--database-url", url}},
                          &output);
    };
    EXPECT_EQ(import(), 2) << output;  // some rows were invalid
    EXPECT_NE(output.find("line 4: date: Input should be a valid calendar date"), std::string::npos)
        << output;
    EXPECT_NE(output.find("line 6: employee_id: String should have at least 1 character; event: "
                          "Input should be 'left' or 'stayed'"),
              std::string::npos)
        << output;
    EXPECT_NE(output.find("5 rows: 2 stored, 1 already stored, 2 invalid"), std::string::npos)
        << output;
    EXPECT_EQ(output.find("2026-13-01"), std::string::npos);
    EXPECT_EQ(output.find("quit"), std::string::npos);
    EXPECT_EQ(LogProbe::Sqlite(dir + "/log.db").Count("SELECT count(*) FROM outcomes"), 2);

    EXPECT_EQ(import(), 2) << output;
    EXPECT_NE(output.find("5 rows: 0 stored, 3 already stored, 2 invalid"), std::string::npos)
        << output;
    { std::ofstream(dir + "/bad-header.csv") << "employee_id,event\nE1,left\n"; }
    EXPECT_EQ(RunCommand({.argv = {AttritionBinary(), "outcomes", "import", "--in",
                                   dir + "/bad-header.csv", "--database-url", url}},
                         &output),
              1);
    EXPECT_NE(output.find("the header lacks the column date"), std::string::npos) << output;

    // A French Excel's file: semicolons, Windows-1252, DD/MM/YYYY dates.
    {
        std::ofstream(dir + "/excel.csv") << "employee_id;event;date;commentaire\r\n"
                                          << "E010;left;15/03/2026;d\xE9mission\r\n"
                                          << "E011;stayed;2026-03-15;\r\n";
    }
    EXPECT_EQ(RunCommand({.argv = {AttritionBinary(), "outcomes", "import", "--in",
                                   dir + "/excel.csv", "--database-url", url}},
                         &output),
              0)
        << output;
    EXPECT_NE(output.find("2 rows: 2 stored, 0 already stored, 0 invalid"), std::string::npos)
        << output;
    EXPECT_EQ(LogProbe::Sqlite(dir + "/log.db")
                  .Count("SELECT count(*) FROM outcomes WHERE employee_id = 'E010' AND "
                         "event_date = '2026-03-15'"),
              1);
}

}  // namespace
}  // namespace attrition::test::outcomes_test
