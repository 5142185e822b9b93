#include "model/encoder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "domain/fields.hpp"
#include "model/technova_reader.hpp"
#include "support/synthetic_technova.hpp"

namespace attrition::model {
namespace {

std::vector<domain::Employee> SyntheticRows() {
    const auto texts = test::MakeSyntheticTechnova({.rows = 80, .seed = 11});
    auto set = JoinExtracts(ExtractTexts{texts.sirh, texts.eval, texts.sondage});
    EXPECT_TRUE(set) << set.error().message;
    return set->employees;
}

std::size_t ColumnIndex(const EncodingSpec& spec, std::string_view name) {
    const auto it = std::find(spec.column_names.begin(), spec.column_names.end(), name);
    EXPECT_NE(it, spec.column_names.end()) << name;
    return static_cast<std::size_t>(it - spec.column_names.begin());
}

TEST(EncoderTest, ColumnNamesFollowTheSpecOrder) {
    const EncodingSpec spec = Fit(SyntheticRows());
    // Written out from SPEC §1 and §3: numerics in field-table order, then each categorical's
    // sorted values, a binary one as the single column of its second value.
    std::vector<std::string> expected = {
        "age",
        "revenu_mensuel",
        "nombre_experiences_precedentes",
        "nombre_heures_travailless",
        "annees_dans_le_poste_actuel",
        "satisfaction_employee_environnement",
        "satisfaction_employee_nature_travail",
        "satisfaction_employee_equipe",
        "satisfaction_employee_equilibre_pro_perso",
        "note_evaluation_precedente",
        "note_evaluation_actuelle",
        "nombre_participation_pee",
        "nb_formations_suivies",
        "nombre_employee_sous_responsabilite",
        "distance_domicile_travail",
        "niveau_education",
        "annees_depuis_la_derniere_promotion",
        "annes_sous_responsable_actuel",
        "genre=M",
        "statut_marital=Célibataire",
        "statut_marital=Divorcé(e)",
        "statut_marital=Marié(e)",
        "departement=Commercial",
        "departement=Consulting",
        "departement=Ressources Humaines",
        "poste=Assistant de Direction",
        "poste=Cadre Commercial",
        "poste=Consultant",
        "poste=Directeur Technique",
        "poste=Manager",
        "poste=Représentant Commercial",
        "poste=Ressources Humaines",
        "poste=Senior Manager",
        "poste=Tech Lead",
        "domaine_etude=Autre",
        "domaine_etude=Entrepreunariat",
        "domaine_etude=Infra & Cloud",
        "domaine_etude=Marketing",
        "domaine_etude=Ressources Humaines",
        "domaine_etude=Transformation Digitale",
        "heure_supplementaires=Oui",
    };
    EXPECT_EQ(spec.column_names, expected);
    EXPECT_EQ(spec.ColumnCount(), 41U);
    EXPECT_EQ(spec.group_offsets[0], 18U);
    EXPECT_EQ(spec.GroupWidth(*domain::CategoricalIndex("poste")), 9U);
    EXPECT_EQ(spec.GroupWidth(*domain::CategoricalIndex("heure_supplementaires")), 1U);
}

TEST(EncoderTest, OneHotAndBinaryColumns) {
    const EncodingSpec spec = Fit(SyntheticRows());
    domain::Employee e;
    for (std::size_t i = 0; i < domain::kNumericCount; ++i) e.numeric[i] = 100.0 + i;
    e.categorical = {"F", "Marié(e)", "Consulting", "Manager", "Marketing", "Oui"};
    std::vector<float> out(spec.ColumnCount(), -1.0F);
    Encode(e, spec, out);

    for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
        EXPECT_EQ(out[i], static_cast<float>(100.0 + i));
    }
    const std::vector<std::string> hot = {"statut_marital=Marié(e)", "departement=Consulting",
                                          "poste=Manager", "domaine_etude=Marketing",
                                          "heure_supplementaires=Oui"};
    for (std::size_t c = domain::kNumericCount; c < out.size(); ++c) {
        const bool expected_hot =
            std::find(hot.begin(), hot.end(), spec.column_names[c]) != hot.end();
        EXPECT_EQ(out[c], expected_hot ? 1.0F : 0.0F) << spec.column_names[c];
    }

    e.categorical[0] = "M";
    e.categorical[5] = "Non";
    Encode(e, spec, out);
    EXPECT_EQ(out[ColumnIndex(spec, "genre=M")], 1.0F);
    EXPECT_EQ(out[ColumnIndex(spec, "heure_supplementaires=Oui")], 0.0F);
}

TEST(EncoderTest, UnknownValueGivesAnAllZeroGroup) {
    const EncodingSpec spec = Fit(SyntheticRows());
    domain::Employee e;
    e.categorical = {"F", "Married", "Sales", "Manager", "Marketing", "Yes"};
    std::vector<float> out(spec.ColumnCount(), -1.0F);
    Encode(e, spec, out);
    const std::size_t statut = spec.group_offsets[1];
    for (std::size_t c = statut; c < statut + 3; ++c) EXPECT_EQ(out[c], 0.0F);
    const std::size_t departement = spec.group_offsets[2];
    for (std::size_t c = departement; c < departement + 3; ++c) EXPECT_EQ(out[c], 0.0F);
    EXPECT_EQ(out[ColumnIndex(spec, "heure_supplementaires=Oui")], 0.0F);
    EXPECT_EQ(out[ColumnIndex(spec, "poste=Manager")], 1.0F);
}

TEST(EncoderTest, FitLearnsMediansAndModesAndImputes) {
    // Three rows: hand-checkable median and most frequent values.
    std::vector<domain::Employee> rows(4);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double ages[] = {50, 30, nan, 40};             // median of 30, 40, 50 is 40
    const double incomes[] = {1000, 4000, 3000, 2000};   // even count: (2000 + 3000) / 2
    const char* genres[] = {"M", "F", "M", "F"};         // tie: the smallest value, F
    const char* overtime[] = {"Oui", "Non", "Oui", ""};  // "" is missing: Oui twice
    for (std::size_t r = 0; r < rows.size(); ++r) {
        rows[r].numeric[0] = ages[r];
        rows[r].numeric[1] = incomes[r];
        rows[r].categorical = {genres[r], "Marié(e)", "Consulting",
                               "Manager", "Autre",    overtime[r]};
    }
    const EncodingSpec spec = Fit(rows);
    EXPECT_EQ(spec.numeric_medians[0], 40.0);
    EXPECT_EQ(spec.numeric_medians[1], 2500.0);
    EXPECT_EQ(spec.modes[0], "F");
    EXPECT_EQ(spec.modes[5], "Oui");
    EXPECT_EQ(spec.vocabulary[5], (std::vector<std::string>{"Non", "Oui"}));
    // Single-value groups stay one-hot (only a 2-value group is collapsed).
    EXPECT_EQ(spec.ColumnCount(), 18U + 1 + 1 + 1 + 1 + 1 + 1);

    std::vector<float> out(spec.ColumnCount());
    Encode(rows[2], spec, out);  // age missing
    EXPECT_EQ(out[0], 40.0F);
    Encode(rows[3], spec, out);  // overtime missing: the mode, Oui
    EXPECT_EQ(out[spec.group_offsets[5]], 1.0F);
}

TEST(EncoderTest, MakeEncodingSpecSortsTheVocabulary) {
    std::array<std::vector<std::string>, domain::kCategoricalCount> vocabulary = {{
        {"M", "F"},
        {"Marié(e)", "Célibataire", "Divorcé(e)"},
        {"Consulting", "Commercial"},
        {"Tech Lead", "Manager", "Consultant"},
        {"Autre"},
        {"Oui", "Non", "Oui"},
    }};
    const auto spec = MakeEncodingSpec(vocabulary, {},
                                       {"F", "Marié(e)", "Commercial", "Manager", "Autre", "Non"});
    EXPECT_EQ(spec.vocabulary[0], (std::vector<std::string>{"F", "M"}));
    EXPECT_EQ(spec.vocabulary[5], (std::vector<std::string>{"Non", "Oui"}));
    EXPECT_EQ(spec.column_names[18], "genre=M");
    EXPECT_EQ(spec.column_names[19], "statut_marital=Célibataire");
    EXPECT_EQ(spec.column_names.back(), "heure_supplementaires=Oui");
    EXPECT_EQ(spec.ColumnCount(), 18U + 1 + 3 + 1 + 3 + 1 + 1);
}

// An optional input: its columns follow the table's, it is learnt from the rows that give it,
// and a row without it is encoded with its most frequent value.
TEST(EncoderTest, OptionalInputsAreLearntEncodedAndImputed) {
    std::vector<domain::Employee> rows = SyntheticRows();
    const std::vector<std::string> travel[] = {{"Occasionnel"}, {"Frequent"}, {"Occasionnel"},
                                               {"Aucun"},       {},           {"Frequent"},
                                               {"Occasionnel"}};
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto& value = travel[r % std::size(travel)];
        if (!value.empty()) rows[r].optional.push_back({"frequence_deplacement", value[0]});
    }
    const std::vector<std::string> names{"frequence_deplacement"};
    const EncodingSpec without = Fit(rows);
    const EncodingSpec spec = Fit(rows, names);
    ASSERT_EQ(spec.optional.size(), 1U);
    const auto& group = spec.optional[0];
    EXPECT_EQ(group.vocabulary, (std::vector<std::string>{"Aucun", "Frequent", "Occasionnel"}));
    EXPECT_EQ(group.mode, "Occasionnel");
    EXPECT_EQ(group.offset, without.ColumnCount());
    ASSERT_EQ(spec.ColumnCount(), without.ColumnCount() + 3);
    EXPECT_EQ(spec.column_names[group.offset], "frequence_deplacement=Aucun");
    EXPECT_EQ(spec.column_names.back(), "frequence_deplacement=Occasionnel");

    domain::Employee employee = rows[0];
    employee.optional = {{"frequence_deplacement", "Frequent"}};
    std::vector<float> out(spec.ColumnCount());
    Encode(employee, spec, out);
    EXPECT_EQ(out[group.offset], 0.0F);
    EXPECT_EQ(out[group.offset + 1], 1.0F);
    EXPECT_EQ(out[group.offset + 2], 0.0F);
    // The table's columns are encoded as without the optional input.
    std::vector<float> table(without.ColumnCount());
    Encode(employee, without, table);
    EXPECT_TRUE(std::equal(table.begin(), table.end(), out.begin()));

    employee.optional.clear();  // absent: the mode, Occasionnel
    Encode(employee, spec, out);
    EXPECT_EQ(out[group.offset], 0.0F);
    EXPECT_EQ(out[group.offset + 1], 0.0F);
    EXPECT_EQ(out[group.offset + 2], 1.0F);
}

}  // namespace
}  // namespace attrition::model
