#include "base/error.hpp"

namespace attrition::base {

const char* ErrorCodeName(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::kInvalidInput:
            return "invalid_input";
        case ErrorCode::kMalformedRequest:
            return "malformed_request";
        case ErrorCode::kBadRequest:
            return "bad_request";
        case ErrorCode::kForbidden:
            return "forbidden";
        case ErrorCode::kMethodNotAllowed:
            return "method_not_allowed";
        case ErrorCode::kConflict:
            return "conflict";
        case ErrorCode::kNotImplemented:
            return "not_implemented";
        case ErrorCode::kPayloadTooLarge:
            return "payload_too_large";
        case ErrorCode::kUnsupportedMediaType:
            return "unsupported_media_type";
        case ErrorCode::kNotFound:
            return "not_found";
        case ErrorCode::kUnauthorized:
            return "unauthorized";
        case ErrorCode::kRateLimited:
            return "rate_limited";
        case ErrorCode::kUnavailable:
            return "unavailable";
        case ErrorCode::kOverloaded:
            return "overloaded";
        case ErrorCode::kInternal:
            return "internal";
        case ErrorCode::kInvalidConfig:
            return "invalid_config";
        case ErrorCode::kIo:
            return "io";
    }
    return "unknown";
}

}  // namespace attrition::base
