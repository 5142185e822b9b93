#include "model/actions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include "domain/fields.hpp"

namespace attrition::model {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 11> kImmutable = {
    "age",
    "genre",
    "statut_marital",
    "niveau_education",
    "domaine_etude",
    "nombre_experiences_precedentes",
    "note_evaluation_precedente",
    "note_evaluation_actuelle",
    "departement",
    "poste",
    "distance_domicile_travail",
};

constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kSatisfactionScores = {{
    {"satisfaction_employee_environnement", "Satisfaction with the environment"},
    {"satisfaction_employee_nature_travail", "Satisfaction with the work itself"},
    {"satisfaction_employee_equipe", "Satisfaction with the team"},
    {"satisfaction_employee_equilibre_pro_perso", "Work-life balance satisfaction"},
}};

tl::unexpected<base::Error> InvalidActions(std::string message) {
    return base::Fail(base::ErrorCode::kInvalidConfig, "actions: " + std::move(message));
}

// The values of categorical input `name` (table or optional), or null when there is none.
const std::vector<std::string>* VocabularyOf(std::string_view name, const EncodingSpec& encoding) {
    if (const auto index = domain::CategoricalIndex(name)) return &encoding.vocabulary[*index];
    for (const auto& group : encoding.optional) {
        if (group.name == name) return &group.vocabulary;
    }
    return nullptr;
}

// `order` without the values `vocabulary` lacks: a default names values a version may not have.
std::vector<std::string> Known(std::vector<std::string> order,
                               const std::vector<std::string>& vocabulary) {
    std::erase_if(order, [&vocabulary](const std::string& value) {
        return std::find(vocabulary.begin(), vocabulary.end(), value) == vocabulary.end();
    });
    return order;
}

base::Result<void> CheckNumeric(const InputAction& action, std::string_view where) {
    if (action.change == InputAction::Change::kTowards) {
        return InvalidActions(std::string(where) + ": a numeric input changes by raise or lower");
    }
    if (!action.order.empty()) {
        return InvalidActions(std::string(where) + ": order is for a categorical input");
    }
    const auto positive = [](const std::optional<double>& reach) {
        return !reach || (std::isfinite(*reach) && *reach > 0);
    };
    if (!positive(action.max_step) || !positive(action.max_relative)) {
        return InvalidActions(std::string(where) + ": max_step and max_relative must be positive");
    }
    return {};
}

base::Result<void> CheckCategorical(const InputAction& action,
                                    const std::vector<std::string>& vocabulary,
                                    std::string_view where) {
    if (action.change != InputAction::Change::kTowards) {
        return InvalidActions(std::string(where) +
                              ": a categorical input changes towards an order");
    }
    if (action.max_step || action.max_relative) {
        return InvalidActions(std::string(where) +
                              ": max_step and max_relative are for numeric inputs");
    }
    if (action.order.size() < 2) {
        return InvalidActions(std::string(where) + ": order needs at least two values");
    }
    std::set<std::string_view> seen;
    for (const auto& value : action.order) {
        if (std::find(vocabulary.begin(), vocabulary.end(), value) == vocabulary.end()) {
            return InvalidActions(std::string(where) +
                                  ": order names a value the model does not know");
        }
        if (!seen.insert(value).second) {
            return InvalidActions(std::string(where) + ": order names a value twice");
        }
    }
    return {};
}

}  // namespace

std::span<const std::string_view> ImmutableInputs() noexcept { return kImmutable; }

std::string_view ChangeName(InputAction::Change change) noexcept {
    switch (change) {
        case InputAction::Change::kRaise:
            return "raise";
        case InputAction::Change::kLower:
            return "lower";
        case InputAction::Change::kTowards:
            return "towards";
    }
    return "raise";
}

ActionSpace DefaultActions(const EncodingSpec& encoding) {
    ActionSpace actions;
    const auto towards = [&](std::string_view input, std::vector<std::string> order,
                             std::string label) {
        const auto* vocabulary = VocabularyOf(input, encoding);
        if (vocabulary == nullptr) return;
        order = Known(std::move(order), *vocabulary);
        if (order.size() < 2) return;
        InputAction action{.input = std::string(input),
                           .change = InputAction::Change::kTowards,
                           .order = std::move(order),
                           .label = std::move(label)};
        actions.inputs.push_back(std::move(action));
    };
    towards("heure_supplementaires", {"Oui", "Non"}, "No more overtime");
    actions.inputs.push_back({.input = "revenu_mensuel",
                              .change = InputAction::Change::kRaise,
                              .max_relative = 0.2,
                              .label = "A pay rise (up to +20 %)"});
    actions.inputs.push_back({.input = "annees_depuis_la_derniere_promotion",
                              .change = InputAction::Change::kLower,
                              .label = "A promotion (years since the last one back down)"});
    actions.inputs.push_back({.input = "nb_formations_suivies",
                              .change = InputAction::Change::kRaise,
                              .max_step = 3,
                              .label = "More training (1 to 3 more courses)"});
    for (const auto& [input, name] : kSatisfactionScores) {
        actions.inputs.push_back({.input = std::string(input),
                                  .change = InputAction::Change::kRaise,
                                  .max_step = 1,
                                  .goal = true,
                                  .label = std::string(name) + " up by one point"});
    }
    towards("frequence_deplacement", {"Frequent", "Occasionnel", "Aucun"}, "Less business travel");
    return actions;
}

base::Result<void> CheckActions(const ActionSpace& actions, const EncodingSpec& encoding) {
    std::set<std::string_view> named;
    for (std::size_t i = 0; i < actions.inputs.size(); ++i) {
        const auto& action = actions.inputs[i];
        const std::string where = "inputs[" + std::to_string(i) + "]";
        if (std::find(kImmutable.begin(), kImmutable.end(), action.input) != kImmutable.end()) {
            return InvalidActions(where + ": " + action.input + " is not something HR can change");
        }
        if (!named.insert(action.input).second) {
            return InvalidActions(where + ": " + action.input + " is named twice");
        }
        if (domain::NumericIndex(action.input)) {
            if (auto ok = CheckNumeric(action, where); !ok) return ok;
        } else if (const auto* vocabulary = VocabularyOf(action.input, encoding)) {
            if (auto ok = CheckCategorical(action, *vocabulary, where); !ok) return ok;
        } else {
            return InvalidActions(where + ": " + action.input + " is not an input of this model");
        }
    }
    return {};
}

Json ActionsToJson(const ActionSpace& actions) {
    Json inputs = Json::array();
    for (const auto& action : actions.inputs) {
        Json entry{{"input", action.input}, {"change", ChangeName(action.change)}};
        if (action.max_step) entry["max_step"] = *action.max_step;
        if (action.max_relative) entry["max_relative"] = *action.max_relative;
        if (!action.order.empty()) entry["order"] = action.order;
        entry["goal"] = action.goal;
        entry["label"] = action.label;
        inputs.push_back(std::move(entry));
    }
    return Json{{"schema", kActionsSchema}, {"inputs", std::move(inputs)}};
}

base::Result<ActionSpace> ActionsFromJson(const Json& json) {
    if (!json.is_object() || !json.contains("schema") || json.at("schema") != kActionsSchema) {
        return InvalidActions("an object with \"schema\": " + std::to_string(kActionsSchema) +
                              " expected");
    }
    if (!json.contains("inputs") || !json.at("inputs").is_array()) {
        return InvalidActions("\"inputs\" must be an array");
    }
    ActionSpace actions;
    for (const auto& entry : json.at("inputs")) {
        const std::string where = "inputs[" + std::to_string(actions.inputs.size()) + "]";
        if (!entry.is_object() || !entry.contains("input") || !entry.at("input").is_string() ||
            !entry.contains("change") || !entry.at("change").is_string()) {
            return InvalidActions(where + ": \"input\" and \"change\" (strings) expected");
        }
        InputAction action;
        action.input = entry.at("input").get<std::string>();
        const auto change = entry.at("change").get<std::string>();
        if (change == "raise") {
            action.change = InputAction::Change::kRaise;
        } else if (change == "lower") {
            action.change = InputAction::Change::kLower;
        } else if (change == "towards") {
            action.change = InputAction::Change::kTowards;
        } else {
            return InvalidActions(where + ": change must be raise, lower or towards");
        }
        for (const auto& [key, value] : entry.items()) {
            if (key == "input" || key == "change") continue;
            if ((key == "max_step" || key == "max_relative") && value.is_number()) {
                (key == "max_step" ? action.max_step : action.max_relative) = value.get<double>();
            } else if (key == "order" && value.is_array() &&
                       std::all_of(value.begin(), value.end(),
                                   [](const Json& v) { return v.is_string(); })) {
                action.order = value.get<std::vector<std::string>>();
            } else if (key == "goal" && value.is_boolean()) {
                action.goal = value.get<bool>();
            } else if (key == "label" && value.is_string()) {
                action.label = value.get<std::string>();
            } else {
                return InvalidActions(
                    fmt::format("{}: unknown member or wrong type: {}", where, key));
            }
        }
        actions.inputs.push_back(std::move(action));
    }
    return actions;
}

}  // namespace attrition::model
