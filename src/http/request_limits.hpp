// Request limits the server enforces beyond Beast's own (body bytes, header bytes): the number
// of header fields, and the answers for a request head over a limit. Kept apart from the
// server so that the HTTP fuzz target runs the same checks without sockets. Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <optional>

#include "http/net.hpp"

namespace attrition::http {

// Most header fields in one request by default: browsers send about 15, proxies add a few.
inline constexpr std::size_t kDefaultMaxHeaderFields = 100;

// Header fields in a request head; a repeated name counts each time.
std::size_t HeaderFieldCount(const bhttp::fields& fields) noexcept;

// 431 when the head has more than max_fields fields, else nullopt. The answer closes the
// connection (the client is misbehaving or misconfigured) and echoes no header.
std::optional<Response> CheckHeaderFields(const Request& head, std::size_t max_fields);

// RFC 9112 framing and the fields that go with it, checked once the head is read and before
// any body: a Transfer-Encoding whose last coding is not chunked (the body's end could not be
// known: request smuggling), one beside a Content-Length, or in HTTP/1.0 is a 400; a coding
// other than chunked is a 501; an HTTP/1.1 request without exactly one Host, or any with two,
// is a 400; an Expect other than 100-continue is a 417. Each answer closes the connection;
// nullopt when the head is sound.
std::optional<Response> CheckFraming(const Request& head);

// True when the client waits for `100 Continue` before sending its body.
bool WantsContinue(const Request& head);

// The 431 answer for a head over the byte limit, where no request line may have been read.
Response HeaderTooLargeResponse();

}  // namespace attrition::http
