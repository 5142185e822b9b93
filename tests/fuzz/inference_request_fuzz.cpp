// libFuzzer target: an Open Inference Protocol request body through the /v2 infer route's parser
// (ParseInferRequest, its JSON depth check included) and what the log keeps of it when refused
// (MarkedBody). Beyond the sanitizers, it checks what the service promises: a parsed request
// holds 1..max_rows valid employees, each refusal names a reason, and every employee id a
// parsed request scores is among the ids the log records for erasure (issue 26, defect 1).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "domain/validation.hpp"
#include "http/handlers/inference_tensors.hpp"
#include "http/json_text.hpp"
#include "unit/domain/fixtures.hpp"

namespace {

using attrition::domain::JsonParser;
using attrition::domain::Vocabulary;

constexpr std::size_t kMaxRows = 100;

const Vocabulary& SpecVocabulary() {
    static const Vocabulary vocabulary = attrition::test_fixtures::SpecVocabulary();
    return vocabulary;
}

void Require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that broke the promise
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static JsonParser parser(8);
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto& vocabulary = SpecVocabulary();

    const auto parsed =
        attrition::http::handlers::ParseInferRequest(body, vocabulary, kMaxRows, parser);
    const auto ids = attrition::http::EmployeeIdsNamed(body);
    if (parsed) {
        Require(!parsed->employees.empty() && parsed->employees.size() <= kMaxRows);
        for (const auto& employee : parsed->employees) {
            for (const double value : employee.numeric) Require(std::isfinite(value));
            for (std::size_t i = 0; i < employee.categorical.size(); ++i) {
                Require(vocabulary.Canonical(i, employee.categorical[i]).has_value());
            }
            // (ids is nullopt only for JSON simdjson cannot hold, e.g. a 30-digit integer: a
            // refused body's text is then withheld.)
            if (employee.employee_id && ids && ids->size() < attrition::http::kMaxNamedIds) {
                Require(std::find(ids->begin(), ids->end(), *employee.employee_id) != ids->end());
            }
        }
    } else {
        Require(!parsed.error().message.empty());
    }
    const auto marked = nlohmann::json::parse(
        attrition::http::MarkedBody("invalid_input", body, 256), nullptr, false);
    Require(marked.is_object());
    Require(marked.at("body_prefix").is_null() == !ids.has_value() || body.empty());
    return 0;
}
