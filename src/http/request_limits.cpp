#include "http/request_limits.hpp"

#include <fmt/format.h>

#include <cctype>
#include <iterator>
#include <string_view>
#include <vector>

#include "http/problem.hpp"

namespace attrition::http {

std::size_t HeaderFieldCount(const bhttp::fields& fields) noexcept {
    return static_cast<std::size_t>(std::distance(fields.begin(), fields.end()));
}

std::optional<Response> CheckHeaderFields(const Request& head, std::size_t max_fields) {
    if (HeaderFieldCount(head.base()) <= max_fields) return std::nullopt;
    auto response = ErrorResponse(head, Status::request_header_fields_too_large,
                                  "Too many request header fields");
    response.keep_alive(false);
    return response;
}

namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

Response Refuse(const Request& head, Status status, std::string_view detail) {
    auto response = ErrorResponse(head, status, detail);
    response.keep_alive(false);
    return response;
}

enum class Codings { kNone, kChunked, kNotLastChunked, kUnsupported };

// The transfer codings of every Transfer-Encoding field, in order, as one list.
Codings ReadCodings(const Request& head) {
    std::vector<std::string_view> codings;
    const auto fields = head.base().equal_range(bhttp::field::transfer_encoding);
    for (auto field = fields.first; field != fields.second; ++field) {
        std::string_view list = field->value();
        while (!list.empty()) {
            const auto comma = list.find(',');
            const auto coding = Trim(list.substr(0, comma));
            if (!coding.empty()) codings.push_back(coding);
            list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        }
    }
    if (codings.empty()) {
        return head.base().count(bhttp::field::transfer_encoding) > 0 ? Codings::kNotLastChunked
                                                                      : Codings::kNone;
    }
    if (!EqualsIgnoringCase(codings.back(), "chunked")) return Codings::kNotLastChunked;
    for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
        // chunked twice is as unframed as chunked not last (RFC 9112 §6.1)
        if (EqualsIgnoringCase(codings[i], "chunked")) return Codings::kNotLastChunked;
    }
    return codings.size() == 1 ? Codings::kChunked : Codings::kUnsupported;
}

}  // namespace

std::optional<Response> CheckFraming(const Request& head) {
    const auto hosts = head.base().count(bhttp::field::host);
    if (hosts > 1 || (hosts == 0 && head.version() >= 11)) {
        return Refuse(head, Status::bad_request, "A request needs exactly one Host header");
    }
    switch (ReadCodings(head)) {
        case Codings::kNone:
            break;
        case Codings::kNotLastChunked:
            return Refuse(head, Status::bad_request, "Transfer-Encoding must end with chunked");
        case Codings::kUnsupported:
            return Refuse(head, Status::not_implemented,
                          "Only the chunked transfer coding is supported");
        case Codings::kChunked:
            if (head.version() < 11) {
                return Refuse(head, Status::bad_request,
                              "Transfer-Encoding is not allowed in HTTP/1.0");
            }
            if (head.base().count(bhttp::field::content_length) > 0) {
                return Refuse(head, Status::bad_request,
                              "Transfer-Encoding and Content-Length must not both be sent");
            }
            break;
    }
    const auto expect = head.base().equal_range(bhttp::field::expect);
    for (auto it = expect.first; it != expect.second; ++it) {
        if (!EqualsIgnoringCase(Trim(it->value()), "100-continue")) {
            return Refuse(head, Status::expectation_failed,
                          "The only expectation supported is 100-continue");
        }
    }
    return std::nullopt;
}

bool WantsContinue(const Request& head) {
    return head.version() >= 11 && head.base().count(bhttp::field::expect) > 0;
}

Response HeaderTooLargeResponse() {
    const Request head{Verb::get, "/", 11};
    auto response = JsonResponse(head, Status::request_header_fields_too_large,
                                 R"({"detail":"Request header fields too large"})");
    response.keep_alive(false);
    return response;
}

}  // namespace attrition::http
