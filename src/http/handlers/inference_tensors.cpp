#include "http/handlers/inference_tensors.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "domain/fields.hpp"
#include "domain/json_dom.hpp"

namespace attrition::http::handlers {
namespace {

using base::ErrorCode;
using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::string_view kNotAnObject = "the request body must be a JSON object";

tl::unexpected<base::Error> Invalid(std::string message) {
    return base::Fail(ErrorCode::kInvalidInput, std::move(message));
}

// The value of the member `key` of `object`: the last one when the key repeats (as the
// validator reads an employee's members).
std::optional<element> Member(const simdjson::dom::object& object, std::string_view key) {
    std::optional<element> found;
    for (const auto field : object) {
        if (field.key == key) found = field.value;
    }
    return found;
}

std::optional<std::string_view> StringOf(const std::optional<element>& value) {
    std::string_view text;
    if (!value || value->get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
    return text;
}

bool IsNumber(const element& value) {
    const auto type = value.type();
    return type == element_type::INT64 || type == element_type::UINT64 ||
           type == element_type::DOUBLE;
}

// A shape dimension: a JSON integer of at least 1.
std::optional<std::size_t> RowCount(const element& value) {
    if (value.type() == element_type::UINT64) return value.get_uint64().value_unsafe();
    if (value.type() != element_type::INT64 || value.get_int64().value_unsafe() < 1) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(value.get_int64().value_unsafe());
}

// `parameters`, when present, must be an object.
bool ParametersOk(const simdjson::dom::object& object) {
    const auto parameters = Member(object, "parameters");
    return !parameters || parameters->type() == element_type::OBJECT;
}

// The vocabulary's index of an optional input named `name`, or nullopt.
std::optional<std::size_t> OptionalIndex(const domain::Vocabulary& vocabulary,
                                         std::string_view name) {
    for (std::size_t c = domain::kCategoricalCount; c < vocabulary.Count(); ++c) {
        if (vocabulary.Name(c) == name) return c;
    }
    return std::nullopt;
}

bool IsKnownInput(const domain::Vocabulary& vocabulary, std::string_view name) {
    return name == kEmployeeIdInput || domain::NumericIndex(name) ||
           domain::CategoricalIndex(name) || OptionalIndex(vocabulary, name);
}

// The first issue of a row's validation, as the protocol's error.
tl::unexpected<base::Error> RowError(const base::Error& error, std::size_t row) {
    if (error.issues.empty()) return Invalid(fmt::format("row {}: {}", row, error.message));
    const auto& issue = error.issues.front();
    const std::string input = issue.loc.size() > 1 ? issue.loc[1] : "?";
    std::string message = fmt::format("input '{}', row {}: {}", input, row, issue.msg);
    if (error.issues.size() > 1) message += fmt::format(" (and {} more)", error.issues.size() - 1);
    return Invalid(std::move(message));
}

// One input tensor: its name and its N data elements.
struct Column {
    std::string_view name;
    simdjson::dom::array data;
};

// The data of input `name`: a flat array of `rows` numbers (numeric) or strings.
base::Result<simdjson::dom::array> CheckData(const simdjson::dom::object& input,
                                             std::string_view name,
                                             std::size_t rows,
                                             bool numeric) {
    simdjson::dom::array data;
    const auto member = Member(input, "data");
    if (!member || member->get_array().get(data) != simdjson::SUCCESS || data.size() != rows) {
        return Invalid(fmt::format("input '{}' must have 'data', a flat array of its N = {} values",
                                   name, rows));
    }
    for (const auto value : data) {
        if (numeric ? !IsNumber(value) : value.type() != element_type::STRING) {
            return Invalid(fmt::format("input '{}' must hold {} values", name,
                                       numeric ? "numbers" : "strings"));
        }
    }
    return data;
}

// One input tensor's checks (the `index`-th): name, datatype, shape [N] and N data elements;
// the tensor joins `columns`. Returns N.
base::Result<std::size_t> CheckInput(const element& input,
                                     std::size_t index,
                                     const domain::Vocabulary& vocabulary,
                                     std::vector<Column>& columns) {
    simdjson::dom::object object;
    const bool is_object = input.get_object().get(object) == simdjson::SUCCESS;
    const auto name = is_object ? StringOf(Member(object, "name")) : std::nullopt;
    if (!name) {
        return Invalid(fmt::format("inputs[{}] must be an object with a string 'name'", index));
    }
    if (!IsKnownInput(vocabulary, *name)) {  // by position: the name is the client's
        return Invalid(fmt::format(
            "inputs[{}] is not an input of the model (GET /v2/models/attrition lists them)",
            index));
    }
    for (const auto& column : columns) {
        if (column.name == *name) return Invalid(fmt::format("input '{}' appears twice", *name));
    }
    if (!ParametersOk(object)) {
        return Invalid(fmt::format("input '{}': 'parameters' must be an object", *name));
    }
    const std::string_view wanted = InputDatatype(*name);
    const bool numeric = wanted != "BYTES";
    const auto datatype = StringOf(Member(object, "datatype"));
    if (!datatype ||
        (numeric ? *datatype != "INT64" && *datatype != "FP64" : *datatype != "BYTES")) {
        return Invalid(fmt::format("input '{}' must have datatype {}", *name,
                                   numeric ? "INT64 or FP64" : "BYTES"));
    }
    simdjson::dom::array shape;
    const auto shape_member = Member(object, "shape");
    const bool shaped = shape_member && shape_member->get_array().get(shape) == simdjson::SUCCESS &&
                        shape.size() == 1;
    const auto rows = shaped ? RowCount(shape.at(0).value_unsafe()) : std::nullopt;
    if (!rows) {
        return Invalid(fmt::format("input '{}' must have shape [N], N >= 1 rows", *name));
    }
    auto data = CheckData(object, *name, *rows, numeric);
    if (!data) return tl::unexpected(data.error());
    columns.push_back({*name, *data});
    return *rows;
}

base::Result<std::vector<std::string>> RequestedOutputs(const simdjson::dom::object& document) {
    const auto requested = Member(document, "outputs");
    if (!requested) {
        return std::vector<std::string>{std::string(kOutputProbability),
                                        std::string(kOutputWillLeave),
                                        std::string(kOutputRiskLevel)};
    }
    simdjson::dom::array list;
    if (requested->get_array().get(list) != simdjson::SUCCESS || list.size() == 0) {
        return Invalid("'outputs' must be a non-empty array of {\"name\": ...} objects");
    }
    std::vector<std::string> outputs;
    std::size_t index = 0;
    for (const auto output : list) {
        simdjson::dom::object object;
        const bool is_object = output.get_object().get(object) == simdjson::SUCCESS;
        const auto name = is_object ? StringOf(Member(object, "name")) : std::nullopt;
        // By position, as an unknown input: the name is the client's.
        if (!name || (*name != kOutputProbability && *name != kOutputWillLeave &&
                      *name != kOutputRiskLevel)) {
            return Invalid(
                fmt::format("outputs[{}] is not an output of the model: name one of {}, {}, {}",
                            index, kOutputProbability, kOutputWillLeave, kOutputRiskLevel));
        }
        // {"binary_data": false} is what tritonclient.http sends; the answer is JSON whatever it
        // asks (the binary tensor extension is not offered: GET /v2 lists no extension).
        if (!ParametersOk(object)) {
            return Invalid(fmt::format("output '{}': 'parameters' must be an object", *name));
        }
        outputs.emplace_back(*name);
        ++index;
    }
    return outputs;
}

// The input tensors, checked one by one, as columns of the same N rows (at most max_rows).
base::Result<std::vector<Column>> Columns(const simdjson::dom::object& document,
                                          const domain::Vocabulary& vocabulary,
                                          std::size_t max_rows) {
    simdjson::dom::array inputs;
    const auto member = Member(document, "inputs");
    if (!member || member->get_array().get(inputs) != simdjson::SUCCESS || inputs.size() == 0) {
        return Invalid("'inputs' must be a non-empty array of input tensors");
    }
    std::vector<Column> columns;
    std::size_t rows = 0;
    std::size_t index = 0;
    for (const auto input : inputs) {
        // An input only the shadow version takes never fails the client's request: dropped.
        simdjson::dom::object object;
        const auto name = input.get_object().get(object) == simdjson::SUCCESS
                              ? StringOf(Member(object, "name"))
                              : std::nullopt;
        const auto optional = name ? OptionalIndex(vocabulary, *name) : std::nullopt;
        const bool lenient = optional && vocabulary.IsLenient(*optional);
        const auto checked = CheckInput(input, index++, vocabulary, columns);
        const bool fits = checked && (rows == 0 || *checked == rows);
        if (!fits && lenient) {
            if (checked) columns.pop_back();
            continue;
        }
        if (!checked) return tl::unexpected(checked.error());
        if (!fits) {
            return Invalid(fmt::format(
                "input '{}' has shape [{}], the inputs before it [{}]: every input must have "
                "the same shape [N]",
                *name, *checked, rows));
        }
        rows = *checked;
        if (rows > max_rows) {
            return Invalid(
                fmt::format("input '{}' has {} rows: at most {} per request (the model metadata's "
                            "parameters.max_batch_size)",
                            *name, rows, max_rows));
        }
    }
    return columns;
}

// Row by row, each row's elements handed to the domain's rules as they are (no JSON text
// between): one employee per row.
base::Result<std::vector<domain::Employee>> Rows(const std::vector<Column>& columns,
                                                 const domain::Vocabulary& vocabulary) {
    std::vector<std::string_view> names;
    std::vector<simdjson::dom::array::iterator> cursors;
    for (const auto& column : columns) {
        names.push_back(column.name);
        cursors.push_back(column.data.begin());
    }
    const domain::EmployeeReader reader(names, vocabulary);
    const std::size_t rows = columns.empty() ? 0 : columns.front().data.size();
    std::vector<domain::Employee> employees;
    employees.reserve(rows);
    std::vector<domain::InputValue> values(columns.size());
    for (std::size_t row = 0; row < rows; ++row) {
        for (std::size_t k = 0; k < cursors.size(); ++k) {
            values[k] = domain::ValueOf(*cursors[k]);
            ++cursors[k];
        }
        auto employee = reader.Read(values);
        if (!employee) return RowError(employee.error(), row);
        employees.push_back(std::move(*employee));
    }
    return employees;
}

}  // namespace

std::string_view InputDatatype(std::string_view input) {
    if (const auto index = domain::NumericIndex(input)) {
        return domain::NumericFields()[*index].kind == domain::FieldKind::kInteger ? "INT64"
                                                                                   : "FP64";
    }
    return "BYTES";
}

nlohmann::json ExampleInferRequest(const nlohmann::json& batch) {
    using Json = nlohmann::json;
    const auto& employees = batch.at("employees");
    Json inputs = Json::array();
    for (const auto& [name, first] : employees.at(0).items()) {
        Json data = Json::array();
        for (const auto& employee : employees) data.push_back(employee.at(name));
        inputs.push_back({{"name", name},
                          {"shape", {employees.size()}},
                          {"datatype", InputDatatype(name)},
                          {"data", std::move(data)}});
    }
    return Json{{"id", "example-1"}, {"inputs", std::move(inputs)}};
}

base::Result<InferRequest> ParseInferRequest(std::string_view body,
                                             const domain::Vocabulary& vocabulary,
                                             std::size_t max_rows,
                                             domain::JsonParser& parser) {
    const auto root = domain::ParseJsonBody(body, parser);
    if (!root) {  // the validator's reason, except for an empty body ("missing" there)
        const auto& issue = root.error().issues.at(0);
        return base::Fail(ErrorCode::kMalformedRequest,
                          issue.type == "missing" ? std::string(kNotAnObject) : issue.msg);
    }
    simdjson::dom::object document;
    if (root->get_object().get(document) != simdjson::SUCCESS) {
        return base::Fail(ErrorCode::kMalformedRequest, std::string(kNotAnObject));
    }
    if (!ParametersOk(document)) return Invalid("the request's 'parameters' must be an object");
    InferRequest request;
    if (const auto id = Member(document, "id")) {
        const auto text = StringOf(id);
        if (!text) return Invalid("'id' must be a string");
        request.id = std::string(*text);
    }
    auto outputs = RequestedOutputs(document);
    if (!outputs) return tl::unexpected(outputs.error());
    request.outputs = std::move(*outputs);
    const auto columns = Columns(document, vocabulary, max_rows);
    if (!columns) return tl::unexpected(columns.error());
    auto employees = Rows(*columns, vocabulary);
    if (!employees) return tl::unexpected(employees.error());
    request.employees = std::move(*employees);
    return request;
}

}  // namespace attrition::http::handlers
