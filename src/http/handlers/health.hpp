// GET /health (SPEC §2): liveness plus whether a model is loaded and which.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "http/router.hpp"

namespace attrition::http::handlers {

// Returns the loaded model's version, or nullopt when no model is loaded.
using ModelVersionFn = std::function<std::optional<std::string>()>;

Handler MakeHealthHandler(ModelVersionFn model_version, const base::Clock& clock);

}  // namespace attrition::http::handlers
