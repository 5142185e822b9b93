// The Markdown the service writes itself (model cards) as HTML for a browser: headings (#, ##,
// ###), paragraphs, "- " lists, pipe tables (a header row, its |---| line, body rows), and inline
// `code` and **bold**. Not a general Markdown renderer: other syntax comes out as text. Every
// character of the text is escaped, so nothing in it becomes markup. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace attrition::http {

std::string MarkdownToHtml(std::string_view markdown);

}  // namespace attrition::http
