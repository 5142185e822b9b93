#include "domain/fields.hpp"

namespace attrition::domain {
namespace {

constexpr FieldSpec Int(std::string_view name,
                        std::optional<double> min,
                        std::optional<double> max,
                        std::string_view description,
                        double example) {
    return FieldSpec{name, FieldKind::kInteger, min, max, false, description, example, {}};
}

constexpr FieldSpec Cat(std::string_view name,
                        std::string_view description,
                        std::string_view example) {
    return FieldSpec{
        name, FieldKind::kCategorical, std::nullopt, std::nullopt, false, description, 0, example};
}

constexpr std::array<FieldSpec, kNumericCount> kNumeric{{
    Int("age", 18, 70, "Age in years", 41),
    FieldSpec{
        "revenu_mensuel", FieldKind::kNumber, 0, std::nullopt, true, "Monthly income", 5993, {}},
    Int("nombre_experiences_precedentes", 0, 50, "Number of previous employers", 8),
    Int("nombre_heures_travailless",
        0,
        168,
        "Standard weekly hours (sic: field name typo kept)",
        80),
    Int("annees_dans_le_poste_actuel", 0, 50, "Years in the current role", 4),
    Int("satisfaction_employee_environnement", 1, 5, "Satisfaction with the environment", 2),
    Int("satisfaction_employee_nature_travail", 1, 5, "Satisfaction with the work itself", 4),
    Int("satisfaction_employee_equipe", 1, 5, "Satisfaction with the team", 1),
    Int("satisfaction_employee_equilibre_pro_perso", 1, 5, "Work-life balance satisfaction", 1),
    Int("note_evaluation_precedente", 1, 4, "Previous evaluation score", 3),
    Int("note_evaluation_actuelle", 1, 4, "Current evaluation score", 3),
    Int("nombre_participation_pee", 0, std::nullopt, "Company savings plan participations", 0),
    Int("nb_formations_suivies", 0, 20, "Trainings attended", 0),
    Int("nombre_employee_sous_responsabilite", 0, std::nullopt, "Direct reports", 1),
    Int("distance_domicile_travail", 0, std::nullopt, "Home to work distance (km)", 1),
    Int("niveau_education", 1, 5, "Education level", 2),
    Int("annees_depuis_la_derniere_promotion", 0, 50, "Years since the last promotion", 0),
    Int("annes_sous_responsable_actuel",
        0,
        50,
        "Years under the current manager (sic: field name typo kept)",
        5),
}};

constexpr std::array<FieldSpec, kCategoricalCount> kCategorical{{
    Cat("genre", "Gender", "F"),
    Cat("statut_marital", "Marital status", "Célibataire"),
    Cat("departement", "Department", "Commercial"),
    Cat("poste", "Job title", "Cadre Commercial"),
    Cat("domaine_etude", "Field of study", "Infra & Cloud"),
    Cat("heure_supplementaires", "Works overtime", "Oui"),
}};

template <std::size_t N>
std::optional<std::size_t> Find(const std::array<FieldSpec, N>& fields, std::string_view name) {
    for (std::size_t i = 0; i < N; ++i) {
        if (fields[i].name == name) return i;
    }
    return std::nullopt;
}

}  // namespace

std::span<const FieldSpec, kNumericCount> NumericFields() noexcept { return kNumeric; }
std::span<const FieldSpec, kCategoricalCount> CategoricalFields() noexcept { return kCategorical; }

std::optional<std::size_t> NumericIndex(std::string_view name) noexcept {
    return Find(kNumeric, name);
}
std::optional<std::size_t> CategoricalIndex(std::string_view name) noexcept {
    return Find(kCategorical, name);
}

}  // namespace attrition::domain
