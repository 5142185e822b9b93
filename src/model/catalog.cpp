#include "model/catalog.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <optional>
#include <thread>
#include <utility>

namespace attrition::model {

struct Catalog::Scanning {
    std::mutex mutex;
    std::condition_variable ended;
    std::optional<base::Result<Reloaded>> result;  // set by the scan's thread
    bool abandoned = false;                        // set by Stop
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

Catalog::Catalog(std::filesystem::path dir,
                 ServingFlags flags,
                 Repository initial,
                 std::chrono::milliseconds reload_limit,
                 Scan scan)
    : dir_(std::move(dir)),
      flags_(std::move(flags)),
      reload_limit_(reload_limit),
      scan_(std::move(scan)),
      current_(std::make_shared<const Repository>(std::move(initial))) {}

Catalog::~Catalog() { Stop(); }

std::shared_ptr<const Repository> Catalog::Current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

void Catalog::Stop() {
    std::shared_ptr<Scanning> scanning;
    {
        std::lock_guard lock(scan_mutex_);
        stopped_ = true;
        scanning = scanning_;
    }
    if (!scanning) return;
    {
        std::lock_guard lock(scanning->mutex);
        scanning->abandoned = true;
    }
    scanning->ended.notify_all();
}

base::Result<Reloaded> Catalog::Reload() {
    std::lock_guard reloading(reload_mutex_);
    const auto stopping = [] {
        return base::Fail(base::ErrorCode::kUnavailable, "the service is stopping");
    };
    auto scanning = std::make_shared<Scanning>();
    {
        std::lock_guard lock(scan_mutex_);
        if (stopped_) return stopping();
        if (scanning_) {
            std::lock_guard earlier(scanning_->mutex);
            if (!scanning_->result) {
                const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::steady_clock::now() - scanning_->started);
                return base::Fail(base::ErrorCode::kUnavailable,
                                  fmt::format("an earlier reload has been reading the model "
                                              "repository for {} s and has not finished",
                                              seconds.count()));
            }
        }
        scanning_ = scanning;
    }
    const auto current = Current();  // only reloads replace it, one at a time
    // The thread owns copies of what it reads (and `scanning`): it may outlive this call, and
    // the Catalog itself, when a read hangs.
    std::thread([scanning, scan = scan_, dir = dir_, current, flags = flags_] {
        auto result = scan(dir, *current, flags);
        {
            std::lock_guard lock(scanning->mutex);
            scanning->result = std::move(result);
        }
        scanning->ended.notify_all();
    }).detach();

    std::unique_lock lock(scanning->mutex);
    scanning->ended.wait_for(lock, reload_limit_,
                             [&] { return scanning->result.has_value() || scanning->abandoned; });
    if (!scanning->result) {
        if (scanning->abandoned) return stopping();
        return base::Fail(base::ErrorCode::kUnavailable,
                          fmt::format("the reload did not finish within {} ms: a file of the "
                                      "model repository could not be read in time",
                                      reload_limit_.count()));
    }
    auto reloaded = std::move(*scanning->result);
    lock.unlock();
    if (!reloaded) return reloaded;
    if (!reloaded->changes.empty() ||
        reloaded->repository.default_refused != current->default_refused ||
        reloaded->repository.shadow_refused != current->shadow_refused) {
        auto next = std::make_shared<const Repository>(reloaded->repository);
        std::lock_guard swap(mutex_);
        current_ = std::move(next);
    }
    return reloaded;
}

}  // namespace attrition::model
