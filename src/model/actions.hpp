// What a what-if search may change of an employee, per model version: the inputs HR can act on
// and how far (metadata.json's "actions"; a version without it has DefaultActions). Never an
// input of ImmutableInputs(). Values only, read by every thread once loaded.
//
//   "actions": {"schema": 1, "inputs": [
//     {"input": "heure_supplementaires", "change": "towards", "order": ["Oui", "Non"],
//      "label": "No more overtime"},
//     {"input": "revenu_mensuel", "change": "raise", "max_relative": 0.2, "label": "..."},
//     {"input": "satisfaction_employee_equipe", "change": "raise", "max_step": 1,
//      "goal": true, "label": "..."}]}
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "model/encoder.hpp"

namespace attrition::model {

// The "schema" of the "actions" object this code reads and writes.
inline constexpr int kActionsSchema = 1;

struct InputAction {
    enum class Change {
        kRaise,    // a numeric input, up from its current value
        kLower,    // a numeric input, down from its current value
        kTowards,  // a categorical input, to any value after its current one in `order`
    };
    std::string input;  // a numeric or categorical field of the table, or an optional input
    Change change = Change::kRaise;
    // Numeric reach beyond the field's own bounds: at most this much (in the input's unit) ...
    std::optional<double> max_step;
    // ... and at most this fraction of the current value (0.2: +20 %). None: the field's bound.
    std::optional<double> max_relative;
    std::vector<std::string> order;  // kTowards: canonical values, from worse to better
    // An outcome to work towards (a satisfaction score), not something HR decides.
    bool goal = false;
    std::string label;  // what HR reads, e.g. "A pay rise (up to +20 %)"
};

// "raise", "lower", "towards": the JSON spelling.
std::string_view ChangeName(InputAction::Change change) noexcept;

struct ActionSpace {
    std::vector<InputAction> inputs;
};

// age, genre, statut_marital, niveau_education, domaine_etude, nombre_experiences_precedentes,
// note_evaluation_precedente, note_evaluation_actuelle, departement, poste,
// distance_domicile_travail: what an action space may never name.
std::span<const std::string_view> ImmutableInputs() noexcept;

// The defaults (docs/model.md): no overtime; monthly pay up to +20 %; a promotion (years since
// the last one down, to 0); 1 to 3 more trainings; each satisfaction score up by at most 1 (a
// goal); less frequent business travel, when `encoding` has frequence_deplacement. Inputs and
// values the version lacks are left out.
ActionSpace DefaultActions(const EncodingSpec& encoding);

// kInvalidConfig naming the entry and the rule it breaks: an unknown or immutable input, one
// named twice, a change of the wrong kind for the input, a reach not positive, an order with
// fewer than two values or a value outside the input's vocabulary.
base::Result<void> CheckActions(const ActionSpace& actions, const EncodingSpec& encoding);

nlohmann::ordered_json ActionsToJson(const ActionSpace& actions);
// Shapes only (types, known members, the schema); CheckActions checks against a version.
base::Result<ActionSpace> ActionsFromJson(const nlohmann::ordered_json& json);

}  // namespace attrition::model
