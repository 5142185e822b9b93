#include "domain/category_aliases.hpp"

#include <array>

namespace attrition::domain {
namespace {

// Source: ../shared/data/category_aliases.csv (feature, alias, canonical). UTF-8.
constexpr std::array<CategoryAlias, 30> kAliases{{
    {"genre", "Male", "M"},
    {"genre", "Female", "F"},
    {"genre", "Homme", "M"},
    {"genre", "Femme", "F"},
    {"statut_marital", "Single", "Célibataire"},
    {"statut_marital", "Married", "Marié(e)"},
    {"statut_marital", "Divorced", "Divorcé(e)"},
    {"statut_marital", "Marié", "Marié(e)"},
    {"statut_marital", "Mariée", "Marié(e)"},
    {"statut_marital", "Divorcé", "Divorcé(e)"},
    {"statut_marital", "Divorcée", "Divorcé(e)"},
    {"departement", "Sales", "Commercial"},
    {"departement", "Research & Development", "Consulting"},
    {"departement", "Human Resources", "Ressources Humaines"},
    {"poste", "Sales Executive", "Cadre Commercial"},
    {"poste", "Research Scientist", "Assistant de Direction"},
    {"poste", "Laboratory Technician", "Consultant"},
    {"poste", "Manufacturing Director", "Tech Lead"},
    {"poste", "Healthcare Representative", "Manager"},
    {"poste", "Sales Representative", "Représentant Commercial"},
    {"poste", "Research Director", "Directeur Technique"},
    {"poste", "Human Resources", "Ressources Humaines"},
    {"domaine_etude", "Life Sciences", "Infra & Cloud"},
    {"domaine_etude", "Medical", "Transformation Digitale"},
    {"domaine_etude", "Marketing", "Marketing"},
    {"domaine_etude", "Technical Degree", "Entrepreunariat"},
    {"domaine_etude", "Other", "Autre"},
    {"domaine_etude", "Human Resources", "Ressources Humaines"},
    {"heure_supplementaires", "Yes", "Oui"},
    {"heure_supplementaires", "No", "Non"},
}};

}  // namespace

std::span<const CategoryAlias> CategoryAliases() noexcept { return kAliases; }

}  // namespace attrition::domain
