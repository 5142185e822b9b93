#include "http/problem.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>

#include "base/json_writer.hpp"

namespace attrition::http {
namespace {

// FastAPI's `loc`: names as strings, list indexes as integers (["body","employees",3,"age"]).
// No field name is all digits, so an all-digit element is an index.
void WriteLoc(base::JsonWriter& json, const std::vector<std::string>& loc) {
    json.BeginArray();
    for (const auto& part : loc) {
        std::uint64_t index = 0;
        const auto* end = part.data() + part.size();
        const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        if (digits && std::from_chars(part.data(), end, index).ptr == end) {
            json.Uint(index);
        } else {
            json.String(part);
        }
    }
    json.EndArray();
}

// The protocol's one message for field issues: where and what of the first, and how many more.
std::string IssuesMessage(const base::Error& error) {
    const auto& issue = error.issues.front();
    std::string where;
    for (const auto& part : issue.loc) {
        if (!where.empty()) where += '.';
        where += part;
    }
    std::string message = where + ": " + issue.msg;
    if (error.issues.size() > 1) {
        message += " (and " + std::to_string(error.issues.size() - 1) + " more)";
    }
    return message;
}

Response OpenInferenceError(const Request& request, Status status, std::string_view message) {
    std::string body;
    base::JsonWriter(body).BeginObject().Key("error").String(message).EndObject();
    return JsonResponse(request, status, std::move(body));
}

}  // namespace

ErrorDialect DialectOf(std::string_view target) noexcept {
    const auto path = target.substr(0, target.find('?'));
    return path == "/v2" || path.starts_with("/v2/") ? ErrorDialect::kOpenInference
                                                     : ErrorDialect::kDetail;
}

Status StatusFor(base::ErrorCode code, ErrorDialect dialect) noexcept {
    using base::ErrorCode;
    switch (code) {
        case ErrorCode::kInvalidInput:
        case ErrorCode::kMalformedRequest:
            return dialect == ErrorDialect::kOpenInference ? Status::bad_request
                                                           : Status::unprocessable_entity;
        case ErrorCode::kBadRequest:
            return Status::bad_request;
        case ErrorCode::kForbidden:
            return Status::forbidden;
        case ErrorCode::kMethodNotAllowed:
            return Status::method_not_allowed;
        case ErrorCode::kConflict:
            return Status::conflict;
        case ErrorCode::kNotImplemented:
            return Status::not_implemented;
        case ErrorCode::kPayloadTooLarge:
            return Status::payload_too_large;
        case ErrorCode::kUnsupportedMediaType:
            return Status::unsupported_media_type;
        case ErrorCode::kNotFound:
            return Status::not_found;
        case ErrorCode::kUnauthorized:
            return Status::unauthorized;
        case ErrorCode::kRateLimited:
            return Status::too_many_requests;
        case ErrorCode::kUnavailable:
        case ErrorCode::kOverloaded:
            return Status::service_unavailable;
        case ErrorCode::kInternal:
        case ErrorCode::kInvalidConfig:
        case ErrorCode::kIo:
            return Status::internal_server_error;
    }
    return Status::internal_server_error;
}

bool IsJsonContentType(std::string_view content_type) {
    const auto semicolon = content_type.find(';');
    std::string_view media = content_type.substr(0, semicolon);
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    constexpr std::string_view kJson = "application/json";
    if (media.size() != kJson.size()) return false;
    for (std::size_t i = 0; i < media.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(media[i])) != kJson[i]) return false;
    }
    return true;
}

Response JsonResponse(const Request& request, Status status, std::string body) {
    Response response{status, request.version()};
    response.set(bhttp::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

Response ErrorResponse(const Request& request, const base::Error& error) {
    const ErrorDialect dialect = DialectOf(request.target());
    const Status status = StatusFor(error.code, dialect);
    if (dialect == ErrorDialect::kOpenInference) {
        return OpenInferenceError(request, status,
                                  status == Status::internal_server_error ? "Internal Server Error"
                                  : error.issues.empty()                  ? error.message
                                                                          : IssuesMessage(error));
    }
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject().Key("detail");
    if (!error.issues.empty()) {
        json.BeginArray();
        for (const auto& issue : error.issues) {
            json.BeginObject().Key("loc");
            WriteLoc(json, issue.loc);
            json.Key("msg").String(issue.msg).Key("type").String(issue.type).EndObject();
        }
        json.EndArray();
    } else if (status == Status::internal_server_error) {
        json.String("Internal Server Error");  // internals stay in the server log
    } else {
        json.String(error.message);
    }
    json.EndObject();
    // Every text here is checked UTF-8 before it becomes an error; should one slip through, the
    // writer puts a replacement character rather than invalid JSON.
    return JsonResponse(request, status, std::move(body));
}

Response ErrorResponse(const Request& request, Status status, std::string_view message) {
    if (DialectOf(request.target()) == ErrorDialect::kOpenInference) {
        return OpenInferenceError(request, status, message);
    }
    std::string body;
    base::JsonWriter(body).BeginObject().Key("detail").String(message).EndObject();
    return JsonResponse(request, status, std::move(body));
}

}  // namespace attrition::http
