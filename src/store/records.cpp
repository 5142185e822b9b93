#include "store/records.hpp"

#include <fmt/core.h>

#include <cmath>

#include "base/text.hpp"
#include "store/uuid.hpp"

namespace attrition::store {
namespace {

using base::ErrorCode;
using base::Fail;

// PostgreSQL text and varchar columns cannot hold NUL, and jsonb refuses the escape \u0000.
bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }
bool OptionalHasNul(const std::optional<std::string>& text) { return text && HasNul(*text); }

bool HasNulEscape(std::string_view json) {
    if (json.find("\\u0000") == std::string_view::npos) return false;
    for (std::size_t i = 0; i + 1 < json.size(); ++i) {
        if (json[i] != '\\') continue;
        if (json.compare(i + 1, 5, "u0000") == 0) return true;
        ++i;  // the escaped character cannot start another escape
    }
    return false;
}

// varchar(n) counts characters in both backends; PostgreSQL refuses invalid UTF-8 in any
// text column (SQLSTATE 22021), so it is refused here, before anything is acknowledged.
bool FitsChars(std::string_view text, std::size_t min_chars, std::size_t max_chars) {
    if (!base::IsValidUtf8(text)) return false;
    const std::size_t chars = base::CharCount(text);
    return chars >= min_chars && chars <= max_chars;
}

bool OptionalFitsChars(const std::optional<std::string>& text, std::size_t max_chars) {
    return !text || FitsChars(*text, 0, max_chars);
}

// Checks the record's own columns (not request_data): UUID, lengths, UTF-8, no NUL.
base::Result<void> ValidateRequestColumns(const RequestRecord& record) {
    if (!IsUuid(record.id)) return Fail(ErrorCode::kInvalidInput, "request id is not a UUID");
    if (!FitsChars(record.endpoint, 1, kMaxEndpointChars)) {
        return Fail(ErrorCode::kInvalidInput,
                    fmt::format("endpoint must have 1..{} characters", kMaxEndpointChars));
    }
    if (!OptionalFitsChars(record.client_ip, kMaxClientIpChars)) {
        return Fail(ErrorCode::kInvalidInput,
                    fmt::format("client_ip must have at most {} characters", kMaxClientIpChars));
    }
    if (record.x_request_id && !FitsChars(*record.x_request_id, 1, kMaxRequestIdChars)) {
        return Fail(ErrorCode::kInvalidInput,
                    fmt::format("x_request_id must have 1..{} characters", kMaxRequestIdChars));
    }
    if (record.user_agent && !base::IsValidUtf8(*record.user_agent)) {
        return Fail(ErrorCode::kInvalidInput, "user_agent is not valid UTF-8");
    }
    if (HasNul(record.endpoint) || OptionalHasNul(record.client_ip) ||
        OptionalHasNul(record.user_agent) || OptionalHasNul(record.x_request_id)) {
        return Fail(ErrorCode::kInvalidInput, "a text column holds a NUL character");
    }
    return {};
}

// Checks a record's prediction number i.
base::Result<void> ValidatePredictionRecord(const PredictionRecord& prediction, std::size_t i) {
    const auto where = [i] { return fmt::format("prediction {}: ", i); };
    if (!IsUuid(prediction.id)) {
        return Fail(ErrorCode::kInvalidInput, where() + "id is not a UUID");
    }
    if (!std::isfinite(prediction.attrition_prob) || prediction.attrition_prob < 0.0 ||
        prediction.attrition_prob > 1.0) {
        return Fail(ErrorCode::kInvalidInput,
                    where() + "attrition_prob must be a probability in 0..1");
    }
    if (prediction.risk_level != "LOW" && prediction.risk_level != "MEDIUM" &&
        prediction.risk_level != "HIGH") {
        return Fail(ErrorCode::kInvalidInput, where() + "risk_level must be LOW, MEDIUM or HIGH");
    }
    if (!FitsChars(prediction.model_version, 1, kMaxModelVersionChars)) {
        return Fail(ErrorCode::kInvalidInput,
                    where() + fmt::format("model_version must have 1..{} characters",
                                          kMaxModelVersionChars));
    }
    if (prediction.employee_id &&
        base::CheckEmployeeId(*prediction.employee_id) != base::EmployeeIdProblem::kNone) {
        return Fail(ErrorCode::kInvalidInput,
                    where() + fmt::format("employee_id must be 1..{} characters of UTF-8 "
                                          "without NUL",
                                          base::kMaxEmployeeIdChars));
    }
    if (HasNul(prediction.model_version)) {
        return Fail(ErrorCode::kInvalidInput, where() + "a text column holds a NUL character");
    }
    if (HasNulEscape(prediction.features_snapshot_json)) {
        return Fail(ErrorCode::kInvalidInput, where() + "features_snapshot holds \\u0000");
    }
    return {};
}

}  // namespace

base::Result<void> ValidateRecord(const RequestRecord& record) {
    if (auto columns = ValidateRequestColumns(record); !columns) return columns;
    if (HasNulEscape(record.request_data_json)) {
        return Fail(ErrorCode::kInvalidInput, "request_data holds \\u0000");
    }
    for (std::size_t i = 0; i < record.predictions.size(); ++i) {
        if (auto checked = ValidatePredictionRecord(record.predictions[i], i); !checked) {
            return checked;
        }
    }
    return {};
}

}  // namespace attrition::store
