#include "http/query.hpp"

#include <algorithm>
#include <charconv>

#include "base/text.hpp"

namespace attrition::http {

std::optional<std::string> PercentDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        unsigned value = 0;
        const auto* first = text.data() + i + 1;
        if (i + 2 >= text.size() || std::from_chars(first, first + 2, value, 16).ptr != first + 2) {
            return std::nullopt;
        }
        out += static_cast<char>(value);
        i += 2;
    }
    return out;
}

base::Error QueryIssue(std::string_view name, std::string msg, std::string type) {
    base::Error error = base::Error::Make(base::ErrorCode::kInvalidInput, "invalid query");
    error.issues.push_back({{"query", std::string(name)}, std::move(msg), std::move(type)});
    return error;
}

base::Result<std::vector<QueryParameter>> ParseQuery(std::string_view target) {
    std::vector<QueryParameter> parameters;
    base::Error error = base::Error::Make(base::ErrorCode::kInvalidInput, "invalid query");
    const auto question = target.find('?');
    if (question == std::string_view::npos) return parameters;
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (part.empty()) continue;
        const auto eq = part.find('=');
        auto name = PercentDecode(part.substr(0, eq));
        if (!name || !base::IsValidUtf8(*name)) {
            error.issues.push_back({{"query"},
                                    "Query parameter names must be valid percent-encoded UTF-8",
                                    "query_name"});
            continue;
        }
        auto value = PercentDecode(eq == std::string_view::npos ? "" : part.substr(eq + 1));
        if (!value) {
            error.issues.push_back({{"query", *name}, "Invalid percent-encoding", "value_error"});
        } else if (!base::IsValidUtf8(*value)) {
            error.issues.push_back(
                {{"query", *name}, "Input should be valid UTF-8", "string_unicode"});
        } else if (FindParameter(parameters, *name)) {
            // Routes would read one of two values, and which one is a guess: refused.
            if (std::none_of(error.issues.begin(), error.issues.end(),
                             [&](const base::FieldIssue& issue) {
                                 return issue.loc.size() == 2 && issue.loc[1] == *name;
                             })) {
                error.issues.push_back({{"query", *name},
                                        "Query parameter given more than once",
                                        "duplicate_parameter"});
            }
        } else {
            parameters.push_back({std::move(*name), std::move(*value)});
        }
    }
    if (!error.issues.empty()) return tl::unexpected(std::move(error));
    return parameters;
}

std::optional<std::string_view> FindParameter(const std::vector<QueryParameter>& parameters,
                                              std::string_view name) {
    for (const auto& parameter : parameters) {
        if (parameter.name == name) return parameter.value;
    }
    return std::nullopt;
}

std::optional<int> ParseQueryInt(std::string_view text) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace attrition::http
