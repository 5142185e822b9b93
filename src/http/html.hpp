// Text into HTML: the characters that would be markup (& < > ") as entities. Pure.
#pragma once

#include <string>
#include <string_view>

namespace attrition::http {

void AppendHtmlEscaped(std::string& out, std::string_view text);

}  // namespace attrition::http
