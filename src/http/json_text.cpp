#include "http/json_text.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>

#include "base/text.hpp"
#include "http/json_writer.hpp"

namespace attrition::http {
namespace {

constexpr std::string_view kEmployeeIdKey = "employee_id";

void AddNamedId(std::vector<std::string>& ids, std::string_view id) {
    if (ids.size() >= kMaxNamedIds || base::CheckEmployeeId(id) != base::EmployeeIdProblem::kNone) {
        return;
    }
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.emplace_back(id);
}

// simdjson's DOM keeps every member of an object, duplicates included, in document order.
void CollectIds(const simdjson::dom::element& element, std::vector<std::string>& ids) {
    simdjson::dom::object object;
    simdjson::dom::array array;
    if (element.get_object().get(object) == simdjson::SUCCESS) {
        for (const auto member : object) {
            std::string_view text;
            if (member.key == kEmployeeIdKey &&
                member.value.get_string().get(text) == simdjson::SUCCESS) {
                AddNamedId(ids, text);
            } else {
                CollectIds(member.value, ids);
            }
        }
    } else if (element.get_array().get(array) == simdjson::SUCCESS) {
        for (const auto item : array) CollectIds(item, ids);
    }
}

// Reads a JSON string literal starting after its opening quote; nullopt when it does not end
// or holds an escape this scan does not decode (then no id is taken from it).
std::optional<std::string> ScanString(std::string_view text, std::size_t& at) {
    std::string out;
    while (at < text.size()) {
        const char c = text[at++];
        if (c == '"') return out;
        if (c != '\\') {
            out += c;
            continue;
        }
        if (at >= text.size()) return std::nullopt;
        const char escaped = text[at++];
        switch (escaped) {
            case '"':
            case '\\':
            case '/':
                out += escaped;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            default:
                return std::nullopt;  // \uXXXX: left undecoded
        }
    }
    return std::nullopt;
}

// For a body that is not valid JSON: every `"employee_id" : "..."` it holds.
void ScanIds(std::string_view text, std::vector<std::string>& ids) {
    constexpr std::string_view kQuotedKey = "\"employee_id\"";
    for (auto found = text.find(kQuotedKey); found != std::string_view::npos;
         found = text.find(kQuotedKey, found + 1)) {
        std::size_t at = found + kQuotedKey.size();
        const auto skip_space = [&] {
            while (at < text.size() &&
                   (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) {
                ++at;
            }
        };
        skip_space();
        if (at >= text.size() || text[at] != ':') continue;
        ++at;
        skip_space();
        if (at >= text.size() || text[at] != '"') continue;
        ++at;
        if (auto id = ScanString(text, at)) AddNamedId(ids, *id);
    }
}

}  // namespace

std::vector<std::string> EmployeeIdsNamed(std::string_view body) {
    std::vector<std::string> ids;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(body.data(), body.size()).get(root) == simdjson::SUCCESS) {
        CollectIds(root, ids);
    } else {
        ScanIds(body, ids);
    }
    return ids;
}

double RoundedPercent(double probability) noexcept {
    return std::round(probability * 10000.0) / 100.0;
}

std::string MarkedBody(std::string_view reason, std::string_view body, std::size_t max_bytes) {
    std::string out;
    JsonWriter json(out);
    json.BeginObject().Key("rejected").String(reason);
    json.Key("truncated").Bool(body.size() > max_bytes);
    json.Key("body_bytes").Uint(body.size());
    json.Key("body_prefix").String(base::ToValidUtf8(body.substr(0, max_bytes)));
    json.Key("employee_ids").BeginArray();
    for (const auto& id : EmployeeIdsNamed(body)) json.String(id);
    json.EndArray().EndObject();
    return out;
}

}  // namespace attrition::http
