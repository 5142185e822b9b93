// The query string of a request target, decoded once and checked: every name and value is
// valid percent-encoding and, decoded, valid UTF-8, so a handler can echo a parameter name in a
// 422 `loc` or pass a value to the database without either refusing the bytes. Pure functions,
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace attrition::http {

struct QueryParameter {
    std::string name;
    std::string value;  // empty for `?name` without '='
};

// RFC 3986 percent-decoding (a '+' stays a '+': "+02:00" offsets work unencoded); nullopt on a
// malformed escape. Bytes are not checked for UTF-8.
std::optional<std::string> PercentDecode(std::string_view text);

// The target's parameters in order, names and values decoded: the one query parser of every
// route. kInvalidInput with one issue per bad parameter: loc ["query", name] for a bad value or
// a name given more than once (decoded: `a` and `%61` are the same name), ["query"] when the
// name itself cannot be decoded (it is then not echoed).
base::Result<std::vector<QueryParameter>> ParseQuery(std::string_view target);

// The value of the parameter `name` in a ParseQuery result; nullopt when it is not there.
std::optional<std::string_view> FindParameter(const std::vector<QueryParameter>& parameters,
                                              std::string_view name);

// The 422 message for a since/until value base::ParseIso8601 refuses (its years: base/clock.hpp).
inline constexpr std::string_view kTimeParameterMessage =
    "Input should be an ISO 8601 date or date-time with a time zone, from 1678-01-01 to "
    "2261-12-31";

// A parameter's value as a decimal int (optional '-', digits, nothing else); nullopt otherwise.
std::optional<int> ParseQueryInt(std::string_view text);

// kInvalidInput with the one issue loc ["query", name] (name valid UTF-8: from ParseQuery).
base::Error QueryIssue(std::string_view name, std::string msg, std::string type);

}  // namespace attrition::http
