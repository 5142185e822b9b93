// What the server knows about a request beyond its bytes: peer address, request id, arrival
// time. Created by the session for each request, passed by reference to the handler.
#pragma once

#include <chrono>
#include <string>

namespace attrition::http {

struct RequestContext {
    std::string peer_ip;     // the TCP peer (X-Forwarded-For is resolved by the log layer)
    std::string request_id;  // X-Request-ID from the client, or generated
    std::chrono::steady_clock::time_point received_at;
};

}  // namespace attrition::http
