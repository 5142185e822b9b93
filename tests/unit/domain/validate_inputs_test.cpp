// domain::EmployeeReader (values in an order of names, as Open Inference rows give them) against
// ParseEmployee (a JSON body) over the same members: the same employee, or the same issues
// (loc, message, type), for valid employees and for every way a field can be wrong.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/category_aliases.hpp"
#include "domain/validation.hpp"
#include "domain/vocabulary.hpp"
#include "unit/domain/fixtures.hpp"

namespace attrition::domain {
namespace {

using Json = nlohmann::json;

// The members of `body` as names and values, the way a tensor row is read (converted here
// without the validator's own conversion). The names are views into `body`.
struct Members {
    std::vector<std::string_view> names;
    std::vector<InputValue> values;

    explicit Members(const Json& body) {
        for (const auto& [name, value] : body.items()) {
            InputValue converted;
            if (value.is_number()) {
                converted = InputValue::Number(value.get<double>());
            } else if (value.is_string()) {
                converted = InputValue::Text(value.get_ref<const std::string&>());
            } else if (value.is_null()) {
                converted = InputValue::Null();
            }
            names.push_back(name);
            values.push_back(converted);
        }
    }
};

base::Result<Employee> Read(const Members& members, const Vocabulary& vocabulary) {
    return EmployeeReader(members.names, vocabulary).Read(members.values);
}

void ExpectSameAnswer(const Json& body, const Vocabulary& vocabulary) {
    JsonParser parser;
    const auto parsed = ParseEmployee(body.dump(), vocabulary, parser);
    const auto validated = Read(Members(body), vocabulary);
    ASSERT_EQ(parsed.has_value(), validated.has_value()) << body.dump();
    if (parsed) {
        EXPECT_EQ(validated->numeric, parsed->numeric) << body.dump();
        EXPECT_EQ(validated->categorical, parsed->categorical);
        EXPECT_EQ(validated->employee_id, parsed->employee_id);
        ASSERT_EQ(validated->optional.size(), parsed->optional.size());
        for (std::size_t i = 0; i < parsed->optional.size(); ++i) {
            EXPECT_EQ(validated->optional[i].name, parsed->optional[i].name);
            EXPECT_EQ(validated->optional[i].value, parsed->optional[i].value);
        }
        return;
    }
    EXPECT_EQ(validated.error().code, parsed.error().code);
    EXPECT_EQ(validated.error().message, parsed.error().message);
    const auto& want = parsed.error().issues;
    const auto& got = validated.error().issues;
    ASSERT_EQ(got.size(), want.size()) << body.dump();
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(got[i].loc, want[i].loc) << body.dump();
        EXPECT_EQ(got[i].msg, want[i].msg) << body.dump();
        EXPECT_EQ(got[i].type, want[i].type) << body.dump();
    }
}

TEST(EmployeeReaderTest, AgreesWithParseEmployeeOnEveryFieldRightOrWrong) {
    const auto vocabulary = test_fixtures::SpecVocabulary();
    const Json example = test_fixtures::ExampleEmployee();
    ExpectSameAnswer(example, vocabulary);
    for (const auto& field : NumericFields()) {
        const std::string name(field.name);
        const double below = field.minimum ? *field.minimum - 1 : -1e16;
        const double above = field.maximum ? *field.maximum + 1 : 1e16;
        for (const Json& wrong : {Json("3"), Json(true), Json(nullptr), Json::array(), Json(2.5),
                                  Json(below), Json(above), Json(-0.0)}) {
            Json body = example;
            body[name] = wrong;
            ExpectSameAnswer(body, vocabulary);
        }
        Json missing = example;
        missing.erase(name);
        ExpectSameAnswer(missing, vocabulary);
    }
    for (const auto& field : CategoricalFields()) {
        const std::string name(field.name);
        for (const Json& value : {Json(1), Json(nullptr), Json("nope"), Json(" m "), Json("f")}) {
            Json body = example;
            body[name] = value;
            ExpectSameAnswer(body, vocabulary);
        }
    }
    for (const Json& id : {Json("E-1"), Json(nullptr), Json(7), Json(""),
                           Json(std::string(51, 'x')), Json(std::string(50, 'x'))}) {
        Json body = example;
        body["employee_id"] = id;
        ExpectSameAnswer(body, vocabulary);
    }
    Json extra = example;
    extra["not_a_field"] = Json::array();
    ExpectSameAnswer(extra, vocabulary);
    ExpectSameAnswer(Json::object(), vocabulary);  // every field missing, in one answer
}

TEST(EmployeeReaderTest, AgreesOnOptionalInputsStrictAndLenient) {
    const Vocabulary::OptionalInput travel{"frequence_deplacement",
                                           {"Aucun", "Frequent", "Occasionnel"},
                                           {{"Travel_Rarely", "Occasionnel"}},
                                           false};
    const auto strict =
        Vocabulary::Make(test_fixtures::SpecTrainingValues(), CategoryAliases(), {travel}).value();
    // The plain vocabulary reading a request for a shadow that takes the input: lenient.
    const auto lenient = test_fixtures::SpecVocabulary().WithLenientInputs(strict);
    for (const Json& value :
         {Json("Frequent"), Json("Travel_Rarely"), Json("nope"), Json(3), Json(nullptr)}) {
        Json body = test_fixtures::ExampleEmployee();
        body["frequence_deplacement"] = value;
        ExpectSameAnswer(body, strict);
        ExpectSameAnswer(body, lenient);
    }
}

TEST(EmployeeReaderTest, ARepeatedNameTakesItsLastValue) {
    const auto vocabulary = test_fixtures::SpecVocabulary();
    const Json example = test_fixtures::ExampleEmployee();  // the names' storage
    Members members(example);
    members.names.push_back("age");
    members.values.push_back(InputValue::Number(44));
    const auto employee = Read(members, vocabulary);
    ASSERT_TRUE(employee.has_value());
    EXPECT_EQ(employee->numeric[NumericIndex("age").value()], 44);
}

}  // namespace
}  // namespace attrition::domain
