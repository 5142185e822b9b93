// Error values shared by every module: a protocol-neutral code, a message, and the list of
// field problems (for validation). Expected failures travel as Result<T>; exceptions are for
// startup failures and bugs. Value types, no shared state.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

namespace attrition::base {

enum class ErrorCode {
    kInvalidInput,          // the request content breaks a rule (422; 400 on /v2 routes)
    kMalformedRequest,      // not parseable at all (422 with a json error entry; 400 on /v2)
    kBadRequest,            // the HTTP request itself is malformed (400)
    kForbidden,             // refused whoever asks, e.g. no key configured (403)
    kMethodNotAllowed,      // the path exists, not with this method (405)
    kConflict,              // the request cannot apply to the current state (409)
    kNotImplemented,        // a protocol feature the server does not support (501)
    kPayloadTooLarge,       // body over the limit (413)
    kUnsupportedMediaType,  // not application/json (415)
    kNotFound,              // no such resource (404)
    kUnauthorized,          // missing or wrong credentials (401)
    kRateLimited,           // too many requests (429)
    kUnavailable,           // dependency not ready: model, database (503)
    kOverloaded,            // a bounded queue is full (503)
    kInternal,              // a bug or an unexpected failure (500)
    kInvalidConfig,         // bad configuration (startup)
    kIo,                    // file system or network failure
};

// One problem with one input location, in the shape FastAPI reports (`loc`, `msg`, `type`).
struct FieldIssue {
    std::vector<std::string> loc;  // e.g. {"body", "employees", "3", "age"}
    std::string msg;               // names the rule, never the submitted value
    std::string type;              // machine-readable kind, e.g. "value_error.number.range"
};

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;
    std::vector<FieldIssue> issues;

    static Error Make(ErrorCode code, std::string message) {
        return Error{code, std::move(message), {}};
    }
};

// tl::expected that cannot be dropped silently: a call whose Result is ignored is a warning
// (an error in CI). Everything of tl::expected is inherited; a tl::expected<T, Error> (what
// and_then and map return) converts back.
template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
  public:
    using tl::expected<T, Error>::expected;
    Result() = default;
    // NOLINTNEXTLINE(google-explicit-constructor): implicit, as between two tl::expected.
    Result(tl::expected<T, Error> other) : tl::expected<T, Error>(std::move(other)) {}
};

inline tl::unexpected<Error> Fail(ErrorCode code, std::string message) {
    return tl::unexpected<Error>(Error::Make(code, std::move(message)));
}

// A short stable name for logs and metrics ("invalid_input", ...).
const char* ErrorCodeName(ErrorCode code) noexcept;

}  // namespace attrition::base
