#include "store/spool_codec.hpp"

#include <array>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

namespace attrition::store {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::uint32_t, 256> MakeCrcTable() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t n = 0; n < 256; ++n) {
        std::uint32_t c = n;
        for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
    return table;
}

constexpr auto kCrcTable = MakeCrcTable();

std::int64_t ToMicros(base::SystemTime t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// An integer field within [min, max]. A float, a non-number or a value out of range throws like
// a missing field does: converting it would be undefined (a float) or wrap silently (an int).
template <class Int>
Int IntegerIn(const Json& value, Int min, Int max) {
    if (value.is_number_unsigned()) {
        const auto number = value.get<std::uint64_t>();
        if (number <= static_cast<std::uint64_t>(max)) return static_cast<Int>(number);
    } else if (value.is_number_integer()) {
        const auto number = value.get<std::int64_t>();
        if (number >= min && number <= max) return static_cast<Int>(number);
    }
    throw Json::out_of_range::create(406, "integer field out of range", &value);
}

int IntField(const Json& value) {
    return IntegerIn(value, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
}

// Microseconds that system_clock's nanosecond count can hold (about the years 1678 to 2262).
base::SystemTime TimeField(const Json& value) {
    using std::chrono::microseconds;
    constexpr auto kMax =
        std::chrono::duration_cast<microseconds>(base::SystemTime::duration::max()).count();
    constexpr auto kMin =
        std::chrono::duration_cast<microseconds>(base::SystemTime::duration::min()).count();
    return base::SystemTime(std::chrono::duration_cast<base::SystemTime::duration>(
        microseconds(IntegerIn<std::int64_t>(value, kMin, kMax))));
}

Json OptionalText(const std::optional<std::string>& value) {
    return value ? Json(*value) : Json(nullptr);
}

std::optional<std::string> TextOrNull(const Json& value) {
    if (value.is_null()) return std::nullopt;
    return value.get<std::string>();
}

void PutU32(std::uint32_t value, std::string* out) {
    for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFFU));
}

std::uint32_t GetU32(std::string_view bytes) {
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i) {
        value = (value << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    }
    return value;
}

std::optional<RequestRecord> ParsePayload(std::string_view payload) {
    const auto json = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) return std::nullopt;
    try {
        RequestRecord record;
        record.id = json.at("id").get<std::string>();
        record.created_at = TimeField(json.at("created_at"));
        record.endpoint = json.at("endpoint").get<std::string>();
        record.request_data_json = json.at("request_data").get<std::string>();
        record.client_ip = TextOrNull(json.at("client_ip"));
        record.user_agent = TextOrNull(json.at("user_agent"));
        // Absent in records spooled before the X-Request-ID was kept.
        if (const auto found = json.find("x_request_id"); found != json.end()) {
            record.x_request_id = TextOrNull(*found);
        }
        record.http_status = IntField(json.at("http_status"));
        if (!json.at("response_time_ms").is_null()) {
            record.response_time_ms = IntField(json.at("response_time_ms"));
        }
        for (const auto& item : json.at("predictions")) {
            PredictionRecord prediction;
            prediction.id = item.at("id").get<std::string>();
            prediction.prediction_date = TimeField(item.at("prediction_date"));
            prediction.employee_id = TextOrNull(item.at("employee_id"));
            prediction.attrition_prob = item.at("attrition_prob").get<double>();
            prediction.risk_level = item.at("risk_level").get<std::string>();
            prediction.model_version = item.at("model_version").get<std::string>();
            prediction.features_snapshot_json = item.at("features_snapshot").get<std::string>();
            // Absent in records spooled before shadow scoring existed.
            prediction.shadow = item.value("shadow", false);
            record.predictions.push_back(std::move(prediction));
        }
        return record;
    } catch (const Json::exception&) {
        return std::nullopt;
    }
}

// Resyncs past the bad record at *offset: at the next magic (true), or gives up on the rest.
bool SkipBadSpoolRecord(std::string_view bytes,
                        bool at_end,
                        std::size_t* offset,
                        SpoolDecodeResult* result) {
    const std::size_t from = *offset;
    const auto next = bytes.find(kSpoolMagic, from + 1);
    if (next != std::string_view::npos) {
        ++result->corrupt_records;
        *offset = next;
        return true;
    }
    if (at_end) {
        result->torn_tail = true;
        *offset = bytes.size();
    } else {
        // Keep a possible partial magic for the next call.
        *offset = std::max(from, bytes.size() - std::min(bytes.size(), kSpoolMagic.size()));
    }
    return false;
}

}  // namespace

std::uint32_t Crc32(std::string_view bytes, std::uint32_t crc) noexcept {
    crc = ~crc;
    for (const char byte : bytes) {
        crc = kCrcTable[(crc ^ static_cast<unsigned char>(byte)) & 0xFFU] ^ (crc >> 8);
    }
    return ~crc;
}

void EncodeSpoolRecord(const RequestRecord& record, std::string* out) {
    Json predictions = Json::array();
    for (const auto& prediction : record.predictions) {
        predictions.push_back({
            {"id", prediction.id},
            {"prediction_date", ToMicros(prediction.prediction_date)},
            {"employee_id", OptionalText(prediction.employee_id)},
            {"attrition_prob", prediction.attrition_prob},
            {"risk_level", prediction.risk_level},
            {"model_version", prediction.model_version},
            {"features_snapshot", prediction.features_snapshot_json},
        });
        if (prediction.shadow) predictions.back()["shadow"] = true;
    }
    const Json json = {
        {"id", record.id},
        {"created_at", ToMicros(record.created_at)},
        {"endpoint", record.endpoint},
        {"request_data", record.request_data_json},
        {"client_ip", OptionalText(record.client_ip)},
        {"user_agent", OptionalText(record.user_agent)},
        {"x_request_id", OptionalText(record.x_request_id)},
        {"http_status", record.http_status},
        {"response_time_ms",
         record.response_time_ms ? Json(*record.response_time_ms) : Json(nullptr)},
        {"predictions", std::move(predictions)},
    };
    // ensure_ascii: the payload never holds the magic's 0xA7 byte; invalid UTF-8 is replaced.
    const std::string payload = json.dump(-1, ' ', true, Json::error_handler_t::replace);
    std::string length;
    PutU32(static_cast<std::uint32_t>(payload.size()), &length);
    out->append(kSpoolMagic);
    out->append(length);
    PutU32(Crc32(payload, Crc32(length)), out);
    out->append(payload);
}

SpoolDecodeResult DecodeSpool(std::string_view bytes, bool at_end, std::size_t max_records) {
    SpoolDecodeResult result;
    std::size_t offset = 0;
    while (offset < bytes.size() && result.records.size() < max_records) {
        const auto rest = bytes.substr(offset);
        if (rest.size() < kSpoolHeaderBytes) {
            if (rest.substr(0, std::min(rest.size(), kSpoolMagic.size())) !=
                kSpoolMagic.substr(0, std::min(rest.size(), kSpoolMagic.size()))) {
                if (!SkipBadSpoolRecord(bytes, at_end, &offset, &result)) break;
                continue;
            }
            if (at_end) {
                result.torn_tail = true;
                offset = bytes.size();
            }
            break;
        }
        const std::uint32_t length = GetU32(rest.substr(4, 4));
        if (rest.substr(0, 4) != kSpoolMagic || length > kMaxSpoolPayloadBytes) {
            if (!SkipBadSpoolRecord(bytes, at_end, &offset, &result)) break;
            continue;
        }
        if (rest.size() < kSpoolHeaderBytes + length) {
            if (!at_end) break;
            // Cut short: torn unless more records follow.
            if (!SkipBadSpoolRecord(bytes, at_end, &offset, &result)) break;
            continue;
        }
        const auto payload = rest.substr(kSpoolHeaderBytes, length);
        const bool checksum_ok =
            Crc32(payload, Crc32(rest.substr(4, 4))) == GetU32(rest.substr(8, 4));
        auto record = checksum_ok ? ParsePayload(payload) : std::nullopt;
        if (!record) {
            // A bad last record (e.g. zero-filled after a crash) is a torn tail, found by the
            // resync: no magic follows it. A magic inside it starts the next record; decided
            // here rather than by at_end, so that one read and several give the same records.
            if (!SkipBadSpoolRecord(bytes, at_end, &offset, &result)) break;
            continue;
        }
        result.records.push_back(std::move(*record));
        offset += kSpoolHeaderBytes + length;
        result.valid_end = offset;
    }
    result.consumed = offset;
    return result;
}

}  // namespace attrition::store
