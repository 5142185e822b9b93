// JSON text helpers for the request path (responses themselves are written with base::JsonWriter,
// base/json_writer.hpp): percentages with two decimals, what the prediction log keeps of a
// rejected body, the employee ids a body names. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attrition::http {

// A probability in 0..1 as a percentage rounded to 2 decimals (e.g. 0.95978 -> 95.98).
double RoundedPercent(double probability) noexcept;

// The body of a rejected request, as the log keeps it: a marked object {"rejected": reason,
// "truncated", "body_bytes", "body_prefix", "employee_ids"} holding at most max_bytes of it as a
// string (invalid UTF-8 and NUL replaced by U+FFFD) and every employee_id the body names
// (EmployeeIdsNamed), so that erasure finds the row whoever it names. A body that is not valid
// JSON names ids no reader can know (an escaped key, a truncated tensor): its prefix is not kept
// ("body_prefix": null, "body_withheld": kWithheldReason), only its size.
std::string MarkedBody(std::string_view reason, std::string_view body, std::size_t max_bytes);
inline constexpr std::string_view kWithheldReason =
    "not valid JSON: the employee ids it may hold cannot be read for erasure";

// Every distinct valid employee_id a valid JSON body names, in order, at most kMaxNamedIds: each
// string value of an "employee_id" key at any depth, duplicate keys included (a JSON object may
// name two), and each string in the data of an Open Inference Protocol input tensor named
// "employee_id". nullopt when the body is not valid JSON.
inline constexpr std::size_t kMaxNamedIds = 1000;
std::optional<std::vector<std::string>> EmployeeIdsNamed(std::string_view body);

}  // namespace attrition::http
