#include "http/problem.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace attrition::http {
namespace {

// FastAPI's `loc`: names as strings, list indexes as integers (["body","employees",3,"age"]).
// No field name is all digits, so an all-digit element is an index.
nlohmann::json LocJson(const std::vector<std::string>& loc) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& part : loc) {
        std::uint64_t index = 0;
        const auto* end = part.data() + part.size();
        const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        if (digits && std::from_chars(part.data(), end, index).ptr == end) {
            out.push_back(index);
        } else {
            out.push_back(part);
        }
    }
    return out;
}

}  // namespace

Status StatusFor(base::ErrorCode code) noexcept {
    using base::ErrorCode;
    switch (code) {
        case ErrorCode::kInvalidInput:
        case ErrorCode::kMalformedRequest:
            return Status::unprocessable_entity;
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

Response JsonResponse(const Request& request, Status status, std::string body) {
    Response response{status, request.version()};
    response.set(bhttp::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

Response ErrorResponse(const Request& request, const base::Error& error) {
    const Status status = StatusFor(error.code);
    nlohmann::json body;
    if (!error.issues.empty()) {
        auto& detail = body["detail"];
        detail = nlohmann::json::array();
        for (const auto& issue : error.issues) {
            detail.push_back(
                {{"loc", LocJson(issue.loc)}, {"msg", issue.msg}, {"type", issue.type}});
        }
    } else if (status == Status::internal_server_error) {
        body["detail"] = "Internal Server Error";  // internals stay in the server log
    } else {
        body["detail"] = error.message;
    }
    // Every text here is checked UTF-8 before it becomes an error; should one slip through, a
    // replacement character is written rather than an exception thrown mid-request.
    return JsonResponse(request, status,
                        body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace attrition::http
