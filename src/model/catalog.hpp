// The repository the service serves, swapped whole by a reload. A request takes the current
// snapshot once (Current) and scores with it to the end: a reload that lands meanwhile changes
// what the next request sees, never the one in flight, and the models it still uses stay alive
// with its snapshot.
//
// A reload is bounded in time: the repository is scanned on a thread of its own, which owns
// copies of all it reads, and the reload waits for it at most `reload_limit`. A scan that
// overruns (a file on a hung mount) fails its reload with a reason and changes nothing, then or
// when it ends; until it ends, every reload fails at once naming it. Stop wakes a waiting reload
// and fails later ones, so that shutdown never waits on a scan.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "base/error.hpp"
#include "model/repository.hpp"

namespace attrition::model {

class Catalog {
  public:
    // How a reload scans the repository: ReloadRepository (a stand-in in tests).
    using Scan = std::function<base::Result<Reloaded>(
        const std::filesystem::path&, const Repository&, const ServingFlags&)>;
    static constexpr std::chrono::milliseconds kDefaultReloadLimit{30'000};

    // `flags` name the default and shadow versions when serving.json does not.
    Catalog(std::filesystem::path dir,
            ServingFlags flags,
            Repository initial,
            std::chrono::milliseconds reload_limit = kDefaultReloadLimit,
            Scan scan = ReloadRepository);
    ~Catalog();  // Stop: never waits on a scan
    Catalog(const Catalog&) = delete;
    Catalog& operator=(const Catalog&) = delete;

    std::shared_ptr<const Repository> Current() const;

    // Rescans the repository and swaps the result in when anything changed. Blocking, at most
    // reload_limit; reloads run one at a time. Errors change nothing: the scan's own
    // (kInvalidConfig), a scan over the limit or still running, or Stop called (kUnavailable).
    base::Result<Reloaded> Reload();

    // Wakes a reload waiting on its scan and fails every later one (shutdown).
    void Stop();

  private:
    struct Scanning;  // one scan's state, shared with its thread

    const std::filesystem::path dir_;
    const ServingFlags flags_;
    const std::chrono::milliseconds reload_limit_;
    const Scan scan_;
    std::mutex reload_mutex_;             // one reload at a time; held while it waits on its scan
    std::mutex scan_mutex_;               // guards scanning_ and stopped_
    std::shared_ptr<Scanning> scanning_;  // the last scan, until a reload sees it ended
    bool stopped_ = false;
    mutable std::mutex mutex_;  // guards current_ (held for a pointer copy only)
    std::shared_ptr<const Repository> current_;
};

}  // namespace attrition::model
