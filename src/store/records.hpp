// The rows of the prediction log as plain values: one RequestRecord per HTTP request to a
// prediction endpoint, holding its PredictionRecords (one per employee scored). Built by the
// serving layer and the HTTP adapter, moved into PredictionLog::Append; no shared state.
// ValidateRecord() checks the rules the database schema enforces, so that a record that passes
// is never rejected later, except JSON well-formedness: every JSON value here is the service's
// own writing (base::JsonWriter, valid by construction whatever the strings it is given), so
// it is not parsed again on the write path; the databases still check it (jsonb, SQLite's
// json_valid), and a record one refuses fails alone (the writer retries its batch one by one).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"

namespace attrition::store {

struct PredictionRecord {
    std::string id;  // UUID text (NewUuid())
    base::SystemTime prediction_date;
    std::optional<std::string> employee_id;  // base::CheckEmployeeId
    double attrition_prob = 0.0;             // a probability in 0..1, NOT a percentage
    std::string risk_level;                  // "LOW", "MEDIUM" or "HIGH"
    std::string model_version;               // <= 50 characters
    std::string features_snapshot_json;      // valid JSON text (base::JsonWriter's)
    bool shadow = false;  // scored by the shadow version; the client got another row's answer
};

struct RequestRecord {
    std::string id;  // UUID text (NewUuid()): the idempotence key of the whole record
    base::SystemTime created_at;
    std::string endpoint;                   // <= 100 characters, e.g. "/api/v1/predict"
    std::string request_data_json;          // valid JSON text (base::JsonWriter's)
    std::optional<std::string> client_ip;   // <= 45 characters
    std::optional<std::string> user_agent;  // any length
    // The X-Request-ID the client saw (given or made), 1..kMaxRequestIdChars characters.
    // Absent for records spooled before it was kept.
    std::optional<std::string> x_request_id;
    int http_status = 0;
    std::optional<int> response_time_ms;
    std::vector<PredictionRecord> predictions;  // empty for a rejected request
};

// Field limits of the schema (migrations/*/0001_*.up.sql), in characters; employee_id's is
// base::kMaxEmployeeIdChars.
inline constexpr std::size_t kMaxEndpointChars = 100;
inline constexpr std::size_t kMaxClientIpChars = 45;
inline constexpr std::size_t kMaxRequestIdChars = 128;
inline constexpr std::size_t kMaxModelVersionChars = 50;

// kInvalidInput naming the first broken rule (never the value): ids must be UUIDs, text must be
// UTF-8 without NUL and within its column's length, JSON must not hold the escape \u0000 (jsonb
// refuses it), the probability must be finite and in 0..1, the risk level one of the three.
base::Result<void> ValidateRecord(const RequestRecord& record);

}  // namespace attrition::store
