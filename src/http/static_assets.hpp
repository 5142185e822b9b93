// Static web assets (our pages and the vendored Swagger UI / ReDoc bundles), read once at
// startup into memory and served by URL. No path from a request ever reaches the file system,
// so path traversal is impossible by construction. Immutable after Load(); thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "http/route.hpp"

namespace attrition::http {

inline constexpr std::string_view kEndpointsMarker = "<!-- endpoints: from the route table -->";

struct StaticAsset {
    std::string body;
    std::string content_type;
    std::string cache_control;
};

class StaticAssets {
  public:
    // Reads web_dir/*.html pages, web_dir/static/* and the vendor files from
    // web_dir/node_modules (installed from the npm registry by scripts/install-deps.sh).
    // Missing vendor files are an error naming the file and the command that installs them.
    static base::Result<StaticAssets> Load(const std::filesystem::path& web_dir);

    const StaticAsset* Find(std::string_view url) const;

    // A GET route (group "other", open, no OpenAPI operation) for every asset.
    std::vector<Route> Routes() const;

    // Writes the endpoint list of the landing page (`/`): a table row per route with an OpenAPI
    // operation, in declaration order, where index.html holds the marker kEndpointsMarker.
    void ListEndpoints(std::span<const Route> routes);

    std::size_t Count() const { return assets_.size(); }

  private:
    std::map<std::string, StaticAsset, std::less<>> assets_;
};

std::string_view ContentTypeFor(const std::filesystem::path& file);

}  // namespace attrition::http
