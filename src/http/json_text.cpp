#include "http/json_text.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>

#include "base/json_writer.hpp"
#include "base/text.hpp"

namespace attrition::http {
namespace {

constexpr std::string_view kEmployeeIdKey = "employee_id";

void AddNamedId(std::vector<std::string>& ids, std::string_view id) {
    if (ids.size() >= kMaxNamedIds || base::CheckEmployeeId(id) != base::EmployeeIdProblem::kNone) {
        return;
    }
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.emplace_back(id);
}

// Whether `object` is an Open Inference Protocol input tensor of employee ids:
// {"name": "employee_id", "datatype": "BYTES", "data": [...]}. With duplicate "name" keys any
// of them counts (a reader may take either).
bool IsEmployeeIdTensor(const simdjson::dom::object& object) {
    for (const auto member : object) {
        std::string_view text;
        if (member.key == "name" && member.value.get_string().get(text) == simdjson::SUCCESS &&
            text == kEmployeeIdKey) {
            return true;
        }
    }
    return false;
}

// Every string in a tensor's data, at any depth (data may be nested by the tensor's shape).
void CollectStrings(const simdjson::dom::element& element, std::vector<std::string>& ids) {
    std::string_view text;
    simdjson::dom::array array;
    simdjson::dom::object object;
    if (element.get_string().get(text) == simdjson::SUCCESS) {
        AddNamedId(ids, text);
    } else if (element.get_array().get(array) == simdjson::SUCCESS) {
        for (const auto item : array) CollectStrings(item, ids);
    } else if (element.get_object().get(object) == simdjson::SUCCESS) {
        for (const auto member : object) CollectStrings(member.value, ids);
    }
}

// simdjson's DOM keeps every member of an object, duplicates included, in document order.
// An id is named two ways: as the value of an "employee_id" key (v1 bodies, outcomes) or as a
// value of an employee_id tensor's data (Open Inference Protocol bodies).
void CollectIds(const simdjson::dom::element& element, std::vector<std::string>& ids) {
    simdjson::dom::object object;
    simdjson::dom::array array;
    if (element.get_object().get(object) == simdjson::SUCCESS) {
        const bool tensor = IsEmployeeIdTensor(object);
        for (const auto member : object) {
            std::string_view text;
            if (member.key == kEmployeeIdKey &&
                member.value.get_string().get(text) == simdjson::SUCCESS) {
                AddNamedId(ids, text);
            } else if (tensor && member.key == "data") {
                CollectStrings(member.value, ids);
            } else {
                CollectIds(member.value, ids);
            }
        }
    } else if (element.get_array().get(array) == simdjson::SUCCESS) {
        for (const auto item : array) CollectIds(item, ids);
    }
}

}  // namespace

std::optional<std::vector<std::string>> EmployeeIdsNamed(std::string_view body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) return std::nullopt;
    std::vector<std::string> ids;
    CollectIds(root, ids);
    return ids;
}

double RoundedPercent(double probability) noexcept {
    return std::round(probability * 10000.0) / 100.0;
}

std::string MarkedBody(std::string_view reason, std::string_view body, std::size_t max_bytes) {
    std::string out;
    base::JsonWriter json(out);
    json.BeginObject().Key("rejected").String(reason);
    json.Key("truncated").Bool(body.size() > max_bytes);
    json.Key("body_bytes").Uint(body.size());
    const auto ids = EmployeeIdsNamed(body);
    json.Key("body_prefix");
    if (ids || body.empty()) {
        json.String(base::ToValidUtf8(body.substr(0, max_bytes)));
    } else {
        json.Null().Key("body_withheld").String(kWithheldReason);
    }
    json.Key("employee_ids").BeginArray();
    if (ids) {
        for (const auto& id : *ids) json.String(id);
    }
    json.EndArray().EndObject();
    return out;
}

}  // namespace attrition::http
