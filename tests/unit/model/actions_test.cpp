// The what-if action space: the defaults follow what the version has, the JSON form reads back
// to what was written, and a configuration is refused, naming the entry and the rule, when it
// names an immutable or unknown input, one twice, or a change that does not fit the input.
#include "model/actions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "model/encoder.hpp"

namespace attrition::model {
namespace {

// An encoding with the table's fields and, when asked, the optional travel input.
EncodingSpec Encoding(bool travel) {
    std::array<std::vector<std::string>, domain::kCategoricalCount> vocabulary{{
        {"F", "M"},
        {"Célibataire", "Marié(e)"},
        {"Commercial", "Consulting"},
        {"Consultant", "Manager"},
        {"Autre", "Marketing"},
        {"Non", "Oui"},
    }};
    std::vector<OptionalGroup> optional;
    if (travel)
        optional.push_back(
            {"frequence_deplacement", {"Aucun", "Frequent", "Occasionnel"}, "Occasionnel", 0});
    return MakeEncodingSpec(vocabulary, {},
                            {"F", "Marié(e)", "Commercial", "Consultant", "Autre", "Non"},
                            std::move(optional));
}

bool Names(const ActionSpace& actions, std::string_view input) {
    return std::any_of(actions.inputs.begin(), actions.inputs.end(),
                       [input](const InputAction& action) { return action.input == input; });
}

TEST(ActionsTest, DefaultsTakeTravelOnlyWhereTheVersionHasIt) {
    const auto without = DefaultActions(Encoding(false));
    const auto with = DefaultActions(Encoding(true));
    EXPECT_FALSE(Names(without, "frequence_deplacement"));
    ASSERT_TRUE(Names(with, "frequence_deplacement"));
    EXPECT_EQ(with.inputs.back().order,
              (std::vector<std::string>{"Frequent", "Occasionnel", "Aucun"}));
    for (const auto* input :
         {"heure_supplementaires", "revenu_mensuel", "annees_depuis_la_derniere_promotion",
          "nb_formations_suivies", "satisfaction_employee_equipe"}) {
        EXPECT_TRUE(Names(without, input)) << input;
    }
    EXPECT_TRUE(CheckActions(without, Encoding(false)));
    EXPECT_TRUE(CheckActions(with, Encoding(true)));
    // The defaults hold nothing immutable.
    for (const auto& action : with.inputs) {
        const auto immutable = ImmutableInputs();
        EXPECT_EQ(std::find(immutable.begin(), immutable.end(), action.input), immutable.end());
    }
}

TEST(ActionsTest, TheJsonFormReadsBackToWhatWasWritten) {
    const auto actions = DefaultActions(Encoding(true));
    const auto json = ActionsToJson(actions);
    EXPECT_EQ(json.at("schema"), kActionsSchema);
    const auto read = ActionsFromJson(json);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(ActionsToJson(*read), json);
}

TEST(ActionsTest, AConfigurationThatBreaksARuleIsRefusedNamingIt) {
    const auto encoding = Encoding(true);
    const auto refused = [&encoding](InputAction action, std::string_view expected) {
        ActionSpace actions{{std::move(action)}};
        const auto checked = CheckActions(actions, encoding);
        ASSERT_FALSE(checked) << expected;
        EXPECT_EQ(checked.error().code, base::ErrorCode::kInvalidConfig);
        EXPECT_NE(checked.error().message.find(expected), std::string::npos)
            << checked.error().message;
    };
    refused({.input = "age", .change = InputAction::Change::kLower}, "not something HR can change");
    refused({.input = "poste",
             .change = InputAction::Change::kTowards,
             .order = {"Consultant", "Manager"}},
            "not something HR can change");
    refused({.input = "prime", .change = InputAction::Change::kRaise},
            "not an input of this model");
    refused({.input = "revenu_mensuel", .change = InputAction::Change::kTowards},
            "changes by raise or lower");
    refused({.input = "revenu_mensuel", .change = InputAction::Change::kRaise, .max_step = -1},
            "must be positive");
    refused({.input = "heure_supplementaires", .change = InputAction::Change::kRaise},
            "changes towards an order");
    refused({.input = "heure_supplementaires",
             .change = InputAction::Change::kTowards,
             .order = {"Oui", "Peut-être"}},
            "a value the model does not know");
    refused({.input = "heure_supplementaires",
             .change = InputAction::Change::kTowards,
             .order = {"Oui"}},
            "at least two values");

    ActionSpace twice{{{.input = "revenu_mensuel", .max_relative = 0.1},
                       {.input = "revenu_mensuel", .max_relative = 0.2}}};
    const auto checked = CheckActions(twice, encoding);
    ASSERT_FALSE(checked);
    EXPECT_NE(checked.error().message.find("inputs[1]: revenu_mensuel is named twice"),
              std::string::npos);

    for (
        const auto* text :
        {R"({"schema": 2, "inputs": []})", R"({"schema": 1})",
         R"({"schema": 1, "inputs": [{"input": "revenu_mensuel", "change": "double"}]})",
         R"({"schema": 1, "inputs": [{"input": "revenu_mensuel", "change": "raise", "cap": 1}]})"}) {
        const auto read = ActionsFromJson(nlohmann::ordered_json::parse(text));
        EXPECT_FALSE(read) << text;
        if (!read) {
            EXPECT_EQ(read.error().code, base::ErrorCode::kInvalidConfig);
        }
    }
}

}  // namespace
}  // namespace attrition::model
