// The JSON of the what-if search (serving/what_if.hpp): the answer of POST /api/v1/what-if, what
// the log keeps of it, and a version's action space as /api/v1/models and the OpenAPI document
// show it. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/json_writer.hpp"
#include "model/actions.hpp"
#include "serving/what_if.hpp"

namespace attrition::http::handlers {

// What the answer and docs/model.md say of every proposal.
inline constexpr std::string_view kWhatIfNote =
    "What the model would predict with these inputs changed: not a promise that making the "
    "change will keep the employee.";

// The action space as an array of {input, change, max_step, max_relative, order, goal, label}.
void WriteActions(base::JsonWriter& json, const model::ActionSpace& actions);

// The members of the answer, into an open object: probability_leave, will_leave, risk_level,
// decision_threshold_percent, proposals, reason, note, search.
void WriteWhatIf(base::JsonWriter& json,
                 const serving::WhatIf& answer,
                 double decision_threshold,
                 const serving::WhatIfOptions& options);

// What the log keeps with the request: {"max_changes", "proposals_asked", "proposals": [...],
// "reason"}.
void WriteWhatIfLogged(base::JsonWriter& json,
                       const serving::WhatIf& answer,
                       const serving::WhatIfOptions& options);

}  // namespace attrition::http::handlers
