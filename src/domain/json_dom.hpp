// The parsed document of a JSON request body, for an adapter that reads a body of its own shape
// (the Open Inference Protocol's tensors) with the parser ParseEmployee uses: the same limits
// (the parser's depth) and the same errors for a body that is not JSON. The only header that
// exposes simdjson; validation.cpp and the adapters that include this header are its users.
#pragma once

#include <simdjson.h>

#include <string_view>

#include "base/error.hpp"
#include "domain/validation.hpp"

namespace attrition::domain {

// The document of `body`, valid until `parser` parses again. Errors: kMalformedRequest with one
// issue at ["body"]: "missing" (an empty body) or "json_invalid" (not JSON, nested deeper than
// the parser's depth, a number beyond 64 bits or a double, invalid UTF-8), as ParseEmployee.
base::Result<simdjson::dom::element> ParseJsonBody(std::string_view body, JsonParser& parser);

// A JSON value as the validation rules read it: a number (int64, uint64 or double, as the double
// the model takes), a string (a view into the document), null, or another kind.
InputValue ValueOf(const simdjson::dom::element& value);

}  // namespace attrition::domain
