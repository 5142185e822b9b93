// The spool record format: round trip, a torn tail (crash mid-write) ignored, a corrupt record
// in the middle counted and skipped, incremental decoding across chunk boundaries.
#include "store/spool_codec.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "store/uuid.hpp"

namespace attrition::store {
namespace {

RequestRecord MakeRecord(int predictions) {
    RequestRecord record;
    record.id = NewUuid();
    record.created_at = base::SystemTime(std::chrono::microseconds(1795000000123456));
    record.endpoint = "/api/v1/predict/batch";
    record.request_data_json = R"({"employee_count":2,"note":"Marié(e) \u00e9"})";
    record.client_ip = "10.0.0.7";
    record.user_agent = std::nullopt;
    if (predictions % 2 == 0) record.x_request_id = "req-" + std::to_string(predictions);
    record.http_status = 200;
    record.response_time_ms = 12;
    for (int i = 0; i < predictions; ++i) {
        PredictionRecord prediction;
        prediction.id = NewUuid();
        prediction.prediction_date = record.created_at + std::chrono::microseconds(i);
        prediction.employee_id =
            i % 2 == 0 ? std::optional<std::string>("E" + std::to_string(i)) : std::nullopt;
        prediction.attrition_prob = 0.1 + 0.2 * i;
        prediction.risk_level = "MEDIUM";
        prediction.model_version = "xgb_enhanced_v1.0";
        prediction.features_snapshot_json = R"({"age":35,"genre":"M"})";
        prediction.shadow = i == 1;
        record.predictions.push_back(prediction);
    }
    return record;
}

void ExpectSame(const RequestRecord& a, const RequestRecord& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.endpoint, b.endpoint);
    EXPECT_EQ(a.request_data_json, b.request_data_json);
    EXPECT_EQ(a.client_ip, b.client_ip);
    EXPECT_EQ(a.user_agent, b.user_agent);
    EXPECT_EQ(a.x_request_id, b.x_request_id);
    EXPECT_EQ(a.http_status, b.http_status);
    EXPECT_EQ(a.response_time_ms, b.response_time_ms);
    ASSERT_EQ(a.predictions.size(), b.predictions.size());
    for (std::size_t i = 0; i < a.predictions.size(); ++i) {
        EXPECT_EQ(a.predictions[i].id, b.predictions[i].id);
        EXPECT_EQ(a.predictions[i].prediction_date, b.predictions[i].prediction_date);
        EXPECT_EQ(a.predictions[i].employee_id, b.predictions[i].employee_id);
        EXPECT_EQ(a.predictions[i].attrition_prob, b.predictions[i].attrition_prob);
        EXPECT_EQ(a.predictions[i].risk_level, b.predictions[i].risk_level);
        EXPECT_EQ(a.predictions[i].model_version, b.predictions[i].model_version);
        EXPECT_EQ(a.predictions[i].features_snapshot_json, b.predictions[i].features_snapshot_json);
        EXPECT_EQ(a.predictions[i].shadow, b.predictions[i].shadow);
    }
}

struct Encoded {
    std::vector<RequestRecord> records;
    std::string bytes;
    std::vector<std::size_t> starts;  // offset of each record
};

Encoded EncodeSome(int count) {
    Encoded encoded;
    for (int i = 0; i < count; ++i) {
        encoded.records.push_back(MakeRecord(i % 4));
        encoded.starts.push_back(encoded.bytes.size());
        EncodeSpoolRecord(encoded.records.back(), &encoded.bytes);
    }
    return encoded;
}

TEST(SpoolCodecTest, Crc32MatchesTheStandardCheckValue) {
    EXPECT_EQ(Crc32("123456789"), 0xCBF43926U);
    EXPECT_EQ(Crc32(""), 0U);
}

TEST(SpoolCodecTest, RoundTripsEveryField) {
    const auto encoded = EncodeSome(5);
    EXPECT_EQ(encoded.bytes.substr(0, 4), kSpoolMagic);
    const auto decoded = DecodeSpool(encoded.bytes, true);
    EXPECT_FALSE(decoded.torn_tail);
    EXPECT_EQ(decoded.corrupt_records, 0U);
    EXPECT_EQ(decoded.consumed, encoded.bytes.size());
    ASSERT_EQ(decoded.records.size(), 5U);
    for (std::size_t i = 0; i < 5; ++i) ExpectSame(decoded.records[i], encoded.records[i]);
}

// A spool written by a version that did not keep the X-Request-ID (no such member) is replayed
// by this one: the record decodes whole, without it.
TEST(SpoolCodecTest, ARecordSpooledBeforeTheRequestIdWasKeptDecodesWithoutIt) {
    const std::string payload =
        R"({"id":"3f2c8a1e-5b7d-4c9a-8e6f-1a2b3c4d5e6f","created_at":1795000000123456,)"
        R"("endpoint":"/api/v1/predict","request_data":"{}","client_ip":null,)"
        R"("user_agent":"curl/8","http_status":200,"response_time_ms":3,"predictions":[]})";
    std::string length;
    for (int i = 0; i < 4; ++i)
        length.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xFFU));
    const auto crc = Crc32(payload, Crc32(length));
    std::string bytes(kSpoolMagic);
    bytes += length;
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xFFU));
    bytes += payload;
    const auto decoded = DecodeSpool(bytes, true);
    EXPECT_EQ(decoded.corrupt_records, 0U);
    ASSERT_EQ(decoded.records.size(), 1U);
    EXPECT_EQ(decoded.records[0].user_agent, "curl/8");
    EXPECT_EQ(decoded.records[0].x_request_id, std::nullopt);
}

TEST(SpoolCodecTest, TornTailIsIgnored) {
    const auto encoded = EncodeSome(3);
    // Every cut inside the last record leaves the first two intact.
    for (std::size_t cut = encoded.starts[2] + 1; cut < encoded.bytes.size(); cut += 7) {
        const auto decoded = DecodeSpool(std::string_view(encoded.bytes).substr(0, cut), true);
        ASSERT_EQ(decoded.records.size(), 2U) << "cut at " << cut;
        EXPECT_TRUE(decoded.torn_tail);
        EXPECT_EQ(decoded.corrupt_records, 0U);
        EXPECT_EQ(decoded.valid_end, encoded.starts[2]);
    }
}

TEST(SpoolCodecTest, ZeroFilledLastRecordIsATornTail) {
    auto encoded = EncodeSome(3);
    std::fill(encoded.bytes.begin() + static_cast<long>(encoded.starts[2]) + kSpoolHeaderBytes,
              encoded.bytes.end(), '\0');
    const auto decoded = DecodeSpool(encoded.bytes, true);
    EXPECT_EQ(decoded.records.size(), 2U);
    EXPECT_TRUE(decoded.torn_tail);
    EXPECT_EQ(decoded.corrupt_records, 0U);
}

// A bad last record whose claimed length covers a good record (found by the spool_decoder
// fuzz target): the good record is read whether the bytes arrive in one read or in two, as
// Spool::Read gets them; before, one read called the whole stretch a torn tail.
TEST(SpoolCodecTest, GoodRecordInsideABadLastRecordIsReadInOneReadOrTwo) {
    const auto inner = EncodeSome(2);
    const std::string inner_bytes = inner.bytes.substr(inner.starts[1]);
    std::string bytes(kSpoolMagic);
    const auto length = static_cast<std::uint32_t>(1 + inner_bytes.size());
    for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<char>(length >> shift));
    bytes.append("\x01\x02\x03\x04{");  // a checksum that does not match
    bytes.append(inner_bytes);

    const auto at_once = DecodeSpool(bytes, true);
    EXPECT_EQ(at_once.corrupt_records, 1U);
    EXPECT_FALSE(at_once.torn_tail);
    ASSERT_EQ(at_once.records.size(), 1U);
    ExpectSame(at_once.records[0], inner.records[1]);

    const auto first = DecodeSpool(bytes, false);
    const auto last = DecodeSpool(std::string_view(bytes).substr(first.consumed), true);
    EXPECT_EQ(first.records.size() + last.records.size(), 1U);
    EXPECT_EQ(first.corrupt_records + last.corrupt_records, 1U);
}

TEST(SpoolCodecTest, CorruptMiddleRecordIsCountedAndSkipped) {
    auto encoded = EncodeSome(4);
    encoded.bytes[encoded.starts[1] + kSpoolHeaderBytes + 10] ^= 0x01;  // payload bit flip
    const auto decoded = DecodeSpool(encoded.bytes, true);
    EXPECT_EQ(decoded.corrupt_records, 1U);
    EXPECT_FALSE(decoded.torn_tail);
    ASSERT_EQ(decoded.records.size(), 3U);
    ExpectSame(decoded.records[0], encoded.records[0]);
    ExpectSame(decoded.records[1], encoded.records[2]);
    ExpectSame(decoded.records[2], encoded.records[3]);
}

TEST(SpoolCodecTest, CorruptLengthInTheMiddleResynchronises) {
    auto encoded = EncodeSome(4);
    encoded.bytes[encoded.starts[1] + 7] = '\x7f';  // length now far beyond the file
    const auto decoded = DecodeSpool(encoded.bytes, true);
    EXPECT_EQ(decoded.corrupt_records, 1U);
    ASSERT_EQ(decoded.records.size(), 3U);
    ExpectSame(decoded.records[1], encoded.records[2]);
}

TEST(SpoolCodecTest, IncompleteRecordWaitsForMoreInputWhenNotAtEnd) {
    const auto encoded = EncodeSome(3);
    const auto cut = encoded.starts[2] + 5;
    const auto first = DecodeSpool(std::string_view(encoded.bytes).substr(0, cut), false);
    EXPECT_EQ(first.records.size(), 2U);
    EXPECT_FALSE(first.torn_tail);
    EXPECT_EQ(first.consumed, encoded.starts[2]);
    const auto rest = DecodeSpool(std::string_view(encoded.bytes).substr(first.consumed), true);
    ASSERT_EQ(rest.records.size(), 1U);
    ExpectSame(rest.records[0], encoded.records[2]);
}

TEST(SpoolCodecTest, StopsAfterMaxRecords) {
    const auto encoded = EncodeSome(5);
    const auto decoded = DecodeSpool(encoded.bytes, true, 2);
    EXPECT_EQ(decoded.records.size(), 2U);
    EXPECT_EQ(decoded.consumed, encoded.starts[2]);
}

// A record whose checksum holds but whose numbers cannot be represented (found by the
// spool_decoder fuzz target): a time past the year 2262 overflowed system_clock's nanoseconds,
// a float or an out-of-range integer status wrapped. Such a record is corrupt, never UB.
TEST(SpoolCodecTest, NumbersOutOfRangeMakeARecordCorrupt) {
    const auto framed = [](const std::string& payload) {
        std::string length(4, '\0');
        const auto n = static_cast<std::uint32_t>(payload.size());
        for (int i = 0; i < 4; ++i) length[i] = static_cast<char>((n >> (8 * i)) & 0xFFU);
        const std::uint32_t crc = Crc32(payload, Crc32(length));
        std::string crc_bytes(4, '\0');
        for (int i = 0; i < 4; ++i) crc_bytes[i] = static_cast<char>((crc >> (8 * i)) & 0xFFU);
        return std::string(kSpoolMagic) + length + crc_bytes + payload;
    };
    std::string good;
    EncodeSpoolRecord(MakeRecord(1), &good);
    const std::string payload = good.substr(kSpoolHeaderBytes);
    ASSERT_EQ(DecodeSpool(framed(payload), true).records.size(), 1U);  // the framing is right
    const auto replace_value = [&](const std::string& key, const std::string& value) {
        const auto at = payload.find("\"" + key + "\":");
        EXPECT_NE(at, std::string::npos) << key;
        const auto start = at + key.size() + 3;
        const auto end = payload.find_first_of(",}", start);
        return payload.substr(0, start) + value + payload.substr(end);
    };
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"created_at", "17950000009909999"},
             {"created_at", "1e30"},
             {"http_status", "4294967718"},
             {"http_status", "1e10"},
             {"response_time_ms", "-3e9"},
             {"prediction_date", "9223372036854775807"}}) {
        SCOPED_TRACE(key + "=" + value);
        const auto decoded = DecodeSpool(framed(replace_value(key, value)), true);
        EXPECT_TRUE(decoded.records.empty());
    }
}

TEST(SpoolCodecTest, GarbageOnlyDecodesToNothing) {
    const std::string garbage(100, 'x');
    const auto decoded = DecodeSpool(garbage, true);
    EXPECT_TRUE(decoded.records.empty());
    EXPECT_TRUE(decoded.torn_tail);
    EXPECT_EQ(decoded.consumed, garbage.size());
}

}  // namespace
}  // namespace attrition::store
