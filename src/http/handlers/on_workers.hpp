// Runs a blocking call (a database query, a model load) on a worker pool and resumes the
// handler on its own executor, so that the event loop threads never wait on it.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <utility>

#include "http/net.hpp"

namespace attrition::http::handlers {

// Callers pass a named std::function, and nothing but names appear in a co_await operand: g++
// 12 mishandles temporaries with non-trivial members inside co_await expressions (it frees a
// string that still points into the coroutine frame).
template <class T>
Awaitable<T> OnWorkers(net::thread_pool& pool, std::function<T()> call) {
    auto task = [call = std::move(call)]() -> Awaitable<T> { co_return call(); };
    T result = co_await net::co_spawn(pool.get_executor(), std::move(task), net::use_awaitable);
    co_return result;
}

}  // namespace attrition::http::handlers
