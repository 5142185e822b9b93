// POST /api/v1/models/reload (API key): runs a reload on the reload worker
// (serving::ModelReloads) and answers what changed (ReloadReport in the OpenAPI document), or
// 409 when the repository cannot be read or not within the catalog's reload limit (nothing
// changed).
#pragma once

#include "http/route.hpp"
#include "serving/model_reloads.hpp"

namespace attrition::http::handlers {

Handler MakeReloadHandler(serving::ModelReloads& reloads);

}  // namespace attrition::http::handlers
