#include "http/request_limits.hpp"

#include <iterator>

#include "http/problem.hpp"

namespace attrition::http {

std::size_t HeaderFieldCount(const bhttp::fields& fields) noexcept {
    return static_cast<std::size_t>(std::distance(fields.begin(), fields.end()));
}

std::optional<Response> CheckHeaderFields(const Request& head, std::size_t max_fields) {
    if (HeaderFieldCount(head.base()) <= max_fields) return std::nullopt;
    auto response = JsonResponse(head, Status::request_header_fields_too_large,
                                 R"({"detail":"Too many request header fields"})");
    response.keep_alive(false);
    return response;
}

Response HeaderTooLargeResponse() {
    const Request head{Verb::get, "/", 11};
    auto response = JsonResponse(head, Status::request_header_fields_too_large,
                                 R"({"detail":"Request header fields too large"})");
    response.keep_alive(false);
    return response;
}

}  // namespace attrition::http
