#include "model/distributions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "model/json_problem.hpp"

namespace attrition::model {
namespace {

using Json = nlohmann::ordered_json;

base::Error InvalidDistributions(std::string message) {
    return base::Error::Make(base::ErrorCode::kInvalidConfig,
                             "training_distributions: " + std::move(message));
}

// numpy.quantile's default (linear interpolation between the closest ranks) on sorted values.
double Quantile(std::span<const double> sorted, double q) {
    const double position = q * static_cast<double>(sorted.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    const double fraction = position - static_cast<double>(below);
    return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

base::Result<void> CheckShares(const std::vector<double>& shares, const std::string& what) {
    double sum = 0;
    for (const double share : shares) {
        if (!(share >= 0 && share <= 1))
            return tl::unexpected(InvalidDistributions(what + ": a share outside 0..1"));
        sum += share;
    }
    if (std::fabs(sum - 1) > 1e-6)
        return tl::unexpected(InvalidDistributions(what + ": shares do not sum to 1"));
    return {};
}

base::Result<BinnedDistribution> BinsFromJson(const Json& json, const std::string& what) {
    BinnedDistribution bins{json.at("edges").get<std::vector<double>>(),
                            json.at("frequencies").get<std::vector<double>>()};
    for (std::size_t i = 0; i < bins.edges.size(); ++i) {
        if (!std::isfinite(bins.edges[i]) || (i > 0 && bins.edges[i] <= bins.edges[i - 1])) {
            return tl::unexpected(
                InvalidDistributions(what + ": edges are not finite and ascending"));
        }
    }
    if (bins.frequencies.size() != bins.edges.size() + 1) {
        return tl::unexpected(InvalidDistributions(what + ": one share per bin expected"));
    }
    if (auto ok = CheckShares(bins.frequencies, what); !ok) return tl::unexpected(ok.error());
    return bins;
}

Json BinsToJson(const BinnedDistribution& bins) {
    return Json{{"edges", bins.edges}, {"frequencies", bins.frequencies}};
}

}  // namespace

BinnedDistribution DecileDistribution(std::span<const double> values) {
    std::vector<double> sorted;
    sorted.reserve(values.size());
    for (const double value : values) {
        if (!std::isnan(value)) sorted.push_back(value);
    }
    assert(!sorted.empty());
    std::sort(sorted.begin(), sorted.end());
    BinnedDistribution bins;
    for (int decile = 1; decile <= 9; ++decile) {
        const double edge = Quantile(sorted, decile / 10.0);
        if (bins.edges.empty() || edge > bins.edges.back()) bins.edges.push_back(edge);
    }
    std::vector<std::uint64_t> counts(bins.edges.size() + 1, 0);
    for (const double value : sorted) ++counts[BinOf(bins, value)];
    bins.frequencies = Shares(counts);
    return bins;
}

std::size_t BinOf(const BinnedDistribution& bins, double x) noexcept {
    return static_cast<std::size_t>(std::upper_bound(bins.edges.begin(), bins.edges.end(), x) -
                                    bins.edges.begin());
}

std::vector<double> Shares(std::span<const std::uint64_t> counts) {
    const auto total = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
    std::vector<double> shares(counts.size(), 0.0);
    if (total == 0) return shares;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        shares[i] = static_cast<double>(counts[i]) / static_cast<double>(total);
    }
    return shares;
}

double Psi(std::span<const double> expected, std::span<const double> actual) {
    assert(expected.size() == actual.size());
    double psi = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const double e = std::max(expected[i], kPsiFloor);
        const double a = std::max(actual[i], kPsiFloor);
        psi += (a - e) * std::log(a / e);
    }
    return psi;
}

double BinnedKs(std::span<const double> expected, std::span<const double> actual) {
    assert(expected.size() == actual.size());
    double cumulative_expected = 0, cumulative_actual = 0, largest = 0;
    for (std::size_t i = 0; i + 1 < expected.size(); ++i) {
        cumulative_expected += expected[i];
        cumulative_actual += actual[i];
        largest = std::max(largest, std::fabs(cumulative_expected - cumulative_actual));
    }
    return largest;
}

DriftLevel LevelOf(double psi) noexcept {
    if (psi >= kPsiSignificant) return DriftLevel::kSignificant;
    if (psi >= kPsiModerate) return DriftLevel::kModerate;
    return DriftLevel::kStable;
}

std::string_view DriftLevelName(DriftLevel level) noexcept {
    switch (level) {
        case DriftLevel::kStable:
            return "stable";
        case DriftLevel::kModerate:
            return "moderate";
        case DriftLevel::kSignificant:
            return "significant";
    }
    return "stable";
}

namespace {

// `label(i)` fills bin i's edges or value.
template <class Label>
FeatureDrift Compare(std::string name,
                     bool numeric,
                     std::span<const double> expected,
                     std::span<const std::uint64_t> counts,
                     std::uint64_t training_rows,
                     Label label) {
    FeatureDrift drift{std::move(name), numeric};
    drift.n = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
    if (drift.n == 0) return drift;
    const auto actual = Shares(counts);
    drift.psi = Psi(expected, actual);
    drift.level = LevelOf(drift.psi);
    if (numeric) drift.ks = BinnedKs(expected, actual);
    drift.chance_bound = PsiChanceBound(expected.size(), drift.n, training_rows);
    drift.beyond_chance = drift.psi > drift.chance_bound;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        BinShift shift;
        label(i, shift);
        shift.training_share = expected[i];
        shift.live_share = actual[i];
        const double e = std::max(expected[i], kPsiFloor);
        const double a = std::max(actual[i], kPsiFloor);
        shift.contribution = (a - e) * std::log(a / e);
        drift.bins.push_back(std::move(shift));
    }
    std::stable_sort(
        drift.bins.begin(), drift.bins.end(),
        [](const BinShift& x, const BinShift& y) { return x.contribution > y.contribution; });
    return drift;
}

// A numeric bin's edges.
void Edges(const BinnedDistribution& bins, std::size_t i, BinShift& shift) {
    if (i > 0) shift.lower = bins.edges[i - 1];
    if (i < bins.edges.size()) shift.upper = bins.edges[i];
}

std::optional<double> ParseDouble(const std::string& text) {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::vector<FeatureDrift> CompareInputs(const TrainingDistributions& training,
                                        const std::map<std::string, ValueCounts>& live,
                                        std::uint64_t training_rows) {
    static const ValueCounts kNone;
    const auto values_of = [&live](const std::string& name) -> const ValueCounts& {
        const auto found = live.find(name);
        return found == live.end() ? kNone : found->second;
    };
    std::vector<FeatureDrift> drifts;
    for (const auto& feature : training.numeric) {
        std::vector<std::uint64_t> counts(feature.bins.frequencies.size(), 0);
        for (const auto& [text, count] : values_of(feature.name)) {
            if (const auto value = ParseDouble(text)) counts[BinOf(feature.bins, *value)] += count;
        }
        drifts.push_back(
            Compare(feature.name, true, feature.bins.frequencies, counts, training_rows,
                    [&](std::size_t i, BinShift& shift) { Edges(feature.bins, i, shift); }));
    }
    for (const auto& feature : training.categorical) {
        std::vector<std::uint64_t> counts(feature.values.size(), 0);
        for (const auto& [text, count] : values_of(feature.name)) {
            const auto at = std::find(feature.values.begin(), feature.values.end(), text);
            if (at != feature.values.end()) {
                counts[static_cast<std::size_t>(at - feature.values.begin())] += count;
            }
        }
        drifts.push_back(
            Compare(feature.name, false, feature.frequencies, counts, training_rows,
                    [&](std::size_t i, BinShift& shift) { shift.value = feature.values[i]; }));
    }
    return drifts;
}

FeatureDrift CompareScores(const BinnedDistribution& training,
                           std::span<const std::pair<double, std::uint64_t>> live,
                           std::uint64_t training_rows) {
    std::vector<std::uint64_t> counts(training.frequencies.size(), 0);
    for (const auto& [value, count] : live) counts[BinOf(training, value)] += count;
    return Compare("prediction", true, training.frequencies, counts, training_rows,
                   [&](std::size_t i, BinShift& shift) { Edges(training, i, shift); });
}

double ChiSquare95(std::size_t df) {
    constexpr double kZ95 = 1.6448536269514722;  // the standard normal's 95th percentile
    const double k = static_cast<double>(df);
    const double a = 2 / (9 * k);
    return k * std::pow(1 - a + kZ95 * std::sqrt(a), 3);
}

double PsiChanceBound(std::size_t bins, std::uint64_t live, std::uint64_t training) {
    if (bins < 2 || live == 0) return 0;
    const double spread =
        1 / static_cast<double>(live) + (training > 0 ? 1 / static_cast<double>(training) : 0.0);
    return ChiSquare95(bins - 1) * spread;
}

Json DistributionsToJson(const TrainingDistributions& distributions) {
    Json numeric = Json::array();
    for (const auto& feature : distributions.numeric) {
        Json entry = BinsToJson(feature.bins);
        entry["name"] = feature.name;
        numeric.push_back(std::move(entry));
    }
    Json categorical = Json::array();
    for (const auto& feature : distributions.categorical) {
        categorical.push_back(Json{{"name", feature.name},
                                   {"values", feature.values},
                                   {"frequencies", feature.frequencies}});
    }
    return Json{{"numeric", std::move(numeric)},
                {"categorical", std::move(categorical)},
                {"prediction",
                 distributions.prediction ? BinsToJson(*distributions.prediction) : Json(nullptr)}};
}

base::Result<TrainingDistributions> DistributionsFromJson(const Json& json) {
    try {
        TrainingDistributions distributions;
        for (const auto& entry : json.at("numeric")) {
            const auto name = entry.at("name").get<std::string>();
            auto bins = BinsFromJson(entry, name);
            if (!bins) return tl::unexpected(bins.error());
            distributions.numeric.push_back({name, std::move(*bins)});
        }
        for (const auto& entry : json.at("categorical")) {
            CategoricalDistribution feature{entry.at("name").get<std::string>(),
                                            entry.at("values").get<std::vector<std::string>>(),
                                            entry.at("frequencies").get<std::vector<double>>()};
            if (feature.values.size() != feature.frequencies.size() || feature.values.empty()) {
                return tl::unexpected(
                    InvalidDistributions(feature.name + ": one share per value expected"));
            }
            if (auto ok = CheckShares(feature.frequencies, feature.name); !ok) {
                return tl::unexpected(ok.error());
            }
            distributions.categorical.push_back(std::move(feature));
        }
        if (const Json& scores = json.at("prediction"); !scores.is_null()) {
            auto prediction = BinsFromJson(scores, "prediction");
            if (!prediction) return tl::unexpected(prediction.error());
            distributions.prediction = std::move(*prediction);
        }
        return distributions;
    } catch (const nlohmann::json::exception& e) {
        return tl::unexpected(InvalidDistributions(JsonProblem(e)));
    }
}

}  // namespace attrition::model
