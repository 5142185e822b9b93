// The body of POST /api/v1/outcomes, parsed and checked: a pure function (no I/O), apart from
// the endpoint so that a fuzz target can reach it. Thread-safe.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "store/outcomes.hpp"

namespace attrition::http::handlers {

// {"outcomes": [{"employee_id", "event", "date"}, ...]}, 1 to domain::kMaxOutcomesPerRequest
// items, each as domain::CheckOutcome rules (`today`: domain::UtcDay of now). Every problem at
// once, FastAPI-shaped (loc ["body", "outcomes", i, field]); kMalformedRequest for a body that
// is not JSON or nests deeper than `max_depth` (domain::CheckJsonDepth), kInvalidInput otherwise.
base::Result<std::vector<store::OutcomeRecord>> ParseOutcomes(std::string_view body,
                                                              long today,
                                                              std::size_t max_depth);

}  // namespace attrition::http::handlers
