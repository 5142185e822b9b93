// What a malformed model file's JSON error says, in the words of the file's reader: the line and
// column of a syntax error, the member that is missing, the type that was expected — without the
// JSON library's own tags ("[json.exception.parse_error.101]"), which a version's failure reason
// (GET /api/v1/models, the start log) would otherwise show to an operator.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace attrition::model {

std::string JsonProblem(const nlohmann::json::exception& error);

}  // namespace attrition::model
