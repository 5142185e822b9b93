// Awaits the durability of a prediction-log record from a coroutine: the log's callback (on
// its writer thread) is posted back to the awaiting coroutine's executor.
#pragma once

#include <memory>

#include "http/net.hpp"
#include "store/prediction_log.hpp"

namespace attrition::http {

inline Awaitable<base::Result<void>> AppendDurably(store::PredictionLog& log,
                                                   store::RequestRecord record) {
    return net::async_initiate<decltype(net::use_awaitable), void(base::Result<void>)>(
        // `moved` is moved into Append; clang-tidy 14 misreads the generic lambda's body.
        // NOLINTNEXTLINE(performance-unnecessary-value-param)
        [&log](auto handler, store::RequestRecord moved) {
            auto executor = net::get_associated_executor(handler);
            // The log's callback is a copyable std::function; the handler is move-only.
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            log.Append(std::move(moved), [shared, executor](base::Result<void> result) {
                net::post(executor, [shared, result = std::move(result)]() mutable {
                    (*shared)(std::move(result));
                });
            });
        },
        net::use_awaitable, std::move(record));
}

}  // namespace attrition::http
