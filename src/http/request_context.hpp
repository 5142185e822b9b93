// What the server knows about a request beyond its bytes: peer address, request id, arrival
// time. Created by the session for each request, passed by reference to the handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace attrition::http {

// An X-Request-ID the server takes from a client (else it makes one): 1..128 of
// [A-Za-z0-9._-], so that it is safe in a log line, a header and a query string alike.
inline constexpr std::size_t kMaxRequestIdChars = 128;
bool IsValidRequestId(std::string_view id);
// The X-Request-ID the server makes when the client sent none (or an invalid one): a UUIDv7,
// time-ordered like the log's own ids, so that the log's index on x_request_id grows at one end
// (a random id costs that index a page of its own per logged request: on SQLite ~15 µs of the
// log writer's CPU per predict, bench/compare-log.sh in docs/performance.md's notes).
std::string NewRequestId();

struct RequestContext {
    std::string peer_ip;     // the TCP peer (X-Forwarded-For is resolved by the log layer)
    std::string request_id;  // X-Request-ID from the client, or generated
    std::chrono::steady_clock::time_point received_at;
};

}  // namespace attrition::http
