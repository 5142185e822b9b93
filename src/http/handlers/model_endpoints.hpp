// What the API says of its models: GET /api/v1/model/info (one version, as SPEC §2 describes
// it), GET /api/v1/models (every version of the repository, its state) and
// GET /api/v1/models/{version}. Read-only views of the catalog's snapshot; safe from any thread.
#pragma once

#include <string_view>

#include "http/route.hpp"
#include "model/catalog.hpp"

namespace attrition::http::handlers {

// GET /api/v1/models/{version}.
inline constexpr std::string_view kModelVersionPattern = "/api/v1/models/{version}";

class ModelEndpoints {
  public:
    explicit ModelEndpoints(const model::Catalog& models);

    // GET /api/v1/model/info: the version the request names (X-Model-Version or ?model_version=)
    // or the default: metrics, features, threshold, cut-offs, categorical values.
    Awaitable<Response> ModelInfo(const Request& request, RequestContext& context) const;
    // GET /api/v1/models: every version of the repository, its state and description.
    Awaitable<Response> Models(const Request& request, RequestContext& context) const;
    // GET /api/v1/models/{version}: one version as Models describes it (a failed one too).
    Awaitable<Response> ModelVersion(const Request& request, RequestContext& context) const;

  private:
    const model::Catalog& models_;
};

}  // namespace attrition::http::handlers
