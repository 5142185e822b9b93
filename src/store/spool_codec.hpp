// The spool's on-disk record format, as pure functions (unit-tested and fuzzable):
//
//   record  = magic[4] | length u32 LE | crc32 u32 LE | payload[length]
//   magic   = A7 53 50 31 ("\xA7SP1"; the 0xA7 byte never occurs in the ASCII-only payload)
//   crc32   = CRC-32 (IEEE 802.3, as zlib) over the 4 length bytes followed by the payload
//   payload = the RequestRecord as ASCII-only JSON, times as integer microseconds since epoch
//
// Decoding is forgiving by design: a record cut short or failing its checksum at the very end
// of the file is a torn tail (a crash mid-write) and is ignored; a bad record followed by more
// data is corruption: counted, reported by the caller, and skipped by searching for the next
// magic. No shared state: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"

namespace attrition::store {

inline constexpr std::string_view kSpoolMagic = "\xA7SP1";
inline constexpr std::size_t kSpoolHeaderBytes = 12;
inline constexpr std::uint32_t kMaxSpoolPayloadBytes = 64U << 20;

std::uint32_t Crc32(std::string_view bytes, std::uint32_t crc = 0) noexcept;

// Appends one encoded record to *out.
void EncodeSpoolRecord(const RequestRecord& record, std::string* out);

struct SpoolDecodeResult {
    std::vector<RequestRecord> records;
    std::size_t consumed = 0;         // bytes fully processed; the rest awaits more input
    std::size_t valid_end = 0;        // end of the last good record (to cut a torn tail)
    std::size_t corrupt_records = 0;  // bad records skipped in the middle
    bool torn_tail = false;           // at_end only: trailing bytes that are no full record
};

// Decodes records from bytes (the spool from some record boundary on). at_end: no more bytes
// follow, so an incomplete record is a torn tail; otherwise decoding stops before it. Stops
// after max_records records.
SpoolDecodeResult DecodeSpool(std::string_view bytes,
                              bool at_end,
                              std::size_t max_records = std::numeric_limits<std::size_t>::max());

}  // namespace attrition::store
