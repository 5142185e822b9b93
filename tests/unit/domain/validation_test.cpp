#include "domain/validation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "unit/domain/fixtures.hpp"

namespace attrition::domain {
namespace {

using Json = nlohmann::json;
using Loc = std::vector<std::string>;

class ValidationTest : public ::testing::Test {
  protected:
    base::Result<Employee> Parse(const Json& body) { return ParseText(body.dump()); }
    base::Result<Employee> ParseText(std::string_view body) {
        return ParseEmployee(body, vocabulary_, parser_);
    }

    // The result must fail with exactly one issue at `loc` of `type`; returns its message.
    static std::string OneIssue(const base::Result<Employee>& result,
                                const Loc& loc,
                                std::string_view type) {
        EXPECT_FALSE(result.has_value());
        if (result.has_value()) return {};
        const auto& issues = result.error().issues;
        EXPECT_EQ(issues.size(), 1U);
        if (issues.size() != 1) return {};
        EXPECT_EQ(issues[0].loc, loc);
        EXPECT_EQ(issues[0].type, type);
        return issues[0].msg;
    }

    Vocabulary vocabulary_ = test_fixtures::SpecVocabulary();
    JsonParser parser_;
};

Loc Body(std::string_view field) { return {"body", std::string(field)}; }

std::string Bound(double bound) { return std::to_string(static_cast<long long>(bound)); }

TEST_F(ValidationTest, ExampleEmployeeIsValid) {
    const auto employee = Parse(test_fixtures::ExampleEmployee());
    ASSERT_TRUE(employee) << employee.error().message;
    for (std::size_t i = 0; i < kNumericCount; ++i) {
        EXPECT_EQ(employee->numeric[i], NumericFields()[i].example) << NumericFields()[i].name;
    }
    for (std::size_t c = 0; c < kCategoricalCount; ++c) {
        EXPECT_EQ(employee->categorical[c], CategoricalFields()[c].categorical_example);
    }
    EXPECT_FALSE(employee->employee_id.has_value());
}

TEST_F(ValidationTest, EveryNumericFieldMissingOrOfTheWrongType) {
    for (const auto& field : NumericFields()) {
        SCOPED_TRACE(field.name);
        const std::string name(field.name);
        const bool integer = field.kind == FieldKind::kInteger;
        const std::string type = integer ? "int_type" : "float_type";
        const std::string msg =
            integer ? "Input should be a valid integer" : "Input should be a valid number";

        auto body = test_fixtures::ExampleEmployee();
        body.erase(name);
        EXPECT_EQ(OneIssue(Parse(body), Body(name), "missing"), "Field required");

        for (const Json& wrong : {Json("35"), Json(true), Json(false), Json(nullptr),
                                  Json::array({35}), Json::object({{"v", 35}})}) {
            SCOPED_TRACE(wrong.dump());
            body = test_fixtures::ExampleEmployee();
            body[name] = wrong;
            EXPECT_EQ(OneIssue(Parse(body), Body(name), type), msg);
        }
    }
}

TEST_F(ValidationTest, IntegerFieldsTakeIntegralFloatsButNotFractions) {
    for (const auto& field : NumericFields()) {
        if (field.kind != FieldKind::kInteger) continue;
        SCOPED_TRACE(field.name);
        const std::string name(field.name);
        auto body = test_fixtures::ExampleEmployee();
        body[name] = field.example + 0.0;  // dumped as e.g. 41.0
        ASSERT_NE(body.dump().find(".0"), std::string::npos);
        const auto accepted = Parse(body);
        ASSERT_TRUE(accepted);
        EXPECT_EQ(accepted->numeric[NumericIndex(name).value()], field.example);

        body[name] = field.example + 0.5;
        EXPECT_EQ(OneIssue(Parse(body), Body(name), "int_from_float"),
                  "Input should be a valid integer, got a number with a fractional part");
    }
}

TEST_F(ValidationTest, NumberFieldTakesIntegersAndFractions) {
    auto body = test_fixtures::ExampleEmployee();
    body["revenu_mensuel"] = 5993.75;
    auto employee = Parse(body);
    ASSERT_TRUE(employee);
    EXPECT_EQ(employee->numeric[NumericIndex("revenu_mensuel").value()], 5993.75);
    body["revenu_mensuel"] = 1e300;
    employee = Parse(body);
    ASSERT_TRUE(employee);
    EXPECT_EQ(employee->numeric[NumericIndex("revenu_mensuel").value()], 1e300);
}

TEST_F(ValidationTest, EveryNumericFieldOutOfRangeOnBothSidesAndBoundsAccepted) {
    for (const auto& field : NumericFields()) {
        SCOPED_TRACE(field.name);
        const std::string name(field.name);
        const auto index = NumericIndex(name).value();
        auto body = test_fixtures::ExampleEmployee();
        ASSERT_TRUE(field.minimum.has_value());

        if (field.exclusive_minimum) {
            body[name] = *field.minimum;
            EXPECT_EQ(OneIssue(Parse(body), Body(name), "greater_than"),
                      "Input should be greater than " + Bound(*field.minimum));
            body[name] = *field.minimum - 1;
            EXPECT_EQ(OneIssue(Parse(body), Body(name), "greater_than"),
                      "Input should be greater than " + Bound(*field.minimum));
            body[name] = *field.minimum + 0.01;
            ASSERT_TRUE(Parse(body));
        } else {
            body[name] = static_cast<long long>(*field.minimum) - 1;
            EXPECT_EQ(OneIssue(Parse(body), Body(name), "greater_than_equal"),
                      "Input should be greater than or equal to " + Bound(*field.minimum));
            body[name] = static_cast<long long>(*field.minimum);
            const auto at_minimum = Parse(body);
            ASSERT_TRUE(at_minimum);
            EXPECT_EQ(at_minimum->numeric[index], *field.minimum);
        }

        if (field.maximum) {
            body[name] = static_cast<long long>(*field.maximum) + 1;
            EXPECT_EQ(OneIssue(Parse(body), Body(name), "less_than_equal"),
                      "Input should be less than or equal to " + Bound(*field.maximum));
            body[name] = static_cast<long long>(*field.maximum);
            const auto at_maximum = Parse(body);
            ASSERT_TRUE(at_maximum);
            EXPECT_EQ(at_maximum->numeric[index], *field.maximum);
        } else if (field.kind == FieldKind::kInteger) {
            // Unbounded integer fields stop where a double stops holding integers exactly.
            body[name] = 9007199254740991LL;
            ASSERT_TRUE(Parse(body));
            body[name] = 9007199254740992LL;
            EXPECT_EQ(OneIssue(Parse(body), Body(name), "less_than_equal"),
                      "Input should be less than or equal to 9007199254740991");
        }
    }
}

TEST_F(ValidationTest, HugeNumbersAreRejectedCleanly) {
    const std::string example = test_fixtures::ExampleEmployee().dump();
    const auto with_age = [&](std::string_view literal) {
        return "{\"age\":" + std::string(literal) + "," + example.substr(1);
    };
    // Beyond what simdjson represents: the body is not usable JSON.
    for (const char* literal :
         {"1e400", "-1e400", "99999999999999999999", "-9223372036854775809"}) {
        SCOPED_TRACE(literal);
        const auto message = OneIssue(ParseText(with_age(literal)), {"body"}, "json_invalid");
        EXPECT_NE(message.find("number"), std::string::npos);
    }
    // Representable but huge: a range error at the field (the duplicate key comes last).
    const auto at_end = [&](std::string_view field, std::string_view literal) {
        return example.substr(0, example.size() - 1) + ",\"" + std::string(field) +
               "\":" + std::string(literal) + "}";
    };
    EXPECT_EQ(
        OneIssue(ParseText(at_end("age", "9223372036854775808")), Body("age"), "less_than_equal"),
        "Input should be less than or equal to 70");
    EXPECT_EQ(
        OneIssue(ParseText(at_end("age", "18446744073709551615")), Body("age"), "less_than_equal"),
        "Input should be less than or equal to 70");
    EXPECT_EQ(OneIssue(ParseText(at_end("age", "-9223372036854775808")), Body("age"),
                       "greater_than_equal"),
              "Input should be greater than or equal to 18");
    EXPECT_EQ(OneIssue(ParseText(at_end("nombre_participation_pee", "1e30")),
                       Body("nombre_participation_pee"), "less_than_equal"),
              "Input should be less than or equal to 9007199254740991");
    EXPECT_EQ(OneIssue(ParseText(at_end("age", "1e-300")), Body("age"), "int_from_float"),
              "Input should be a valid integer, got a number with a fractional part");
}

TEST_F(ValidationTest, NegativeZeroIsZero) {
    auto body = test_fixtures::ExampleEmployee().dump();
    body = body.substr(0, body.size() - 1) + ",\"nombre_participation_pee\":-0.0}";
    const auto employee = ParseText(body);
    ASSERT_TRUE(employee);
    const double value = employee->numeric[NumericIndex("nombre_participation_pee").value()];
    EXPECT_EQ(value, 0.0);
    EXPECT_FALSE(std::signbit(value));
}

TEST_F(ValidationTest, EveryCategoricalFieldMissingWrongTypeOrUnknown) {
    for (std::size_t c = 0; c < kCategoricalCount; ++c) {
        const std::string name(CategoricalFields()[c].name);
        SCOPED_TRACE(name);
        auto body = test_fixtures::ExampleEmployee();
        body.erase(name);
        EXPECT_EQ(OneIssue(Parse(body), Body(name), "missing"), "Field required");

        for (const Json& wrong :
             {Json(1), Json(1.5), Json(true), Json(nullptr), Json::array({"Oui"})}) {
            SCOPED_TRACE(wrong.dump());
            body = test_fixtures::ExampleEmployee();
            body[name] = wrong;
            EXPECT_EQ(OneIssue(Parse(body), Body(name), "string_type"),
                      "Input should be a valid string");
        }
        for (const char* unknown : {"Marketingz", "", " ", "Oui Oui"}) {
            body = test_fixtures::ExampleEmployee();
            body[name] = unknown;
            EXPECT_EQ(OneIssue(Parse(body), Body(name), "enum"),
                      vocabulary_.AllowedValuesMessage(c));
        }
    }
}

TEST_F(ValidationTest, UnknownDepartmentListsTheAllowedValues) {
    auto body = test_fixtures::ExampleEmployee();
    body["departement"] = "Marketingz";
    EXPECT_EQ(OneIssue(Parse(body), Body("departement"), "enum"),
              "Input should be 'Commercial', 'Consulting' or 'Ressources Humaines' (aliases "
              "accepted, case-insensitive: 'Sales', 'Research & Development', 'Human "
              "Resources')");
}

TEST_F(ValidationTest, AliasesAndTrainingSpellingsBecomeCanonicalValues) {
    const std::vector<std::array<std::string, 3>> cases{
        {"genre", "Male", "M"},
        {"genre", "female", "F"},
        {"statut_marital", "Married", "Marié(e)"},
        {"statut_marital", "Marié(e)", "Marié(e)"},
        {"statut_marital", "Divorcé(e)", "Divorcé(e)"},
        {"departement", "Sales", "Commercial"},
        {"poste", "Sales Executive", "Cadre Commercial"},
        {"domaine_etude", "Life Sciences", "Infra & Cloud"},
        {"heure_supplementaires", "Yes", "Oui"},
        {"heure_supplementaires", "Oui", "Oui"},
        {"heure_supplementaires", "Non", "Non"},
        {"heure_supplementaires", "no", "Non"},
    };
    for (const auto& [field, sent, canonical] : cases) {
        SCOPED_TRACE(field + "=" + sent);
        auto body = test_fixtures::ExampleEmployee();
        body[field] = sent;
        const auto employee = Parse(body);
        ASSERT_TRUE(employee);
        EXPECT_EQ(employee->categorical[CategoricalIndex(field).value()], canonical);
    }
}

TEST_F(ValidationTest, EscapedUnicodeIsDecodedBeforeMatching) {
    auto body = test_fixtures::ExampleEmployee().dump();
    body = body.substr(0, body.size() - 1) + R"json(,"statut_marital":"Mari\u00e9(e)"})json";
    const auto employee = ParseText(body);
    ASSERT_TRUE(employee);
    EXPECT_EQ(employee->categorical[CategoricalIndex("statut_marital").value()], "Marié(e)");
}

TEST_F(ValidationTest, EmployeeIdIsOptionalAndBounded) {
    auto body = test_fixtures::ExampleEmployee();
    body["employee_id"] = nullptr;  // null means absent on a single employee
    auto employee = Parse(body);
    ASSERT_TRUE(employee);
    EXPECT_FALSE(employee->employee_id.has_value());

    body["employee_id"] = "E-42";
    employee = Parse(body);
    ASSERT_TRUE(employee);
    EXPECT_EQ(employee->employee_id, "E-42");

    std::string fifty_accented;
    for (int i = 0; i < 50; ++i) fifty_accented += "é";  // 50 characters, 100 bytes
    body["employee_id"] = fifty_accented;
    employee = Parse(body);
    ASSERT_TRUE(employee);
    EXPECT_EQ(employee->employee_id, fifty_accented);

    body["employee_id"] = std::string(51, 'x');
    EXPECT_EQ(OneIssue(Parse(body), Body("employee_id"), "string_too_long"),
              "String should have at most 50 characters");
    body["employee_id"] = "";
    EXPECT_EQ(OneIssue(Parse(body), Body("employee_id"), "string_too_short"),
              "String should have at least 1 character");
    body["employee_id"] = 42;
    EXPECT_EQ(OneIssue(Parse(body), Body("employee_id"), "string_type"),
              "Input should be a valid string");
    body["employee_id"] = std::string(
        "E\0"
        "42",
        4);  // sent as the escape \u0000
    EXPECT_EQ(OneIssue(Parse(body), Body("employee_id"), "value_error"),
              "Value error, employee_id must not contain the NUL character (\\u0000)");
}

TEST_F(ValidationTest, EveryProblemIsReportedAtOnceInFieldOrder) {
    auto body = test_fixtures::ExampleEmployee();
    body.erase("age");
    body["revenu_mensuel"] = -1;
    body["genre"] = "X";
    body["heure_supplementaires"] = true;
    body["employee_id"] = "";
    const auto result = Parse(body);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, base::ErrorCode::kInvalidInput);
    EXPECT_EQ(result.error().message, "5 validation errors");
    std::vector<std::pair<Loc, std::string>> got;
    for (const auto& issue : result.error().issues) got.emplace_back(issue.loc, issue.type);
    const std::vector<std::pair<Loc, std::string>> expected{
        {Body("age"), "missing"},
        {Body("revenu_mensuel"), "greater_than"},
        {Body("genre"), "enum"},
        {Body("heure_supplementaires"), "string_type"},
        {Body("employee_id"), "string_too_short"},
    };
    EXPECT_EQ(got, expected);
}

TEST_F(ValidationTest, EmptyBodyReportsEveryField) {
    const auto result = ParseText("{}");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().issues.size(), kFieldCount);
    for (const auto& issue : result.error().issues) EXPECT_EQ(issue.type, "missing");
}

TEST_F(ValidationTest, UnknownFieldsAreIgnoredAndTheLastRepeatedKeyWins) {
    auto body = test_fixtures::ExampleEmployee();
    body["ayant_enfants"] = "Y";
    body["nested"] = Json::object({{"a", Json::array({1, 2, Json::object()})}});
    ASSERT_TRUE(Parse(body));

    const std::string text = test_fixtures::ExampleEmployee().dump();
    const auto first_bad = ParseText("{\"age\":99," + text.substr(1));
    ASSERT_TRUE(first_bad);
    EXPECT_EQ(first_bad->numeric[0], 41);
    const auto last_bad = ParseText(text.substr(0, text.size() - 1) + ",\"age\":99}");
    EXPECT_EQ(OneIssue(last_bad, Body("age"), "less_than_equal"),
              "Input should be less than or equal to 70");
}

}  // namespace
}  // namespace attrition::domain
