#include "http/handlers/outcomes_body.hpp"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "domain/outcome.hpp"
#include "domain/validation.hpp"

namespace attrition::http::handlers {

using base::ErrorCode;

namespace {

// Finds the outcomes list; nullptr (and its issue) unless it is a list of a valid size.
const nlohmann::json* FindOutcomeList(const nlohmann::json& document,
                                      std::vector<base::FieldIssue>& issues) {
    const auto list = document.find("outcomes");
    const std::vector<std::string> at_list{"body", "outcomes"};
    if (list == document.end()) {
        issues.push_back({at_list, "Field required", "missing"});
    } else if (!list->is_array()) {
        issues.push_back({at_list, "Input should be a valid list", "list_type"});
    } else if (list->empty() || list->size() > domain::kMaxOutcomesPerRequest) {
        issues.push_back(
            list->empty()
                ? base::FieldIssue{at_list,
                                   "List should have at least 1 item after validation, not 0",
                                   "too_short"}
                : base::FieldIssue{at_list,
                                   fmt::format("List should have at most {} items after "
                                               "validation, not {}",
                                               domain::kMaxOutcomesPerRequest, list->size()),
                                   "too_long"});
    } else {
        return &*list;
    }
    return nullptr;
}

// Adds item i of the outcomes list to outcomes when it passes, else its issues to issues.
void ReadOutcomeItem(const nlohmann::json& item,
                     std::size_t i,
                     long today,
                     std::vector<store::OutcomeRecord>& outcomes,
                     std::vector<base::FieldIssue>& issues) {
    using Loc = std::vector<std::string>;
    const Loc prefix{"body", "outcomes", std::to_string(i)};
    if (!item.is_object()) {
        issues.push_back({prefix,
                          "Input should be a valid dictionary or object to extract fields from",
                          "model_attributes_type"});
        return;
    }
    std::array<std::string, 3> fields;  // employee_id, event, date
    bool typed = true;
    constexpr std::array<std::string_view, 3> kNames{"employee_id", "event", "date"};
    for (std::size_t f = 0; f < kNames.size(); ++f) {
        Loc loc = prefix;
        loc.emplace_back(kNames[f]);
        const auto value = item.find(kNames[f]);
        if (value == item.end()) {
            issues.push_back({std::move(loc), "Field required", "missing"});
            typed = false;
        } else if (!value->is_string()) {
            issues.push_back({std::move(loc), "Input should be a valid string", "string_type"});
            typed = false;
        } else {
            fields[f] = value->get<std::string>();
        }
    }
    if (typed && domain::CheckOutcome(fields[0], fields[1], fields[2], today, prefix, issues)) {
        outcomes.push_back({std::move(fields[0]), std::move(fields[1]), std::move(fields[2])});
    }
}

}  // namespace

base::Result<std::vector<store::OutcomeRecord>> ParseOutcomes(std::string_view body,
                                                              long today,
                                                              std::size_t max_depth) {
    std::vector<base::FieldIssue> issues;
    const auto fail = [&issues](ErrorCode code) {
        const std::size_t count = issues.size();
        return tl::unexpected(
            base::Error{code, fmt::format("{} validation error{}", count, count == 1 ? "" : "s"),
                        std::move(issues)});
    };
    if (auto depth = domain::CheckJsonDepth(body, max_depth); !depth) {
        return tl::unexpected(std::move(depth.error()));
    }
    const auto document = nlohmann::json::parse(body, nullptr, false);
    if (document.is_discarded()) {
        issues.push_back({{"body"}, "JSON decode error", "json_invalid"});
        return fail(ErrorCode::kMalformedRequest);
    }
    if (!document.is_object()) {
        issues.push_back({{"body"},
                          "Input should be a valid dictionary or object to extract fields from",
                          "model_attributes_type"});
        return fail(ErrorCode::kInvalidInput);
    }
    const auto* list = FindOutcomeList(document, issues);
    if (list == nullptr) return fail(ErrorCode::kInvalidInput);

    std::vector<store::OutcomeRecord> outcomes;
    outcomes.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
        ReadOutcomeItem((*list)[i], i, today, outcomes, issues);
    }
    if (!issues.empty()) return fail(ErrorCode::kInvalidInput);
    return outcomes;
}

}  // namespace attrition::http::handlers
