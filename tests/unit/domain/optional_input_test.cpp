// Optional inputs a model declares (v2's frequence_deplacement): the vocabulary that knows them,
// the validator's rules (absent or null: absent; present: validated like the table's
// categoricals, aliases and case folded; a lenient one, known only to the shadow model, is
// dropped instead of reported) and the checks on a declaration.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/validation.hpp"
#include "domain/vocabulary.hpp"
#include "unit/domain/fixtures.hpp"

namespace attrition::domain {
namespace {

using test_fixtures::ExampleEmployee;
using test_fixtures::SpecTrainingValues;

constexpr std::string_view kTravel = "frequence_deplacement";

Vocabulary::OptionalInput Travel() {
    return {std::string(kTravel),
            {"Aucun", "Frequent", "Occasionnel"},
            {{"Non-Travel", "Aucun"},
             {"Travel_Rarely", "Occasionnel"},
             {"Travel_Frequently", "Frequent"}},
            false};
}

Vocabulary WithTravel() {
    return Vocabulary::Make(SpecTrainingValues(), CategoryAliases(), {Travel()}).value();
}

base::Result<Employee> Parse(const nlohmann::json& body, const Vocabulary& vocabulary) {
    JsonParser parser;
    return ParseEmployee(body.dump(), vocabulary, parser);
}

TEST(OptionalInputTest, TheVocabularyListsItAfterTheTableCategoricals) {
    const auto vocabulary = WithTravel();
    ASSERT_EQ(vocabulary.Count(), kCategoricalCount + 1);
    EXPECT_EQ(vocabulary.OptionalCount(), 1U);
    EXPECT_EQ(vocabulary.Name(kCategoricalCount), kTravel);
    EXPECT_EQ(vocabulary.Name(0), "genre");
    EXPECT_FALSE(vocabulary.IsLenient(kCategoricalCount));
    EXPECT_EQ(vocabulary.AcceptedSpellings(kCategoricalCount),
              (std::vector<std::string>{"Aucun", "Frequent", "Occasionnel", "Non-Travel",
                                        "Travel_Rarely", "Travel_Frequently"}));
}

TEST(OptionalInputTest, GivenValuesAndAliasesAreStoredCanonical) {
    const auto vocabulary = WithTravel();
    for (const auto& [sent, canonical] :
         std::vector<std::pair<std::string, std::string>>{{"Frequent", "Frequent"},
                                                          {"Travel_Rarely", "Occasionnel"},
                                                          {"non-travel", "Aucun"},
                                                          {"AUCUN", "Aucun"}}) {
        auto body = ExampleEmployee();
        body[std::string(kTravel)] = sent;
        const auto employee = Parse(body, vocabulary);
        ASSERT_TRUE(employee) << sent;
        ASSERT_NE(employee->Optional(kTravel), nullptr) << sent;
        EXPECT_EQ(*employee->Optional(kTravel), canonical) << sent;
        EXPECT_EQ(employee->optional.size(), 1U);
    }
}

TEST(OptionalInputTest, AbsentOrNullIsAbsent) {
    const auto vocabulary = WithTravel();
    const auto absent = Parse(ExampleEmployee(), vocabulary);
    ASSERT_TRUE(absent);
    EXPECT_TRUE(absent->optional.empty());
    auto body = ExampleEmployee();
    body[std::string(kTravel)] = nullptr;
    const auto null = Parse(body, vocabulary);
    ASSERT_TRUE(null);
    EXPECT_TRUE(null->optional.empty());
}

TEST(OptionalInputTest, AWrongValueIsA422IssueNamingTheFieldNotTheValue) {
    const auto vocabulary = WithTravel();
    auto body = ExampleEmployee();
    body[std::string(kTravel)] = "Sometimes-secret";
    const auto wrong = Parse(body, vocabulary);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, base::ErrorCode::kInvalidInput);
    ASSERT_EQ(wrong.error().issues.size(), 1U);
    const auto& issue = wrong.error().issues[0];
    EXPECT_EQ(issue.loc, (std::vector<std::string>{"body", std::string(kTravel)}));
    EXPECT_EQ(issue.type, "enum");
    EXPECT_EQ(issue.msg,
              "Input should be 'Aucun', 'Frequent' or 'Occasionnel' (aliases accepted, "
              "case-insensitive: 'Non-Travel', 'Travel_Rarely', 'Travel_Frequently')");
    EXPECT_EQ(issue.msg.find("secret"), std::string::npos);

    body[std::string(kTravel)] = 2;
    const auto number = Parse(body, vocabulary);
    ASSERT_FALSE(number);
    ASSERT_EQ(number.error().issues.size(), 1U);
    EXPECT_EQ(number.error().issues[0].type, "string_type");
}

TEST(OptionalInputTest, AModelWithoutItIgnoresTheField) {
    const auto v1 = Vocabulary::Make(SpecTrainingValues()).value();
    auto body = ExampleEmployee();
    body[std::string(kTravel)] = "not even valid";
    const auto employee = Parse(body, v1);
    ASSERT_TRUE(employee);
    EXPECT_TRUE(employee->optional.empty());
}

TEST(OptionalInputTest, ALenientInputIsKeptWhenValidAndDroppedOtherwise) {
    const auto v1 = Vocabulary::Make(SpecTrainingValues()).value();
    const auto reader = v1.WithLenientInputs(WithTravel());
    ASSERT_EQ(reader.Count(), kCategoricalCount + 1);
    EXPECT_TRUE(reader.IsLenient(kCategoricalCount));
    // The vocabulary merged into is left as it was.
    EXPECT_EQ(v1.Count(), kCategoricalCount);

    auto body = ExampleEmployee();
    body[std::string(kTravel)] = "Travel_Frequently";
    const auto valid = Parse(body, reader);
    ASSERT_TRUE(valid);
    ASSERT_NE(valid->Optional(kTravel), nullptr);
    EXPECT_EQ(*valid->Optional(kTravel), "Frequent");

    for (const nlohmann::json& wrong : {nlohmann::json("nope"), nlohmann::json(3)}) {
        body[std::string(kTravel)] = wrong;
        const auto dropped = Parse(body, reader);
        ASSERT_TRUE(dropped) << wrong;
        EXPECT_TRUE(dropped->optional.empty()) << wrong;
    }
}

TEST(OptionalInputTest, MergingKeepsAStrictInputStrict) {
    const auto v2 = WithTravel();
    const auto merged = v2.WithLenientInputs(WithTravel());
    EXPECT_EQ(merged.Count(), v2.Count());
    EXPECT_FALSE(merged.IsLenient(kCategoricalCount));
}

TEST(OptionalInputTest, BatchRowsCarryTheirOwnOptionalValues) {
    const auto vocabulary = WithTravel();
    auto first = ExampleEmployee();
    first["employee_id"] = "E1";
    first[std::string(kTravel)] = "Frequent";
    auto second = ExampleEmployee();
    second["employee_id"] = "E2";
    JsonParser parser;
    const nlohmann::json batch{{"employees", {first, second}}};
    const auto employees = ParseBatch(batch.dump(), vocabulary, 10, parser);
    ASSERT_TRUE(employees);
    ASSERT_EQ(employees->size(), 2U);
    ASSERT_NE((*employees)[0].Optional(kTravel), nullptr);
    EXPECT_EQ(*(*employees)[0].Optional(kTravel), "Frequent");
    EXPECT_EQ((*employees)[1].Optional(kTravel), nullptr);
}

TEST(OptionalInputTest, DeclarationsAreChecked) {
    const auto refused = [](Vocabulary::OptionalInput input) {
        const auto made = Vocabulary::Make(SpecTrainingValues(), CategoryAliases(), {input});
        return !made && made.error().code == base::ErrorCode::kInvalidConfig;
    };
    auto named_like_a_field = Travel();
    named_like_a_field.name = "genre";
    EXPECT_TRUE(refused(named_like_a_field));
    auto named_like_the_id = Travel();
    named_like_the_id.name = "employee_id";
    EXPECT_TRUE(refused(named_like_the_id));
    auto unnamed = Travel();
    unnamed.name.clear();
    EXPECT_TRUE(refused(unnamed));
    auto no_values = Travel();
    no_values.values.clear();
    no_values.aliases.clear();
    EXPECT_TRUE(refused(no_values));
    auto alias_outside = Travel();
    alias_outside.aliases.emplace_back("Always", "Toujours");
    EXPECT_TRUE(refused(alias_outside));
    EXPECT_FALSE(refused(Travel()));

    const auto twice =
        Vocabulary::Make(SpecTrainingValues(), CategoryAliases(), {Travel(), Travel()});
    EXPECT_FALSE(twice);
    std::vector<Vocabulary::OptionalInput> too_many;
    for (std::size_t i = 0; i <= kMaxOptionalInputs; ++i) {
        auto input = Travel();
        input.name += std::to_string(i);
        too_many.push_back(input);
    }
    EXPECT_FALSE(Vocabulary::Make(SpecTrainingValues(), CategoryAliases(), too_many));
}

}  // namespace
}  // namespace attrition::domain
