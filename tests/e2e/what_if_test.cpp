// Black-box contract of POST /api/v1/what-if (issue 31): every proposal is exactly what
// /api/v1/predict answers for the employee changed as the proposal says; no proposal leaves the
// actions GET /api/v1/models/{version} publishes or touches another input; an employee not
// flagged, or out of reach, gets no proposal and a reason; bad query parameters, bodies and
// versions are refused as for predict.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "e2e/support/api_suite.hpp"
#include "e2e/support/employee_json.hpp"

namespace attrition::test::what_if_test {
namespace {

using nlohmann::json;

constexpr const char* kWhatIf = "/api/v1/what-if";

class WhatIfTest : public ApiSuite {
  protected:
    json WhatIf(const json& employee, const std::string& query = "") {
        const auto response = Post(kWhatIf + query, employee);
        EXPECT_EQ(response.status, 200) << response.body;
        return StrictJson(response);
    }
    // The actions of the default version, by input.
    std::map<std::string, json> Actions() {
        const auto models = StrictJson(Client().Get("/api/v1/models"));
        const auto version = models["default"].get<std::string>();
        const auto response = Client().Get("/api/v1/models/" + version);
        EXPECT_EQ(response.status, 200) << response.body;
        std::map<std::string, json> actions;
        const auto described = StrictJson(response);
        for (const auto& action : described["actions"]) {
            actions[action["input"].get<std::string>()] = action;
        }
        return actions;
    }
};

// Employees varied towards risk (overtime, low satisfaction, few trainings): most are flagged.
json Risky(int index) {
    auto employee = VariedEmployee(index);
    employee["heure_supplementaires"] = "Oui";
    employee["satisfaction_employee_environnement"] = 1 + index % 2;
    employee["satisfaction_employee_equilibre_pro_perso"] = 1 + index % 3;
    employee["nb_formations_suivies"] = index % 3;
    employee["annees_depuis_la_derniere_promotion"] = 2 + index % 7;
    return employee;
}

TEST_F(WhatIfTest, EveryProposalIsWhatPredictAnswersAndStaysWithinTheActions) {
    const auto actions = Actions();
    ASSERT_FALSE(actions.empty());
    for (const auto* immutable :
         {"age", "genre", "statut_marital", "niveau_education", "domaine_etude",
          "nombre_experiences_precedentes", "note_evaluation_precedente",
          "note_evaluation_actuelle", "departement", "poste", "distance_domicile_travail"}) {
        EXPECT_FALSE(actions.contains(immutable)) << immutable;
    }
    std::size_t flagged = 0;
    std::size_t proposals = 0;
    for (int i = 0; i < 16; ++i) {
        SCOPED_TRACE("employee " + std::to_string(i));
        const auto employee = Risky(i);
        const auto answer = WhatIf(employee, "?max_changes=3&proposals=5");
        const auto predicted = Predict(employee)["prediction"];
        EXPECT_EQ(answer["probability_leave"], predicted["probability_leave"]);
        EXPECT_EQ(answer["will_leave"], predicted["will_leave"]);
        EXPECT_EQ(answer["search"]["max_changes"], 3);
        EXPECT_TRUE(answer["note"].is_string());
        if (!answer["will_leave"].get<bool>()) {
            EXPECT_TRUE(answer["proposals"].empty());
            EXPECT_TRUE(answer["reason"].is_string());
            continue;
        }
        ++flagged;
        EXPECT_EQ(answer["reason"].is_null(), !answer["proposals"].empty()) << answer;
        EXPECT_LE(answer["proposals"].size(), 5U);
        for (const auto& proposal : answer["proposals"]) {
            ASSERT_GE(proposal["changes"].size(), 1U);
            ASSERT_LE(proposal["changes"].size(), 3U);
            auto changed = employee;
            for (const auto& change : proposal["changes"]) {
                const auto feature = change["feature"].get<std::string>();
                ASSERT_TRUE(actions.contains(feature)) << feature;
                const auto& action = actions.at(feature);
                EXPECT_EQ(changed[feature], change["from"]) << feature;
                EXPECT_EQ(change["goal"], action["goal"]);
                if (action["change"] == "towards") {
                    const auto& order = action["order"];
                    const auto at = [&order](const json& value) {
                        return std::find(order.begin(), order.end(), value) - order.begin();
                    };
                    EXPECT_LT(at(change["from"]), at(change["to"])) << feature;
                    EXPECT_LT(at(change["to"]), static_cast<long>(order.size())) << feature;
                } else {
                    const double from = change["from"].get<double>();
                    const double to = change["to"].get<double>();
                    const bool raise = action["change"] == "raise";
                    EXPECT_TRUE(raise ? to > from : to < from) << feature;
                    if (action.contains("max_step")) {
                        EXPECT_LE(std::abs(to - from), action["max_step"].get<double>());
                    }
                    if (action.contains("max_relative")) {
                        EXPECT_LE(std::abs(to - from),
                                  std::abs(from) * action["max_relative"].get<double>() + 1e-9);
                    }
                }
                changed[feature] = change["to"];
            }
            const auto rescored = Predict(changed)["prediction"];
            EXPECT_EQ(proposal["probability_leave"], rescored["probability_leave"]);
            EXPECT_EQ(proposal["will_leave"], rescored["will_leave"]);
            EXPECT_EQ(proposal["risk_level"], rescored["risk_level"]);
            EXPECT_FALSE(proposal["will_leave"].get<bool>());
            ++proposals;
        }
    }
    EXPECT_GE(flagged, 4U);
    EXPECT_GT(proposals, 0U);
}

TEST_F(WhatIfTest, AnEmployeeNotFlaggedGetsNoProposalAndTheReason) {
    for (int i = 0; i < 40; ++i) {
        auto employee = VariedEmployee(i);
        employee["heure_supplementaires"] = "Non";
        if (Predict(employee)["prediction"]["will_leave"].get<bool>()) continue;
        const auto answer = WhatIf(employee);
        EXPECT_TRUE(answer["proposals"].empty());
        ASSERT_TRUE(answer["reason"].is_string());
        EXPECT_NE(answer["reason"].get<std::string>().find("not flagged"), std::string::npos);
        EXPECT_EQ(answer["search"]["evaluated"], 0);
        return;
    }
    FAIL() << "no employee under the threshold among 40";
}

TEST_F(WhatIfTest, BadParametersBodiesAndVersionsAreRefusedAsForPredict) {
    const auto employee = Risky(1);
    for (const auto* query : {"?max_changes=0", "?max_changes=4", "?max_changes=two"}) {
        ExpectOneIssue(Post(std::string(kWhatIf) + query, employee), json{"query", "max_changes"},
                       "int_range");
    }
    ExpectOneIssue(Post(std::string(kWhatIf) + "?proposals=6", employee),
                   json{"query", "proposals"}, "int_range");
    auto invalid = employee;
    invalid["age"] = 15;
    const auto refused = Post(kWhatIf, invalid);
    ExpectOneIssue(refused, json{"body", "age"}, "greater_than_equal");
    EXPECT_FALSE(BodyContains(refused, "15,")) << "the submitted value is never echoed";
    const auto form = Client().Post(kWhatIf, "age=41", {{"Content-Type", "text/plain"}});
    EXPECT_EQ(form.status, 415) << form.body;
    const auto unknown = Post(std::string(kWhatIf) + "?model_version=no_such_version", employee);
    EXPECT_EQ(unknown.status, 404) << unknown.body;
    EXPECT_TRUE(StrictJson(unknown)["detail"].is_string());
}

TEST_F(WhatIfTest, AVersionIsDescribedAloneAsInTheList) {
    const auto models = StrictJson(Client().Get("/api/v1/models"));
    for (const auto& listed : models["models"]) {
        const auto name = listed["name"].get<std::string>();
        const auto response = Client().Get("/api/v1/models/" + name);
        ASSERT_EQ(response.status, 200) << name;
        EXPECT_EQ(StrictJson(response), listed) << name;
    }
    const auto missing = Client().Get("/api/v1/models/no_such_version");
    EXPECT_EQ(missing.status, 404);
    EXPECT_NE(StrictJson(missing)["detail"].get<std::string>().find("available"),
              std::string::npos);
}

}  // namespace
}  // namespace attrition::test::what_if_test
