// libFuzzer target: the body of POST /api/v1/outcomes (ParseOutcomes, its JSON depth check
// included). Beyond the sanitizers, it checks what the endpoint promises: an accepted list holds
// 1..kMaxOutcomesPerRequest outcomes each of which domain::CheckOutcome accepts on its own, a
// refusal lists at least one issue and answers valid JSON, and the log's erasure finds every
// employee an accepted body names (EmployeeIdsNamed).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "domain/outcome.hpp"
#include "http/handlers/outcomes_body.hpp"
#include "http/json_text.hpp"
#include "http/problem.hpp"

namespace {

// 2026-12-05 as days since the epoch: a fixed "today", so that a run is reproducible.
constexpr long kToday = 20'792;

void Require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that broke the promise
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto outcomes = attrition::http::handlers::ParseOutcomes(body, kToday, 8);
    if (!outcomes) {
        Require(!outcomes.error().issues.empty());
        const attrition::http::Request request{attrition::http::Verb::post, "/api/v1/outcomes", 11};
        const auto response = attrition::http::ErrorResponse(request, outcomes.error());
        Require(response.result_int() == 422);
        Require(nlohmann::json::accept(response.body()));
        return 0;
    }
    Require(!outcomes->empty() && outcomes->size() <= attrition::domain::kMaxOutcomesPerRequest);
    const auto ids = attrition::http::EmployeeIdsNamed(body);
    for (const auto& outcome : *outcomes) {
        std::vector<attrition::base::FieldIssue> issues;
        Require(attrition::domain::CheckOutcome(outcome.employee_id, outcome.event, outcome.date,
                                                kToday, {"body"}, issues));
        Require(issues.empty());
        if (ids && ids->size() < attrition::http::kMaxNamedIds) {
            Require(std::find(ids->begin(), ids->end(), outcome.employee_id) != ids->end());
        }
    }
    return 0;
}
