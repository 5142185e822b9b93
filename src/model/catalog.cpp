#include "model/catalog.hpp"

#include <utility>

namespace attrition::model {

Catalog::Catalog(std::filesystem::path dir, ServingFlags flags, Repository initial)
    : dir_(std::move(dir)),
      flags_(std::move(flags)),
      current_(std::make_shared<const Repository>(std::move(initial))) {}

std::shared_ptr<const Repository> Catalog::Current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

base::Result<Reloaded> Catalog::Reload() {
    std::lock_guard reloading(reload_mutex_);
    auto reloaded = ReloadRepository(dir_, *Current(), flags_);
    if (!reloaded) return reloaded;
    if (!reloaded->changes.empty()) {
        auto next = std::make_shared<const Repository>(reloaded->repository);
        std::lock_guard lock(mutex_);
        current_ = std::move(next);
    }
    return reloaded;
}

}  // namespace attrition::model
