// Black-box contract tests, issue 4: input validation of one employee (SPEC §1). For each of the
// 24 fields: missing, out of range on both sides, wrong type → 422 at ["body", field], and the
// submitted value never in the reply. Categorical aliases score exactly like their training
// values; unknown categories are refused with the allowed values.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "e2e/support/api_suite.hpp"
#include "e2e/support/employee_json.hpp"

namespace attrition::test::api_validation_test {
namespace {

using nlohmann::json;

constexpr const char* kPredict = "/api/v1/predict";
constexpr const char* kCanary = "Zq-canary-7731";

// A distinctive number (no digit pattern a message could contain by chance) below or above.
constexpr double kFarBelowOffset = 987654;
constexpr double kFarAboveOffset = 1234567;

std::string NumberText(double value) {
    std::ostringstream out;
    out << static_cast<long long>(value);
    return out.str();
}

class ApiValidationTest : public ApiSuite {
  protected:
    // POST the sample with `field` set to `value` (or removed when value is discarded).
    HttpResponse PostWith(const std::string& field, const json& value) {
        auto employee = SampleEmployee();
        if (value.is_discarded()) {
            employee.erase(field);
        } else {
            employee[field] = value;
        }
        return Post(kPredict, employee);
    }
    // Asserts one issue at ["body", field] of the given type, without the echoed text.
    void ExpectRejected(const std::string& field,
                        const json& value,
                        const std::string& type,
                        const std::string& never_echoed = "") {
        SCOPED_TRACE(field + " = " + value.dump());
        const auto response = PostWith(field, value);
        ExpectOneIssue(response, json{"body", field}, type);
        if (!never_echoed.empty()) {
            EXPECT_FALSE(BodyContains(response, never_echoed)) << response.body;
        }
    }
};

TEST_F(ApiValidationTest, EveryFieldIsRequired) {
    for (const auto& field : AllFieldNames()) {
        ExpectRejected(field, json(json::value_t::discarded), "missing");
    }
    // All at once: one issue per field.
    const auto response = Post(kPredict, json::object());
    ASSERT_EQ(response.status, 422);
    const auto detail = StrictJson(response)["detail"];
    std::vector<std::string> fields;
    for (const auto& issue : detail) {
        EXPECT_EQ(issue["type"], "missing");
        fields.push_back(issue["loc"][1]);
    }
    EXPECT_EQ(fields, AllFieldNames());
}

TEST_F(ApiValidationTest, NumericFieldsRefuseValuesOutsideTheirRangeOnBothSides) {
    for (const auto& rule : NumericFieldRules()) {
        const double min = *rule.minimum;
        const std::string below_type =
            rule.exclusive_minimum ? "greater_than" : "greater_than_equal";
        // At the bound (or just past it for an exclusive one): accepted.
        const double lowest = rule.exclusive_minimum ? min + 0.01 : min;
        EXPECT_EQ(PostWith(rule.name, lowest).status, 200) << rule.name << " = " << lowest;
        ExpectRejected(rule.name, rule.exclusive_minimum ? min : min - 1, below_type);
        ExpectRejected(rule.name, min - kFarBelowOffset, below_type,
                       NumberText(min - kFarBelowOffset));
        if (rule.maximum) {
            EXPECT_EQ(PostWith(rule.name, *rule.maximum).status, 200) << rule.name;
            ExpectRejected(rule.name, *rule.maximum + 1, "less_than_equal");
            ExpectRejected(rule.name, *rule.maximum + kFarAboveOffset, "less_than_equal",
                           NumberText(*rule.maximum + kFarAboveOffset));
        } else if (rule.integer) {
            // Unbounded integers still stop where a double stops being exact (2^53 - 1).
            EXPECT_EQ(PostWith(rule.name, 9007199254740991LL).status, 200) << rule.name;
            ExpectRejected(rule.name, 9007199254740993LL, "less_than_equal", "9007199254740993");
        } else {
            EXPECT_EQ(PostWith(rule.name, 1e12).status, 200) << rule.name;
        }
    }
}

TEST_F(ApiValidationTest, NumericFieldsRefuseWrongTypes) {
    for (const auto& rule : NumericFieldRules()) {
        const std::string type = rule.integer ? "int_type" : "float_type";
        ExpectRejected(rule.name, kCanary, type, kCanary);
        ExpectRejected(rule.name, "35", type);
        ExpectRejected(rule.name, true, type);
        ExpectRejected(rule.name, nullptr, type);
        ExpectRejected(rule.name, json::array({3}), type);
        ExpectRejected(rule.name, json{{"value", 3}}, type);
        if (rule.integer) {
            ExpectRejected(rule.name, *rule.minimum + 1.5, "int_from_float");
            // An integral float is an integer.
            EXPECT_EQ(PostWith(rule.name, *rule.minimum + 1.0).status, 200) << rule.name;
        } else {
            EXPECT_EQ(PostWith(rule.name, 5993.75).status, 200) << rule.name;
        }
    }
}

TEST_F(ApiValidationTest, CategoricalFieldsRefuseWrongTypesAndUnknownValues) {
    for (const auto& rule : CategoricalFieldRules()) {
        ExpectRejected(rule.name, 7, "string_type");
        ExpectRejected(rule.name, nullptr, "string_type");
        ExpectRejected(rule.name, json::array({rule.values[0]}), "string_type");
        ExpectRejected(rule.name, "", "enum");
        const auto response = PostWith(rule.name, kCanary);
        const auto issue = ExpectOneIssue(response, json{"body", rule.name}, "enum");
        EXPECT_FALSE(BodyContains(response, kCanary)) << response.body;
        for (const auto& value : rule.values) {
            EXPECT_NE(issue["msg"].get<std::string>().find("'" + value + "'"), std::string::npos)
                << rule.name << " should list " << value << ": " << issue["msg"];
        }
    }
    // The original scored these like known values; they are refused now.
    ExpectRejected("departement", "Marketingz", "enum", "Marketingz");
    ExpectRejected("heure_supplementaires", "Maybe", "enum", "Maybe");
}

TEST_F(ApiValidationTest, EveryTrainingValueIsAccepted) {
    for (const auto& rule : CategoricalFieldRules()) {
        for (const auto& value : rule.values) {
            EXPECT_EQ(PostWith(rule.name, value).status, 200) << rule.name << " = " << value;
        }
    }
}

class ApiAliasTest : public ApiValidationTest {
  protected:
    // The prediction part of /predict and the per-column SHAP values of /explain: equal for two
    // inputs exactly when the model saw the same encoded row.
    json Scoring(const json& employee) {
        json scoring;
        scoring["prediction"] = Predict(employee)["prediction"];
        scoring["columns"] = Explain(employee, "/api/v1/explain?detail=columns")["columns"];
        return scoring;
    }
};

TEST_F(ApiAliasTest, EnglishValuesScoreExactlyLikeTheirTrainingValues) {
    auto french = SampleEmployee();
    french["genre"] = "M";
    french["statut_marital"] = "Marié(e)";
    auto english = french;
    english["genre"] = "Male";
    english["statut_marital"] = "Married";
    english["departement"] = "Sales";
    english["poste"] = "Sales Executive";
    english["domaine_etude"] = "Life Sciences";
    english["heure_supplementaires"] = "Yes";
    EXPECT_EQ(Scoring(english), Scoring(french));
    // ASCII case does not matter.
    english["genre"] = "MALE";
    english["heure_supplementaires"] = "yes";
    EXPECT_EQ(Scoring(english), Scoring(french));
}

TEST_F(ApiAliasTest, OvertimeChangesTheScore) {
    // The original scored every request as "Non" because it only knew Yes/No.
    auto overtime = SampleEmployee();
    overtime["heure_supplementaires"] = "Oui";
    auto none = overtime;
    none["heure_supplementaires"] = "Non";
    const double with = Predict(overtime)["prediction"]["probability_leave"];
    const double without = Predict(none)["prediction"]["probability_leave"];
    EXPECT_GT(with, without);
    none["heure_supplementaires"] = "No";
    EXPECT_EQ(Predict(none)["prediction"]["probability_leave"].get<double>(), without);
}

TEST_F(ApiAliasTest, EveryAliasOfTheSharedTableScoresLikeItsTrainingValue) {
    const std::string path = SourceDir() + "/../shared/data/category_aliases.csv";
    std::ifstream csv(path);
    if (!csv) GTEST_SKIP() << path << " is absent";
    std::string line;
    std::getline(csv, line);  // feature,alias,canonical
    int aliases = 0;
    while (std::getline(csv, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const auto first = line.find(',');
        const auto last = line.rfind(',');
        ASSERT_NE(first, last) << line;
        const std::string feature = line.substr(0, first);
        const std::string alias = line.substr(first + 1, last - first - 1);
        const std::string canonical = line.substr(last + 1);
        auto with_alias = SampleEmployee();
        with_alias[feature] = alias;
        auto with_canonical = SampleEmployee();
        with_canonical[feature] = canonical;
        EXPECT_EQ(Scoring(with_alias), Scoring(with_canonical)) << line;
        ++aliases;
    }
    EXPECT_GT(aliases, 20);
}

TEST_F(ApiValidationTest, BodiesThatAreNotOneEmployeeObjectAre422) {
    const auto send = [this](const std::string& body) { return Client().Post(kPredict, body); };
    ExpectOneIssue(send(""), json{"body"}, "missing");
    ExpectOneIssue(send("{"), json{"body"}, "json_invalid");
    ExpectOneIssue(send("{\"age\": 41,}"), json{"body"}, "json_invalid");
    ExpectOneIssue(send("{\"age\": NaN}"), json{"body"}, "json_invalid");
    ExpectOneIssue(send("{\"age\": 1e400}"), json{"body"}, "json_invalid");
    for (const char* body : {"[]", "42", "null", "\"employee\"", "true"}) {
        ExpectOneIssue(send(body), json{"body"}, "model_attributes_type");
    }
    // Extra fields are ignored, as FastAPI does; employee_id is optional on one employee.
    auto employee = SampleEmployee();
    employee["not_a_field"] = "ignored";
    employee["employee_id"] = "E42";
    EXPECT_EQ(Post(kPredict, employee).status, 200);
    employee["employee_id"] = "";
    ExpectOneIssue(Post(kPredict, employee), json{"body", "employee_id"}, "string_too_short");
}

}  // namespace
}  // namespace attrition::test::api_validation_test
