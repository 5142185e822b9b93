// The training distribution of a model's inputs and of its out-of-fold score, kept in the
// artifact, and the drift figures that compare live values against it: the population stability
// index (PSI) and a Kolmogorov-Smirnov distance on the training bins. Pure functions over values;
// thread-safe.
//
// A numeric input is cut at the deciles of its training values (numpy's default linear
// quantiles at 0.1 .. 0.9, equal edges merged): bin k holds the values x with
// edges[k-1] <= x < edges[k], the first everything below edges[0], the last everything from
// edges.back() up. A categorical input has one bin per training value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hpp"

namespace attrition::model {

struct BinnedDistribution {
    std::vector<double> edges;        // ascending, distinct
    std::vector<double> frequencies;  // edges.size() + 1 shares, summing to 1
};

struct NumericDistribution {
    std::string name;
    BinnedDistribution bins;
};

struct CategoricalDistribution {
    std::string name;
    std::vector<std::string> values;  // the training values
    std::vector<double> frequencies;  // one share per value, summing to 1
};

struct TrainingDistributions {
    std::vector<NumericDistribution> numeric;          // the field table's order
    std::vector<CategoricalDistribution> categorical;  // the field table's, then optional inputs
    std::optional<BinnedDistribution> prediction;      // the out-of-fold P(leave), with CV
};

// Deciles of `values` (NaN left out) and the share of values in each bin. Requires at least
// one value.
BinnedDistribution DecileDistribution(std::span<const double> values);

// The bin of x in `bins` (0 .. edges.size()).
std::size_t BinOf(const BinnedDistribution& bins, double x) noexcept;

// Counts as shares (all 0 when the counts sum to 0).
std::vector<double> Shares(std::span<const std::uint64_t> counts);

// Shares below this count as this (an empty bin would make the PSI infinite).
inline constexpr double kPsiFloor = 1e-4;

// PSI = sum over bins of (actual - expected) x ln(actual / expected), shares floored at
// kPsiFloor. Both spans hold shares over the same bins.
double Psi(std::span<const double> expected, std::span<const double> actual);

// The largest gap between the two cumulative distributions at the bins' upper edges.
double BinnedKs(std::span<const double> expected, std::span<const double> actual);

enum class DriftLevel { kStable, kModerate, kSignificant };
inline constexpr double kPsiModerate = 0.1;
inline constexpr double kPsiSignificant = 0.25;
// stable < 0.1 <= moderate < 0.25 <= significant.
DriftLevel LevelOf(double psi) noexcept;
std::string_view DriftLevelName(DriftLevel level) noexcept;

// Live values of one input: each distinct value as the log holds it (a number's or a string's
// text) with how many predictions had it.
using ValueCounts = std::vector<std::pair<std::string, std::uint64_t>>;

// One bin's part of an input's PSI: what moved.
struct BinShift {
    std::optional<double> lower;  // numeric: the bin's lower edge; absent for the first bin
    std::optional<double> upper;  // numeric: its upper edge (excluded); absent for the last
    std::string value;            // categorical: the training value
    double training_share = 0;
    double live_share = 0;
    double contribution = 0;  // (live - training) x ln(live / training), floored as Psi's
};

// The PSI that sampling alone reaches with 95 % probability when the live values and the
// training ones come from the same distribution: n x m / (n + m) x PSI is then about
// chi-square with bins - 1 degrees of freedom (PSI is a symmetrised divergence whose
// second-order term is Pearson's statistic; Yurdakul 2018), so the bound is its 95th
// percentile (Wilson-Hilferty) x (1/n + 1/m). m = 0: the training shares taken as exact.
double PsiChanceBound(std::size_t bins, std::uint64_t live, std::uint64_t training);

// The 95th percentile of chi-square with `df` (>= 1) degrees of freedom, by Wilson and
// Hilferty's cube-root normal approximation (within 3 % of the exact value at df = 1, 1 % at
// df = 2, 0.5 % from df = 5).
double ChiSquare95(std::size_t df);

struct FeatureDrift {
    std::string name;
    bool numeric = false;
    std::uint64_t n = 0;  // live values compared (0: nothing to compare; psi and ks are then 0)
    double psi = 0;
    DriftLevel level = DriftLevel::kStable;
    double ks = 0;  // numeric inputs and the prediction only (BinnedKs)
    // PsiChanceBound for this input's bins, n and the training rows; a PSI at or under it is
    // not evidence of drift, whatever its level.
    double chance_bound = 0;
    bool beyond_chance = false;  // psi > chance_bound
    std::vector<BinShift> bins;  // every bin, largest contribution first

    // Drift to act on: level significant, and more than chance gives a window of this size.
    bool Significant() const { return level == DriftLevel::kSignificant && beyond_chance; }
};

// Each input of `training` against its live values (`live` by input name; an input absent from
// it has none). A numeric value that does not parse, or a categorical one outside the training
// values, is left out. In `training`'s order: numeric, then categorical. `training_rows`: the
// rows the training shares were counted on (the chance bound's m).
std::vector<FeatureDrift> CompareInputs(const TrainingDistributions& training,
                                        const std::map<std::string, ValueCounts>& live,
                                        std::uint64_t training_rows);

// The live predicted probabilities (value, count) against the training score bins.
FeatureDrift CompareScores(const BinnedDistribution& training,
                           std::span<const std::pair<double, std::uint64_t>> live,
                           std::uint64_t training_rows);

// As metadata.json's "training_distributions" holds them; parsing checks the shapes (edges
// ascending, one share per bin, shares summing to 1) and returns kInvalidConfig naming what is
// wrong.
nlohmann::ordered_json DistributionsToJson(const TrainingDistributions& distributions);
base::Result<TrainingDistributions> DistributionsFromJson(const nlohmann::ordered_json& json);

}  // namespace attrition::model
