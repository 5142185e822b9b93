// ValidateRecord: the schema's rules, checked before a record is queued, including the
// original service's bug (a percentage in attrition_prob); JSON is not parsed again.
#include "store/records.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "store/uuid.hpp"

namespace attrition::store {
namespace {

RequestRecord ValidRecord() {
    RequestRecord record;
    record.id = NewUuid();
    record.endpoint = "/api/v1/predict";
    record.request_data_json = R"({"age":35})";
    record.http_status = 200;
    PredictionRecord prediction;
    prediction.id = NewUuid();
    prediction.attrition_prob = 0.234;
    prediction.risk_level = "LOW";
    prediction.model_version = "xgb_enhanced_v1.0";
    prediction.features_snapshot_json = R"({"age":35})";
    record.predictions.push_back(prediction);
    return record;
}

TEST(RecordsTest, AcceptsAValidRecord) { EXPECT_TRUE(ValidateRecord(ValidRecord())); }

TEST(RecordsTest, RejectsAPercentageAsProbability) {
    auto record = ValidRecord();
    record.predictions[0].attrition_prob = 23.4;
    const auto result = ValidateRecord(record);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, base::ErrorCode::kInvalidInput);
    EXPECT_NE(result.error().message.find("attrition_prob"), std::string::npos);
}

TEST(RecordsTest, RejectsEachBrokenRule) {
    const auto broken = [](auto mutate) {
        auto record = ValidRecord();
        mutate(record);
        return !ValidateRecord(record);
    };
    EXPECT_TRUE(broken([](RequestRecord& r) { r.id = "not-a-uuid"; }));
    EXPECT_TRUE(broken([](RequestRecord& r) { r.endpoint = std::string(101, 'x'); }));
    EXPECT_TRUE(broken([](RequestRecord& r) { r.client_ip = std::string(46, '1'); }));
    EXPECT_TRUE(broken([](RequestRecord& r) { r.x_request_id = std::string(129, 'r'); }));
    EXPECT_TRUE(broken([](RequestRecord& r) { r.x_request_id = ""; }));
    EXPECT_FALSE(broken([](RequestRecord& r) { r.x_request_id = std::string(128, 'r'); }));
    EXPECT_TRUE(broken([](RequestRecord& r) { r.predictions[0].id = ""; }));
    EXPECT_TRUE(broken([](RequestRecord& r) {
        r.predictions[0].attrition_prob = std::numeric_limits<double>::quiet_NaN();
    }));
    EXPECT_TRUE(broken([](RequestRecord& r) { r.predictions[0].attrition_prob = -0.01; }));
    EXPECT_TRUE(broken([](RequestRecord& r) { r.predictions[0].risk_level = "low"; }));
    EXPECT_TRUE(broken([](RequestRecord& r) { r.predictions[0].model_version = ""; }));
    EXPECT_TRUE(
        broken([](RequestRecord& r) { r.predictions[0].employee_id = std::string(51, 'e'); }));
    EXPECT_FALSE(broken([](RequestRecord& r) {
        r.predictions.clear();
        r.http_status = 422;
    }));
}

// JSON is the service's own writing (base::JsonWriter, whose every output parses: its tests) and
// is not parsed again on the write path; the databases check it, and a record one refuses fails
// alone (prediction_log_test's ARecordTheDatabaseRefusesFailsAlone).
TEST(RecordsTest, DoesNotParseJsonAgain) {
    auto record = ValidRecord();
    record.request_data_json = "{not json";
    record.predictions[0].features_snapshot_json = "[";
    EXPECT_TRUE(ValidateRecord(record));
}

// What PostgreSQL would refuse after the record was acknowledged through the spool: NUL in a
// text column, the escape \u0000 in a jsonb column. An escaped backslash before u0000 is text.
TEST(RecordsTest, RejectsWhatPostgresCannotStore) {
    const auto broken = [](auto mutate) {
        auto record = ValidRecord();
        mutate(record);
        return !ValidateRecord(record);
    };
    const std::string nul(
        "E\0"
        "1",
        3);
    EXPECT_TRUE(broken([&](RequestRecord& r) { r.predictions[0].employee_id = nul; }));
    EXPECT_TRUE(broken([&](RequestRecord& r) { r.user_agent = nul; }));
    EXPECT_TRUE(broken([&](RequestRecord& r) { r.client_ip = nul; }));
    EXPECT_TRUE(broken([&](RequestRecord& r) { r.x_request_id = nul; }));
    EXPECT_TRUE(broken([](RequestRecord& r) { r.request_data_json = R"({"a":"x\u0000"})"; }));
    EXPECT_TRUE(broken(
        [](RequestRecord& r) { r.predictions[0].features_snapshot_json = R"(["\u0000"])"; }));
    EXPECT_FALSE(broken([](RequestRecord& r) { r.request_data_json = R"({"a":"\\u0000"})"; }));
}

}  // namespace
}  // namespace attrition::store
