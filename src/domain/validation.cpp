#include "domain/validation.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "domain/json_dom.hpp"
#include "domain/outcome.hpp"

namespace attrition::domain {

struct JsonParser::Impl {
    simdjson::dom::parser parser;
};

JsonParser::Impl& ImplOf(JsonParser& parser) noexcept { return *parser.impl_; }

JsonParser::JsonParser(std::size_t max_depth) : impl_(std::make_unique<Impl>()) {
    // Small initial capacity; simdjson grows it (keeping max_depth) for larger bodies.
    constexpr std::size_t kInitialCapacity = std::size_t{16} * 1024;
    if (impl_->parser.allocate(kInitialCapacity, max_depth) != simdjson::SUCCESS) {
        throw std::bad_alloc();
    }
}

JsonParser::~JsonParser() = default;
JsonParser::JsonParser(JsonParser&&) noexcept = default;
JsonParser& JsonParser::operator=(JsonParser&&) noexcept = default;

std::size_t JsonParser::MaxDepth() const noexcept { return impl_->parser.max_depth(); }

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using Loc = std::vector<std::string>;

// Where a field's value sits and what went wrong with it.
class IssueList {
  public:
    explicit IssueList(std::vector<base::FieldIssue>& issues) : issues_(issues) {}

    void Push(base::FieldIssue issue) { issues_.push_back(std::move(issue)); }
    void Add(const Loc& prefix, std::string_view field, std::string msg, std::string_view type) {
        Loc loc = prefix;
        if (!field.empty()) loc.emplace_back(field);
        issues_.push_back(base::FieldIssue{std::move(loc), std::move(msg), std::string(type)});
    }

  private:
    std::vector<base::FieldIssue>& issues_;
};

// A bound as a client reads it: "18", not "18.0"; a fraction when there is one.
std::string FormatBound(double bound) {
    if (std::trunc(bound) == bound && std::fabs(bound) <= kMaxExactInteger) {
        return fmt::format("{}", static_cast<std::int64_t>(bound));
    }
    return fmt::format("{}", bound);
}

// Checks one numeric value; returns it when valid, else adds one issue.
std::optional<double> CheckNumeric(const FieldSpec& spec,
                                   const InputValue& value,
                                   const Loc& prefix,
                                   IssueList& issues) {
    const bool integer = spec.kind == FieldKind::kInteger;
    if (value.kind != InputValue::Kind::kNumber) {
        if (integer) {
            issues.Add(prefix, spec.name, "Input should be a valid integer", "int_type");
        } else {
            issues.Add(prefix, spec.name, "Input should be a valid number", "float_type");
        }
        return std::nullopt;
    }
    const double x = value.number;
    if (!std::isfinite(x)) {  // JSON has no non-finite numbers; kept as a guard
        issues.Add(prefix, spec.name, "Input should be a finite number", "finite_number");
        return std::nullopt;
    }
    if (integer && std::trunc(x) != x) {
        issues.Add(prefix, spec.name,
                   "Input should be a valid integer, got a number with a fractional part",
                   "int_from_float");
        return std::nullopt;
    }
    // Plain doubles (infinity = unbounded): g++ 12 reports a false maybe-uninitialized on an
    // std::optional<double> here (-O3, and -O1 with -fsanitize=thread).
    const double minimum = spec.minimum ? *spec.minimum
                           : integer    ? -kMaxExactInteger
                                        : -std::numeric_limits<double>::infinity();
    const double maximum = spec.maximum ? *spec.maximum
                           : integer    ? kMaxExactInteger
                                        : std::numeric_limits<double>::infinity();
    if (spec.exclusive_minimum && !(x > minimum)) {
        issues.Add(prefix, spec.name,
                   fmt::format("Input should be greater than {}", FormatBound(minimum)),
                   "greater_than");
        return std::nullopt;
    }
    if (!spec.exclusive_minimum && x < minimum) {
        issues.Add(prefix, spec.name,
                   fmt::format("Input should be greater than or equal to {}", FormatBound(minimum)),
                   "greater_than_equal");
        return std::nullopt;
    }
    if (x > maximum) {
        issues.Add(prefix, spec.name,
                   fmt::format("Input should be less than or equal to {}", FormatBound(maximum)),
                   "less_than_equal");
        return std::nullopt;
    }
    return x == 0 ? 0.0 : x;  // -0.0 becomes 0
}

enum class EmployeeIdRule { kOptional, kRequired };

constexpr std::string_view kEmployeeId = "employee_id";
constexpr std::size_t kSlotCount = kFieldCount + 1;  // numeric, categorical, employee_id
constexpr std::size_t kEmployeeIdSlot = kFieldCount;

// The field name of a numeric or categorical slot.
std::string_view FieldName(std::size_t slot) noexcept {
    return slot < kNumericCount ? NumericFields()[slot].name
                                : CategoricalFields()[slot - kNumericCount].name;
}

std::optional<std::size_t> SlotOf(std::string_view key) noexcept {
    if (const auto n = NumericIndex(key)) return *n;
    if (const auto c = CategoricalIndex(key)) return kNumericCount + *c;
    if (key == kEmployeeId) return kEmployeeIdSlot;
    return std::nullopt;  // unknown fields are ignored
}

// An employee's values by slot (numeric, categorical, employee_id) and optional input, as found.
struct Slots {
    std::array<std::optional<InputValue>, kSlotCount> fields;
    std::array<std::optional<InputValue>, kMaxOptionalInputs> optional;

    // Puts the value of a member named `key`, not a field of the table, in its optional input's
    // slot; a name that is not an input is ignored, a repeated one: the last wins.
    void PutOptional(std::string_view key, const InputValue& value, const Vocabulary& vocabulary) {
        for (std::size_t j = 0; j < vocabulary.OptionalCount(); ++j) {
            if (vocabulary.Name(kCategoricalCount + j) == key) {
                optional[j] = value;
                return;
            }
        }
    }
};

// The slots of a JSON employee object.
Slots SlotsOf(const simdjson::dom::object& object, const Vocabulary& vocabulary) {
    Slots slots;
    std::size_t expected = 0;  // clients mostly send the fields in table order: try that first
    for (const auto field : object) {
        std::optional<std::size_t> slot;
        if (expected < kFieldCount && FieldName(expected) == field.key) {
            slot = expected;
        } else {
            slot = SlotOf(field.key);
        }
        if (slot) {
            slots.fields[*slot] = ValueOf(field.value);  // last key wins
            expected = *slot + 1;
        } else {
            slots.PutOptional(field.key, ValueOf(field.value), vocabulary);
        }
    }
    return slots;
}

// The optional inputs: absent or null is absent (the model imputes it); a lenient one (known
// only to the shadow model) that is not valid is dropped instead of reported.
void CheckOptionalInputs(const Slots& found,
                         const Vocabulary& vocabulary,
                         const Loc& prefix,
                         IssueList& issues,
                         Employee& employee) {
    for (std::size_t j = 0; j < vocabulary.OptionalCount(); ++j) {
        const auto& slot = found.optional[j];
        if (!slot || slot->kind == InputValue::Kind::kNull) continue;
        const std::size_t c = kCategoricalCount + j;
        const bool lenient = vocabulary.IsLenient(c);
        if (slot->kind != InputValue::Kind::kString) {
            if (!lenient) {
                issues.Add(prefix, vocabulary.Name(c), "Input should be a valid string",
                           "string_type");
            }
            continue;
        }
        if (const auto canonical = vocabulary.Canonical(c, slot->text)) {
            employee.optional.push_back(
                OptionalValue{std::string(vocabulary.Name(c)), std::string(*canonical)});
        } else if (!lenient) {
            issues.Add(prefix, vocabulary.Name(c), vocabulary.AllowedValuesMessage(c), "enum");
        }
    }
}

// employee_id: optional (null is absent) or required by `id_rule`; a string of 1..50 characters.
void CheckEmployeeId(const std::optional<InputValue>& id,
                     EmployeeIdRule id_rule,
                     const Loc& prefix,
                     IssueList& issues,
                     Employee& employee) {
    const bool absent =
        !id || (id_rule == EmployeeIdRule::kOptional && id->kind == InputValue::Kind::kNull);
    if (absent) {
        if (id_rule == EmployeeIdRule::kRequired) {
            issues.Add(prefix, kEmployeeId, "Field required", "missing");
        }
        return;
    }
    if (id->kind != InputValue::Kind::kString) {
        issues.Add(prefix, kEmployeeId, "Input should be a valid string", "string_type");
        return;
    }
    if (auto issue = EmployeeIdIssue(id->text, prefix)) {
        // PostgreSQL text columns cannot hold NUL: such an id is refused, nothing half-stored.
        issues.Push(std::move(*issue));
    } else {
        employee.employee_id = std::string(id->text);
    }
}

// Validates one employee's values, appending an issue per problem; the returned Employee is
// meaningful only when no issue was added.
Employee CheckEmployee(const Slots& found,
                       const Vocabulary& vocabulary,
                       EmployeeIdRule id_rule,
                       const Loc& prefix,
                       IssueList& issues) {
    const auto& slots = found.fields;
    Employee employee;
    const auto numeric = NumericFields();
    for (std::size_t i = 0; i < kNumericCount; ++i) {
        if (!slots[i]) {
            issues.Add(prefix, numeric[i].name, "Field required", "missing");
            continue;
        }
        if (const auto x = CheckNumeric(numeric[i], *slots[i], prefix, issues)) {
            employee.numeric[i] = *x;
        }
    }
    const auto categorical = CategoricalFields();
    for (std::size_t c = 0; c < kCategoricalCount; ++c) {
        const auto& slot = slots[kNumericCount + c];
        if (!slot) {
            issues.Add(prefix, categorical[c].name, "Field required", "missing");
        } else if (slot->kind != InputValue::Kind::kString) {
            issues.Add(prefix, categorical[c].name, "Input should be a valid string",
                       "string_type");
        } else if (const auto canonical = vocabulary.Canonical(c, slot->text)) {
            employee.categorical[c] = std::string(*canonical);
        } else {
            issues.Add(prefix, categorical[c].name, vocabulary.AllowedValuesMessage(c), "enum");
        }
    }
    CheckOptionalInputs(found, vocabulary, prefix, issues, employee);
    CheckEmployeeId(slots[kEmployeeIdSlot], id_rule, prefix, issues, employee);
    return employee;
}

base::Error Failure(base::ErrorCode code, std::vector<base::FieldIssue> issues) {
    const std::size_t count = issues.size();
    return base::Error{code, fmt::format("{} validation error{}", count, count == 1 ? "" : "s"),
                       std::move(issues)};
}

base::Error BodyFailure(base::ErrorCode code, std::string msg, std::string_view type) {
    std::vector<base::FieldIssue> issues;
    issues.push_back(base::FieldIssue{{"body"}, std::move(msg), std::string(type)});
    return Failure(code, std::move(issues));
}

bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }

// What is wrong with one number token (RFC 8259 §6), or nullopt when it is a valid number.
std::optional<std::string_view> NumberProblem(std::string_view token) noexcept {
    std::size_t at = 0;
    if (token[0] == '+') return "a number cannot start with '+'";
    if (token[0] == '.') return "a number needs a digit before its decimal point";
    if (token[0] == '-') ++at;
    if (at == token.size() || !IsDigit(token[at]))
        return "a minus sign must be followed by a digit";
    if (token[at] == '0' && at + 1 < token.size()) {
        if (token[at + 1] == 'x' || token[at + 1] == 'X') return "hexadecimal numbers are not JSON";
        if (IsDigit(token[at + 1])) return "a number cannot have a leading zero";
    }
    while (at < token.size() && IsDigit(token[at])) ++at;
    if (at < token.size() && token[at] == '.') {
        ++at;
        if (at == token.size() || !IsDigit(token[at])) {
            return "a decimal point must be followed by a digit";
        }
        while (at < token.size() && IsDigit(token[at])) ++at;
    }
    if (at < token.size() && (token[at] == 'e' || token[at] == 'E')) {
        ++at;
        if (at < token.size() && (token[at] == '+' || token[at] == '-')) ++at;
        if (at == token.size() || !IsDigit(token[at])) return "an exponent needs digits";
        while (at < token.size() && IsDigit(token[at])) ++at;
    }
    if (at < token.size()) return "a number is followed by unexpected characters";
    return std::nullopt;
}

// Names the first malformed number of a body simdjson refused, by scanning its tokens outside
// strings; nullopt when every number is well formed.
std::optional<std::string> DescribeNumberError(std::string_view body) {
    const auto number_char = [](char c) {
        return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
               c == '-' || c == '.';
    };
    for (std::size_t at = 0; at < body.size();) {
        const char c = body[at];
        if (c == '"') {  // skip a string, escapes included
            for (++at; at < body.size() && body[at] != '"'; ++at) {
                if (body[at] == '\\') ++at;
            }
            ++at;
            continue;
        }
        if (!(IsDigit(c) || c == '-' || c == '+' || c == '.')) {
            ++at;
            continue;
        }
        std::size_t end = at;
        while (end < body.size() && number_char(body[end])) ++end;
        if (const auto problem = NumberProblem(body.substr(at, end - at))) {
            return fmt::format("JSON decode error: {}", *problem);
        }
        at = end;
    }
    return std::nullopt;
}

// Parses the body; on failure the error names the JSON problem, never the content.
constexpr std::string_view kNotAnObject =
    "Input should be a valid dictionary or object to extract fields from";

}  // namespace

// A JSON value as the rules read it (simdjson keeps an integer as int64 or uint64; the rules
// compare it as the double the model takes, as they compare a tensor element).
InputValue ValueOf(const simdjson::dom::element& value) {
    switch (value.type()) {
        case element_type::INT64:
            return InputValue::Number(static_cast<double>(value.get_int64().value_unsafe()));
        case element_type::UINT64:
            return InputValue::Number(static_cast<double>(value.get_uint64().value_unsafe()));
        case element_type::DOUBLE:
            return InputValue::Number(value.get_double().value_unsafe());
        case element_type::STRING:
            return InputValue::Text(value.get_string().value_unsafe());
        case element_type::NULL_VALUE:
            return InputValue::Null();
        default:
            return InputValue{};
    }
}

base::Result<simdjson::dom::element> ParseJsonBody(std::string_view body, JsonParser& parser) {
    auto& dom = ImplOf(parser).parser;
    element root;
    const auto code = dom.parse(body.data(), body.size()).get(root);
    switch (code) {
        case simdjson::SUCCESS:
            return root;
        case simdjson::EMPTY:
            return tl::unexpected(
                BodyFailure(base::ErrorCode::kMalformedRequest, "Field required", "missing"));
        case simdjson::MEMALLOC:
            throw std::bad_alloc();
        case simdjson::DEPTH_ERROR:
            return tl::unexpected(BodyFailure(
                base::ErrorCode::kMalformedRequest,
                fmt::format("JSON decode error: nested deeper than {} levels", dom.max_depth()),
                "json_invalid"));
        case simdjson::NUMBER_ERROR:
            return tl::unexpected(BodyFailure(
                base::ErrorCode::kMalformedRequest,
                DescribeNumberError(body).value_or(
                    "JSON decode error: a number is too large (numbers must fit a 64-bit integer "
                    "or a double)"),
                "json_invalid"));
        case simdjson::UTF8_ERROR:
            return tl::unexpected(BodyFailure(base::ErrorCode::kMalformedRequest,
                                              "JSON decode error: invalid UTF-8", "json_invalid"));
        case simdjson::STRING_ERROR:
        case simdjson::UNESCAPED_CHARS:
        case simdjson::UNCLOSED_STRING:
            return tl::unexpected(BodyFailure(base::ErrorCode::kMalformedRequest,
                                              "JSON decode error: invalid string", "json_invalid"));
        default:  // a malformed number can also end the structure early (0x29: 0, then x)
            return tl::unexpected(BodyFailure(
                base::ErrorCode::kMalformedRequest,
                DescribeNumberError(body).value_or("JSON decode error"), "json_invalid"));
    }
}

base::Result<void> CheckJsonDepth(std::string_view body, std::size_t max_depth) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t at = 0; at < body.size(); ++at) {
        const char c = body[at];
        if (in_string) {
            if (c == '\\') {
                ++at;  // the escaped character, a quote included
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            // As simdjson counts: a document with max_depth open brackets is already too deep.
            if (++depth >= max_depth) {
                return tl::unexpected(BodyFailure(
                    base::ErrorCode::kMalformedRequest,
                    fmt::format("JSON decode error: nested deeper than {} levels", max_depth),
                    "json_invalid"));
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return {};
}

base::Result<Employee> ParseEmployee(std::string_view body,
                                     const Vocabulary& vocabulary,
                                     JsonParser& parser) {
    const auto root = ParseJsonBody(body, parser);
    if (!root) return tl::unexpected(root.error());
    simdjson::dom::object object;
    if (root->get_object().get(object) != simdjson::SUCCESS) {
        return tl::unexpected(BodyFailure(base::ErrorCode::kInvalidInput, std::string(kNotAnObject),
                                          "model_attributes_type"));
    }
    std::vector<base::FieldIssue> found;
    IssueList issues(found);
    Employee employee = CheckEmployee(SlotsOf(object, vocabulary), vocabulary,
                                      EmployeeIdRule::kOptional, Loc{"body"}, issues);
    if (!found.empty())
        return tl::unexpected(Failure(base::ErrorCode::kInvalidInput, std::move(found)));
    return employee;
}

base::Result<std::vector<Employee>> ParseBatch(std::string_view body,
                                               const Vocabulary& vocabulary,
                                               std::size_t max_items,
                                               JsonParser& parser) {
    const auto root = ParseJsonBody(body, parser);
    if (!root) return tl::unexpected(root.error());
    simdjson::dom::object object;
    if (root->get_object().get(object) != simdjson::SUCCESS) {
        return tl::unexpected(BodyFailure(base::ErrorCode::kInvalidInput, std::string(kNotAnObject),
                                          "model_attributes_type"));
    }
    std::optional<element> list_value;
    for (const auto field : object) {
        if (field.key == "employees") list_value = field.value;  // last key wins
    }
    std::vector<base::FieldIssue> found;
    IssueList issues(found);
    const Loc prefix{"body"};
    simdjson::dom::array list;
    if (!list_value) {
        issues.Add(prefix, "employees", "Field required", "missing");
    } else if (list_value->get_array().get(list) != simdjson::SUCCESS) {
        issues.Add(prefix, "employees", "Input should be a valid list", "list_type");
    } else if (list.size() == 0) {
        issues.Add(prefix, "employees", "List should have at least 1 item after validation",
                   "too_short");
    } else if (list.size() > max_items) {
        issues.Add(prefix, "employees",
                   fmt::format("List should have at most {} item{} after validation", max_items,
                               max_items == 1 ? "" : "s"),
                   "too_long");
    }
    if (!found.empty())
        return tl::unexpected(Failure(base::ErrorCode::kInvalidInput, std::move(found)));

    std::vector<Employee> employees;
    employees.reserve(list.size());
    std::size_t index = 0;
    for (const auto item : list) {
        Loc item_loc{"body", "employees", std::to_string(index++)};
        simdjson::dom::object item_object;
        if (item.get_object().get(item_object) != simdjson::SUCCESS) {
            issues.Add(item_loc, {}, std::string(kNotAnObject), "model_attributes_type");
            continue;
        }
        employees.push_back(CheckEmployee(SlotsOf(item_object, vocabulary), vocabulary,
                                          EmployeeIdRule::kRequired, item_loc, issues));
    }
    if (!found.empty())
        return tl::unexpected(Failure(base::ErrorCode::kInvalidInput, std::move(found)));
    return employees;
}

EmployeeReader::EmployeeReader(std::span<const std::string_view> names,
                               const Vocabulary& vocabulary)
    : vocabulary_(vocabulary) {
    targets_.reserve(names.size());
    for (const auto name : names) {
        if (const auto slot = SlotOf(name)) {
            targets_.push_back(*slot);
            continue;
        }
        std::size_t target = kIgnored;
        for (std::size_t j = 0; j < vocabulary.OptionalCount(); ++j) {
            if (vocabulary.Name(kCategoricalCount + j) == name) target = kSlotCount + j;
        }
        targets_.push_back(target);
    }
}

base::Result<Employee> EmployeeReader::Read(std::span<const InputValue> values) const {
    Slots slots;
    for (std::size_t i = 0; i < targets_.size() && i < values.size(); ++i) {
        const std::size_t target = targets_[i];
        if (target < kSlotCount) {
            slots.fields[target] = values[i];  // a repeated name: the last wins
        } else if (target != kIgnored) {
            slots.optional[target - kSlotCount] = values[i];
        }
    }
    std::vector<base::FieldIssue> found;
    IssueList issues(found);
    Employee employee =
        CheckEmployee(slots, vocabulary_, EmployeeIdRule::kOptional, Loc{"body"}, issues);
    if (!found.empty())
        return tl::unexpected(Failure(base::ErrorCode::kInvalidInput, std::move(found)));
    return employee;
}

}  // namespace attrition::domain
