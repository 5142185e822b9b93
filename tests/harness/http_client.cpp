#include "harness/http_client.hpp"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <utility>

namespace attrition::test {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
    net::io_context context;
    beast::tcp_stream stream{context};
    beast::flat_buffer buffer;
};

std::string HttpResponse::Header(const std::string& name) const {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto found = headers.find(lower);
    return found == headers.end() ? std::string() : found->second;
}

HttpClient::HttpClient(unsigned short port) : impl_(std::make_unique<Impl>()) {
    impl_->stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
}

HttpClient::~HttpClient() {
    beast::error_code ec;
    impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

HttpResponse HttpClient::Get(const std::string& target,
                             const std::map<std::string, std::string>& headers) {
    return Send("GET", target, "", headers);
}

HttpResponse HttpClient::Post(const std::string& target,
                              const std::string& body,
                              const std::map<std::string, std::string>& headers) {
    return Send("POST", target, body, headers);
}

HttpResponse HttpClient::Send(const std::string& method,
                              const std::string& target,
                              const std::string& body,
                              const std::map<std::string, std::string>& headers) {
    bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    if (!body.empty() || method == "POST" || method == "PUT") request.prepare_payload();
    impl_->stream.expires_after(std::chrono::seconds(60));
    bhttp::write(impl_->stream, request);
    return Read(request.method() == bhttp::verb::head);
}

void HttpClient::WriteRaw(const std::string& bytes) {
    net::write(impl_->stream.socket(), net::buffer(bytes));
}

HttpResponse HttpClient::ReadResponse() { return Read(false); }

HttpResponse HttpClient::Read(bool head) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head);  // a reply to HEAD has no body, whatever its Content-Length says
    impl_->stream.expires_after(std::chrono::seconds(60));
    bhttp::read(impl_->stream, impl_->buffer, parser);
    auto& message = parser.get();
    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    response.body = message.body();
    response.keep_alive = message.keep_alive();
    for (const auto& field : message) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        response.headers[name] = std::string(field.value());
    }
    return response;
}

bool HttpClient::ServerClosed() {
    beast::error_code ec;
    char byte = 0;
    impl_->stream.expires_after(std::chrono::seconds(10));
    impl_->stream.read_some(net::buffer(&byte, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
}

}  // namespace attrition::test
