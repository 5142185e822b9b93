#include "http/handlers/model_card_endpoint.hpp"

#include <fmt/format.h>

#include "http/markdown.hpp"
#include "http/problem.hpp"
#include "http/query.hpp"
#include "model/model_card.hpp"
#include "serving/version.hpp"

namespace attrition::http::handlers {
namespace {

// The card as a page of the site: its stylesheet, the navigation of the other pages.
std::string Page(std::string_view version, std::string_view markdown) {
    std::string page = fmt::format(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Model card: {}</title>\n"
        "<link rel=\"icon\" type=\"image/svg+xml\" href=\"/static/favicon.svg\">\n"
        "<link rel=\"stylesheet\" href=\"/static/site.css\">\n</head>\n<body>\n"
        "<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
        "<header>\n<nav aria-label=\"Site\">\n"
        "<a href=\"/\">Home</a> · <a href=\"/playground\">Playground</a> · "
        "<a href=\"/monitoring\">Monitoring</a> · <a href=\"/docs\">API docs</a> · "
        "<a href=\"/redoc\">Reference</a> · <a href=\"/api/v1/model/card\">Model card</a>\n"
        "</nav>\n</header>\n"
        "<main id=\"main\" class=\"model-card\">\n",
        version);  // a version name is [A-Za-z0-9._-] (model::VersionNameProblem): no markup
    page += MarkdownToHtml(markdown);
    page += "</main>\n</body>\n</html>\n";
    return page;
}

enum class Format { kMarkdown, kHtml };

base::Result<Format> FormatOf(const Request& request) {
    const auto query = ParseQuery(request.target());
    if (!query) return tl::unexpected(query.error());
    for (const auto& [name, value] : *query) {
        if (name != "format") {
            return tl::unexpected(QueryIssue(name, "Unknown query parameter", "extra_forbidden"));
        }
        if (value == "html") return Format::kHtml;
        if (value == "markdown") return Format::kMarkdown;
        return tl::unexpected(QueryIssue(name, "Input should be 'html' or 'markdown'", "enum"));
    }
    const std::string_view accept = request[bhttp::field::accept];
    return accept.find("text/html") != std::string_view::npos ? Format::kHtml : Format::kMarkdown;
}

}  // namespace

Handler MakeModelCardHandler(const model::Catalog& models) {
    return [&models](const Request& request, RequestContext&) -> Awaitable<Response> {
        const auto format = FormatOf(request);
        if (!format) co_return ErrorResponse(request, format.error());
        const auto snapshot = models.Current();
        // The default's card, or the version the path names: a name that does not decode keeps
        // its '%', which no version name has (model::VersionNameProblem), so it is unknown.
        const auto path = Router::PathOf(request.target());
        std::string wanted;
        if (path != kDefaultModelCardPath) {
            const auto raw = Router::PatternParameter(kModelCardPattern, path);
            wanted = PercentDecode(raw).value_or(std::string(raw));
        }
        const auto chosen = serving::ResolveVersion(*snapshot, wanted);
        if (!chosen) co_return ErrorResponse(request, chosen.error());
        const model::ServedModel* served = *chosen;
        const auto card = model::ModelCard(served->predictor.Metadata());
        Response response{Status::ok, request.version()};
        const bool html = *format == Format::kHtml;
        response.set(bhttp::field::content_type,
                     html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8");
        response.set(bhttp::field::cache_control, "no-cache");
        response.set(bhttp::field::vary, "Accept");
        response.set("X-Content-Type-Options", "nosniff");
        response.keep_alive(request.keep_alive());
        response.body() = html ? Page(served->predictor.Version(), card) : card;
        response.prepare_payload();
        co_return response;
    };
}

}  // namespace attrition::http::handlers
