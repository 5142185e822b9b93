#include "http/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/thread_name.hpp"
#include "http/problem.hpp"
#include "ops/logging.hpp"
#include "store/uuid.hpp"

namespace attrition::http {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kReadChunk = std::uint64_t{64} * 1024;  // most read buffer room a body gets
constexpr std::size_t kIdleBufferBytes = std::size_t{16} * 1024;  // most an idle connection keeps
constexpr std::size_t kFirstReadBytes = 4096;                     // the first read of a request

// One connection: the stream and whether it is waiting for a new request (idle), so that a
// graceful stop can close idle keep-alive connections at once and let busy ones finish.
struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    std::atomic<bool> idle{true};
};

using RequestParser = bhttp::request_parser<bhttp::string_body>;

RequestContext MakeContext(const Request& request, const std::string& peer_ip) {
    RequestContext context;
    context.peer_ip = peer_ip;
    context.received_at = std::chrono::steady_clock::now();
    const auto given = request["X-Request-ID"];
    context.request_id = IsValidRequestId(given) ? std::string(given) : NewRequestId();
    return context;
}

// A lingering close (as nginx does): closing a socket with unread bytes makes the kernel send
// a reset, which can destroy the reply before the client reads it (a client or proxy still
// sending the refused body then sees "connection reset" instead of the 413). So the sending
// side is shut, and what the client still sends is read and dropped, for at most
// kLingerBytes or kLingerTime.
constexpr std::size_t kLingerBytes = std::size_t{4} * 1024 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(2);

Awaitable<void> DrainBeforeClose(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(kLingerTime);
    std::array<char, std::size_t{16} * 1024> sink{};
    for (std::size_t drained = 0; !ec && drained < kLingerBytes;) {
        drained += co_await stream.async_read_some(net::buffer(sink),
                                                   net::redirect_error(net::use_awaitable, ec));
    }
}

}  // namespace

std::string NewRequestId() { return store::NewUuid(); }

bool IsValidRequestId(std::string_view id) {
    if (id.empty() || id.size() > kMaxRequestIdChars) return false;
    for (const char c : id) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                        (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

struct Server::State {
    State(ServerOptions opts, const Router& r)
        : options(std::move(opts)), router(r), acceptor(context), signals(context) {}

    ServerOptions options;
    const Router& router;
    net::io_context context;
    tcp::acceptor acceptor;
    net::signal_set signals;
    ResponseObserver observer;
    Admission admission;
    std::function<void()> on_hangup;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> active{0};

    EventObserver events;

    std::mutex connections_mutex;
    std::uint64_t next_connection_id = 0;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;
    std::unordered_map<std::string, std::size_t> per_client;  // open connections by address

    // Counts a new connection against both limits; nullopt (and an event) when it is refused.
    std::optional<std::uint64_t> Admit(const std::shared_ptr<Connection>& connection,
                                       const std::string& peer_ip);
    // Gives the connection's slots back; runs however Serve ends.
    void Release(std::uint64_t id, const std::string& peer_ip);
    void Notify(ServerEvent event) const {
        if (events) events(event);
    }

    Awaitable<void> Accept();
    Awaitable<void> Serve(std::shared_ptr<Connection> connection,
                          std::uint64_t id,
                          std::string peer_ip);
    // The steps of Serve. ReadRequest reads one request's head and body into `parser` under the
    // idle and read deadlines; false when it answered a head it refuses (the connection ends).
    Awaitable<bool> ReadRequest(Connection& connection,
                                beast::flat_buffer& buffer,
                                RequestParser& parser,
                                beast::error_code& ec);
    // Answers a read that failed (`ec`): 413 through the route's reject handler, 431, 400, or
    // nothing when the peer went away or timed out. The connection ends after it.
    Awaitable<void> AnswerReadFailure(beast::tcp_stream& stream,
                                      RequestParser& parser,
                                      const std::string& peer_ip,
                                      beast::error_code& ec);
    // Routes a request that was read whole, logs it and writes the answer; true when the
    // connection may serve another request.
    Awaitable<bool> Respond(beast::tcp_stream& stream,
                            Request request,
                            const std::string& peer_ip,
                            beast::error_code& ec);
    Awaitable<Response> Answer(Request& request, RequestContext& request_context);
    void BeginStop();
    void AwaitSignal();
    void WatchDrain(std::chrono::steady_clock::time_point deadline);
};

std::optional<std::uint64_t> Server::State::Admit(const std::shared_ptr<Connection>& connection,
                                                  const std::string& peer_ip) {
    std::lock_guard lock(connections_mutex);
    if (active.load() >= options.max_connections) {
        Notify(ServerEvent::kConnectionLimit);
        return std::nullopt;
    }
    auto& from_client = per_client[peer_ip];
    const auto& uncapped = options.uncapped_clients;
    if (options.max_connections_per_client > 0 &&
        from_client >= options.max_connections_per_client &&
        std::find(uncapped.begin(), uncapped.end(), peer_ip) == uncapped.end()) {
        Notify(ServerEvent::kClientConnectionLimit);
        return std::nullopt;
    }
    ++from_client;
    ++active;  // counted here, not in Serve, so that a burst of accepts sees the limit
    const std::uint64_t id = next_connection_id++;
    connections.emplace(id, connection);
    return id;
}

void Server::State::Release(std::uint64_t id, const std::string& peer_ip) {
    std::lock_guard lock(connections_mutex);
    connections.erase(id);
    if (const auto found = per_client.find(peer_ip); found != per_client.end()) {
        if (--found->second == 0) per_client.erase(found);
    }
    --active;
}

Awaitable<void> Server::State::Accept() {
    for (;;) {
        beast::error_code ec;
        tcp::socket socket = co_await acceptor.async_accept(
            net::make_strand(context), net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            if (stopping) co_return;
            spdlog::warn("msg=\"accept failed\" error={}", ec.message());
            continue;
        }
        const auto endpoint = socket.remote_endpoint(ec);
        std::string peer_ip = ec ? std::string() : endpoint.address().to_string();
        auto connection = std::make_shared<Connection>(std::move(socket));
        const auto id = Admit(connection, peer_ip);
        if (!id) {
            connection->stream.socket().close(ec);  // refused fast: a client retries elsewhere
            continue;
        }
        auto executor = connection->stream.get_executor();
        // Serve catches everything a request can throw; what escapes it is still logged.
        net::co_spawn(executor, Serve(std::move(connection), *id, std::move(peer_ip)),
                      [](const std::exception_ptr& failure) {
                          if (!failure) return;
                          try {
                              std::rethrow_exception(failure);
                          } catch (const std::exception& e) {
                              spdlog::error("msg=\"connection failed\" error={}",
                                            ops::LogValue(e.what()));
                          } catch (...) {
                              spdlog::error("msg=\"connection failed\" error=unknown");
                          }
                      });
    }
}

// The guard and the router, with every exception turned into a fixed 500: a handler that
// throws (a bug) costs its request, never the connection's slot or the server.
Awaitable<Response> Server::State::Answer(Request& request, RequestContext& request_context) {
    std::string failure;
    try {
        if (admission) {
            if (auto refused = admission(request, request_context)) co_return std::move(*refused);
        }
        co_return co_await router.Dispatch(request, request_context);
    } catch (const std::exception& e) {
        failure = e.what();
    } catch (...) {
        failure = "unknown exception";
    }
    Notify(ServerEvent::kHandlerException);
    spdlog::error("msg=\"request failed\" path={} request_id={} error={}",
                  ops::LogValue(Router::PathOf(request.target())), request_context.request_id,
                  ops::LogValue(failure));
    co_return ErrorResponse(request, base::Error::Make(base::ErrorCode::kInternal, failure));
}

Awaitable<void> Server::State::Serve(std::shared_ptr<Connection> connection,
                                     std::uint64_t id,
                                     std::string peer_ip) {
    // However this coroutine ends (a return, an exception, its frame destroyed at shutdown),
    // the connection's slots are given back.
    struct Slot {
        State& state;
        std::uint64_t id;
        const std::string& peer_ip;
        ~Slot() { state.Release(id, peer_ip); }
    } slot{*this, id, peer_ip};
    beast::error_code ec;
    auto& stream = connection->stream;
    beast::flat_buffer buffer;

    while (!stopping) {
        RequestParser parser;
        parser.body_limit(options.body_limit_bytes);
        parser.header_limit(static_cast<std::uint32_t>(options.header_limit_bytes));
        if (!co_await ReadRequest(*connection, buffer, parser, ec)) break;
        if (ec) {
            co_await AnswerReadFailure(stream, parser, peer_ip, ec);
            break;
        }
        if (!co_await Respond(stream, parser.release(), peer_ip, ec)) break;
        // An idle keep-alive connection keeps no large read buffer.
        if (buffer.size() == 0 && buffer.capacity() > kIdleBufferBytes) buffer.shrink_to_fit();
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.close();
}

Awaitable<bool> Server::State::ReadRequest(Connection& connection,
                                           beast::flat_buffer& buffer,
                                           RequestParser& parser,
                                           beast::error_code& ec) {
    auto& stream = connection.stream;
    connection.idle = true;
    if (buffer.size() == 0) {
        // Idle: wait for the first byte of the next request, and only for it. The head is
        // then read under the read timeout, so a trickled head is cut after read_timeout.
        stream.expires_after(options.idle_timeout);
        const auto read = co_await stream.async_read_some(
            buffer.prepare(kFirstReadBytes), net::redirect_error(net::use_awaitable, ec));
        buffer.commit(read);
    }
    connection.idle = false;
    // One deadline for the whole request, head and body, once its first byte came.
    stream.expires_after(options.read_timeout);
    // The head first: its field count and framing are checked before any body is read.
    if (!ec) {
        co_await bhttp::async_read_header(stream, buffer, parser,
                                          net::redirect_error(net::use_awaitable, ec));
    }
    if (!ec) {
        // RFC 9112 3.2.2: a server accepts the absolute form (what a proxy sends); routes,
        // logs and metrics see the origin form.
        if (auto origin = Router::OriginForm(parser.get().target())) {
            parser.get().target(*origin);
        }
        auto refused = CheckHeaderFields(parser.get(), options.max_header_fields);
        if (!refused) refused = CheckFraming(parser.get());
        if (refused) {
            Notify(ServerEvent::kRefusedHead);
            co_await bhttp::async_write(stream, *refused,
                                        net::redirect_error(net::use_awaitable, ec));
            co_return false;
        }
    }
    if (!ec && !parser.is_done() && WantsContinue(parser.get())) {
        bhttp::response<bhttp::empty_body> go_on{Status::continue_, 11};
        co_await bhttp::async_write(stream, go_on, net::redirect_error(net::use_awaitable, ec));
    }
    if (!ec && !parser.is_done()) {
        // Beast reads at most the buffer's free capacity (512 bytes when it is empty), so a
        // large body would take hundreds of reads: room for it (up to 64 KiB) up front.
        if (const auto length = parser.content_length()) {
            const auto wanted = buffer.size() + std::min<std::uint64_t>(*length, kReadChunk);
            if (buffer.capacity() < wanted) buffer.reserve(wanted);
        }
        co_await bhttp::async_read(stream, buffer, parser,
                                   net::redirect_error(net::use_awaitable, ec));
    }
    co_return true;
}

Awaitable<void> Server::State::AnswerReadFailure(beast::tcp_stream& stream,
                                                 RequestParser& parser,
                                                 const std::string& peer_ip,
                                                 beast::error_code& ec) {
    if (ec == bhttp::error::body_limit) {
        Request head{parser.get().base()};
        RequestContext request_context = MakeContext(head, peer_ip);
        const auto error = base::Error::Make(
            base::ErrorCode::kPayloadTooLarge,
            fmt::format("Request body exceeds the limit of {} bytes", options.body_limit_bytes));
        auto response = co_await router.Reject(head, error, request_context);
        response.set("X-Request-ID", request_context.request_id);
        response.keep_alive(false);  // the rest of the body is still on the wire
        co_await bhttp::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
        if (!ec) co_await DrainBeforeClose(stream);
        co_return;
    }
    if (ec == bhttp::error::header_limit) {
        auto response = HeaderTooLargeResponse();
        co_await bhttp::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
        co_return;
    }
    if (ec != bhttp::error::end_of_stream && ec != net::error::eof && ec != beast::error::timeout &&
        ec != net::error::operation_aborted && ec != net::error::connection_reset) {
        Request head{Verb::get, "/", 11};
        auto response =
            ErrorResponse(head, base::Error::Make(base::ErrorCode::kBadRequest, "Bad Request"));
        response.keep_alive(false);
        co_await bhttp::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
    }
}

Awaitable<bool> Server::State::Respond(beast::tcp_stream& stream,
                                       Request request,
                                       const std::string& peer_ip,
                                       beast::error_code& ec) {
    RequestContext request_context = MakeContext(request, peer_ip);
    const std::string method(request.method_string());
    // HEAD is GET without the body (RFC 9110 §9.3.2), as the original (Starlette) answers.
    const bool is_head = request.method() == Verb::head;
    if (is_head) request.method(Verb::get);
    Response response = co_await Answer(request, request_context);
    if (is_head) {
        const auto length = response.body().size();
        response.body().clear();
        response.content_length(length);
    }
    response.set("X-Request-ID", request_context.request_id);
    if (stopping) response.keep_alive(false);
    const bool keep_alive = response.keep_alive();
    const auto elapsed = std::chrono::steady_clock::now() - request_context.received_at;
    const auto elapsed_us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    if (observer) observer(request, response, elapsed);
    spdlog::info("msg=request method={} path={} status={} duration_us={} request_id={}",
                 ops::LogValue(method), ops::LogValue(Router::PathOf(request.target())),
                 response.result_int(), elapsed_us, request_context.request_id);

    stream.expires_after(options.read_timeout);
    co_await bhttp::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
    co_return !ec && keep_alive;
}

void Server::State::BeginStop() {
    if (stopping.exchange(true)) return;
    spdlog::info("msg=\"stopping: draining connections\" active={}", active.load());
    beast::error_code ec;
    acceptor.close(ec);
    std::vector<std::shared_ptr<Connection>> open;
    {
        std::lock_guard lock(connections_mutex);
        for (auto& [id, weak] : connections) {
            if (auto connection = weak.lock()) open.push_back(std::move(connection));
        }
    }
    for (auto& connection : open) {
        net::post(connection->stream.get_executor(), [connection] {
            if (connection->idle) connection->stream.cancel();
        });
    }
    WatchDrain(std::chrono::steady_clock::now() + options.shutdown_grace);
}

void Server::State::WatchDrain(std::chrono::steady_clock::time_point deadline) {
    auto timer = std::make_shared<net::steady_timer>(context, 20ms);
    timer->async_wait([this, timer, deadline](const beast::error_code&) {
        if (active == 0) {
            context.stop();
            return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            spdlog::warn("msg=\"grace period over: closing connections\" active={}", active.load());
            context.stop();
            return;
        }
        WatchDrain(deadline);
    });
}

Server::Server(ServerOptions options, const Router& router)
    : state_(std::make_unique<State>(std::move(options), router)) {}

Server::~Server() = default;

net::io_context& Server::Context() { return state_->context; }

base::Result<std::uint16_t> Server::Listen() {
    auto& s = *state_;
    beast::error_code ec;
    const auto address = net::ip::make_address(s.options.host, ec);
    if (ec) return base::Fail(base::ErrorCode::kInvalidConfig, "invalid --host address");
    const tcp::endpoint endpoint{address, s.options.port};
    s.acceptor.open(endpoint.protocol(), ec);
    if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) s.acceptor.bind(endpoint, ec);
    if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        return base::Fail(base::ErrorCode::kIo,
                          fmt::format("cannot listen on {}:{}: {}", s.options.host, s.options.port,
                                      ec.message()));
    }
    return s.acceptor.local_endpoint().port();
}

// SIGHUP (when a handler is set) calls it and waits again; SIGINT and SIGTERM stop.
void Server::State::AwaitSignal() {
    signals.async_wait([this](const beast::error_code& ec, int signal_number) {
        if (ec) return;
        spdlog::info("msg=\"signal received\" signal={}", signal_number);
        if (signal_number == SIGHUP) {
            on_hangup();
            AwaitSignal();
            return;
        }
        BeginStop();
    });
}

void Server::Run() {
    auto& s = *state_;
    s.signals.add(SIGINT);
    s.signals.add(SIGTERM);
    if (s.on_hangup) s.signals.add(SIGHUP);
    s.AwaitSignal();
    net::co_spawn(s.context, s.Accept(), net::detached);

    const int extra = std::max(0, s.options.threads - 1);
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(extra));
    for (int i = 0; i < extra; ++i) {
        threads.emplace_back([&s] {
            base::NameThisThread("http-io");
            s.context.run();
        });
    }
    s.context.run();
    for (auto& t : threads) t.join();
}

void Server::SetResponseObserver(ResponseObserver observer) {
    state_->observer = std::move(observer);
}

void Server::SetAdmission(Admission admission) { state_->admission = std::move(admission); }

void Server::SetHangupHandler(std::function<void()> on_hangup) {
    state_->on_hangup = std::move(on_hangup);
}

void Server::SetEventObserver(EventObserver observer) { state_->events = std::move(observer); }

void Server::Stop() {
    net::post(state_->context, [this] { state_->BeginStop(); });
}

}  // namespace attrition::http
