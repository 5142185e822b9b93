// The prediction log's rows in PostgreSQL's binary COPY format (COPY ... FROM STDIN (FORMAT
// binary)): each value written once, in the form the server stores, with no text to parse back
// (an integer is four bytes, a uuid sixteen, a timestamp the microseconds since 2000-01-01; a
// jsonb value is its version byte and the JSON text, which the server still parses). The column
// lists below name the order the encoders write. Pure functions, thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "store/records.hpp"

namespace attrition::store {

inline constexpr std::string_view kCopyRequestColumns =
    "api_requests (id, created_at, endpoint, request_data, client_ip, user_agent, http_status, "
    "response_time_ms, x_request_id)";
inline constexpr std::string_view kCopyPredictionColumns =
    "predictions (id, request_id, created_at, prediction_date, employee_id, attrition_prob, "
    "risk_level, model_version, features_snapshot, shadow)";

// The whole COPY stream (header, one tuple per row, trailer) of the records' api_requests rows,
// and of their predictions rows. Each id must be UUID text (ValidateRecord's rule).
std::string CopyRequestRows(std::span<const RequestRecord> records);
std::string CopyPredictionRows(std::span<const RequestRecord> records);

}  // namespace attrition::store
