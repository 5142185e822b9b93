// The only mapping from error values to HTTP: status code and body, in the dialect of the route
// asked for. Under /v2 (the Open Inference Protocol) the body is `{"error": "message"}` and
// invalid input is a 400; elsewhere it is FastAPI's: `{"detail": "message"}`, or
// `{"detail": [{"loc","msg","type"}...]}` for field issues, where an all-digit loc element is a
// list index rendered as a JSON integer, as FastAPI does. Every refusal — a handler's, the
// router's 404 and 405, the request guard's 401/403/429, the server's 400/413 — goes through
// here. Bodies never echo submitted values and a 500 never carries internals.
#pragma once

#include <string_view>

#include "base/error.hpp"
#include "http/net.hpp"

namespace attrition::http {

enum class ErrorDialect {
    kDetail,         // FastAPI's {"detail": ...}
    kOpenInference,  // the Open Inference Protocol's {"error": "..."}
};

// kOpenInference for a target under /v2 ("/v2", "/v2/...", with or without a query).
ErrorDialect DialectOf(std::string_view target) noexcept;

Status StatusFor(base::ErrorCode code, ErrorDialect dialect = ErrorDialect::kDetail) noexcept;

// A JSON response for an error, in the dialect of the request's target, with the request's HTTP
// version and keep-alive.
Response ErrorResponse(const Request& request, const base::Error& error);
// The same for a status no ErrorCode stands for (417, 431): the message in the body.
Response ErrorResponse(const Request& request, Status status, std::string_view message);

// True for a Content-Type of application/json (any case, parameters allowed).
bool IsJsonContentType(std::string_view content_type);

// A JSON response with the given status and body (already serialized JSON).
Response JsonResponse(const Request& request, Status status, std::string body);

}  // namespace attrition::http
