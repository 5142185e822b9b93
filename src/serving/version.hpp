// Which loaded model answers a request: the version it names, or the default. One rule and one
// error for every route and for `attrition score`; the adapters only read where the name is
// (the X-Model-Version header or the model_version query parameter on v1 and monitoring
// routes, the path on V2). Pure; safe from any thread.
#pragma once

#include <string_view>

#include "base/error.hpp"
#include "model/repository.hpp"

namespace attrition::serving {

// The model of version `wanted` in `models`, or its default when `wanted` is empty.
// kNotFound ("Unknown model version; available: a, b") when no loaded version has that name (a
// version that failed to load is not available); kUnavailable ("Model not loaded") when nothing
// is named and no default is loaded. The model lives as long as `models`.
base::Result<const model::ServedModel*> ResolveVersion(const model::Repository& models,
                                                       std::string_view wanted);

}  // namespace attrition::serving
