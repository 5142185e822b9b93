// What would keep a flagged employee: the changes, within a version's action space
// (model/actions.hpp), that bring the predicted probability under the decision threshold —
// fewest changes first, then the smallest — each re-scored exactly as a prediction is.
//
// The search is exact. The forest reads an encoded column only through `x >= threshold`, so
// between two neighbouring split thresholds of a column nothing the model answers can change.
// For each input it can change, the candidates are one value per interval within reach: the one
// nearest the current value (the change smallest in that interval). For every set of at most
// `max_changes` inputs, every combination of their candidates is scored, so each proposal is the
// smallest change (in the measure below) of its inputs that crosses the threshold, and a set
// with no proposal has none at all within reach. Sets containing a set that already succeeded
// are skipped (a proposal never adds a change that is not needed), so proposals differ: no
// proposal's inputs contain another's.
//
// The size of a change is the share of the input's reach it uses (a +10 % rise where +20 % is
// allowed: 0.5; one step of two along an order: 0.5); a proposal's size is the sum of its
// changes'. Ties go to the lower probability, then to the action space's order.
//
// Pure: reads the predictor and the action space, allocates its answer; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "domain/employee.hpp"
#include "model/actions.hpp"
#include "model/predictor.hpp"

namespace attrition::serving {

inline constexpr std::size_t kMaxChanges = 3;
inline constexpr std::size_t kMaxProposals = 5;

struct WhatIfOptions {
    std::size_t max_changes = 2;  // 1..kMaxChanges
    std::size_t proposals = 3;    // 1..kMaxProposals
};

struct Change {
    const model::InputAction* action = nullptr;  // into the action space searched
    bool numeric = false;
    double from_number = 0;  // numeric inputs
    double to_number = 0;
    std::string from_text;  // categorical inputs
    std::string to_text;
    double size = 0;  // the share of the action's reach used, in (0, 1]
};

struct Proposal {
    std::vector<Change> changes;   // in the action space's order
    domain::Employee employee;     // the employee with the changes made
    model::Prediction prediction;  // predictor.Predict(employee)
    double size = 0;               // the sum of the changes' sizes
};

enum class NoProposal {
    kNone,        // there are proposals
    kNotFlagged,  // the employee is already under the threshold
    kOutOfReach,  // no change of at most max_changes inputs within reach crosses it
};

struct WhatIf {
    model::Prediction current;
    std::vector<Proposal> proposals;  // best first, at most options.proposals
    NoProposal reason = NoProposal::kNone;
    std::size_t evaluated = 0;  // changed employees the search scored
};

WhatIf SearchWhatIf(const model::Predictor& predictor,
                    const model::ActionSpace& actions,
                    const domain::Employee& employee,
                    const WhatIfOptions& options);

}  // namespace attrition::serving
