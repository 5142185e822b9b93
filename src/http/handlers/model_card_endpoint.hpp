// GET /api/v1/models/{version}/card, and GET /api/v1/model/card for the default version: the
// version's model card (model::ModelCard, from its metadata), where people look for it. Markdown
// (text/markdown), or an HTML page for a browser: ?format=html|markdown, else HTML when the
// Accept header names text/html (a browser's does; curl's */* gets Markdown). 404 for an
// unknown version (naming the loaded ones), 503 without a default. Thread-safe: each request
// reads the catalog's current snapshot.
#pragma once

#include <string_view>

#include "http/router.hpp"
#include "model/catalog.hpp"

namespace attrition::http::handlers {

inline constexpr std::string_view kModelCardPattern = "/api/v1/models/{version}/card";
inline constexpr std::string_view kDefaultModelCardPath = "/api/v1/model/card";

Handler MakeModelCardHandler(const model::Catalog& models);

}  // namespace attrition::http::handlers
