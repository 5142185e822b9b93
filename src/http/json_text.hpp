// Small JSON text helpers for the request path, where responses are written with fmt rather
// than a DOM: string escaping, percentages with two decimals, and making a client's JSON body
// safe to store in PostgreSQL JSONB. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace attrition::http {

// Appends `value` as a quoted JSON string (control characters escaped; bytes >= 0x80 kept).
void AppendJsonString(std::string& out, std::string_view value);

// A probability in 0..1 as a percentage rounded to 2 decimals (e.g. 0.95978 -> 95.98).
double RoundedPercent(double probability) noexcept;

// A body that parsed as JSON, made storable: JSONB rejects the escape \u0000, which becomes
// \ufffd (other bytes unchanged, so the document stays valid).
std::string StorableJson(std::string_view valid_json);

// A body that cannot be stored as it is (not JSON, wrong media type, too large): a marked
// object {"rejected": reason, "truncated", "body_bytes", "body_prefix"} holding at most
// max_bytes of it as a string, invalid UTF-8 and NUL replaced by U+FFFD.
std::string MarkedBody(std::string_view reason, std::string_view body, std::size_t max_bytes);

}  // namespace attrition::http
