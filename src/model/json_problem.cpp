#include "model/json_problem.hpp"

#include <string_view>

namespace attrition::model {
namespace {

// nlohmann's ids (json.exception.<kind>.<id>): 101 a syntax error, 403 a key not found.
constexpr int kSyntaxError = 101;
constexpr int kKeyNotFound = 403;

// The message after the library's "[json.exception.<kind>.<id>] " tag.
std::string_view Untagged(std::string_view what) {
    if (what.starts_with('[')) {
        if (const auto end = what.find("] "); end != std::string_view::npos) {
            return what.substr(end + 2);
        }
    }
    return what;
}

// "line 3, column 7" out of "parse error at line 3, column 7: syntax error ..."; empty if absent.
std::string_view Position(std::string_view message) {
    constexpr std::string_view kAt = " at line ";
    const auto at = message.find(kAt);
    if (at == std::string_view::npos) return {};
    const auto start = at + 4;  // "line ..."
    const auto end = message.find(':', start);
    return message.substr(start, end == std::string_view::npos ? end : end - start);
}

}  // namespace

std::string JsonProblem(const nlohmann::json::exception& error) {
    const std::string_view message = Untagged(error.what());
    if (error.id == kSyntaxError) {
        const auto position = Position(message);
        return position.empty() ? "not valid JSON"
                                : "not valid JSON (" + std::string(position) + ")";
    }
    if (error.id == kKeyNotFound) {
        // "key 'name' not found"
        constexpr std::string_view kKey = "key '";
        const auto start = message.find(kKey);
        const auto end = message.rfind('\'');
        if (start != std::string_view::npos && end > start + kKey.size()) {
            const auto name = message.substr(start + kKey.size(), end - start - kKey.size());
            return "missing member \"" + std::string(name) + "\"";
        }
    }
    return std::string(message);
}

}  // namespace attrition::model
