// The only mapping from error values to HTTP: status code and a FastAPI-shaped body
// (`{"detail": "message"}`, or `{"detail": [{"loc","msg","type"}...]}` for field issues, where
// an all-digit loc element is a list index rendered as a JSON integer, as FastAPI does).
// Bodies never echo submitted values and a 500 never carries internals.
#pragma once

#include <string_view>

#include "base/error.hpp"
#include "http/net.hpp"

namespace attrition::http {

Status StatusFor(base::ErrorCode code) noexcept;

// A JSON response for an error, with the request's HTTP version and keep-alive.
Response ErrorResponse(const Request& request, const base::Error& error);

// True for a Content-Type of application/json (any case, parameters allowed).
bool IsJsonContentType(std::string_view content_type);

// A JSON response with the given status and body (already serialized JSON).
Response JsonResponse(const Request& request, Status status, std::string body);

}  // namespace attrition::http
