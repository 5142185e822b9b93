// UTF-8 text rules shared by every module: validity, length in characters (code points, as
// PostgreSQL's varchar(n) and SQLite's length() count), repair of untrusted bytes, and the one
// employee_id rule that the validator, the log record check, the read side and erasure all
// apply. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace attrition::base {

// Length of the valid UTF-8 sequence starting at text[at] (1..4), or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t Utf8SequenceLength(std::string_view text, std::size_t at) noexcept;

bool IsValidUtf8(std::string_view text) noexcept;

// Characters (code points) in valid UTF-8 text.
std::size_t CharCount(std::string_view utf8) noexcept;

// `text` with every invalid byte and every NUL replaced by U+FFFD: always valid UTF-8 that
// PostgreSQL text columns accept.
std::string ToValidUtf8(std::string_view text);

// employee_id is varchar(50) in both schemas: 1 to 50 characters of UTF-8, no NUL.
inline constexpr std::size_t kMaxEmployeeIdChars = 50;

enum class EmployeeIdProblem { kNone, kEmpty, kTooLong, kNul, kInvalidUtf8 };

EmployeeIdProblem CheckEmployeeId(std::string_view id) noexcept;

}  // namespace attrition::base
