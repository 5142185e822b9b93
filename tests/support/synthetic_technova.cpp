#include "support/synthetic_technova.hpp"

#include <fmt/core.h>

#include <array>
#include <cmath>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace attrition::test {
namespace {

constexpr std::array<std::string_view, 2> kGenre = {"F", "M"};
constexpr std::array<std::string_view, 3> kStatut = {"Célibataire", "Marié(e)", "Divorcé(e)"};
constexpr std::array<std::string_view, 3> kDepartement = {"Commercial", "Consulting",
                                                          "Ressources Humaines"};
constexpr std::array<std::string_view, 9> kPoste = {
    "Assistant de Direction", "Cadre Commercial", "Consultant",
    "Directeur Technique",    "Manager",          "Représentant Commercial",
    "Ressources Humaines",    "Senior Manager",   "Tech Lead"};
constexpr std::array<std::string_view, 6> kDomaine = {
    "Autre",     "Entrepreunariat",     "Infra & Cloud",
    "Marketing", "Ressources Humaines", "Transformation Digitale"};
constexpr std::array<std::string_view, 2> kOuiNon = {"Oui", "Non"};

class Draw {
  public:
    explicit Draw(std::uint64_t seed) : rng_(seed) {}
    double Uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
    int Int(int lo, int hi) {  // inclusive; the tiny modulo bias is irrelevant here
        return lo + static_cast<int>(rng_() % static_cast<std::uint64_t>(hi - lo + 1));
    }
    template <std::size_t N>
    std::string_view Pick(const std::array<std::string_view, N>& values) {
        return values[rng_() % N];
    }

  private:
    std::mt19937_64 rng_;
};

// Every value of a vocabulary appears: row i takes value i for the first N rows.
template <std::size_t N>
std::string_view Cover(std::size_t row, Draw& draw, const std::array<std::string_view, N>& values) {
    return row < N ? values[row] : draw.Pick(values);
}

void WriteText(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

SyntheticTexts MakeSyntheticTechnova(const SyntheticOptions& options) {
    Draw draw(options.seed);
    SyntheticTexts out;
    out.rows = options.rows;
    out.sirh =
        "id_employee,age,genre,revenu_mensuel,statut_marital,departement,poste,"
        "nombre_experiences_precedentes,nombre_heures_travailless,annee_experience_totale,"
        "annees_dans_l_entreprise,annees_dans_le_poste_actuel\n";
    // CRLF line ends on this file.
    out.eval =
        "satisfaction_employee_environnement,note_evaluation_precedente,"
        "niveau_hierarchique_poste,satisfaction_employee_nature_travail,"
        "satisfaction_employee_equipe,satisfaction_employee_equilibre_pro_perso,eval_number,"
        "note_evaluation_actuelle,heure_supplementaires,augementation_salaire_precedente\r\n";
    // A UTF-8 BOM on this one.
    out.sondage =
        "\xEF\xBB\xBF"
        "a_quitte_l_entreprise,nombre_participation_pee,nb_formations_suivies,"
        "nombre_employee_sous_responsabilite,code_sondage,distance_domicile_travail,"
        "niveau_education,domaine_etude,ayant_enfants,frequence_deplacement,"
        "annees_depuis_la_derniere_promotion,annes_sous_responsable_actuel\n";

    std::vector<std::string> eval_rows;
    std::vector<std::string> sondage_rows;
    for (std::size_t i = 0; i < options.rows; ++i) {
        const long number = 1 + static_cast<long>(i) * 3;  // gaps, like real employee numbers
        const int age = draw.Int(18, 60);
        const auto genre = Cover(i, draw, kGenre);
        const int revenu = draw.Int(1000, 20000);
        const auto statut = Cover(i, draw, kStatut);
        const auto departement = Cover(i, draw, kDepartement);
        const auto poste = Cover(i, draw, kPoste);
        const int experiences = draw.Int(0, 9);
        const int total_years = draw.Int(0, 40);
        const int company_years = draw.Int(0, total_years);
        const int role_years = draw.Int(0, company_years);
        // Quote some fields, as a spreadsheet export would.
        const std::string poste_text =
            i % 5 == 0 ? fmt::format("\"{}\"", poste) : std::string(poste);
        out.sirh += fmt::format("{},{},{},{},{},{},{},{},80,{},{},{}\n", number, age, genre, revenu,
                                statut, departement, poste_text, experiences, total_years,
                                company_years, role_years);

        const int environment = draw.Int(1, 4);
        const int nature = draw.Int(1, 4);
        const int team = draw.Int(1, 4);
        const int balance = draw.Int(1, 4);
        const int previous = draw.Int(1, 4);
        const int current = draw.Int(3, 4);
        const auto overtime = i < 2 ? kOuiNon[i] : (draw.Uniform() < 0.3 ? "Oui" : "Non");
        eval_rows.push_back(fmt::format("{},{},{},{},{},{},E_{},{},{},{} %\r\n", environment,
                                        previous, draw.Int(1, 5), nature, team, balance, number,
                                        current, overtime, draw.Int(11, 25)));

        const int distance = draw.Int(1, 29);
        const auto domaine = Cover(i, draw, kDomaine);
        const int promotion = draw.Int(0, 15);
        const int manager_years = draw.Int(0, 15);
        const double logit = -2.4 + 2.2 * (overtime == std::string_view("Oui") ? 1 : 0) +
                             0.7 * (2.5 - environment) + 0.5 * (2.5 - balance) + 0.06 * (35 - age) +
                             0.05 * (distance - 10);
        const bool left = draw.Uniform() < 1 / (1 + std::exp(-logit));
        out.positives += left ? 1 : 0;
        const int width = 6 + static_cast<int>(i % 4);  // padding width varies
        const std::string domaine_text =
            i % 7 == 0 ? fmt::format("\"{}\"", domaine) : std::string(domaine);
        sondage_rows.push_back(fmt::format(
            "{},{},{},1,{:0{}},{},{},{},Y,{},{},{}\n", left ? "Oui" : "Non", draw.Int(0, 3),
            draw.Int(0, 6), number, width, distance, draw.Int(1, 5), domaine_text,
            i % 3 == 0 ? "Frequent" : "Occasionnel", promotion, manager_years));
    }
    // The other extracts list employees in another order: the join must not rely on it.
    for (std::size_t k = eval_rows.size(); k > 0; --k) out.eval += eval_rows[k - 1];
    for (std::size_t k = 0; k < sondage_rows.size(); k += 2) out.sondage += sondage_rows[k];
    for (std::size_t k = 1; k < sondage_rows.size(); k += 2) out.sondage += sondage_rows[k];
    return out;
}

SyntheticTexts WriteSyntheticTechnova(const std::filesystem::path& dir,
                                      const SyntheticOptions& options) {
    std::filesystem::create_directories(dir);
    SyntheticTexts texts = MakeSyntheticTechnova(options);
    WriteText(dir / "extrait_sirh.csv", texts.sirh);
    WriteText(dir / "extrait_eval.csv", texts.eval);
    WriteText(dir / "extrait_sondage.csv", texts.sondage);
    return texts;
}

}  // namespace attrition::test
