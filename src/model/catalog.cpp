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
    const auto current = Current();  // only reloads replace it, one at a time
    auto reloaded = ReloadRepository(dir_, *current, flags_);
    if (!reloaded) return reloaded;
    if (!reloaded->changes.empty() ||
        reloaded->repository.default_refused != current->default_refused ||
        reloaded->repository.shadow_refused != current->shadow_refused) {
        auto next = std::make_shared<const Repository>(reloaded->repository);
        std::lock_guard lock(mutex_);
        current_ = std::move(next);
    }
    return reloaded;
}

}  // namespace attrition::model
