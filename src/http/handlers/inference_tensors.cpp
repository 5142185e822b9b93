#include "http/handlers/inference_tensors.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/json_writer.hpp"
#include "domain/fields.hpp"
#include "http/handlers/open_inference.hpp"

namespace attrition::http::handlers {
namespace {

using base::ErrorCode;
using Json = nlohmann::json;

tl::unexpected<base::Error> Invalid(std::string message) {
    return base::Fail(ErrorCode::kInvalidInput, std::move(message));
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

// One input tensor's checks (the `index`-th): name, datatype, shape [N] and N data elements.
base::Result<std::size_t> CheckInput(const Json& input,
                                     std::size_t index,
                                     const domain::Vocabulary& vocabulary,
                                     std::map<std::string, const Json*>& seen) {
    if (!input.is_object() || !input.contains("name") || !input["name"].is_string()) {
        return Invalid(fmt::format("inputs[{}] must be an object with a string 'name'", index));
    }
    const std::string name = input["name"].get<std::string>();
    if (!IsKnownInput(vocabulary, name)) {  // by position: the name is the client's
        return Invalid(fmt::format(
            "inputs[{}] is not an input of the model (GET /v2/models/attrition lists them)",
            index));
    }
    if (seen.contains(name)) return Invalid(fmt::format("input '{}' appears twice", name));
    if (const auto parameters = input.find("parameters");
        parameters != input.end() && !parameters->is_object()) {
        return Invalid(fmt::format("input '{}': 'parameters' must be an object", name));
    }
    const std::string_view wanted = InputDatatype(name);
    const bool numeric = wanted != "BYTES";
    const auto datatype = input.value("datatype", Json());
    if (!datatype.is_string() ||
        (numeric ? datatype != "INT64" && datatype != "FP64" : datatype != "BYTES")) {
        return Invalid(fmt::format("input '{}' must have datatype {}", name,
                                   numeric ? "INT64 or FP64" : "BYTES"));
    }
    const auto shape = input.value("shape", Json());
    if (!shape.is_array() || shape.size() != 1 || !shape[0].is_number_unsigned() ||
        shape[0].get<std::size_t>() == 0) {
        return Invalid(fmt::format("input '{}' must have shape [N], N >= 1 rows", name));
    }
    const auto rows = shape[0].get<std::size_t>();
    const auto data = input.find("data");
    if (data == input.end() || !data->is_array() || data->size() != rows) {
        return Invalid(
            fmt::format("input '{}' must have 'data', a flat array of its N = {} "
                        "values",
                        name, rows));
    }
    for (const auto& value : *data) {
        if (numeric ? !value.is_number() : !value.is_string()) {
            return Invalid(fmt::format("input '{}' must hold {} values", name,
                                       numeric ? "numbers" : "strings"));
        }
    }
    seen[name] = &*data;
    return rows;
}

// A tensor element as the domain's rules read it (CheckInput let only numbers into a numeric
// input and strings into a BYTES one).
domain::InputValue ElementValue(const Json& element) {
    if (element.is_number_unsigned()) {
        return domain::InputValue::Number(static_cast<double>(element.get<std::uint64_t>()));
    }
    if (element.is_number_integer()) {
        return domain::InputValue::Number(static_cast<double>(element.get<std::int64_t>()));
    }
    if (element.is_number()) return domain::InputValue::Number(element.get<double>());
    if (element.is_string()) return domain::InputValue::Text(element.get_ref<const std::string&>());
    return element.is_null() ? domain::InputValue::Null() : domain::InputValue{};
}

base::Result<std::vector<std::string>> RequestedOutputs(const Json& document) {
    std::vector<std::string> outputs;
    const auto requested = document.find("outputs");
    if (requested == document.end()) {
        return std::vector<std::string>{std::string(kOutputProbability),
                                        std::string(kOutputWillLeave),
                                        std::string(kOutputRiskLevel)};
    }
    if (!requested->is_array() || requested->empty()) {
        return Invalid("'outputs' must be a non-empty array of {\"name\": ...} objects");
    }
    for (std::size_t index = 0; index < requested->size(); ++index) {
        const Json& output = (*requested)[index];
        const auto name = output.is_object() ? output.value("name", Json()) : Json();
        // By position, as an unknown input: the name is the client's.
        if (!name.is_string() ||
            (name != kOutputProbability && name != kOutputWillLeave && name != kOutputRiskLevel)) {
            return Invalid(
                fmt::format("outputs[{}] is not an output of the model: name one of "
                            "{}, {}, {}",
                            index, kOutputProbability, kOutputWillLeave, kOutputRiskLevel));
        }
        // {"binary_data": false} is what tritonclient.http sends; the answer is JSON whatever it
        // asks (the binary tensor extension is not offered: GET /v2 lists no extension).
        if (const auto parameters = output.find("parameters");
            parameters != output.end() && !parameters->is_object()) {
            return Invalid(fmt::format("output '{}': 'parameters' must be an object",
                                       name.get<std::string>()));
        }
        outputs.push_back(name.get<std::string>());
    }
    return outputs;
}

}  // namespace

std::string InferResponse(const InferRequest& request,
                          std::string_view version,
                          std::span<const model::Prediction> predictions) {
    std::string body;
    body.reserve(256 + 48 * predictions.size());
    base::JsonWriter json(body);
    json.BeginObject().Key("model_name").String(kV2ModelName);
    json.Key("model_version").String(version);
    if (request.id) json.Key("id").String(*request.id);
    json.Key("outputs").BeginArray();
    for (const auto& output : request.outputs) {
        json.BeginObject().Key("name").String(output).Key("datatype");
        json.String(output == kOutputProbability ? "FP64"
                    : output == kOutputWillLeave ? "BOOL"
                                                 : "BYTES");
        json.Key("shape").BeginArray().Uint(predictions.size()).EndArray();
        json.Key("data").BeginArray();
        for (const auto& prediction : predictions) {
            if (output == kOutputProbability) {
                json.Double(prediction.probability);
            } else if (output == kOutputWillLeave) {
                json.Bool(prediction.will_leave);
            } else {
                json.String(model::RiskLevelName(prediction.risk));
            }
        }
        json.EndArray().EndObject();
    }
    json.EndArray().EndObject();
    return body;
}

std::string_view InputDatatype(std::string_view input) {
    if (const auto index = domain::NumericIndex(input)) {
        return domain::NumericFields()[*index].kind == domain::FieldKind::kInteger ? "INT64"
                                                                                   : "FP64";
    }
    return "BYTES";
}

nlohmann::json ExampleInferRequest(const nlohmann::json& batch) {
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
    // The depth every JSON body is held to (--json-max-depth), before nlohmann builds it.
    if (auto depth = domain::CheckJsonDepth(body, parser.MaxDepth()); !depth) {
        return base::Fail(ErrorCode::kMalformedRequest, depth.error().issues.at(0).msg);
    }
    const auto document = Json::parse(body, nullptr, false);
    if (!document.is_object()) {
        return base::Fail(ErrorCode::kMalformedRequest, "the request body must be a JSON object");
    }
    InferRequest request;
    if (const auto parameters = document.find("parameters");
        parameters != document.end() && !parameters->is_object()) {
        return Invalid("the request's 'parameters' must be an object");
    }
    if (const auto id = document.find("id"); id != document.end()) {
        if (!id->is_string()) return Invalid("'id' must be a string");
        request.id = id->get<std::string>();
    }
    auto outputs = RequestedOutputs(document);
    if (!outputs) return tl::unexpected(outputs.error());
    request.outputs = std::move(*outputs);
    const auto inputs = document.find("inputs");
    if (inputs == document.end() || !inputs->is_array() || inputs->empty()) {
        return Invalid("'inputs' must be a non-empty array of input tensors");
    }
    std::map<std::string, const Json*> columns;
    std::size_t rows = 0;
    for (std::size_t index = 0; index < inputs->size(); ++index) {
        // An input only the shadow version takes never fails the client's request: dropped.
        const Json& input = (*inputs)[index];
        const Json name = input.is_object() ? input.value("name", Json()) : Json();
        const auto optional =
            name.is_string() ? OptionalIndex(vocabulary, name.get<std::string>()) : std::nullopt;
        const bool lenient = optional && vocabulary.IsLenient(*optional);
        const auto checked = CheckInput(input, index, vocabulary, columns);
        const bool fits = checked && (rows == 0 || *checked == rows);
        if (!fits && lenient) {
            if (checked) columns.erase(name.get<std::string>());
            continue;
        }
        if (!checked) return tl::unexpected(checked.error());
        if (!fits) {
            return Invalid(
                fmt::format("input '{}' has shape [{}], the inputs before it [{}]: "
                            "every input must have the same shape [N]",
                            name.get<std::string>(), *checked, rows));
        }
        rows = *checked;
        if (rows > max_rows) {
            return Invalid(
                fmt::format("input '{}' has {} rows: at most {} per request (the model "
                            "metadata's parameters.max_batch_size)",
                            name.get<std::string>(), rows, max_rows));
        }
    }
    // Each row's elements go to the domain's rules as they are, without a JSON text between.
    request.employees.reserve(rows);
    std::vector<domain::NamedInput> row_inputs(columns.size());
    for (std::size_t row = 0; row < rows; ++row) {
        std::size_t k = 0;
        for (const auto& [name, data] : columns)
            row_inputs[k++] = {name, ElementValue((*data)[row])};
        auto parsed = domain::ValidateEmployee(row_inputs, vocabulary);
        if (!parsed) return RowError(parsed.error(), row);
        request.employees.push_back(std::move(*parsed));
    }
    return request;
}

}  // namespace attrition::http::handlers
