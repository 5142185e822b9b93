// The HTTP/1.1 server: one listener, one coroutine session per connection, N threads running
// one io_context. Owns the sockets; knows nothing of routes beyond calling Router::Route.
// Every read has a body limit, a header limit (bytes and field count) and a deadline; pipelined
// requests are answered in order because a session reads the next request only after writing the
// previous reply. Run() blocks until SIGINT/SIGTERM (or Stop()), then drains: stops accepting,
// closes idle connections, lets in-flight requests finish until the grace deadline, and returns.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "http/request_limits.hpp"
#include "http/router.hpp"

namespace attrition::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;
    int threads = 2;
    std::size_t body_limit_bytes = std::size_t{1024} * 1024;
    std::size_t header_limit_bytes = std::size_t{16} * 1024;
    std::size_t max_header_fields = kDefaultMaxHeaderFields;  // more: 431
    std::size_t max_connections = 1024;                       // more are closed at once, unanswered
    std::size_t max_connections_per_client = 256;             // from one address; 0: no cap
    std::vector<std::string> uncapped_clients;         // addresses exempt from it (trusted proxies)
    std::chrono::milliseconds read_timeout{10'000};    // whole request, once its first byte came
    std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
    std::chrono::milliseconds shutdown_grace{10'000};  // in-flight requests get this long
};

// Called after each response is ready (from a server thread): for access metrics.
using ResponseObserver = std::function<void(
    const Request& request, const Response& response, std::chrono::nanoseconds elapsed)>;

// Called for each parsed request before routing (from a server thread): nullopt routes it,
// a response is sent instead (rate limits, API keys: RequestGuard).
using Admission =
    std::function<std::optional<Response>(const Request& request, const RequestContext& context)>;

// What the server did on its own, for metrics (from a server thread).
enum class ServerEvent {
    kConnectionLimit,        // a connection refused: max_connections open
    kClientConnectionLimit,  // a connection refused: max_connections_per_client from its address
    kRefusedHead,            // a request head refused before its body (framing, field count)
    kHandlerException,       // a request answered 500 because its handler threw
};
using EventObserver = std::function<void(ServerEvent)>;

class Server {
  public:
    Server(ServerOptions options, const Router& router);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens; returns the bound port (useful with port 0).
    base::Result<std::uint16_t> Listen();

    // Serves until a stop signal; returns after the drain. Call after Listen().
    void Run();

    // Set before Run().
    void SetResponseObserver(ResponseObserver observer);
    // Set before Run().
    void SetAdmission(Admission admission);
    // Set before Run().
    void SetEventObserver(EventObserver observer);
    // Set before Run(): SIGHUP then calls it (on a server thread: it must return at once)
    // instead of stopping the server.
    void SetHangupHandler(std::function<void()> on_hangup);

    // Starts the graceful stop from any thread.
    void Stop();

    // Runs fn on the server's executor pool (for timers of other components).
    boost::asio::io_context& Context();

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace attrition::http
