#include "model/technova_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "domain/fields.hpp"
#include "support/synthetic_technova.hpp"

namespace attrition::model {
namespace {

using ::testing::HasSubstr;

double Numeric(const domain::Employee& e, std::string_view field) {
    return e.numeric[*domain::NumericIndex(field)];
}
const std::string& Categorical(const domain::Employee& e, std::string_view field) {
    return e.categorical[*domain::CategoricalIndex(field)];
}

// Three tiny extracts with the real headers (unused columns included), employees 7 and 12.
constexpr std::string_view kSirh =
    "id_employee,age,genre,revenu_mensuel,statut_marital,departement,poste,"
    "nombre_experiences_precedentes,nombre_heures_travailless,annee_experience_totale,"
    "annees_dans_l_entreprise,annees_dans_le_poste_actuel\n"
    "7,41,F,5993,Célibataire,Commercial,Cadre Commercial,8,80,8,6,4\n"
    "12,49,M,5130,Marié(e),Consulting,\"Tech Lead\",1,80,10,10,7\n";
constexpr std::string_view kEval =
    "satisfaction_employee_environnement,note_evaluation_precedente,niveau_hierarchique_poste,"
    "satisfaction_employee_nature_travail,satisfaction_employee_equipe,"
    "satisfaction_employee_equilibre_pro_perso,eval_number,note_evaluation_actuelle,"
    "heure_supplementaires,augementation_salaire_precedente\r\n"
    "3,2,2,2,4,3,E_12,4,Non,23 %\r\n"
    "2,3,2,4,1,1,E_7,3,Oui,11 %\r\n";
constexpr std::string_view kSondage =
    "\xEF\xBB\xBF"
    "a_quitte_l_entreprise,nombre_participation_pee,nb_formations_suivies,"
    "nombre_employee_sous_responsabilite,code_sondage,distance_domicile_travail,"
    "niveau_education,domaine_etude,ayant_enfants,frequence_deplacement,"
    "annees_depuis_la_derniere_promotion,annes_sous_responsable_actuel\n"
    "Non,1,3,1,0000012,8,1,Infra & Cloud,Y,Frequent,1,7\n"
    "Oui,0,0,1,000007,1,2,\"Infra & Cloud\",Y,Occasionnel,0,5\n";

TEST(ParseCsvTest, StripsBomAndHandlesCrlfAndQuotes) {
    const auto table = ParseCsv(
        "\xEF\xBB\xBF"
        "a,b,c\r\n1,\"x, \"\"y\"\"\",3\r\n\r\n4,\"multi\nline\",6\n",
        "t.csv");
    ASSERT_TRUE(table) << table.error().message;
    EXPECT_EQ(table->header, (std::vector<std::string>{"a", "b", "c"}));
    ASSERT_EQ(table->rows.size(), 2U);
    EXPECT_EQ(table->rows[0], (std::vector<std::string>{"1", "x, \"y\"", "3"}));
    EXPECT_EQ(table->rows[1], (std::vector<std::string>{"4", "multi\nline", "6"}));
    // Line numbers count physical lines: the blank line 3 is skipped.
    EXPECT_EQ(table->line_numbers, (std::vector<std::size_t>{2, 4}));
}

TEST(ParseCsvTest, LastLineWithoutNewlineIsARow) {
    const auto table = ParseCsv("a,b\n1,2", "t.csv");
    ASSERT_TRUE(table);
    ASSERT_EQ(table->rows.size(), 1U);
    EXPECT_EQ(table->rows[0][1], "2");
}

TEST(ParseCsvTest, WrongFieldCountNamesFileAndLine) {
    const auto table = ParseCsv("a,b\n1,2\n3\n", "extrait_x.csv");
    ASSERT_FALSE(table);
    EXPECT_THAT(table.error().message, HasSubstr("extrait_x.csv line 3"));
}

TEST(ParseCsvTest, UnterminatedQuoteIsAnError) {
    const auto table = ParseCsv("a,b\n1,\"2\n", "t.csv");
    ASSERT_FALSE(table);
    EXPECT_THAT(table.error().message, HasSubstr("t.csv line 2"));
}

TEST(ParseNumberTest, AcceptsPercentStringsAndSpaces) {
    EXPECT_EQ(ParseNumber("11 %"), 11.0);
    EXPECT_EQ(ParseNumber("23%"), 23.0);
    EXPECT_EQ(ParseNumber(" 3.5 "), 3.5);
    EXPECT_EQ(ParseNumber("-2"), -2.0);
    EXPECT_FALSE(ParseNumber(""));
    EXPECT_FALSE(ParseNumber("%"));
    EXPECT_FALSE(ParseNumber("12abc"));
    EXPECT_FALSE(ParseNumber("Oui"));
}

TEST(ParseEmployeeNumberTest, AcceptsAnyPaddingAndPrefix) {
    EXPECT_EQ(ParseEmployeeNumber("000012", ""), 12);
    EXPECT_EQ(ParseEmployeeNumber("00000012", ""), 12);
    EXPECT_EQ(ParseEmployeeNumber("12", ""), 12);
    EXPECT_EQ(ParseEmployeeNumber("E_12", "E_"), 12);
    EXPECT_FALSE(ParseEmployeeNumber("12", "E_"));
    EXPECT_FALSE(ParseEmployeeNumber("E_", "E_"));
    EXPECT_FALSE(ParseEmployeeNumber("E_1x", "E_"));
    EXPECT_FALSE(ParseEmployeeNumber("", ""));
}

TEST(JoinExtractsTest, JoinsOnEmployeeNumberWhateverTheOrderAndPadding) {
    const auto set = JoinExtracts(ExtractTexts{kSirh, kEval, kSondage});
    ASSERT_TRUE(set) << set.error().message;
    ASSERT_EQ(set->employees.size(), 2U);
    // HR-extract order: employee 7 then 12.
    const auto& e7 = set->employees[0];
    const auto& e12 = set->employees[1];
    EXPECT_EQ(e7.employee_id, "7");
    EXPECT_EQ(e12.employee_id, "12");
    EXPECT_EQ(set->labels, (std::vector<int>{1, 0}));
    EXPECT_EQ(set->PositiveCount(), 1U);

    EXPECT_EQ(Numeric(e7, "age"), 41);
    EXPECT_EQ(Numeric(e7, "revenu_mensuel"), 5993);
    EXPECT_EQ(Numeric(e7, "satisfaction_employee_environnement"), 2);  // from E_7
    EXPECT_EQ(Numeric(e7, "satisfaction_employee_equilibre_pro_perso"), 1);
    EXPECT_EQ(Numeric(e7, "annes_sous_responsable_actuel"), 5);  // from 000007
    EXPECT_EQ(Numeric(e12, "note_evaluation_actuelle"), 4);      // from E_12
    EXPECT_EQ(Numeric(e12, "distance_domicile_travail"), 8);     // from 0000012
    EXPECT_EQ(Numeric(e12, "nb_formations_suivies"), 3);
    EXPECT_EQ(Categorical(e7, "heure_supplementaires"), "Oui");
    EXPECT_EQ(Categorical(e12, "heure_supplementaires"), "Non");
    EXPECT_EQ(Categorical(e12, "poste"), "Tech Lead");             // quoted in the file
    EXPECT_EQ(Categorical(e7, "domaine_etude"), "Infra & Cloud");  // quoted in the file
    EXPECT_EQ(Categorical(e12, "statut_marital"), "Marié(e)");
}

TEST(JoinExtractsTest, MissingKeyNamesFileAndLine) {
    std::string eval(kEval);
    eval.replace(eval.find("E_7"), 3, "");
    const auto set = JoinExtracts(ExtractTexts{kSirh, eval, kSondage});
    ASSERT_FALSE(set);
    EXPECT_THAT(set.error().message, HasSubstr("extrait_eval.csv line 3"));
    EXPECT_THAT(set.error().message, HasSubstr("eval_number is missing"));
}

TEST(JoinExtractsTest, EmployeeWithoutSurveyRowNamesHrLineAndMissingFile) {
    std::string sondage(kSondage);
    sondage.resize(sondage.find("Oui,0,0,1,000007"));
    const auto set = JoinExtracts(ExtractTexts{kSirh, kEval, sondage});
    ASSERT_FALSE(set);
    EXPECT_THAT(set.error().message, HasSubstr("extrait_sirh.csv line 2"));
    EXPECT_THAT(set.error().message, HasSubstr("employee 7 has no row in extrait_sondage.csv"));
}

TEST(JoinExtractsTest, ExtraSurveyRowNamesItsLine) {
    std::string sondage(kSondage);
    sondage += "Non,1,3,1,000099,8,1,Autre,Y,Frequent,1,7\n";
    const auto set = JoinExtracts(ExtractTexts{kSirh, kEval, sondage});
    ASSERT_FALSE(set);
    EXPECT_THAT(set.error().message, HasSubstr("extrait_sondage.csv line 4"));
}

TEST(JoinExtractsTest, DuplicateKeyIsAnError) {
    std::string eval(kEval);
    eval += "2,3,2,4,1,1,E_0007,3,Oui,11 %\r\n";
    const auto set = JoinExtracts(ExtractTexts{kSirh, eval, kSondage});
    ASSERT_FALSE(set);
    EXPECT_THAT(set.error().message, HasSubstr("extrait_eval.csv line 4"));
}

TEST(JoinExtractsTest, BadLabelAndBadNumberNameTheirLine) {
    std::string sondage(kSondage);
    sondage.replace(sondage.find("Non,1,3"), 3, "Peut-etre");
    auto set = JoinExtracts(ExtractTexts{kSirh, kEval, sondage});
    ASSERT_FALSE(set);
    EXPECT_THAT(set.error().message, HasSubstr("extrait_sondage.csv line 2"));

    std::string sirh(kSirh);
    sirh.replace(sirh.find(",5130,"), 6, ",cinq,");
    set = JoinExtracts(ExtractTexts{sirh, kEval, kSondage});
    ASSERT_FALSE(set);
    EXPECT_THAT(set.error().message, HasSubstr("extrait_sirh.csv line 3: revenu_mensuel"));
}

TEST(JoinExtractsTest, EmptyNumericIsMissingNotZero) {
    std::string sirh(kSirh);
    sirh.replace(sirh.find(",5993,"), 6, ",,");
    const auto set = JoinExtracts(ExtractTexts{sirh, kEval, kSondage});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_TRUE(std::isnan(Numeric(set->employees[0], "revenu_mensuel")));
}

TEST(JoinExtractsTest, ReadsTheSyntheticDataset) {
    const auto texts = test::MakeSyntheticTechnova({.rows = 60, .seed = 3});
    const auto set = JoinExtracts(ExtractTexts{texts.sirh, texts.eval, texts.sondage});
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->employees.size(), 60U);
    EXPECT_EQ(set->PositiveCount(), texts.positives);
    std::set<std::string> postes;
    for (const auto& e : set->employees) {
        for (const double v : e.numeric) EXPECT_FALSE(std::isnan(v));
        postes.insert(Categorical(e, "poste"));
    }
    EXPECT_EQ(postes.size(), 9U);
}

}  // namespace
}  // namespace attrition::model
