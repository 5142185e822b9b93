#include "serving/version.hpp"

namespace attrition::serving {

base::Result<const model::ServedModel*> ResolveVersion(const model::Repository& models,
                                                       std::string_view wanted) {
    if (wanted.empty()) {
        if (const auto* model = models.Default()) return model;
        return base::Fail(base::ErrorCode::kUnavailable, "Model not loaded");
    }
    const auto* version = models.Find(wanted);
    if (version == nullptr || !version->model) {
        return base::Fail(base::ErrorCode::kNotFound,
                          "Unknown model version; available: " + models.LoadedNames());
    }
    return version->model.get();
}

}  // namespace attrition::serving
