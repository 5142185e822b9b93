// The repository the service serves, swapped whole by a reload. A request takes the current
// snapshot once (Current) and scores with it to the end: a reload that lands meanwhile changes
// what the next request sees, never the one in flight, and the models it still uses stay alive
// with its snapshot.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "base/error.hpp"
#include "model/repository.hpp"

namespace attrition::model {

class Catalog {
  public:
    // `flags` name the default and shadow versions when serving.json does not.
    Catalog(std::filesystem::path dir, ServingFlags flags, Repository initial);

    std::shared_ptr<const Repository> Current() const;

    // Rescans the repository (ReloadRepository) and swaps the result in when anything changed.
    // Blocking; reloads run one at a time. An error changes nothing.
    base::Result<Reloaded> Reload();

  private:
    const std::filesystem::path dir_;
    const ServingFlags flags_;
    std::mutex reload_mutex_;   // one reload at a time; held while loading
    mutable std::mutex mutex_;  // guards current_ (held for a pointer copy only)
    std::shared_ptr<const Repository> current_;
};

}  // namespace attrition::model
