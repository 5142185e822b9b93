// JsonWriter against an independent reader (nlohmann::json): every output parses, strings and
// numbers read back as written, commas fall where JSON needs them, invalid UTF-8 never escapes.
#include "base/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace attrition::base {
namespace {

using Json = nlohmann::json;

TEST(JsonWriterTest, NestedObjectsAndArraysParseAsTheSameDocument) {
    std::string out;
    JsonWriter json(out);
    json.BeginObject().Key("a").Int(1).Key("list").BeginArray();
    json.Int(1).BeginObject().Key("x").Bool(true).EndObject().BeginArray().EndArray().Null();
    json.EndArray().Key("empty").BeginObject().EndObject().Key("s").String("t").EndObject();
    const Json expected = {{"a", 1},
                           {"list", {1, {{"x", true}}, Json::array(), nullptr}},
                           {"empty", Json::object()},
                           {"s", "t"}};
    EXPECT_EQ(Json::parse(out), expected);
    EXPECT_EQ(out, R"({"a":1,"list":[1,{"x":true},[],null],"empty":{},"s":"t"})");
}

TEST(JsonWriterTest, StringsReadBackExactlyWhateverTheyHold) {
    std::string text;
    for (int c = 1; c < 0x80; ++c) text += static_cast<char>(c);
    text += "é ü 漢 😀";
    std::string out;
    JsonWriter(out).BeginArray().String(text).String("").EndArray();
    const auto parsed = Json::parse(out);
    EXPECT_EQ(parsed.at(0).get<std::string>(), text);
    EXPECT_EQ(parsed.at(1).get<std::string>(), "");
}

TEST(JsonWriterTest, InvalidUtf8IsReplacedSoTheOutputStaysValid) {
    std::string out;
    JsonWriter(out).BeginObject().Key("k").String("a\xc3(b\x80").EndObject();
    const auto parsed = Json::parse(out);  // throws on invalid UTF-8
    EXPECT_EQ(parsed.at("k").get<std::string>(), "a\xEF\xBF\xBD(b\xEF\xBF\xBD");
}

TEST(JsonWriterTest, DoublesReadBackAsTheSameDouble) {
    for (const double value : {0.0, 0.1, -2.5, 1e-7, 12.0, 0.8341234567891234, 123456.789, 1e300,
                               std::numeric_limits<double>::min()}) {
        std::string out;
        JsonWriter(out).Double(value);
        EXPECT_EQ(Json::parse(out).get<double>(), value) << out;
    }
}

TEST(JsonWriterTest, NonFiniteNumbersAreNull) {
    std::string out;
    JsonWriter json(out);
    json.BeginArray().Double(std::nan("")).Double(HUGE_VAL).Fixed(-HUGE_VAL, 2).EndArray();
    EXPECT_EQ(out, "[null,null,null]");
}

TEST(JsonWriterTest, StringOrNullWritesNullForAnEmptyValue) {
    std::string out;
    JsonWriter(out).BeginArray().StringOrNull("").StringOrNull("v1").EndArray();
    EXPECT_EQ(Json::parse(out), Json::array({nullptr, "v1"}));
}

TEST(JsonWriterTest, FixedWritesExactlyTheDecimalsAsked) {
    std::string out;
    JsonWriter(out).BeginArray().Fixed(95.978, 2).Fixed(4.0, 2).Fixed(0.5, 0).EndArray();
    EXPECT_EQ(out, "[95.98,4.00,0]");
    EXPECT_TRUE(Json::parse(out).is_array());
}

TEST(JsonWriterTest, IntegersAtTheirLimits) {
    std::string out;
    JsonWriter(out)
        .BeginArray()
        .Int(std::numeric_limits<std::int64_t>::min())
        .Uint(std::numeric_limits<std::uint64_t>::max())
        .EndArray();
    const auto parsed = Json::parse(out);
    EXPECT_EQ(parsed.at(0).get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(parsed.at(1).get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
}

TEST(JsonWriterTest, RawJsonIsPlacedLikeAnyValue) {
    std::string out;
    JsonWriter(out).BeginArray().Int(1).Raw(R"({"age":35})").Int(2).EndArray();
    EXPECT_EQ(Json::parse(out), Json::parse(R"([1,{"age":35},2])"));
}

// The prediction log does not parse its JSON again (store/records.hpp): whatever bytes a string
// holds (NUL, controls, quotes, broken UTF-8), the output is one valid document. (Keys are names
// the program chose: Key asserts it.)
TEST(JsonWriterTest, AnyBytesMakeValidJson) {
    std::mt19937 random(20261206);
    std::uniform_int_distribution<int> length(0, 40);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 5000; ++round) {
        std::string first;
        std::string second;
        for (int i = length(random); i > 0; --i) first += static_cast<char>(byte(random));
        for (int i = length(random); i > 0; --i) second += static_cast<char>(byte(random));
        std::string out;
        JsonWriter json(out);
        json.BeginObject().Key("a").String(first).Key("b").BeginArray().String(second);
        json.EndArray().EndObject();
        ASSERT_TRUE(Json::accept(out)) << "round " << round;
    }
}

TEST(JsonWriterTest, AppendsToWhatTheStringHolds) {
    std::string out = "prefix ";
    JsonWriter(out).BeginObject().EndObject();
    EXPECT_EQ(out, "prefix {}");
}

}  // namespace
}  // namespace attrition::base
