#include "domain/vocabulary.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/domain/fixtures.hpp"

namespace attrition::domain {
namespace {

using test_fixtures::SpecTrainingValues;
using test_fixtures::SpecVocabulary;

std::size_t Index(std::string_view name) { return CategoricalIndex(name).value(); }

std::optional<std::string> CanonicalOf(const Vocabulary& vocabulary,
                                       std::string_view field,
                                       std::string_view value) {
    const auto canonical = vocabulary.Canonical(Index(field), value);
    if (!canonical) return std::nullopt;
    return std::string(*canonical);
}

TEST(VocabularyTest, TrainingValuesMapToThemselves) {
    const auto vocabulary = SpecVocabulary();
    const auto training = SpecTrainingValues();
    for (std::size_t c = 0; c < kCategoricalCount; ++c) {
        ASSERT_EQ(vocabulary.Values(c).size(), training[c].size());
        for (const auto& value : training[c]) {
            EXPECT_EQ(vocabulary.Canonical(c, value), std::optional<std::string_view>(value));
        }
    }
}

TEST(VocabularyTest, EveryAliasOfTheTableMapsToItsCanonicalValue) {
    const auto vocabulary = SpecVocabulary();
    for (const auto& alias : CategoryAliases()) {
        EXPECT_EQ(CanonicalOf(vocabulary, alias.feature, alias.alias), std::string(alias.canonical))
            << alias.feature << " " << alias.alias;
    }
}

TEST(VocabularyTest, SpecExamplesOfTheFix) {
    const auto vocabulary = SpecVocabulary();
    EXPECT_EQ(CanonicalOf(vocabulary, "genre", "Male"), "M");
    EXPECT_EQ(CanonicalOf(vocabulary, "statut_marital", "Married"), "Marié(e)");
    EXPECT_EQ(CanonicalOf(vocabulary, "departement", "Sales"), "Commercial");
    EXPECT_EQ(CanonicalOf(vocabulary, "poste", "Sales Executive"), "Cadre Commercial");
    EXPECT_EQ(CanonicalOf(vocabulary, "domaine_etude", "Life Sciences"), "Infra & Cloud");
    EXPECT_EQ(CanonicalOf(vocabulary, "heure_supplementaires", "Yes"), "Oui");
    EXPECT_EQ(CanonicalOf(vocabulary, "heure_supplementaires", "No"), "Non");
    EXPECT_EQ(CanonicalOf(vocabulary, "departement", "Marketingz"), std::nullopt);
    EXPECT_EQ(CanonicalOf(vocabulary, "departement", "Marketing"), std::nullopt);
}

TEST(VocabularyTest, AsciiCaseInsensitiveMatchOfValuesAndAliases) {
    const auto vocabulary = SpecVocabulary();
    EXPECT_EQ(CanonicalOf(vocabulary, "genre", "male"), "M");
    EXPECT_EQ(CanonicalOf(vocabulary, "genre", "m"), "M");
    EXPECT_EQ(CanonicalOf(vocabulary, "heure_supplementaires", "OUI"), "Oui");
    EXPECT_EQ(CanonicalOf(vocabulary, "heure_supplementaires", "yes"), "Oui");
    EXPECT_EQ(CanonicalOf(vocabulary, "poste", "sales executive"), "Cadre Commercial");
    EXPECT_EQ(CanonicalOf(vocabulary, "statut_marital", "marié(e)"), "Marié(e)");
    // Only ASCII letters fold: É is not é.
    EXPECT_EQ(CanonicalOf(vocabulary, "statut_marital", "MARIÉ(E)"), std::nullopt);
}

TEST(VocabularyTest, NothingElseMatches) {
    const auto vocabulary = SpecVocabulary();
    EXPECT_EQ(CanonicalOf(vocabulary, "heure_supplementaires", " Oui"), std::nullopt);
    EXPECT_EQ(CanonicalOf(vocabulary, "heure_supplementaires", "Oui "), std::nullopt);
    EXPECT_EQ(CanonicalOf(vocabulary, "heure_supplementaires", ""), std::nullopt);
    EXPECT_EQ(CanonicalOf(vocabulary, "heure_supplementaires", "Ou"), std::nullopt);
    EXPECT_EQ(CanonicalOf(vocabulary, "genre", "Oui"), std::nullopt);  // another field's value
    EXPECT_EQ(vocabulary.Canonical(kCategoricalCount, "F"), std::nullopt);
}

TEST(VocabularyTest, AllowedValuesMessageListsValuesThenAliases) {
    const auto vocabulary = SpecVocabulary();
    EXPECT_EQ(vocabulary.AllowedValuesMessage(Index("genre")),
              "Input should be 'F' or 'M' (aliases accepted, case-insensitive: 'Male', "
              "'Female', 'Homme', 'Femme')");
    EXPECT_EQ(vocabulary.AllowedValuesMessage(Index("departement")),
              "Input should be 'Commercial', 'Consulting' or 'Ressources Humaines' (aliases "
              "accepted, case-insensitive: 'Sales', 'Research & Development', 'Human "
              "Resources')");
}

TEST(VocabularyTest, AliasEqualToItsValueIsNotListedTwice) {
    const auto vocabulary = SpecVocabulary();
    const auto spellings = vocabulary.AcceptedSpellings(Index("domaine_etude"));
    EXPECT_EQ(std::count(spellings.begin(), spellings.end(), "Marketing"), 1);
    EXPECT_EQ(spellings.size(), 6U + 5U);
    EXPECT_EQ(spellings.front(), "Autre");
    EXPECT_EQ(spellings.back(), "Human Resources");
    for (const auto& alias : vocabulary.Aliases(Index("domaine_etude"))) {
        EXPECT_NE(alias.spelling, "Marketing");
    }
}

TEST(VocabularyTest, MakeRejectsAnAliasWhoseCanonicalIsNotInTheVocabulary) {
    auto training = SpecTrainingValues();
    auto& domaine = training[Index("domaine_etude")];
    domaine.erase(std::find(domaine.begin(), domaine.end(), "Infra & Cloud"));
    const auto vocabulary = Vocabulary::Make(training);
    ASSERT_FALSE(vocabulary);
    EXPECT_EQ(vocabulary.error().code, base::ErrorCode::kInvalidConfig);
    EXPECT_NE(vocabulary.error().message.find("Infra & Cloud"), std::string::npos);
}

TEST(VocabularyTest, MakeRejectsEmptyRepeatedOrBlankValues) {
    auto empty = SpecTrainingValues();
    empty[Index("genre")].clear();
    EXPECT_FALSE(Vocabulary::Make(empty, {}));

    auto repeated = SpecTrainingValues();
    repeated[Index("genre")].push_back("F");
    EXPECT_FALSE(Vocabulary::Make(repeated, {}));

    auto blank = SpecTrainingValues();
    blank[Index("genre")].push_back("");
    EXPECT_FALSE(Vocabulary::Make(blank, {}));
}

TEST(VocabularyTest, MakeRejectsInconsistentAliases) {
    const std::vector<CategoryAlias> unknown_feature{{"pays", "France", "FR"}};
    EXPECT_FALSE(Vocabulary::Make(SpecTrainingValues(), unknown_feature));

    const std::vector<CategoryAlias> shadows_value{{"genre", "M", "F"}};
    EXPECT_FALSE(Vocabulary::Make(SpecTrainingValues(), shadows_value));

    const std::vector<CategoryAlias> two_values{{"genre", "X", "F"}, {"genre", "X", "M"}};
    EXPECT_FALSE(Vocabulary::Make(SpecTrainingValues(), two_values));

    const std::vector<CategoryAlias> repeated_same{{"genre", "X", "F"}, {"genre", "X", "F"}};
    const auto vocabulary = Vocabulary::Make(SpecTrainingValues(), repeated_same);
    ASSERT_TRUE(vocabulary);
    EXPECT_EQ(vocabulary->Aliases(Index("genre")).size(), 1U);
}

TEST(VocabularyTest, CaseInsensitiveMatchRefusesAmbiguousSpellings) {
    auto training = SpecTrainingValues();
    training[Index("genre")] = {"ab", "AB"};
    const auto vocabulary = Vocabulary::Make(training, {});
    ASSERT_TRUE(vocabulary);
    EXPECT_EQ(vocabulary->Canonical(Index("genre"), "ab"), std::optional<std::string_view>("ab"));
    EXPECT_EQ(vocabulary->Canonical(Index("genre"), "AB"), std::optional<std::string_view>("AB"));
    EXPECT_EQ(vocabulary->Canonical(Index("genre"), "Ab"), std::nullopt);
}

TEST(VocabularyTest, WithoutAliasesTheMessageListsValuesOnly) {
    const auto vocabulary = Vocabulary::Make(SpecTrainingValues(), {});
    ASSERT_TRUE(vocabulary);
    EXPECT_EQ(vocabulary->AllowedValuesMessage(Index("heure_supplementaires")),
              "Input should be 'Non' or 'Oui'");
    EXPECT_EQ(vocabulary->Canonical(Index("heure_supplementaires"), "Yes"), std::nullopt);
}

}  // namespace
}  // namespace attrition::domain
