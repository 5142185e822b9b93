// Parses a request body with simdjson and validates it against the field table (SPEC §1):
// every problem is reported at once as FastAPI-shaped FieldIssues (loc, msg, type); messages
// name the rule, the loc names the field, and neither ever contains the submitted value.
// Rules beyond the table, decided here:
// - unknown extra fields are ignored (FastAPI's default); a repeated key: the last one wins;
// - null is a wrong type (int_type / float_type / string_type), except employee_id on a single
//   employee, where null means absent (the original's Optional[str]);
// - an integer field takes a JSON integer or an integral float (35.0); 35.5 is int_from_float;
//   strings and booleans are never coerced; integers must stay within +-(2^53 - 1) so the model's
//   double holds them exactly; a number field takes any finite JSON number;
// - a number simdjson cannot represent (1e400, an integer beyond 64 bits) makes the body
//   invalid JSON: one json_invalid issue at ["body"];
// - an empty body is `missing` at ["body"] (FastAPI's answer), a non-object body is
//   model_attributes_type, malformed JSON or nesting deeper than the parser's limit json_invalid;
// - employee_id, when given, is a string of 1..50 characters (Unicode code points);
// - an optional input the vocabulary declares (a model's optional_features): absent or null is
//   absent (Employee::optional lacks it); given, it is read like a categorical of the table;
//   a lenient one (Vocabulary::WithLenientInputs) that is not valid is dropped, not reported.
// JsonParser holds reusable simdjson buffers (they grow to the largest body seen): one per
// thread or per session, never shared between concurrent calls; a moved-from parser may only be
// assigned to or destroyed.
// The parse functions are reentrant given distinct parsers; the Vocabulary is only read.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "domain/employee.hpp"
#include "domain/vocabulary.hpp"

namespace attrition::domain {

// Largest magnitude an integer field takes (2^53 - 1): the implicit maximum of int fields the
// table leaves unbounded.
inline constexpr double kMaxExactInteger = 9007199254740991.0;

// Default number of employees in one batch request.
inline constexpr std::size_t kDefaultBatchLimit = 100;

class JsonParser {
  public:
    // Our documents nest 3 levels; anything deeper than this is rejected as json_invalid.
    static constexpr std::size_t kDefaultMaxDepth = 32;

    // Throws std::bad_alloc when the initial buffers cannot be allocated.
    explicit JsonParser(std::size_t max_depth = kDefaultMaxDepth);
    ~JsonParser();
    JsonParser(JsonParser&&) noexcept;
    JsonParser& operator=(JsonParser&&) noexcept;
    JsonParser(const JsonParser&) = delete;
    JsonParser& operator=(const JsonParser&) = delete;

    std::size_t MaxDepth() const noexcept;

    struct Impl;  // defined in validation.cpp, the only user of simdjson

  private:
    friend Impl& ImplOf(JsonParser& parser) noexcept;
    std::unique_ptr<Impl> impl_;
};

// For JSON bodies read by another parser than JsonParser (nlohmann: Open Inference requests,
// outcomes): kMalformedRequest json_invalid, as JsonParser answers, when `body` nests arrays
// and objects as deep as JsonParser(max_depth) refuses (brackets inside strings do not count).
// One linear scan, no recursion; says nothing else about the body's validity.
base::Result<void> CheckJsonDepth(std::string_view body, std::size_t max_depth);

// A field's value as a request gave it, whatever the wire format (a JSON member, an Open
// Inference tensor element): what the rules above read of it.
struct InputValue {
    enum class Kind { kOther, kNull, kNumber, kString };
    Kind kind = Kind::kOther;  // kOther: a boolean, an array, an object
    double number = 0;         // kNumber
    std::string_view text;     // kString

    static InputValue Null() { return {Kind::kNull, 0, {}}; }
    static InputValue Number(double value) { return {Kind::kNumber, value, {}}; }
    static InputValue Text(std::string_view value) { return {Kind::kString, 0, value}; }
};

// Reads employees from values given in a fixed order of names (the input tensors of an Open
// Inference request, a row at a time), validated exactly as ParseEmployee validates a body's
// members: the same rules, messages and issues (loc ["body", field]). The names are resolved
// once; a name that is not an input is ignored, a repeated one: the last wins. Read is
// reentrant; the reader holds `vocabulary` by reference.
class EmployeeReader {
  public:
    EmployeeReader(std::span<const std::string_view> names, const Vocabulary& vocabulary);

    // values[i] is the value of names[i].
    base::Result<Employee> Read(std::span<const InputValue> values) const;

  private:
    static constexpr std::size_t kIgnored = ~std::size_t{0};
    const Vocabulary& vocabulary_;
    // Per name: a field slot (numeric, categorical, employee_id), the table's slot count plus an
    // optional input's index, or kIgnored.
    std::vector<std::size_t> targets_;
};

// One employee: the body of /api/v1/predict and /api/v1/explain (employee_id optional).
// Errors: kMalformedRequest (unparseable body) or kInvalidInput, both with issues.
base::Result<Employee> ParseEmployee(std::string_view body,
                                     const Vocabulary& vocabulary,
                                     JsonParser& parser);

// {"employees": [...]} with 1..max_items employees, each with an employee_id; request order.
base::Result<std::vector<Employee>> ParseBatch(std::string_view body,
                                               const Vocabulary& vocabulary,
                                               std::size_t max_items,
                                               JsonParser& parser);

}  // namespace attrition::domain
