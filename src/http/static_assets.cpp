#include "http/static_assets.hpp"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <sstream>

#include "http/html.hpp"
#include "http/problem.hpp"

namespace attrition::http {
namespace {

// URL → file under web_dir/node_modules. Only these vendor files are served. A file that would
// ask for something outside the server has that address replaced as it is loaded.
struct Rewrite {
    std::string_view from;
    std::string_view to;
};
struct VendorFile {
    std::string_view url;
    std::string_view path;
    Rewrite rewrite{};
};
constexpr std::array kVendorFiles{
    VendorFile{"/static/vendor/swagger-ui/swagger-ui.css", "swagger-ui-dist/swagger-ui.css"},
    VendorFile{"/static/vendor/swagger-ui/swagger-ui-bundle.js",
               "swagger-ui-dist/swagger-ui-bundle.js"},
    VendorFile{"/static/vendor/swagger-ui/swagger-ui-standalone-preset.js",
               "swagger-ui-dist/swagger-ui-standalone-preset.js"},
    VendorFile{"/static/vendor/swagger-ui/favicon-32x32.png", "swagger-ui-dist/favicon-32x32.png"},
    // ReDoc's sidebar shows its vendor's logo from a CDN; an image that cannot load is hidden
    // by ReDoc itself (its onError), so an empty data URL leaves the "API docs by Redocly" text.
    VendorFile{"/static/vendor/redoc/redoc.standalone.js", "redoc/bundles/redoc.standalone.js",
               Rewrite{"https://cdn.redoc.ly/redoc/logo-mini.svg", "data:,"}},
};

void ReplaceAll(std::string& text, const Rewrite& rewrite) {
    if (rewrite.from.empty()) return;
    for (auto at = text.find(rewrite.from); at != std::string::npos;
         at = text.find(rewrite.from, at + rewrite.to.size())) {
        text.replace(at, rewrite.from.size(), rewrite.to);
    }
}

// Page URL → HTML file in web_dir. The landing page is cached an hour (SPEC §2).
struct Page {
    std::string_view url;
    std::string_view file;
    std::string_view cache_control;
};
constexpr std::array kPages{
    Page{"/", "index.html", "public, max-age=3600"},
    Page{"/docs", "docs.html", "no-cache"},
    Page{"/redoc", "redoc.html", "no-cache"},
    Page{"/playground", "playground.html", "no-cache"},
    Page{"/monitoring", "monitoring.html", "no-cache"},
};

base::Result<std::string> ReadWhole(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return base::Fail(base::ErrorCode::kIo, fmt::format("cannot read {}", path.string()));
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

std::string_view ContentTypeFor(const std::filesystem::path& file) {
    const auto ext = file.extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".png") return "image/png";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".json") return "application/json";
    if (ext == ".csv") return "text/csv; charset=utf-8";
    return "application/octet-stream";
}

base::Result<StaticAssets> StaticAssets::Load(const std::filesystem::path& web_dir) {
    std::error_code error;
    if (!std::filesystem::is_directory(web_dir, error)) {
        const auto absolute = std::filesystem::absolute(web_dir, error);
        return base::Fail(base::ErrorCode::kIo,
                          fmt::format("the web folder {} does not exist (--web-dir)",
                                      (error ? web_dir : absolute).string()));
    }
    StaticAssets assets;
    for (const auto& page : kPages) {
        const auto path = web_dir / page.file;
        if (!std::filesystem::exists(path)) continue;  // pages are optional, vendor files not
        auto body = ReadWhole(path);
        if (!body) return tl::unexpected(body.error());
        assets.assets_.emplace(std::string(page.url),
                               StaticAsset{std::move(*body), std::string(ContentTypeFor(path)),
                                           std::string(page.cache_control)});
    }
    const auto own = web_dir / "static";
    if (std::filesystem::is_directory(own)) {
        for (const auto& entry : std::filesystem::directory_iterator(own)) {
            if (!entry.is_regular_file()) continue;
            auto body = ReadWhole(entry.path());
            if (!body) return tl::unexpected(body.error());
            assets.assets_.emplace(
                "/static/" + entry.path().filename().string(),
                StaticAsset{std::move(*body), std::string(ContentTypeFor(entry.path())),
                            "public, max-age=300"});
        }
    }
    for (const auto& vendor : kVendorFiles) {
        const auto path = web_dir / "node_modules" / vendor.path;
        auto body = ReadWhole(path);
        if (!body) {
            return base::Fail(
                base::ErrorCode::kIo,
                fmt::format("missing web asset {} (install it with: npm ci --prefix {})",
                            path.string(), web_dir.string()));
        }
        ReplaceAll(*body, vendor.rewrite);
        assets.assets_.emplace(std::string(vendor.url),
                               StaticAsset{std::move(*body), std::string(ContentTypeFor(path)),
                                           "public, max-age=86400"});
    }
    return assets;
}

const StaticAsset* StaticAssets::Find(std::string_view url) const {
    const auto found = assets_.find(url);
    return found == assets_.end() ? nullptr : &found->second;
}

std::vector<Route> StaticAssets::Routes() const {
    std::vector<Route> routes;
    routes.reserve(assets_.size());
    for (const auto& [url, asset] : assets_) {
        routes.push_back(Route{.verb = Verb::get,
                               .path = url,
                               .group = RouteGroup::kOther,
                               .handler = [&asset = asset](const Request& request,
                                                           RequestContext&) -> Awaitable<Response> {
                                   Response response{Status::ok, request.version()};
                                   response.set(bhttp::field::content_type, asset.content_type);
                                   response.set(bhttp::field::cache_control, asset.cache_control);
                                   response.set("X-Content-Type-Options", "nosniff");
                                   response.keep_alive(request.keep_alive());
                                   response.body() = asset.body;
                                   response.prepare_payload();
                                   co_return response;
                               }});
    }
    return routes;
}

namespace {

std::string EscapeHtml(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    AppendHtmlEscaped(out, text);
    return out;
}

}  // namespace

void StaticAssets::ListEndpoints(std::span<const Route> routes) {
    const auto landing = assets_.find("/");
    if (landing == assets_.end()) return;
    auto& body = landing->second.body;
    const auto marker = body.find(kEndpointsMarker);
    if (marker == std::string::npos) return;
    std::string rows;
    for (const auto& route : routes) {
        if (!route.operation) continue;
        rows += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>\n",
                            std::string_view(bhttp::to_string(route.verb)), EscapeHtml(route.path),
                            EscapeHtml(route.operation->summary));
    }
    body.replace(marker, kEndpointsMarker.size(), rows);
}

}  // namespace attrition::http
