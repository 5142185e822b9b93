// The tabular mapping of the Open Inference Protocol (KServe V2) inference request: one named
// input tensor per feature, shape [N], INT64 or FP64 for a numeric feature, BYTES for a
// categorical one (and for the optional employee_id), each row then validated exactly as an
// /api/v1 employee (the same rules, ranges, aliases and messages). Errors name the input, the
// row and the rule, never a submitted value.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "domain/employee.hpp"
#include "domain/validation.hpp"
#include "domain/vocabulary.hpp"

namespace attrition::http::handlers {

// The outputs of an inference response, in this order unless the request asks for some.
inline constexpr std::string_view kOutputProbability = "probability_leave";  // FP64, 0..1
inline constexpr std::string_view kOutputWillLeave = "will_leave";           // BOOL
inline constexpr std::string_view kOutputRiskLevel = "risk_level";           // BYTES
inline constexpr std::string_view kEmployeeIdInput = "employee_id";          // BYTES, optional

// The most rows one inference request may hold, and why: tensors are compact (about 250 bytes a
// row), so 1,000 rows fit well within the 1 MiB body limit, score in milliseconds and
// write their log rows in one transaction; /api/v1/predict/batch keeps its contract's 100. The
// model metadata states it (parameters.max_batch_size).
inline constexpr std::size_t kInferBatchLimit = 1000;

struct InferRequest {
    std::optional<std::string> id;            // echoed in the response
    std::vector<domain::Employee> employees;  // one per row, in order
    std::vector<std::string> outputs;         // the outputs asked for, in the request's order
};

// Parses and validates an inference request body of 1..max_rows rows. Errors: kInvalidInput
// (or kMalformedRequest for a body that is not JSON) whose message is the protocol's error.
base::Result<InferRequest> ParseInferRequest(std::string_view body,
                                             const domain::Vocabulary& vocabulary,
                                             std::size_t max_rows,
                                             domain::JsonParser& parser);

// The datatype the protocol names for an input ("INT64", "FP64", "BYTES").
std::string_view InputDatatype(std::string_view input);

// An inference request holding the employees of an /api/v1/predict/batch body, as tensors
// (for the OpenAPI document's example).
nlohmann::json ExampleInferRequest(const nlohmann::json& batch);

}  // namespace attrition::http::handlers
