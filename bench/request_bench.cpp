// Request JSON -> validated Employee, against its baseline in the same run: a plain simdjson
// DOM parse of the same body (the floor any validating parser pays).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>

#include "domain/validation.hpp"
#include "domain/vocabulary.hpp"

namespace {

using attrition::domain::JsonParser;
using attrition::domain::Vocabulary;

const char* kBody =
    R"({"age":41,"revenu_mensuel":5993,"nombre_experiences_precedentes":8,)"
    R"("nombre_heures_travailless":80,"annees_dans_le_poste_actuel":4,)"
    R"("satisfaction_employee_environnement":2,"satisfaction_employee_nature_travail":4,)"
    R"("satisfaction_employee_equipe":1,"satisfaction_employee_equilibre_pro_perso":1,)"
    R"("note_evaluation_precedente":3,"note_evaluation_actuelle":3,"nombre_participation_pee":0,)"
    R"("nb_formations_suivies":0,"nombre_employee_sous_responsabilite":1,)"
    R"("distance_domicile_travail":1,"niveau_education":2,)"
    R"("annees_depuis_la_derniere_promotion":0,"annes_sous_responsable_actuel":5,"genre":"Male",)"
    R"("statut_marital":"Single","departement":"Sales","poste":"Sales Executive",)"
    R"("domaine_etude":"Life Sciences","heure_supplementaires":"Yes"})";

Vocabulary MakeVocabulary() {
    auto vocabulary = Vocabulary::Make({{
        {"F", "M"},
        {"Célibataire", "Divorcé(e)", "Marié(e)"},
        {"Commercial", "Consulting", "Ressources Humaines"},
        {"Assistant de Direction", "Cadre Commercial", "Consultant", "Directeur Technique",
         "Manager", "Représentant Commercial", "Ressources Humaines", "Senior Manager",
         "Tech Lead"},
        {"Autre", "Entrepreunariat", "Infra & Cloud", "Marketing", "Ressources Humaines",
         "Transformation Digitale"},
        {"Non", "Oui"},
    }});
    return std::move(*vocabulary);
}

void BM_PlainDomParse(benchmark::State& state) {
    simdjson::dom::parser parser;
    const std::string body = kBody;
    for (auto _ : state) {
        auto doc = parser.parse(body);
        benchmark::DoNotOptimize(doc.error());
    }
}
BENCHMARK(BM_PlainDomParse);

void BM_ParseAndValidateEmployee(benchmark::State& state) {
    const auto vocabulary = MakeVocabulary();
    JsonParser parser;
    const std::string body = kBody;
    for (auto _ : state) {
        auto employee = attrition::domain::ParseEmployee(body, vocabulary, parser);
        if (!employee) state.SkipWithError("validation failed");
        benchmark::DoNotOptimize(employee);
    }
}
BENCHMARK(BM_ParseAndValidateEmployee);

}  // namespace

BENCHMARK_MAIN();
