// `attrition score`: a roster CSV in, a scored CSV out, invalid rows reported and kept, its
// predictions logged; and what that log teaches once outcomes are in (`train --from-log`).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/clock.hpp"
#include "base/csv.hpp"
#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/service_process.hpp"
#include "support/log_support.hpp"

namespace attrition::test::score_test {
namespace {

const char* kHeader =
    "employee_id,team,age,revenu_mensuel,nombre_experiences_precedentes,"
    "nombre_heures_travailless,annees_dans_le_poste_actuel,satisfaction_employee_environnement,"
    "satisfaction_employee_nature_travail,satisfaction_employee_equipe,"
    "satisfaction_employee_equilibre_pro_perso,note_evaluation_precedente,"
    "note_evaluation_actuelle,nombre_participation_pee,nb_formations_suivies,"
    "nombre_employee_sous_responsabilite,distance_domicile_travail,niveau_education,"
    "annees_depuis_la_derniere_promotion,annes_sous_responsable_actuel,genre,statut_marital,"
    "departement,poste,domaine_etude,heure_supplementaires\n";

std::string Row(const std::string& id,
                const std::string& team,
                const std::string& age,
                const std::string& categoricals) {
    return id + "," + team + "," + age + ",5993,8,80,4,2,4,1,1,3,3,0,0,1,1,2,0,5," + categoricals +
           "\n";
}

using Table = std::vector<std::map<std::string, std::string>>;

Table ReadCsv(const std::string& path) {
    std::ifstream in(path);
    base::CsvReader reader(in);
    std::vector<std::string> header;
    EXPECT_TRUE(*reader.Next(header));
    Table table;
    std::vector<std::string> fields;
    while (*reader.Next(fields)) {
        std::map<std::string, std::string> row;
        for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i)
            row[header[i]] = fields[i];
        table.push_back(row);
    }
    return table;
}

class ScoreTest : public ::testing::Test {
  protected:
    void SetUp() override { dir_ = MakeTempDir("attrition-score"); }
    int Score(const std::string& csv, std::vector<std::string> extra, std::string* log) {
        { std::ofstream(dir_ + "/in.csv") << csv; }
        std::vector<std::string> argv = {
            AttritionBinary(), "score", "--model",        SourceDir() + "/model", "--in",
            dir_ + "/in.csv",  "--out", dir_ + "/out.csv"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return RunCommand({.argv = argv}, log);
    }
    std::string dir_;
};

TEST_F(ScoreTest, ScoresValidRowsReportsInvalidOnesAndPassesExtraColumnsThrough) {
    const std::string csv =
        std::string(kHeader) +
        Row("E1", "\"Sales, north\"", "41",
            "F,Célibataire,Commercial,Cadre Commercial,Infra & Cloud,Oui") +
        Row("E2", "x", "41", "Female,Single,Sales,Sales Executive,Life Sciences,Yes") +
        Row("E3", "y", "abc", "F,Célibataire,Commercial,Cadre Commercial,Infra & Cloud,Oui") +
        Row("E4", "z", "41", "F,Célibataire,Marketingz,Cadre Commercial,Infra & Cloud,Non");
    std::string log;
    // Every row is written, but not every row scored: a script must see it without stderr.
    ASSERT_EQ(Score(csv, {}, &log), 2) << log;
    const auto table = ReadCsv(dir_ + "/out.csv");
    ASSERT_EQ(table.size(), 4U);
    EXPECT_EQ(table[0].at("team"), "Sales, north");
    EXPECT_EQ(table[0].at("employee_id"), "E1");
    EXPECT_FALSE(table[0].at("probability_leave").empty());
    EXPECT_TRUE(table[0].at("error").empty());
    // English aliases score exactly like the training values.
    EXPECT_EQ(table[1].at("probability_leave"), table[0].at("probability_leave"));
    EXPECT_EQ(table[1].at("risk_level"), table[0].at("risk_level"));
    // Row 3 (line 4) has a non-numeric age; row 4 (line 5) an unknown department.
    EXPECT_TRUE(table[2].at("probability_leave").empty());
    EXPECT_NE(table[2].at("error").find("line 4"), std::string::npos);
    EXPECT_NE(table[2].at("error").find("age"), std::string::npos);
    EXPECT_NE(table[3].at("error").find("line 5"), std::string::npos);
    EXPECT_NE(table[3].at("error").find("departement"), std::string::npos);
    EXPECT_EQ(table[3].at("error").find("Marketingz"), std::string::npos);  // never echoed
    EXPECT_NE(log.find("line 4:"), std::string::npos) << log;
    EXPECT_NE(log.find("4 rows, 2 scored, 2 invalid"), std::string::npos) << log;
}

TEST_F(ScoreTest, ExplainAddsTheTopFiveInputFeatures) {
    const std::string csv =
        std::string(kHeader) +
        Row("E1", "t", "41", "F,Célibataire,Commercial,Cadre Commercial,Infra & Cloud,Oui");
    std::string log;
    ASSERT_EQ(Score(csv, {"--explain"}, &log), 0) << log;
    const auto table = ReadCsv(dir_ + "/out.csv");
    ASSERT_EQ(table.size(), 1U);
    double previous = 1e9;
    for (int k = 1; k <= 5; ++k) {
        const auto feature = table[0].at("reason_" + std::to_string(k) + "_feature");
        EXPECT_EQ(feature.find('='), std::string::npos) << "an input feature, not a column";
        const double signed_value =
            std::stod(table[0].at("reason_" + std::to_string(k) + "_shap_value"));
        // The direction in words, as the API's "impact" says it.
        EXPECT_EQ(table[0].at("reason_" + std::to_string(k) + "_impact"),
                  signed_value > 0   ? "increases risk"
                  : signed_value < 0 ? "decreases risk"
                                     : "neutral");
        const double value = std::fabs(signed_value);
        EXPECT_LE(value, previous);
        previous = value;
    }
}

// v2 learns its optional input's column from its metadata: read when the cell is filled,
// imputed with a warning when it is empty, reported when it is wrong; v1 passes it through.
TEST_F(ScoreTest, TheOptionalTravelColumnIsReadByTheVersionThatTakesIt) {
    std::string header = kHeader;
    header.insert(header.size() - 1, ",frequence_deplacement");
    const std::string categoricals = "F,Célibataire,Commercial,Cadre Commercial,Infra & Cloud,Oui";
    auto row = [&](const std::string& id, const std::string& travel) {
        std::string line = Row(id, "t", "41", categoricals);
        line.insert(line.size() - 1, "," + travel);
        return line;
    };
    const std::string csv = header + row("E1", "Travel_Frequently") + row("E2", "") +
                            row("E3", "Weekly") + row("E4", "Frequent");
    std::string log;
    ASSERT_EQ(Score(csv, {"--model-version", "xgb_enhanced_v2.1"}, &log), 2) << log;
    const auto v2 = ReadCsv(dir_ + "/out.csv");
    ASSERT_EQ(v2.size(), 4U);
    EXPECT_EQ(v2[0].at("warnings"), "");
    EXPECT_EQ(v2[0].at("probability_leave"), v2[3].at("probability_leave"));
    EXPECT_EQ(v2[1].at("warnings"),
              "frequence_deplacement was not given: imputed with its most frequent training "
              "value 'Occasionnel'");
    EXPECT_NE(v2[1].at("probability_leave"), v2[0].at("probability_leave"));
    EXPECT_EQ(v2[2].at("probability_leave"), "");
    EXPECT_NE(v2[2].at("error").find("frequence_deplacement"), std::string::npos)
        << v2[2].at("error");
    EXPECT_EQ(v2[2].at("error").find("Weekly"), std::string::npos);
    // An unknown version is refused as the API refuses it (serving::ResolveVersion).
    EXPECT_EQ(Score(csv, {"--model-version", "nope_v9"}, &log), 1);
    EXPECT_NE(log.find("Unknown model version; available: xgb_enhanced_v2.0, xgb_enhanced_v2.1"),
              std::string::npos)
        << log;

    ASSERT_EQ(Score(csv, {}, &log), 0) << log;
    const auto v1 = ReadCsv(dir_ + "/out.csv");
    ASSERT_EQ(v1.size(), 4U);
    for (const auto& scored : v1) {
        EXPECT_EQ(scored.at("error"), "") << scored.at("employee_id");
        EXPECT_EQ(scored.at("warnings"), "") << scored.at("employee_id");
        EXPECT_EQ(scored.at("probability_leave"), v1[0].at("probability_leave"));
    }
    EXPECT_EQ(v1[2].at("frequence_deplacement"), "Weekly");
}

// A roster saved by a French Excel: semicolons, decimal commas, Windows-1252. Scored as the same
// roster in UTF-8 with commas, and written back in its dialect (semicolons, decimal commas) so
// that Excel reads it back; a file mixing encodings is refused naming the line.
TEST_F(ScoreTest, AFrenchExcelRosterIsReadAndWrittenBackInItsDialect) {
    const std::string categoricals = "F,Célibataire,Commercial,Cadre Commercial,Infra & Cloud,Oui";
    std::string log;
    ASSERT_EQ(Score(std::string(kHeader) + Row("E1", "Équipe Nord", "41", categoricals), {}, &log),
              0)
        << log;
    const auto utf8 = ReadCsv(dir_ + "/out.csv");
    ASSERT_EQ(utf8.size(), 1U);

    const auto french = [](std::string text) {
        for (auto& c : text) c = c == ',' ? ';' : c;
        std::string latin1;  // UTF-8 é and É (the only non-ASCII here) as Windows-1252 bytes
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text.compare(i, 2, "\xC3\xA9") == 0 || text.compare(i, 2, "\xC3\x89") == 0) {
                latin1 += text[i + 1] == '\xA9' ? '\xE9' : '\xC9';
                ++i;
            } else {
                latin1 += text[i];
            }
        }
        return latin1;
    };
    std::string row = french(Row("E1", "Équipe Nord", "41", categoricals));
    row.replace(row.find(";5993;"), 6, ";5993,0;");  // a decimal comma
    ASSERT_EQ(Score(french(kHeader) + row, {"--explain"}, &log), 0) << log;
    EXPECT_NE(log.find("1 rows, 1 scored, 0 invalid (Windows-1252, semicolons)"), std::string::npos)
        << log;
    std::ifstream in(dir_ + "/out.csv");
    base::CsvReader reader(in);
    std::vector<std::string> header;
    std::vector<std::string> fields;
    ASSERT_TRUE(reader.Next(header).value());
    ASSERT_TRUE(reader.Next(fields).value());
    EXPECT_EQ(reader.Delimiter(), ';');
    EXPECT_EQ(reader.Encoding(), base::CsvEncoding::kUtf8);
    std::map<std::string, std::string> scored;
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) {
        scored[header[i]] = fields[i];
    }
    EXPECT_EQ(scored["team"], "Équipe Nord");
    EXPECT_EQ(scored["statut_marital"], "Célibataire");
    std::string probability = utf8[0].at("probability_leave");
    std::replace(probability.begin(), probability.end(), '.', ',');
    EXPECT_EQ(scored["probability_leave"], probability);
    EXPECT_NE(scored["reason_1_shap_value"].find(','), std::string::npos);

    const std::string mixed = std::string(kHeader) + Row("E1", "Équipe", "41", categoricals) +
                              Row("E2", "\xC9quipe", "41", categoricals);
    EXPECT_EQ(Score(mixed, {}, &log), 1);
    EXPECT_NE(log.find("line 3: not valid UTF-8, although the lines before were"),
              std::string::npos)
        << log;
}

TEST_F(ScoreTest, MissingColumnsStopBeforeScoring) {
    std::string log;
    EXPECT_NE(Score("employee_id,age\nE1,41\n", {}, &log), 0);
    EXPECT_NE(log.find("lacks the columns"), std::string::npos) << log;
}

// One value of the SQLite log, read straight from the file.
std::string SqliteValue(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    std::string value;
    if (sqlite3_step(statement) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(statement, 0);
        value = text != nullptr ? reinterpret_cast<const char*>(text) : "NULL";
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return value;
}

// A roster scored by the CLI is in the prediction log as the API's predictions are: one record
// per chunk of 1,000 rows named "attrition score", the shadow's rows beside the default's, the
// run's id as x_request_id; found by the log's read side and counted by /monitoring.
TEST_F(ScoreTest, ScoresReachThePredictionLogWithTheCliAsTheirSource) {
    const std::string log_path = dir_ + "/log.db";
    const std::string url = "sqlite:///" + log_path;
    ASSERT_EQ(RunCommand({.argv = {AttritionBinary(), "migrate", "up", "--database-url", url}}), 0);
    const std::string models = dir_ + "/model";
    std::filesystem::copy(SourceDir() + "/model", models, std::filesystem::copy_options::recursive);
    std::ofstream(models + "/serving.json")
        << R"({"default": "xgb_enhanced_v2.0", "shadow": "xgb_enhanced_v2.1"})";
    constexpr int kValid = 1001;  // two records: lines 2..1001 and 1002..1003
    std::string csv = kHeader;
    for (int i = 0; i < kValid; ++i) {
        if (i == 2) csv += Row("BAD", "t", "abc", "M,Marié(e),Consulting,Consultant,Autre,Non");
        csv += Row("E" + std::to_string(i), "t", std::to_string(18 + i % 43),
                   "M,Marié(e),Consulting,Consultant,Autre,Non");
    }
    { std::ofstream(dir_ + "/in.csv") << csv; }
    std::string output;
    ASSERT_EQ(
        RunCommand({.argv = {AttritionBinary(), "score", "--model", models, "--in",
                             dir_ + "/in.csv", "--out", dir_ + "/out.csv", "--database-url", url}},
                   &output),
        2)
        << output;
    ASSERT_NE(output.find("logged 2002 predictions to sqlite:///" + log_path), std::string::npos)
        << output;
    const auto mark = output.find("(x_request_id ");
    ASSERT_NE(mark, std::string::npos) << output;
    const std::string run_id = output.substr(mark + 14, 36);

    // Straight from the file: two records of the CLI, every scored row twice (default, shadow).
    EXPECT_EQ(SqliteValue(log_path,
                          "SELECT count(*) FROM api_requests WHERE endpoint = "
                          "'attrition score' AND x_request_id = '" +
                              run_id + "'"),
              "2");
    EXPECT_EQ(SqliteValue(log_path,
                          "SELECT count(*) FROM predictions WHERE shadow = 0 AND "
                          "model_version = 'xgb_enhanced_v2.0'"),
              std::to_string(kValid));
    EXPECT_EQ(SqliteValue(log_path,
                          "SELECT count(*) FROM predictions WHERE shadow = 1 AND "
                          "model_version = 'xgb_enhanced_v2.1'"),
              std::to_string(kValid));
    EXPECT_EQ(SqliteValue(log_path, "SELECT count(*) FROM predictions WHERE employee_id = 'BAD'"),
              "0");
    EXPECT_EQ(SqliteValue(log_path,
                          "SELECT request_data FROM api_requests WHERE "
                          "request_data LIKE '%[1002,1003]%'"),
              R"({"source":"attrition score","input":")" + dir_ +
                  R"(/in.csv","lines":[1002,1003],"invalid_rows":0})");
    EXPECT_EQ(SqliteValue(log_path,
                          "SELECT json_extract(request_data, '$.invalid_rows') FROM "
                          "api_requests WHERE request_data LIKE '%[2,1001]%'"),
              "1");

    // The read side finds the run by its id, each probability as the output CSV shows it.
    const auto scored = ReadCsv(dir_ + "/out.csv");
    ASSERT_EQ(scored.size(), static_cast<std::size_t>(kValid + 1));
    std::map<std::string, double> shown;
    for (const auto& row : scored) {
        if (!row.at("probability_leave").empty()) {
            shown[row.at("employee_id")] = std::stod(row.at("probability_leave"));
        }
    }
    const auto key_dir = MakeTempDir("attrition-score-keys");
    ServiceProcess service({.flags = {"--model-dir", models},
                            .env = {{"OC5_DATABASE_URL", url},
                                    {"OC5_API_KEYS_FILE", WriteApiKeysFile(key_dir, "k-score")}}});
    HttpClient client(service.Port());
    const auto found =
        client.Get("/api/v1/predictions?limit=100&x_request_id=" + run_id, Bearer("k-score"));
    ASSERT_EQ(found.status, 200) << found.body;
    const auto items = nlohmann::json::parse(found.body)["items"];
    ASSERT_EQ(items.size(), 100U);
    for (const auto& item : items) {
        EXPECT_EQ(item["endpoint"], "attrition score");
        EXPECT_EQ(item["shadow"], false);
        const std::string employee = item["employee_id"];
        ASSERT_TRUE(shown.contains(employee)) << employee;
        EXPECT_NEAR(item["attrition_prob"].get<double>() * 100.0, shown[employee], 0.005001);
    }
    const auto drift =
        client.Get("/api/v1/monitoring/drift?model_version=xgb_enhanced_v2.0", Bearer("k-score"));
    ASSERT_EQ(drift.status, 200) << drift.body;
    EXPECT_EQ(nlohmann::json::parse(drift.body)["rows"], kValid);
}

// Where no database is configured the roster is scored and nothing is logged, said on stderr
// (and the other commands beside serve refuse, creating nothing); a configured database that
// cannot take the log stops the run before any output.
TEST_F(ScoreTest, LogsNothingWithoutADatabaseAndScoresNothingWithABrokenOne) {
    const std::string csv =
        std::string(kHeader) + Row("E1", "t", "41", "M,Marié(e),Consulting,Consultant,Autre,Non");
    { std::ofstream(dir_ + "/in.csv") << csv; }
    const std::vector<std::string> argv = {
        AttritionBinary(), "score", "--model", SourceDir() + "/model", "--in",
        "in.csv",          "--out", "out.csv"};
    std::string output;
    ASSERT_EQ(
        RunCommand({.argv = argv, .unset_env = {"OC5_DATABASE_URL"}, .working_dir = dir_}, &output),
        0)
        << output;
    EXPECT_NE(output.find("not logged: no database: var/attrition.db does not exist"),
              std::string::npos)
        << output;
    EXPECT_EQ(ReadCsv(dir_ + "/out.csv").size(), 1U);
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/var"));
    // Nor do the other commands that read or write the log beside serve: none creates it.
    { std::ofstream(dir_ + "/outcomes.csv") << "employee_id,event,date\nE1,stayed,2026-01-05\n"; }
    for (const auto& command : std::vector<std::vector<std::string>>{
             {AttritionBinary(), "outcomes", "import", "--in", "outcomes.csv"},
             {AttritionBinary(), "train", "--from-log", "--out", "v"}}) {
        std::string refused;
        EXPECT_EQ(
            RunCommand({.argv = command, .unset_env = {"OC5_DATABASE_URL"}, .working_dir = dir_},
                       &refused),
            1)
            << refused;
        EXPECT_NE(refused.find("no database: var/attrition.db does not exist"), std::string::npos)
            << refused;
        EXPECT_FALSE(std::filesystem::exists(dir_ + "/var")) << command[1];
    }

    std::filesystem::remove(dir_ + "/out.csv");
    std::string refused;
    auto unmigrated = argv;
    unmigrated.insert(unmigrated.end(), {"--database-url", "sqlite:///empty.db"});
    EXPECT_EQ(RunCommand({.argv = unmigrated, .working_dir = dir_}, &refused), 1) << refused;
    EXPECT_NE(refused.find("migrate"), std::string::npos) << refused;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/out.csv"));
}

// A run that stops midway keeps what it did and says how far it got: an unreadable line after
// 1,001 rows leaves those rows written and logged; an output that cannot be written stops the
// run at its first chunk, whose predictions the log then holds, as the message says.
TEST_F(ScoreTest, ARunStoppedMidwaySaysHowFarItGotAndKeepsTheLogInStep) {
    const std::string log_path = dir_ + "/log.db";
    const std::string url = "sqlite:///" + log_path;
    ASSERT_EQ(RunCommand({.argv = {AttritionBinary(), "migrate", "up", "--database-url", url}}), 0);
    std::string csv = kHeader;
    for (int i = 0; i < 1001; ++i) {
        csv += Row("E" + std::to_string(i), "Équipe", "41",
                   "M,Marié(e),Consulting,Consultant,Autre,Non");
    }
    const std::string latin1_line =
        Row("X", "\xC9quipe", "41", "M,Marié(e),Consulting,Consultant,Autre,Non");
    std::string output;
    EXPECT_EQ(Score(csv + latin1_line, {"--database-url", url}, &output), 1);
    EXPECT_NE(output.find("line 1003: not valid UTF-8, although the lines before were (save the "
                          "file in one encoding); the output holds the 1001 rows before it"),
              std::string::npos)
        << output.substr(output.size() > 2000 ? output.size() - 2000 : 0);
    EXPECT_EQ(ReadCsv(dir_ + "/out.csv").size(), 1001U);
    EXPECT_EQ(SqliteValue(log_path, "SELECT count(*) FROM predictions"), "1001");

    std::string full;
    EXPECT_EQ(
        RunCommand({.argv = {AttritionBinary(), "score", "--model", SourceDir() + "/model", "--in",
                             dir_ + "/in.csv", "--out", "/dev/full", "--database-url", url}},
                   &full),
        1);
    EXPECT_NE(full.find("writing the output failed at lines 2 to 1001, whose predictions are "
                        "logged; the 0 rows read before them were written"),
              std::string::npos)
        << full;
    EXPECT_EQ(SqliteValue(log_path, "SELECT count(*) FROM predictions"), "2001");
}

// The log as a training source: a roster of kResolved + kUnresolved employees scored by the
// CLI, the predictions back-dated 400 days, the same employees scored again today (young:
// never a training row); ImportOutcomes() then records what became of the first kResolved.
class TrainFromLogTest : public ScoreTest {
  protected:
    static constexpr int kResolved = 200;
    static constexpr int kUnresolved = 10;  // no outcome reported

    static std::string Day(int days_ago) {
        return base::FormatIso8601(std::chrono::system_clock::now() - std::chrono::days(days_ago))
            .substr(0, 10);
    }

    void SetUp() override {
        ScoreTest::SetUp();
        log_path_ = dir_ + "/log.db";
        url_ = "sqlite:///" + log_path_;
        models_ = dir_ + "/model";
        ASSERT_EQ(
            RunCommand({.argv = {AttritionBinary(), "migrate", "up", "--database-url", url_}}), 0);
        std::filesystem::copy(SourceDir() + "/model", models_,
                              std::filesystem::copy_options::recursive);
        std::string roster = kHeader;
        std::string outcomes = "employee_id,event,date\n";
        // Every value of every categorical input turns up (a version lacking one the service's
        // aliases map onto would be refused, and train does not write it).
        const std::vector<std::string> statuts{"Célibataire", "Marié(e)", "Divorcé(e)"};
        const std::vector<std::string> departements{"Commercial", "Consulting",
                                                    "Ressources Humaines"};
        const std::vector<std::string> postes{"Cadre Commercial",
                                              "Assistant de Direction",
                                              "Consultant",
                                              "Tech Lead",
                                              "Manager",
                                              "Représentant Commercial",
                                              "Directeur Technique",
                                              "Ressources Humaines"};
        const std::vector<std::string> domaines{"Infra & Cloud", "Transformation Digitale",
                                                "Marketing",     "Entrepreunariat",
                                                "Autre",         "Ressources Humaines"};
        for (int i = 0; i < kResolved + kUnresolved; ++i) {
            const bool overtime = i % 3 == 0;
            const auto pick = [i](const std::vector<std::string>& values) {
                return values[static_cast<std::size_t>(i) % values.size()];
            };
            roster += Row("L" + std::to_string(i), "t", std::to_string(18 + i % 43),
                          std::string(i % 2 == 0 ? "F," : "M,") + pick(statuts) + "," +
                              pick(departements) + "," + pick(postes) + "," + pick(domaines) + "," +
                              (overtime ? "Oui" : "Non"));
            if (i >= kResolved) continue;
            const bool left = (overtime && i % 2 == 0) || i % 7 == 0;
            leavers_ += left ? 1 : 0;
            // Left within the horizon of a prediction made 400 days ago, or still there today.
            outcomes +=
                "L" + std::to_string(i) + (left ? ",left," + Day(200) : ",stayed," + Day(0)) + "\n";
        }
        { std::ofstream(dir_ + "/roster.csv") << roster; }
        { std::ofstream(dir_ + "/outcomes.csv") << outcomes; }
        const auto score = [&](const std::string& out) {
            std::string output;
            EXPECT_EQ(
                RunCommand({.argv = {AttritionBinary(), "score", "--model", models_, "--in",
                                     dir_ + "/roster.csv", "--out", out, "--database-url", url_}},
                           &output),
                0)
                << output;
        };
        score(dir_ + "/scored-then.csv");
        const std::string then =
            base::FormatIso8601(std::chrono::system_clock::now() - std::chrono::days(400));
        {
            sqlite3* db = nullptr;
            ASSERT_EQ(sqlite3_open(log_path_.c_str(), &db), SQLITE_OK);
            const std::string sql = "UPDATE predictions SET created_at = '" + then +
                                    "', prediction_date = '" + then + "'";
            EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
                << sqlite3_errmsg(db);
            sqlite3_close(db);
        }
        EXPECT_EQ(SqliteValue(log_path_,
                              "SELECT count(*) FROM predictions WHERE created_at = '" + then + "'"),
                  std::to_string(kResolved + kUnresolved));
        score(dir_ + "/scored-now.csv");  // young: never a training row
    }

    void ImportOutcomes() {
        std::string imported;
        ASSERT_EQ(RunCommand({.argv = {AttritionBinary(), "outcomes", "import", "--database-url",
                                       url_, "--in", dir_ + "/outcomes.csv"}},
                             &imported),
                  0)
            << imported;
    }

    std::vector<std::string> Train(std::vector<std::string> extra) const {
        std::vector<std::string> argv = {AttritionBinary(), "train", "--from-log",
                                         "--database-url",  url_,    "--model-version",
                                         "from_log_v1",     "--out", models_ + "/from_log_v1"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    }

    std::string log_path_, url_, models_;
    int leavers_ = 0;
};

// End to end: `train --from-log` learns from each employee's latest mature, resolved
// prediction only (the young ones of today and the employees without an outcome left out),
// says so in the metadata and the card, and the new version, reloaded as the shadow, scores
// beside the default.
TEST_F(TrainFromLogTest, LearnsFromMatureResolvedPredictionsAndServesAsShadow) {
    const auto train = Train({});
    std::string early;  // before any outcome: nothing to learn from, nothing written
    EXPECT_EQ(RunCommand({.argv = train}, &early), 1) << early;
    EXPECT_NE(early.find("the log holds no mature, resolved prediction"), std::string::npos)
        << early;
    EXPECT_FALSE(std::filesystem::exists(models_ + "/from_log_v1"));
    ImportOutcomes();

    const auto key_dir = MakeTempDir("attrition-train-log-keys");
    ServiceProcess service({.flags = {"--model-dir", models_},
                            .env = {{"OC5_DATABASE_URL", url_},
                                    {"OC5_API_KEYS_FILE", WriteApiKeysFile(key_dir, "k-train")}}});
    std::string trained;
    ASSERT_EQ(RunCommand({.argv = train}, &trained), 0) << trained;
    EXPECT_NE(trained.find("rows=" + std::to_string(kResolved)), std::string::npos) << trained;
    const auto metadata =
        nlohmann::json::parse(ReadFile(models_ + "/from_log_v1/metadata.json"))["training_data"];
    EXPECT_EQ(metadata["rows"], kResolved);
    EXPECT_EQ(metadata["positives"], leavers_);
    EXPECT_TRUE(metadata["files"].empty()) << "trained on the log alone";
    const auto& source = metadata["prediction_log"];
    EXPECT_EQ(source["database"], url_);
    // The day it was trained (the metadata's own clock: a run across midnight stays right).
    const std::string trained_on =
        nlohmann::json::parse(ReadFile(models_ + "/from_log_v1/metadata.json"))["training_date"];
    EXPECT_EQ(source["as_of"], trained_on.substr(0, 10));
    EXPECT_EQ(source["horizon_days"], 365);
    EXPECT_EQ(source["rows"], kResolved);
    EXPECT_EQ(source["positives"], leavers_);
    std::string card;
    ASSERT_EQ(
        RunCommand({.argv = {AttritionBinary(), "model-card", "--model", models_ + "/from_log_v1"}},
                   &card),
        0);
    EXPECT_NE(card.find(std::to_string(kResolved) + " employees from the prediction log `" + url_ +
                        "`, " + std::to_string(leavers_) + " of whom left"),
              std::string::npos)
        << card;

    // Reloaded as the shadow of the default: it scores every prediction beside it.
    std::ofstream(models_ + "/serving.json")
        << R"({"default": "xgb_enhanced_v2.0", "shadow": "from_log_v1"})";
    HttpClient client(service.Port());
    const auto reload = client.Post("/api/v1/models/reload", "", Bearer("k-train"));
    ASSERT_EQ(reload.status, 200) << reload.body;
    EXPECT_EQ(nlohmann::json::parse(reload.body)["shadow"], "from_log_v1") << reload.body;
    auto employee = nlohmann::json::parse(
        client.Get("/openapi.json").body)["paths"]["/api/v1/predict"]["post"]["requestBody"]
                                         ["content"]["application/json"]["example"];
    employee["employee_id"] = "NEW-1";
    const auto predicted =
        client.Post("/api/v1/predict", employee.dump(), {{"Content-Type", "application/json"}});
    ASSERT_EQ(predicted.status, 200) << predicted.body;
    const auto rows = nlohmann::json::parse(
        client.Get("/api/v1/predictions?employee_id=NEW-1&include_shadow=true", Bearer("k-train"))
            .body)["items"];
    ASSERT_EQ(rows.size(), 2U) << rows.dump();
    std::map<bool, std::string> by_shadow;
    for (const auto& row : rows) by_shadow[row["shadow"].get<bool>()] = row["model_version"];
    EXPECT_EQ(by_shadow[false], "xgb_enhanced_v2.0");
    EXPECT_EQ(by_shadow[true], "from_log_v1");
}

// Beside the extracts (--with-extracts): both sources' rows, both in the metadata and the card.
TEST_F(TrainFromLogTest, TrainsOnTheLogBesideTheExtracts) {
    const char* data = std::getenv("ATTRITION_DATA_DIR");
    if (data == nullptr || !std::filesystem::exists(std::string(data) + "/extrait_sirh.csv")) {
        GTEST_SKIP() << "real TechNova data not found (set ATTRITION_DATA_DIR to the folder of "
                        "extrait_*.csv; ../shared/data/technova by default)";
    }
    // The extracts' employees, counted here: one per line of the HR extract after its header.
    std::size_t extract_rows = 0;
    {
        std::ifstream sirh(std::string(data) + "/extrait_sirh.csv");
        base::CsvReader reader(sirh);
        std::vector<std::string> fields;
        while (*reader.Next(fields)) ++extract_rows;
        --extract_rows;
    }
    ImportOutcomes();
    std::string trained;
    ASSERT_EQ(RunCommand({.argv = Train({"--with-extracts", "--data", data, "--no-cv"})}, &trained),
              0)
        << trained;
    const auto metadata =
        nlohmann::json::parse(ReadFile(models_ + "/from_log_v1/metadata.json"))["training_data"];
    EXPECT_EQ(metadata["rows"], extract_rows + kResolved);
    EXPECT_EQ(metadata["files"].size(), 3U);
    EXPECT_EQ(metadata["prediction_log"]["rows"], kResolved);
    std::string card;
    ASSERT_EQ(
        RunCommand({.argv = {AttritionBinary(), "model-card", "--model", models_ + "/from_log_v1"}},
                   &card),
        0);
    EXPECT_NE(card.find(std::to_string(extract_rows) + " employees of TechNova"), std::string::npos)
        << card;
    EXPECT_NE(card.find(std::to_string(kResolved) + " employees from the prediction log"),
              std::string::npos)
        << card;
}

TEST_F(ScoreTest, StreamsALargeRoster) {
    std::string csv = kHeader;
    constexpr int kRows = 20000;
    for (int i = 0; i < kRows; ++i) {
        csv += Row("E" + std::to_string(i), "t", std::to_string(18 + i % 43),
                   "M,Marié(e),Consulting,Consultant,Autre,Non");
    }
    std::string log;
    ASSERT_EQ(Score(csv, {}, &log), 0) << log.substr(0, 2000);
    EXPECT_NE(log.find(std::to_string(kRows) + " rows, " + std::to_string(kRows) + " scored"),
              std::string::npos)
        << log.substr(0, 2000);
}

}  // namespace
}  // namespace attrition::test::score_test
