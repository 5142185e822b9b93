// libFuzzer target: raw request bytes through what the server does with them, without
// sockets: Beast's request_parser with the server's limits (body, header bytes, header field
// count) and framing checks (Transfer-Encoding, Host, Expect), then a Router holding the prediction
// routes with the real parse-and-validate step (ParseEmployee, ParseBatch on the SPEC vocabulary)
// and plain GETs, then the response serialized as the server writes it. The model, the prediction
// log and the static files are left out (they need an artifact, a database and files; the model's
// input is what validation produced, and no request path reaches the file system). Checks that
// every answer is a well-formed HTTP response whose JSON body parses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "domain/validation.hpp"
#include "http/problem.hpp"
#include "http/request_limits.hpp"
#include "http/router.hpp"
#include "unit/domain/fixtures.hpp"

namespace {

using namespace attrition;
using http::Awaitable;
using http::Request;
using http::RequestContext;
using http::Response;

constexpr std::size_t kBodyLimit = 64 * 1024;
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::size_t kMaxHeaderFields = 32;

void Require(bool condition) {
    if (!condition) std::abort();
}

struct Service {
    domain::Vocabulary vocabulary = test_fixtures::SpecVocabulary();
    domain::JsonParser parser;
    http::Router router{Routes()};
    http::net::io_context io;

    // The prediction routes with the real validation, declared as the service declares them.
    std::vector<http::Route> Routes() {
        const http::Handler single = [this](const Request& request,
                                            RequestContext&) -> Awaitable<Response> {
            const auto employee = domain::ParseEmployee(request.body(), vocabulary, parser);
            if (!employee) co_return http::ErrorResponse(request, employee.error());
            co_return http::JsonResponse(request, http::Status::ok, R"({"ok":true})");
        };
        const http::Handler batch = [this](const Request& request,
                                           RequestContext&) -> Awaitable<Response> {
            const auto employees = domain::ParseBatch(request.body(), vocabulary, 100, parser);
            if (!employees) co_return http::ErrorResponse(request, employees.error());
            co_return http::JsonResponse(request, http::Status::ok, R"({"ok":true})");
        };
        const http::Handler health = [](const Request& request,
                                        RequestContext&) -> Awaitable<Response> {
            co_return http::JsonResponse(request, http::Status::ok, R"({"status":"healthy"})");
        };
        const http::Handler no_model = [](const Request& request,
                                          RequestContext&) -> Awaitable<Response> {
            co_return http::ErrorResponse(
                request, base::Error::Make(base::ErrorCode::kUnavailable, "Model not loaded"));
        };
        const auto route = [](http::Verb verb, std::string path, http::RouteGroup group,
                              http::Handler handler) {
            return http::Route{.verb = verb,
                               .path = std::move(path),
                               .group = group,
                               .handler = std::move(handler)};
        };
        return {route(http::Verb::post, "/api/v1/predict", http::RouteGroup::kPredict, single),
                route(http::Verb::post, "/api/v1/explain", http::RouteGroup::kExplain, single),
                route(http::Verb::post, "/api/v1/predict/batch", http::RouteGroup::kPredict, batch),
                route(http::Verb::get, "/health", http::RouteGroup::kOther, health),
                route(http::Verb::get, "/api/v1/model/info", http::RouteGroup::kRead, no_model)};
    }

    Response Route(const Request& request) {
        std::optional<Response> answer;
        RequestContext context;
        http::net::co_spawn(io, router.Dispatch(request, context),
                            [&answer](std::exception_ptr error, Response response) {
                                Require(!error);  // handlers never throw
                                answer = std::move(response);
                            });
        io.restart();
        io.run();
        Require(answer.has_value());
        return std::move(*answer);
    }
};

void CheckResponse(Response& response) {
    if (response[http::bhttp::field::content_type] == "application/json") {
        Require(nlohmann::json::accept(response.body()));
    }
    // Serializes as the server writes it; then parses back as one response.
    std::ostringstream wire;
    wire << response;
    Require(wire.good());
    const std::string bytes = wire.str();
    http::beast::error_code ec;
    http::bhttp::response_parser<http::bhttp::string_body> reparser;
    reparser.eager(true);
    reparser.put(http::net::buffer(bytes), ec);
    Require(!ec && reparser.is_done());
    Require(reparser.get().result_int() == response.result_int());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Service service;
    http::bhttp::request_parser<http::bhttp::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.header_limit(kHeaderLimit);
    parser.eager(true);
    http::beast::error_code ec;
    std::size_t offset = 0;
    while (offset < size && !parser.is_done()) {
        const auto used = parser.put(http::net::buffer(data + offset, size - offset), ec);
        offset += used;
        if (ec || used == 0) break;
    }
    if (ec == http::bhttp::error::need_more) return 0;  // the server would wait for more
    if (!ec && !parser.is_done()) return 0;

    Response response;
    if (ec == http::bhttp::error::header_limit) {
        response = http::HeaderTooLargeResponse();
    } else if (ec == http::bhttp::error::body_limit) {
        response = http::ErrorResponse(
            Request{parser.get().base()},
            base::Error::Make(base::ErrorCode::kPayloadTooLarge, "Request body too large"));
    } else if (ec) {
        response = http::JsonResponse(Request{http::Verb::get, "/", 11}, http::Status::bad_request,
                                      R"({"detail":"Bad Request"})");
    } else {
        Request request = parser.release();
        if (auto too_many = http::CheckHeaderFields(request, kMaxHeaderFields)) {
            response = std::move(*too_many);
        } else if (auto unframed = http::CheckFraming(request)) {
            response = std::move(*unframed);  // the server refuses it before reading a body
        } else {
            response = service.Route(request);
        }
    }
    CheckResponse(response);
    return 0;
}
