// Bodies that are not an employee object at all, nesting limits, parser reuse, and the
// guarantee that no message ever contains the submitted value.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "domain/validation.hpp"
#include "unit/domain/fixtures.hpp"

namespace attrition::domain {
namespace {

using Json = nlohmann::json;
using Loc = std::vector<std::string>;

struct BodyIssue {
    std::string body;
    std::string type;
};

class ValidationBodyTest : public ::testing::Test {
  protected:
    Vocabulary vocabulary_ = test_fixtures::SpecVocabulary();
    JsonParser parser_;
};

std::string Nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string WithExtra(const std::string& extra_value) {
    const std::string example = test_fixtures::ExampleEmployee().dump();
    return example.substr(0, example.size() - 1) + ",\"extra\":" + extra_value + "}";
}

TEST_F(ValidationBodyTest, BodiesThatAreNotAnObjectAreOneIssueAtBody) {
    const std::vector<BodyIssue> cases{
        {"", "missing"},
        {" \n\t ", "missing"},
        {"{", "json_invalid"},
        {"{\"age\":41,}", "json_invalid"},
        {"{\"age\" 41}", "json_invalid"},
        {"{} {}", "json_invalid"},
        {"{\"a\":NaN}", "json_invalid"},
        {"{\"a\":Infinity}", "json_invalid"},
        {"{\"a\":\"\xff\"}", "json_invalid"},
        {"{\"a\":\"\\ud800\"}", "json_invalid"},
        {"[]", "model_attributes_type"},
        {"[{}]", "model_attributes_type"},
        {"42", "model_attributes_type"},
        {"null", "model_attributes_type"},
        {"\"text\"", "model_attributes_type"},
        {"true", "model_attributes_type"},
    };
    for (const auto& [body, type] : cases) {
        SCOPED_TRACE(body);
        for (const bool batch : {false, true}) {
            const auto error = batch ? ParseBatch(body, vocabulary_, 100, parser_).error()
                                     : ParseEmployee(body, vocabulary_, parser_).error();
            ASSERT_EQ(error.issues.size(), 1U);
            EXPECT_EQ(error.issues[0].loc, Loc{"body"});
            EXPECT_EQ(error.issues[0].type, type);
            EXPECT_FALSE(error.issues[0].msg.empty());
        }
    }
}

TEST_F(ValidationBodyTest, MalformedJsonIsAMalformedRequest) {
    const auto result = ParseEmployee("{", vocabulary_, parser_);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, base::ErrorCode::kMalformedRequest);
    EXPECT_EQ(result.error().issues.at(0).msg.rfind("JSON decode error", 0), 0U);
}

TEST_F(ValidationBodyTest, MalformedNumbersSayWhatIsWrong) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"041", "JSON decode error: a number cannot have a leading zero"},
        {"-041", "JSON decode error: a number cannot have a leading zero"},
        {"0x29", "JSON decode error: hexadecimal numbers are not JSON"},
        {"41.", "JSON decode error: a decimal point must be followed by a digit"},
        {".5", "JSON decode error: a number needs a digit before its decimal point"},
        {"+41", "JSON decode error: a number cannot start with '+'"},
        {"4e", "JSON decode error: an exponent needs digits"},
        {"1e999",
         "JSON decode error: a number is too large (numbers must fit a 64-bit integer "
         "or a double)"},
    };
    for (const auto& [number, message] : cases) {
        SCOPED_TRACE(number);
        // The malformed number comes after a string holding one, which is not a number.
        const auto result =
            ParseEmployee(R"({"poste":"041 0x29","age":)" + number + "}", vocabulary_, parser_);
        ASSERT_FALSE(result);
        ASSERT_EQ(result.error().issues.size(), 1U);
        EXPECT_EQ(result.error().issues[0].type, "json_invalid");
        EXPECT_EQ(result.error().issues[0].msg, message);
    }
}

TEST_F(ValidationBodyTest, NestingIsLimited) {
    EXPECT_EQ(parser_.MaxDepth(), JsonParser::kDefaultMaxDepth);
    ASSERT_TRUE(ParseEmployee(WithExtra(Nested(10)), vocabulary_, parser_));

    for (const std::size_t depth : {JsonParser::kDefaultMaxDepth, std::size_t{100000}}) {
        SCOPED_TRACE(depth);
        const auto result = ParseEmployee(WithExtra(Nested(depth)), vocabulary_, parser_);
        ASSERT_FALSE(result);
        ASSERT_EQ(result.error().issues.size(), 1U);
        EXPECT_EQ(result.error().issues[0].type, "json_invalid");
        EXPECT_NE(result.error().issues[0].msg.find("nested deeper than 32 levels"),
                  std::string::npos);
    }

    JsonParser shallow(4);
    EXPECT_EQ(shallow.MaxDepth(), 4U);
    EXPECT_FALSE(ParseEmployee(WithExtra(Nested(4)), vocabulary_, shallow));
    EXPECT_TRUE(ParseEmployee(WithExtra(Nested(2)), vocabulary_, shallow));
}

TEST_F(ValidationBodyTest, CheckJsonDepthAgreesWithTheParser) {
    // The scan that guards the bodies nlohmann reads (issue 26, defect 5) against simdjson's own
    // depth check: brackets inside strings, escaped quotes included, do not count.
    JsonParser shallow(4);
    for (std::size_t depth = 0; depth <= 7; ++depth) {
        for (const std::string inner : {"1", R"("[[[[[[[[")", R"("\"[{[{[{\\")"}) {
            const auto body = WithExtra(std::string(depth, '[') + inner + std::string(depth, ']'));
            SCOPED_TRACE(body);
            const auto parsed = ParseEmployee(body, vocabulary_, shallow);
            const bool parser_refused =
                !parsed && parsed.error().issues.size() == 1 &&
                parsed.error().issues[0].msg.find("nested deeper") != std::string::npos;
            const auto checked = CheckJsonDepth(body, 4);
            EXPECT_EQ(!checked, parser_refused);
            if (!checked && !parsed) {
                EXPECT_EQ(checked.error().code, base::ErrorCode::kMalformedRequest);
                EXPECT_EQ(checked.error().issues.at(0).msg, parsed.error().issues.at(0).msg);
            }
        }
    }
    EXPECT_FALSE(CheckJsonDepth(Nested(500000), 32));
}

TEST_F(ValidationBodyTest, OneParserServesManyBodiesAndSurvivesAMove) {
    const std::string large = WithExtra("\"" + std::string(512 * 1024, 'x') + "\"");
    ASSERT_TRUE(ParseEmployee(large, vocabulary_, parser_));
    EXPECT_FALSE(ParseEmployee("{", vocabulary_, parser_));
    const std::string small = test_fixtures::ExampleEmployee().dump();
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(ParseEmployee(small, vocabulary_, parser_));

    JsonParser moved(std::move(parser_));
    const auto employee = ParseEmployee(small, vocabulary_, moved);
    ASSERT_TRUE(employee);
    EXPECT_EQ(employee->numeric[0], 41);
    parser_ = std::move(moved);
    EXPECT_TRUE(ParseEmployee(small, vocabulary_, parser_));
}

// Whatever bytes arrive, the result is either a valid employee (canonical values, in range) or
// a well-formed error; ASan/UBSan watch the parser and the validator meanwhile.
TEST_F(ValidationBodyTest, MutatedBodiesGiveAValidEmployeeOrAWellFormedError) {
    Json batch_body{{"employees", Json::array()}};
    for (int i = 0; i < 3; ++i) {
        auto item = test_fixtures::ExampleEmployee();
        item["employee_id"] = "E" + std::to_string(i);
        batch_body["employees"].push_back(item);
    }
    const std::vector<std::string> seeds{test_fixtures::ExampleEmployee().dump(),
                                         batch_body.dump()};
    constexpr char kBytes[] = "{}[]\",:\\0123456789-+.eE tfn\xff\x80\xc3\xa9\x00";
    const std::string alphabet(kBytes, sizeof(kBytes) - 1);  // keeps the NUL byte
    std::mt19937 random(20261127);
    int valid = 0;
    int invalid = 0;
    for (int round = 0; round < 4000; ++round) {
        std::string body = seeds[static_cast<std::size_t>(round) % seeds.size()];
        const int edits = 1 + static_cast<int>(random() % 4);
        for (int e = 0; e < edits && !body.empty(); ++e) {
            const std::size_t at = random() % body.size();
            const char c = alphabet[random() % alphabet.size()];
            switch (random() % 4) {
                case 0:
                    body[at] = c;
                    break;
                case 1:
                    body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), c);
                    break;
                case 2:
                    body.erase(at, 1);
                    break;
                default:
                    body.resize(at);
                    break;
            }
        }
        const auto check_error = [&](const base::Error& error) {
            ASSERT_FALSE(error.issues.empty()) << body;
            for (const auto& issue : error.issues) {
                ASSERT_FALSE(issue.loc.empty());
                EXPECT_EQ(issue.loc[0], "body");
                EXPECT_FALSE(issue.msg.empty());
                EXPECT_FALSE(issue.type.empty());
            }
            ++invalid;
        };
        const auto check_employee = [&](const Employee& employee) {
            for (std::size_t i = 0; i < kNumericCount; ++i) {
                const auto& field = NumericFields()[i];
                EXPECT_TRUE(std::isfinite(employee.numeric[i]));
                if (field.minimum) {
                    EXPECT_GE(employee.numeric[i], *field.minimum) << body;
                }
                if (field.maximum) {
                    EXPECT_LE(employee.numeric[i], *field.maximum) << body;
                }
            }
            for (std::size_t c = 0; c < kCategoricalCount; ++c) {
                EXPECT_EQ(vocabulary_.Canonical(c, employee.categorical[c]),
                          std::optional<std::string_view>(employee.categorical[c]));
            }
            ++valid;
        };
        const auto single = ParseEmployee(body, vocabulary_, parser_);
        if (single) {
            check_employee(*single);
        } else {
            check_error(single.error());
        }
        const auto many = ParseBatch(body, vocabulary_, 100, parser_);
        if (many) {
            for (const auto& employee : *many) check_employee(employee);
        } else {
            check_error(many.error());
        }
    }
    EXPECT_GT(valid, 0);
    EXPECT_GT(invalid, 1000);
}

// The submitted values are personal data: no message may repeat them.
class NoEchoTest : public ValidationBodyTest {
  protected:
    static constexpr const char* kMarkers[] = {"ZQXMARKER", "7777777", "1415926", "31337"};

    void ExpectNoMarker(const base::Error& error) {
        EXPECT_FALSE(error.issues.empty());
        for (const char* marker : kMarkers) {
            EXPECT_EQ(error.message.find(marker), std::string::npos) << error.message;
            for (const auto& issue : error.issues) {
                EXPECT_EQ(issue.msg.find(marker), std::string::npos) << issue.msg;
                EXPECT_EQ(issue.type.find(marker), std::string::npos) << issue.type;
                for (const auto& part : issue.loc) {
                    EXPECT_EQ(part.find(marker), std::string::npos) << part;
                }
            }
        }
        ++checked_;
    }

    // Every field set to `numeric` (numeric fields) / `text` (categoricals), plus employee_id.
    static Json AllFields(const Json& numeric, const Json& text, const Json& employee_id) {
        Json body = Json::object();
        for (const auto& field : NumericFields()) body[std::string(field.name)] = numeric;
        for (const auto& field : CategoricalFields()) body[std::string(field.name)] = text;
        body["employee_id"] = employee_id;
        return body;
    }

    int checked_ = 0;
};

TEST_F(NoEchoTest, NoErrorMessageContainsTheSubmittedValue) {
    std::string long_id;
    for (int i = 0; i < 10; ++i) long_id += "ZQXMARKER";
    const std::vector<Json> bodies{
        AllFields("ZQXMARKER", "ZQXMARKER", long_id),
        AllFields(7777777, "ZQXMARKER7777777", 7777777),
        AllFields(-7777777, Json::array({"ZQXMARKER"}), Json::object({{"ZQXMARKER", 1}})),
        AllFields(3.1415926, 31337, "ZQXMARKER" + std::string(50, '1')),
        AllFields(-3.1415926e9, "Marketingz ZQXMARKER", ""),
        AllFields(77777770000000000.0, true, nullptr),
        AllFields(Json::array({7777777}), "zqxmarker", "x"),
    };
    for (const auto& body : bodies) {
        SCOPED_TRACE(body.dump());
        const auto single = ParseEmployee(body.dump(), vocabulary_, parser_);
        ASSERT_FALSE(single);
        ExpectNoMarker(single.error());

        const Json batch{{"employees", Json::array({body, body})}};
        const auto many = ParseBatch(batch.dump(), vocabulary_, 100, parser_);
        ASSERT_FALSE(many);
        ExpectNoMarker(many.error());
    }

    const std::vector<std::string> raw{
        "{\"age\": ZQXMARKER}",
        "{\"ZQXMARKER\"",
        "\"ZQXMARKER\"",
        "[\"ZQXMARKER\", 7777777]",
        "{\"age\": 7777777e99999}",
        "{\"age\": 31337777777777777777777}",
        "{\"genre\": \"ZQXMARKER\xff\"}",
        "{\"genre\": \"ZQXMARKER\\q\"}",
        "{\"employees\": \"ZQXMARKER\"}",
        "{\"employees\": [7777777, \"ZQXMARKER\"]}",
        "{\"employees\": [" + Nested(40) + ", \"ZQXMARKER\"]}",
    };
    for (const auto& body : raw) {
        SCOPED_TRACE(body);
        const auto single = ParseEmployee(body, vocabulary_, parser_);
        ASSERT_FALSE(single);
        ExpectNoMarker(single.error());
        const auto many = ParseBatch(body, vocabulary_, 100, parser_);
        ASSERT_FALSE(many);
        ExpectNoMarker(many.error());
    }
    EXPECT_EQ(checked_, static_cast<int>(2 * (bodies.size() + raw.size())));
}

}  // namespace
}  // namespace attrition::domain
