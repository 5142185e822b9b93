#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/validation.hpp"
#include "unit/domain/fixtures.hpp"

namespace attrition::domain {
namespace {

using Json = nlohmann::json;
using Loc = std::vector<std::string>;

class ValidationBatchTest : public ::testing::Test {
  protected:
    base::Result<std::vector<Employee>> Parse(const Json& body,
                                              std::size_t max_items = kDefaultBatchLimit) {
        return ParseBatch(body.dump(), vocabulary_, max_items, parser_);
    }

    static Json Item(std::size_t i) {
        auto employee = test_fixtures::ExampleEmployee();
        employee["employee_id"] = "E" + std::to_string(i);
        employee["age"] = 20 + static_cast<int>(i % 40);
        return employee;
    }

    static Json Batch(std::size_t count) {
        Json items = Json::array();
        for (std::size_t i = 0; i < count; ++i) items.push_back(Item(i));
        return Json{{"employees", items}};
    }

    static std::vector<std::pair<Loc, std::string>> Issues(
        const base::Result<std::vector<Employee>>& result) {
        std::vector<std::pair<Loc, std::string>> issues;
        EXPECT_FALSE(result.has_value());
        if (result.has_value()) return issues;
        for (const auto& issue : result.error().issues) issues.emplace_back(issue.loc, issue.type);
        return issues;
    }

    Vocabulary vocabulary_ = test_fixtures::SpecVocabulary();
    JsonParser parser_;
};

using Expected = std::vector<std::pair<Loc, std::string>>;

TEST_F(ValidationBatchTest, RequestOrderIsKept) {
    const auto employees = Parse(Batch(kDefaultBatchLimit));
    ASSERT_TRUE(employees) << employees.error().message;
    ASSERT_EQ(employees->size(), kDefaultBatchLimit);
    for (std::size_t i = 0; i < employees->size(); ++i) {
        EXPECT_EQ((*employees)[i].employee_id, "E" + std::to_string(i));
        EXPECT_EQ((*employees)[i].numeric[0], 20 + static_cast<double>(i % 40));
    }
}

TEST_F(ValidationBatchTest, ItemsGetCanonicalValues) {
    auto body = Batch(2);
    body["employees"][1]["heure_supplementaires"] = "Yes";
    body["employees"][1]["genre"] = "Male";
    const auto employees = Parse(body);
    ASSERT_TRUE(employees);
    EXPECT_EQ((*employees)[1].categorical[CategoricalIndex("heure_supplementaires").value()],
              "Oui");
    EXPECT_EQ((*employees)[1].categorical[CategoricalIndex("genre").value()], "M");
}

TEST_F(ValidationBatchTest, EmptyListIsTooShort) {
    const auto result = Parse(Json{{"employees", Json::array()}});
    EXPECT_EQ(Issues(result), (Expected{{{"body", "employees"}, "too_short"}}));
    EXPECT_EQ(result.error().issues.at(0).msg, "List should have at least 1 item after validation");
}

TEST_F(ValidationBatchTest, OneItemOverTheLimitIsTooLong) {
    const auto result = Parse(Batch(kDefaultBatchLimit + 1));
    EXPECT_EQ(Issues(result), (Expected{{{"body", "employees"}, "too_long"}}));
    EXPECT_EQ(result.error().issues.at(0).msg,
              "List should have at most 100 items after validation");

    EXPECT_TRUE(Parse(Batch(3), 3));
    EXPECT_EQ(Issues(Parse(Batch(4), 3)), (Expected{{{"body", "employees"}, "too_long"}}));
    const auto one = Parse(Batch(2), 1);
    ASSERT_FALSE(one);
    EXPECT_EQ(one.error().issues.at(0).msg, "List should have at most 1 item after validation");
}

TEST_F(ValidationBatchTest, EmployeesMissingOrNotAList) {
    EXPECT_EQ(Issues(Parse(Json::object())), (Expected{{{"body", "employees"}, "missing"}}));
    EXPECT_EQ(Issues(Parse(Json{{"employee", Json::array({Item(0)})}})),
              (Expected{{{"body", "employees"}, "missing"}}));
    for (const Json& wrong : {Json(nullptr), Json(1), Json("E1"), Json(Item(0))}) {
        SCOPED_TRACE(wrong.dump());
        EXPECT_EQ(Issues(Parse(Json{{"employees", wrong}})),
                  (Expected{{{"body", "employees"}, "list_type"}}));
    }
}

TEST_F(ValidationBatchTest, ItemWithoutEmployeeIdIsReportedWithItsIndex) {
    auto body = Batch(5);
    body["employees"][3].erase("employee_id");
    EXPECT_EQ(Issues(Parse(body)),
              (Expected{{{"body", "employees", "3", "employee_id"}, "missing"}}));
    body["employees"][3]["employee_id"] = nullptr;  // required here: null is a wrong type
    EXPECT_EQ(Issues(Parse(body)),
              (Expected{{{"body", "employees", "3", "employee_id"}, "string_type"}}));
}

TEST_F(ValidationBatchTest, EmployeeIdTooLongOrEmpty) {
    auto body = Batch(3);
    body["employees"][0]["employee_id"] = std::string(51, '7');
    body["employees"][2]["employee_id"] = "";
    EXPECT_EQ(Issues(Parse(body)),
              (Expected{{{"body", "employees", "0", "employee_id"}, "string_too_long"},
                        {{"body", "employees", "2", "employee_id"}, "string_too_short"}}));
    body["employees"][0]["employee_id"] = std::string(50, '7');
    body["employees"][2]["employee_id"] = "x";
    EXPECT_TRUE(Parse(body));
}

TEST_F(ValidationBatchTest, ProblemsOfEveryItemAreReportedAtOnce) {
    auto body = Batch(4);
    body["employees"][0]["age"] = 17;
    body["employees"][1] = "not an employee";
    body["employees"][2]["departement"] = "Marketingz";
    body["employees"][2].erase("age");
    body["employees"][3]["note_evaluation_actuelle"] = 3.5;
    const auto result = Parse(body);
    EXPECT_EQ(result.error().code, base::ErrorCode::kInvalidInput);
    EXPECT_EQ(
        Issues(result),
        (Expected{{{"body", "employees", "0", "age"}, "greater_than_equal"},
                  {{"body", "employees", "1"}, "model_attributes_type"},
                  {{"body", "employees", "2", "age"}, "missing"},
                  {{"body", "employees", "2", "departement"}, "enum"},
                  {{"body", "employees", "3", "note_evaluation_actuelle"}, "int_from_float"}}));
    EXPECT_EQ(result.error().message, "5 validation errors");
}

TEST_F(ValidationBatchTest, UnknownTopLevelFieldsAreIgnored) {
    auto body = Batch(1);
    body["model"] = "v2";
    EXPECT_TRUE(Parse(body));
}

}  // namespace
}  // namespace attrition::domain
