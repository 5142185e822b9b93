// libFuzzer target: arbitrary bytes through the spool record decoder (DecodeSpool), twice: as
// they are (framing, resynchronisation, torn tails) and reframed, every magic-delimited segment
// given its correct length and CRC-32 so that mutated payloads reach the JSON parser instead of
// stopping at the checksum. Beyond the sanitizers it checks the decoder's bookkeeping, that
// decoded records survive a round trip (encode, decode: equal records, the same bytes again),
// and that reading the bytes in two chunks, as Spool::Read does, yields the same records as
// reading them at once.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/spool_codec.hpp"

namespace {

using attrition::store::DecodeSpool;
using attrition::store::EncodeSpoolRecord;
using attrition::store::PredictionRecord;
using attrition::store::RequestRecord;
using attrition::store::SpoolDecodeResult;

void Require(bool condition) {
    if (!condition) __builtin_trap();  // libFuzzer reports the input that broke the promise
}

bool Same(const PredictionRecord& a, const PredictionRecord& b) {
    return a.id == b.id && a.prediction_date == b.prediction_date &&
           a.employee_id == b.employee_id &&
           std::bit_cast<std::uint64_t>(a.attrition_prob) ==
               std::bit_cast<std::uint64_t>(b.attrition_prob) &&
           a.risk_level == b.risk_level && a.model_version == b.model_version &&
           a.features_snapshot_json == b.features_snapshot_json;
}

bool Same(const RequestRecord& a, const RequestRecord& b) {
    if (a.id != b.id || a.created_at != b.created_at || a.endpoint != b.endpoint ||
        a.request_data_json != b.request_data_json || a.client_ip != b.client_ip ||
        a.user_agent != b.user_agent || a.http_status != b.http_status ||
        a.response_time_ms != b.response_time_ms || a.predictions.size() != b.predictions.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.predictions.size(); ++i) {
        if (!Same(a.predictions[i], b.predictions[i])) return false;
    }
    return true;
}

bool Same(const std::vector<RequestRecord>& a, const std::vector<RequestRecord>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!Same(a[i], b[i])) return false;
    }
    return true;
}

void PutU32(std::uint32_t value, std::string* out) {
    for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFFU));
}

// Each segment from one magic to the next keeps its bytes after the 12-byte header as payload
// and gets a header that matches them; bytes before the first magic stay as they are.
std::string Reframe(std::string_view input) {
    using attrition::store::kSpoolHeaderBytes;
    using attrition::store::kSpoolMagic;
    std::size_t start = input.find(kSpoolMagic);
    std::string out(input.substr(0, start));
    while (start != std::string_view::npos) {
        const std::size_t next = input.find(kSpoolMagic, start + kSpoolMagic.size());
        const std::string_view segment = input.substr(start, next - start);
        if (segment.size() < kSpoolHeaderBytes) {
            out.append(segment);
        } else {
            const std::string_view payload = segment.substr(kSpoolHeaderBytes);
            std::string length;
            PutU32(static_cast<std::uint32_t>(payload.size()), &length);
            out.append(kSpoolMagic);
            out.append(length);
            PutU32(attrition::store::Crc32(payload, attrition::store::Crc32(length)), &out);
            out.append(payload);
        }
        start = next;
    }
    return out;
}

void CheckBookkeeping(const SpoolDecodeResult& result, std::string_view bytes, bool at_end) {
    Require(result.valid_end <= result.consumed && result.consumed <= bytes.size());
    Require(result.records.empty() || result.valid_end > 0);
    if (at_end) {
        Require(result.consumed == bytes.size());
        Require(result.torn_tail || result.valid_end == bytes.size());
    } else {
        Require(!result.torn_tail);
    }
}

// Encoding the decoded records and decoding them again gives the same records, with no loss,
// and encoding those gives the same bytes.
void CheckRoundTrip(const std::vector<RequestRecord>& records) {
    if (records.empty()) return;
    std::string encoded;
    for (const auto& record : records) EncodeSpoolRecord(record, &encoded);
    const auto again = DecodeSpool(encoded, /*at_end=*/true);
    Require(Same(again.records, records));
    Require(again.corrupt_records == 0 && !again.torn_tail);
    Require(again.consumed == encoded.size() && again.valid_end == encoded.size());
    std::string reencoded;
    for (const auto& record : again.records) EncodeSpoolRecord(record, &reencoded);
    Require(reencoded == encoded);
}

// Spool::Read's loop with the bytes arriving in two reads: decode what is buffered, keep the
// unconsumed rest, and decode once more with at_end when a read returns nothing.
void CheckChunked(std::string_view bytes, const std::vector<RequestRecord>& at_once) {
    const std::size_t split =
        bytes.empty() ? 0 : bytes.size() * static_cast<unsigned char>(bytes[0]) / 255;
    std::vector<RequestRecord> records;
    std::string buffer;
    for (const std::string_view chunk : {bytes.substr(0, split), bytes.substr(split)}) {
        buffer.append(chunk);
        auto decoded = DecodeSpool(buffer, /*at_end=*/false);
        CheckBookkeeping(decoded, buffer, false);
        for (auto& record : decoded.records) records.push_back(std::move(record));
        buffer.erase(0, decoded.consumed);
    }
    auto last = DecodeSpool(buffer, /*at_end=*/true);
    CheckBookkeeping(last, buffer, true);
    for (auto& record : last.records) records.push_back(std::move(record));
    Require(Same(records, at_once));
}

void Check(std::string_view bytes) {
    const auto at_end = DecodeSpool(bytes, /*at_end=*/true);
    CheckBookkeeping(at_end, bytes, true);
    CheckRoundTrip(at_end.records);
    CheckChunked(bytes, at_end.records);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    Check(bytes);
    const std::string reframed = Reframe(bytes);
    if (reframed != bytes) Check(reframed);
    return 0;
}
