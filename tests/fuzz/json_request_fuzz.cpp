// libFuzzer target: a request body through the prediction endpoints' parse-and-validate path
// (ParseEmployee, ParseBatch), the error response built from its issues, and how the
// prediction log stores a rejected body (MarkedBody). Beyond the sanitizers, it checks what
// the service promises: every answer and every stored body is valid JSON, and a validated
// employee holds only finite numbers and canonical vocabulary values; an optional input (v2's
// travel frequency) only adds rules, and read leniently (for a shadow) never fails a body.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "domain/validation.hpp"
#include "http/json_text.hpp"
#include "http/problem.hpp"
#include "unit/domain/fixtures.hpp"

namespace {

using attrition::domain::Employee;
using attrition::domain::JsonParser;
using attrition::domain::Vocabulary;

const Vocabulary& SpecVocabulary() {
    static const Vocabulary vocabulary = attrition::test_fixtures::SpecVocabulary();
    return vocabulary;
}

// The SPEC vocabulary with v2's optional travel frequency (read strictly).
const Vocabulary& WithTravel() {
    static const Vocabulary vocabulary =
        Vocabulary::Make(attrition::test_fixtures::SpecTrainingValues(),
                         attrition::domain::CategoryAliases(),
                         {{"frequence_deplacement",
                           {"Aucun", "Frequent", "Occasionnel"},
                           {{"Non-Travel", "Aucun"}, {"Travel_Rarely", "Occasionnel"}},
                           false}})
            .value();
    return vocabulary;
}

// The SPEC vocabulary reading the travel frequency leniently, as for a v2 shadow.
const Vocabulary& ShadowReader() {
    static const Vocabulary vocabulary = SpecVocabulary().WithLenientInputs(WithTravel());
    return vocabulary;
}

void Require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that broke the promise
}

void CheckEmployee(const Employee& employee, const Vocabulary& vocabulary) {
    for (const double value : employee.numeric) Require(std::isfinite(value));
    for (std::size_t i = 0; i < employee.categorical.size(); ++i) {
        Require(vocabulary.Canonical(i, employee.categorical[i]).has_value());
    }
    for (const auto& input : employee.optional) {
        bool known = false;
        for (std::size_t c = attrition::domain::kCategoricalCount; c < vocabulary.Count(); ++c) {
            const auto canonical = vocabulary.Canonical(c, input.value);
            known |= vocabulary.Name(c) == input.name && canonical && *canonical == input.value;
        }
        Require(known);
    }
}

void CheckError(const attrition::base::Error& error) {
    const attrition::http::Request request{attrition::http::Verb::post, "/api/v1/predict", 11};
    const auto response = attrition::http::ErrorResponse(request, error);
    Require(response.result_int() == 422);
    Require(nlohmann::json::accept(response.body()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static JsonParser parser;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto& vocabulary = SpecVocabulary();

    const auto one = attrition::domain::ParseEmployee(body, vocabulary, parser);
    if (one) {
        CheckEmployee(*one, vocabulary);
    } else {
        CheckError(one.error());
    }
    // An optional input adds rules, never relaxes one; read leniently it never fails a body.
    const auto strict = attrition::domain::ParseEmployee(body, WithTravel(), parser);
    if (strict) {
        Require(one.has_value());
        CheckEmployee(*strict, WithTravel());
    }
    const auto lenient = attrition::domain::ParseEmployee(body, ShadowReader(), parser);
    Require(lenient.has_value() == one.has_value());
    if (lenient) CheckEmployee(*lenient, ShadowReader());

    const auto batch = attrition::domain::ParseBatch(body, vocabulary, 100, parser);
    if (batch) {
        Require(!batch->empty() && batch->size() <= 100);
        for (const auto& employee : *batch) {
            CheckEmployee(employee, vocabulary);
            Require(employee.employee_id.has_value());
        }
    } else {
        CheckError(batch.error());
    }
    // What the log stores of a rejected body: a marked prefix, always valid JSON.
    Require(nlohmann::json::accept(attrition::http::MarkedBody("json_invalid", body, 256)));
    return 0;
}
