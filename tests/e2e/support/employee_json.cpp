#include "e2e/support/employee_json.hpp"

#include <array>
#include <cstdio>

namespace attrition::test {

nlohmann::json SampleEmployee() {
    return {
        {"age", 41},
        {"revenu_mensuel", 5993},
        {"nombre_experiences_precedentes", 8},
        {"nombre_heures_travailless", 80},
        {"annees_dans_le_poste_actuel", 4},
        {"satisfaction_employee_environnement", 2},
        {"satisfaction_employee_nature_travail", 4},
        {"satisfaction_employee_equipe", 1},
        {"satisfaction_employee_equilibre_pro_perso", 1},
        {"note_evaluation_precedente", 3},
        {"note_evaluation_actuelle", 3},
        {"nombre_participation_pee", 0},
        {"nb_formations_suivies", 0},
        {"nombre_employee_sous_responsabilite", 1},
        {"distance_domicile_travail", 1},
        {"niveau_education", 2},
        {"annees_depuis_la_derniere_promotion", 0},
        {"annes_sous_responsable_actuel", 5},
        {"genre", "F"},
        {"statut_marital", "Célibataire"},
        {"departement", "Commercial"},
        {"poste", "Cadre Commercial"},
        {"domaine_etude", "Infra & Cloud"},
        {"heure_supplementaires", "Oui"},
    };
}

nlohmann::json VariedEmployee(int index) {
    // Coprime strides walk each field's training range; 7919 is prime, so incomes rarely repeat.
    const auto pick = [index](int stride, int size) { return (index * stride) % size; };
    const auto& categorical = CategoricalFieldRules();
    nlohmann::json employee = SampleEmployee();
    employee["age"] = 18 + pick(7, 43);                        // 18..60
    employee["revenu_mensuel"] = 1009 + pick(7919, 18990);     // 1009..19998
    employee["nombre_experiences_precedentes"] = pick(3, 10);  // 0..9
    employee["annees_dans_le_poste_actuel"] = pick(5, 19);     // 0..18
    employee["satisfaction_employee_environnement"] = 1 + pick(1, 4);
    employee["satisfaction_employee_nature_travail"] = 1 + pick(3, 4);
    employee["satisfaction_employee_equipe"] = 1 + pick(5, 4);
    employee["satisfaction_employee_equilibre_pro_perso"] = 1 + pick(7, 4);
    employee["note_evaluation_actuelle"] = 3 + pick(1, 2);
    employee["nombre_participation_pee"] = pick(1, 4);
    employee["nb_formations_suivies"] = pick(5, 7);
    employee["distance_domicile_travail"] = 1 + pick(11, 29);
    employee["annees_depuis_la_derniere_promotion"] = pick(2, 16);
    employee["annes_sous_responsable_actuel"] = pick(3, 18);
    for (std::size_t c = 0; c < categorical.size(); ++c) {
        const auto& values = categorical[c].values;
        const int stride = static_cast<int>(c) + 1;
        employee[categorical[c].name] =
            values[static_cast<std::size_t>(pick(stride, static_cast<int>(values.size())))];
    }
    return employee;
}

nlohmann::json WithId(nlohmann::json employee, const std::string& employee_id) {
    employee["employee_id"] = employee_id;
    return employee;
}

nlohmann::json InferInputs(const nlohmann::json& employees) {
    nlohmann::json inputs = nlohmann::json::array();
    for (const auto& [name, first] : employees[0].items()) {
        nlohmann::json data = nlohmann::json::array();
        for (const auto& employee : employees) data.push_back(employee[name]);
        const std::string datatype = first.is_string()           ? "BYTES"
                                     : first.is_number_integer() ? "INT64"
                                                                 : "FP64";
        inputs.push_back({{"name", name},
                          {"shape", {employees.size()}},
                          {"datatype", datatype},
                          {"data", data}});
    }
    return inputs;
}

nlohmann::json SampleBatch(int count) {
    nlohmann::json employees = nlohmann::json::array();
    for (int i = 0; i < count; ++i) {
        std::array<char, 16> id{};
        std::snprintf(id.data(), id.size(), "E%03d", i);
        employees.push_back(WithId(VariedEmployee(i), id.data()));
    }
    return {{"employees", employees}};
}

const std::vector<NumericFieldRule>& NumericFieldRules() {
    static const std::vector<NumericFieldRule> rules{
        {"age", true, 18, false, 70},
        {"revenu_mensuel", false, 0, true, std::nullopt},
        {"nombre_experiences_precedentes", true, 0, false, 50},
        {"nombre_heures_travailless", true, 0, false, 168},
        {"annees_dans_le_poste_actuel", true, 0, false, 50},
        {"satisfaction_employee_environnement", true, 1, false, 5},
        {"satisfaction_employee_nature_travail", true, 1, false, 5},
        {"satisfaction_employee_equipe", true, 1, false, 5},
        {"satisfaction_employee_equilibre_pro_perso", true, 1, false, 5},
        {"note_evaluation_precedente", true, 1, false, 4},
        {"note_evaluation_actuelle", true, 1, false, 4},
        {"nombre_participation_pee", true, 0, false, std::nullopt},
        {"nb_formations_suivies", true, 0, false, 20},
        {"nombre_employee_sous_responsabilite", true, 0, false, std::nullopt},
        {"distance_domicile_travail", true, 0, false, std::nullopt},
        {"niveau_education", true, 1, false, 5},
        {"annees_depuis_la_derniere_promotion", true, 0, false, 50},
        {"annes_sous_responsable_actuel", true, 0, false, 50},
    };
    return rules;
}

const std::vector<CategoricalFieldRule>& CategoricalFieldRules() {
    static const std::vector<CategoricalFieldRule> rules{
        {"genre", {"F", "M"}},
        {"statut_marital", {"Célibataire", "Divorcé(e)", "Marié(e)"}},
        {"departement", {"Commercial", "Consulting", "Ressources Humaines"}},
        {"poste",
         {"Assistant de Direction", "Cadre Commercial", "Consultant", "Directeur Technique",
          "Manager", "Représentant Commercial", "Ressources Humaines", "Senior Manager",
          "Tech Lead"}},
        {"domaine_etude",
         {"Autre", "Entrepreunariat", "Infra & Cloud", "Marketing", "Ressources Humaines",
          "Transformation Digitale"}},
        {"heure_supplementaires", {"Non", "Oui"}},
    };
    return rules;
}

std::vector<std::string> AllFieldNames() {
    std::vector<std::string> names;
    for (const auto& rule : NumericFieldRules()) names.push_back(rule.name);
    for (const auto& rule : CategoricalFieldRules()) names.push_back(rule.name);
    return names;
}

}  // namespace attrition::test
