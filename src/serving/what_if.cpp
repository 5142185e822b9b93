#include "serving/what_if.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <utility>

#include "domain/fields.hpp"

namespace attrition::serving {
namespace {

using model::InputAction;

// Rows scored per forest pass: bounds the buffer, amortizes the pass.
constexpr std::size_t kRowsPerPass = 256;

// One value an input can take: what it is, its share of the reach, and what it changes in the
// encoded row (the columns Encode writes differently from the employee's own row).
struct Candidate {
    double number = 0;
    std::string text;
    double size = 0;
    std::vector<std::pair<std::size_t, float>> edits;
};

// An input of the action space the employee can change, with its candidates.
struct Lever {
    const InputAction* action = nullptr;
    std::optional<std::size_t> numeric;  // index into the field table's numerics
    std::vector<Candidate> candidates;
};

// The bounds of a numeric action from `x`: the field's, the action's step and share.
std::pair<double, double> Reach(double x, const InputAction& action, const domain::FieldSpec& f) {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    double lo = f.minimum.value_or(-kInf);
    double hi = f.maximum.value_or(kInf);
    if (f.exclusive_minimum) lo = std::nextafter(lo, kInf);
    if (action.change == InputAction::Change::kRaise) {
        lo = x;
        if (action.max_step) hi = std::min(hi, x + *action.max_step);
        if (action.max_relative) hi = std::min(hi, x + std::abs(x) * *action.max_relative);
    } else {
        hi = x;
        if (action.max_step) lo = std::max(lo, x - *action.max_step);
        if (action.max_relative) lo = std::max(lo, x - std::abs(x) * *action.max_relative);
    }
    if (f.kind == domain::FieldKind::kInteger) {
        lo = std::ceil(lo);
        hi = std::floor(hi);
    }
    return {lo, hi};
}

// One value per threshold interval within reach, nearest `x` in it: raising, the smallest value
// the forest reads as at least each threshold above x; lowering, the largest it reads as below
// each threshold at or under x. Nearest first.
std::vector<double> NumericTargets(double x,
                                   const InputAction& action,
                                   const domain::FieldSpec& field,
                                   std::span<const float> thresholds) {
    const bool integer = field.kind == domain::FieldKind::kInteger;
    const auto [lo, hi] = Reach(x, action, field);
    const float encoded = static_cast<float>(x);
    std::vector<double> targets;
    const auto add = [&targets](double value) {
        if (targets.empty() || targets.back() != value) targets.push_back(value);
    };
    if (action.change == InputAction::Change::kRaise) {
        for (const float t : thresholds) {
            if (t <= encoded) continue;
            const double value = integer ? std::ceil(double{t}) : double{t};
            if (value > hi) break;
            add(value);
        }
    } else {
        for (auto it = thresholds.rbegin(); it != thresholds.rend(); ++it) {
            const float t = *it;
            if (t > encoded) continue;
            const double value =
                integer ? std::ceil(double{t}) - 1
                        : double{std::nextafter(t, -std::numeric_limits<float>::infinity())};
            if (value < lo) break;
            add(value);
        }
    }
    return targets;
}

void SetValue(domain::Employee& employee, const Lever& lever, const Candidate& candidate) {
    if (lever.numeric) {
        employee.numeric[*lever.numeric] = candidate.number;
    } else if (const auto index = domain::CategoricalIndex(lever.action->input)) {
        employee.categorical[*index] = candidate.text;
    } else {
        for (auto& input : employee.optional) {
            if (input.name == lever.action->input) input.value = candidate.text;
        }
    }
}

// The employee's current value of a categorical input; null when not given (imputed).
const std::string* CurrentText(const domain::Employee& employee, const std::string& input) {
    if (const auto index = domain::CategoricalIndex(input)) {
        const auto& value = employee.categorical[*index];
        return value.empty() ? nullptr : &value;
    }
    return employee.Optional(input);
}

std::vector<Candidate> CandidatesOf(const model::Predictor& predictor,
                                    const domain::Employee& employee,
                                    const Lever& lever) {
    std::vector<Candidate> candidates;
    const InputAction& action = *lever.action;
    if (lever.numeric) {
        const std::size_t i = *lever.numeric;
        const double x = employee.numeric[i];
        if (std::isnan(x)) return candidates;
        const auto& field = domain::NumericFields()[i];
        const auto targets = NumericTargets(x, action, field, predictor.SplitThresholds(i));
        if (targets.empty()) return candidates;
        const auto [lo, hi] = Reach(x, action, field);
        // Beyond the last target nothing changes: an unbounded reach ends there.
        const double end = action.change == InputAction::Change::kRaise
                               ? (std::isfinite(hi) ? hi : targets.back())
                               : (std::isfinite(lo) ? lo : targets.back());
        for (const double target : targets) {
            candidates.push_back({target, {}, std::abs(target - x) / std::abs(end - x), {}});
        }
        return candidates;
    }
    const std::string* current = CurrentText(employee, action.input);
    if (current == nullptr) return candidates;
    const auto at = std::find(action.order.begin(), action.order.end(), *current);
    if (at == action.order.end()) return candidates;
    const auto from = static_cast<std::size_t>(at - action.order.begin());
    const double steps = static_cast<double>(action.order.size() - 1 - from);
    for (std::size_t q = from + 1; q < action.order.size(); ++q) {
        candidates.push_back({0, action.order[q], static_cast<double>(q - from) / steps, {}});
    }
    return candidates;
}

// The levers of the employee: inputs of the action space with at least one candidate, each
// candidate's edits of the encoded row found by encoding the changed employee.
std::vector<Lever> LeversOf(const model::Predictor& predictor,
                            const model::ActionSpace& actions,
                            const domain::Employee& employee,
                            std::span<const float> row) {
    std::vector<Lever> levers;
    std::vector<float> changed_row(row.size());
    for (const auto& action : actions.inputs) {
        Lever lever{&action, domain::NumericIndex(action.input), {}};
        lever.candidates = CandidatesOf(predictor, employee, lever);
        if (lever.candidates.empty()) continue;
        for (auto& candidate : lever.candidates) {
            domain::Employee changed = employee;
            SetValue(changed, lever, candidate);
            predictor.EncodeRow(changed, changed_row);
            for (std::size_t c = 0; c < row.size(); ++c) {
                // Bit comparison: NaN never occurs (imputed), and -0 vs 0 is no change.
                if (changed_row[c] != row[c]) candidate.edits.emplace_back(c, changed_row[c]);
            }
        }
        levers.push_back(std::move(lever));
    }
    return levers;
}

// The best combination found for one set of levers.
struct Best {
    std::vector<std::size_t> choice;  // candidate index per lever of the set
    double size = 0;
    double probability = 0;
};

class Search {
  public:
    Search(const model::Predictor& predictor, std::span<const float> row, std::vector<Lever> levers)
        : predictor_(predictor), row_(row), levers_(std::move(levers)) {}

    const std::vector<Lever>& Levers() const { return levers_; }
    std::size_t Evaluated() const { return evaluated_; }

    // Every combination of candidates of the levers `set`; the smallest that crosses, if any.
    std::optional<Best> Evaluate(std::span<const std::size_t> set) {
        std::vector<std::size_t> digits(set.size(), 0);
        std::vector<std::vector<std::size_t>> pending;
        std::vector<float> rows;
        std::optional<Best> best;
        const std::size_t width = row_.size();
        for (bool more = true; more;) {
            rows.insert(rows.end(), row_.begin(), row_.end());
            float* out = rows.data() + rows.size() - width;
            for (std::size_t k = 0; k < set.size(); ++k) {
                for (const auto& [column, value] : levers_[set[k]].candidates[digits[k]].edits) {
                    out[column] = value;
                }
            }
            pending.push_back(digits);
            more = Next(set, digits);
            if (pending.size() == kRowsPerPass || !more) {
                Score(set, pending, rows, best);
                pending.clear();
                rows.clear();
            }
        }
        return best;
    }

  private:
    // Mixed-radix increment of `digits`; false once every combination was made.
    bool Next(std::span<const std::size_t> set, std::vector<std::size_t>& digits) const {
        for (std::size_t k = 0; k < set.size(); ++k) {
            if (++digits[k] < levers_[set[k]].candidates.size()) return true;
            digits[k] = 0;
        }
        return false;
    }

    void Score(std::span<const std::size_t> set,
               const std::vector<std::vector<std::size_t>>& pending,
               const std::vector<float>& rows,
               std::optional<Best>& best) {
        const auto predictions = predictor_.PredictRows(rows);
        evaluated_ += predictions.size();
        for (std::size_t r = 0; r < predictions.size(); ++r) {
            if (predictions[r].will_leave) continue;
            double size = 0;
            for (std::size_t k = 0; k < set.size(); ++k) {
                size += levers_[set[k]].candidates[pending[r][k]].size;
            }
            const double probability = predictions[r].probability;
            if (!best || size < best->size ||
                (size == best->size && probability < best->probability)) {
                best = Best{pending[r], size, probability};
            }
        }
    }

    const model::Predictor& predictor_;
    std::span<const float> row_;
    std::vector<Lever> levers_;
    std::size_t evaluated_ = 0;
};

// The next k-subset of 0..n-1 in lexicographic order; false after the last.
bool NextSubset(std::vector<std::size_t>& set, std::size_t n) {
    const std::size_t k = set.size();
    for (std::size_t i = k; i-- > 0;) {
        if (set[i] < n - k + i) {
            ++set[i];
            for (std::size_t j = i + 1; j < k; ++j) set[j] = set[j - 1] + 1;
            return true;
        }
    }
    return false;
}

Proposal MakeProposal(const model::Predictor& predictor,
                      const domain::Employee& employee,
                      const std::vector<Lever>& levers,
                      std::span<const std::size_t> set,
                      const Best& best) {
    Proposal proposal;
    proposal.employee = employee;
    for (std::size_t k = 0; k < set.size(); ++k) {
        const Lever& lever = levers[set[k]];
        const Candidate& candidate = lever.candidates[best.choice[k]];
        Change change;
        change.action = lever.action;
        change.numeric = lever.numeric.has_value();
        if (change.numeric) {
            change.from_number = employee.numeric[*lever.numeric];
            change.to_number = candidate.number;
        } else {
            change.from_text = *CurrentText(employee, lever.action->input);
            change.to_text = candidate.text;
        }
        change.size = candidate.size;
        SetValue(proposal.employee, lever, candidate);
        proposal.changes.push_back(std::move(change));
    }
    proposal.prediction = predictor.Predict(proposal.employee);
    proposal.size = best.size;
    return proposal;
}

}  // namespace

WhatIf SearchWhatIf(const model::Predictor& predictor,
                    const model::ActionSpace& actions,
                    const domain::Employee& employee,
                    const WhatIfOptions& options) {
    WhatIf answer;
    answer.current = predictor.Predict(employee);
    if (!answer.current.will_leave) {
        answer.reason = NoProposal::kNotFlagged;
        return answer;
    }
    std::vector<float> row(predictor.ColumnCount());
    predictor.EncodeRow(employee, row);
    Search search(predictor, row, LeversOf(predictor, actions, employee, row));
    const std::size_t n = search.Levers().size();
    std::vector<std::uint64_t> succeeded;  // the lever sets with a proposal, as bit masks
    for (std::size_t k = 1; k <= std::min(options.max_changes, n); ++k) {
        std::vector<std::pair<std::vector<std::size_t>, Best>> level;
        std::vector<std::size_t> set(k);
        for (std::size_t i = 0; i < k; ++i) set[i] = i;
        do {
            std::uint64_t mask = 0;
            for (const auto lever : set) mask |= std::uint64_t{1} << lever;
            if (std::any_of(succeeded.begin(), succeeded.end(),
                            [mask](std::uint64_t done) { return (done & mask) == done; })) {
                continue;
            }
            if (auto best = search.Evaluate(set)) {
                level.emplace_back(set, std::move(*best));
                succeeded.push_back(mask);
            }
        } while (NextSubset(set, n));
        std::stable_sort(level.begin(), level.end(), [](const auto& a, const auto& b) {
            return a.second.size != b.second.size ? a.second.size < b.second.size
                                                  : a.second.probability < b.second.probability;
        });
        for (const auto& [lever_set, best] : level) {
            if (answer.proposals.size() == options.proposals) break;
            answer.proposals.push_back(
                MakeProposal(predictor, employee, search.Levers(), lever_set, best));
        }
        if (answer.proposals.size() == options.proposals) break;
    }
    answer.evaluated = search.Evaluated();
    if (answer.proposals.empty()) answer.reason = NoProposal::kOutOfReach;
    return answer;
}

}  // namespace attrition::serving
