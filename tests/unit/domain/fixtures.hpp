// Test fixture: the training vocabulary of SPEC §1 (sorted as the encoder sorts it) and a valid
// employee built from the field table's examples. Tests only; src/ takes the vocabulary from the
// model artifact. Pure functions, thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/fields.hpp"
#include "domain/vocabulary.hpp"

namespace attrition::test_fixtures {

inline domain::Vocabulary::TrainingValues SpecTrainingValues() {
    return {{
        {"F", "M"},
        {"Célibataire", "Divorcé(e)", "Marié(e)"},
        {"Commercial", "Consulting", "Ressources Humaines"},
        {"Assistant de Direction", "Cadre Commercial", "Consultant", "Directeur Technique",
         "Manager", "Représentant Commercial", "Ressources Humaines", "Senior Manager",
         "Tech Lead"},
        {"Autre", "Entrepreunariat", "Infra & Cloud", "Marketing", "Ressources Humaines",
         "Transformation Digitale"},
        {"Non", "Oui"},
    }};
}

// The SPEC vocabulary with the project's alias table; aborts the test binary if it is invalid.
inline domain::Vocabulary SpecVocabulary() {
    return domain::Vocabulary::Make(SpecTrainingValues()).value();
}

// A valid employee object from the field table's examples (numbers as JSON integers where the
// field is an integer), without employee_id.
inline nlohmann::json ExampleEmployee() {
    nlohmann::json employee = nlohmann::json::object();
    for (const auto& field : domain::NumericFields()) {
        if (field.kind == domain::FieldKind::kInteger) {
            employee[std::string(field.name)] = static_cast<long long>(field.example);
        } else {
            employee[std::string(field.name)] = field.example;
        }
    }
    for (const auto& field : domain::CategoricalFields()) {
        employee[std::string(field.name)] = std::string(field.categorical_example);
    }
    return employee;
}

}  // namespace attrition::test_fixtures
