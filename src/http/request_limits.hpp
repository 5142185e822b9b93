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

// The 431 answer for a head over the byte limit, where no request line may have been read.
Response HeaderTooLargeResponse();

}  // namespace attrition::http
