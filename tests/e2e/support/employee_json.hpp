// Sample employees as JSON request bodies for black-box tests, and the input contract of
// SPEC §1 written out independently of src/domain/fields.cpp (so that a drift between the two
// fails a test instead of being copied). Every sample value lies inside the training data's range,
// so a sample is scored without warnings. Pure functions returning fresh values; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace attrition::test {

// One valid employee (the OpenAPI example profile, overtime "Oui"), without employee_id.
nlohmann::json SampleEmployee();

// The index-th of a family of valid, mostly distinct employees (age, income, overtime, job,
// department, ... vary with index), without employee_id. Deterministic.
nlohmann::json VariedEmployee(int index);

// The same employee with an employee_id.
nlohmann::json WithId(nlohmann::json employee, const std::string& employee_id);

// {"employees": [...]}: count VariedEmployee(i) with ids "E000", "E001", ...
nlohmann::json SampleBatch(int count);

// The employees of a batch body as Open Inference Protocol input tensors, one per member of the
// first employee (employee_id included): BYTES for strings, INT64 for integers, else FP64.
nlohmann::json InferInputs(const nlohmann::json& employees);

// A numeric input field as SPEC §1 states it.
struct NumericFieldRule {
    std::string name;
    bool integer = true;             // false: any finite number
    std::optional<double> minimum;   // inclusive unless exclusive_minimum
    bool exclusive_minimum = false;  // revenu_mensuel: > 0
    std::optional<double> maximum;   // inclusive; none: unbounded
};

// A categorical input field: its training values (sorted as in the model's vocabulary).
struct CategoricalFieldRule {
    std::string name;
    std::vector<std::string> values;
};

// The 18 numeric fields in SPEC order (the order of features_required.numeric).
const std::vector<NumericFieldRule>& NumericFieldRules();
// The 6 categorical fields in SPEC order.
const std::vector<CategoricalFieldRule>& CategoricalFieldRules();
// All 24 field names, numeric first.
std::vector<std::string> AllFieldNames();

}  // namespace attrition::test
