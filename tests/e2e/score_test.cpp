// `attrition score`: a roster CSV in, a scored CSV out, invalid rows reported and kept.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "base/csv.hpp"
#include "harness/child_process.hpp"
#include "harness/service_process.hpp"

namespace attrition::test {
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
    ASSERT_EQ(Score(csv, {}, &log), 0) << log;
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
        const double value =
            std::fabs(std::stod(table[0].at("reason_" + std::to_string(k) + "_shap_value")));
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
    ASSERT_EQ(Score(csv, {"--model-version", "xgb_enhanced_v2.1"}, &log), 0) << log;
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

TEST_F(ScoreTest, MissingColumnsStopBeforeScoring) {
    std::string log;
    EXPECT_NE(Score("employee_id,age\nE1,41\n", {}, &log), 0);
    EXPECT_NE(log.find("lacks the columns"), std::string::npos) << log;
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
}  // namespace attrition::test
