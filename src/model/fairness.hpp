// Fairness of the model's decisions across groups of employees: by genre, statut_marital and
// age band, the share flagged (will_leave) in each group, the mean predicted probability and,
// where outcomes are known, the observed rate, true and false positive rates and precision; per
// attribute the lowest ratio of selection rates between two groups (the four-fifths rule flags
// one under 0.8) and the largest gap in true positive rate (equal opportunity).
//
// The same table at training (out-of-fold predictions, every row resolved, stored in the
// artifact as group counts) and live (the log's predictions, resolved by outcomes: the store
// returns group counts). Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "domain/employee.hpp"

namespace attrition::model {

// The attributes: two inputs grouped by their value, and the age cut into bands (kAgeBands).
// Defined here once: CountGroups reads them, and the store's fairness query is handed them
// (store::PerformanceQuery::fairness, by monitoring::LabelledQuery).
inline constexpr std::array<std::string_view, 2> kGroupedInputs = {"genre", "statut_marital"};
inline constexpr std::string_view kBandedInput = "age";
inline constexpr std::string_view kAgeBandAttribute = "age_band";
inline constexpr std::array<std::string_view, 3> kFairnessAttributes = {
    kGroupedInputs[0], kGroupedInputs[1], kAgeBandAttribute};
inline constexpr double kFourFifths = 0.8;

// The age bands, in order: an age is in the first band whose `below` exceeds it (the last
// band's is infinite). Defined here once: AgeBand reads it, and the store's fairness query is
// handed it (store::PerformanceQuery::fairness, by monitoring::LabelledQuery).
struct AgeBandLimit {
    double below;
    std::string_view name;
};
inline constexpr std::array<AgeBandLimit, 4> kAgeBands{
    {{30, "18-29"}, {40, "30-39"}, {50, "40-49"}, {1e300, "50+"}}};

// "18-29", "30-39", "40-49" or "50+" (an age below 18 counts as 18-29).
std::string_view AgeBand(double age) noexcept;

// What a group's figures are made of.
struct GroupCounts {
    std::string attribute;  // one of kFairnessAttributes
    std::string group;      // the value, or the age band
    std::uint64_t n = 0;
    std::uint64_t flagged = 0;  // probability >= the decision threshold
    double sum_predicted = 0;
    std::uint64_t resolved = 0;  // with a known outcome
    std::uint64_t positives = 0;
    std::uint64_t true_positive = 0;   // flagged and positive
    std::uint64_t false_positive = 0;  // flagged and negative
};

struct GroupFairness {
    std::string group;
    std::uint64_t n = 0;
    std::uint64_t flagged = 0;
    double selection_rate = 0;  // flagged / n
    double mean_predicted = 0;
    std::uint64_t resolved = 0;
    std::uint64_t positives = 0;       // of the resolved, those who left
    std::uint64_t true_positive = 0;   // flagged, and left
    std::uint64_t false_positive = 0;  // flagged, and stayed
    // Undefined (nullopt) without the rows they divide by.
    std::optional<double> observed_rate;  // positives / resolved
    std::optional<double> tpr;            // true positives / positives
    std::optional<double> fpr;            // false positives / resolved negatives
    std::optional<double> precision;      // true positives / flagged resolved
};

struct AttributeFairness {
    std::string attribute;
    std::vector<GroupFairness> groups;  // by group name
    // Lowest selection rate / highest, over groups with rows; nullopt when nobody is flagged.
    std::optional<double> selection_rate_ratio;
    bool below_four_fifths = false;        // selection_rate_ratio < kFourFifths
    std::optional<double> tpr_difference;  // highest - lowest tpr, over >= 2 groups having one
};

// One entry per attribute of kFairnessAttributes that `counts` names, in that order.
std::vector<AttributeFairness> SummarizeFairness(std::span<const GroupCounts> counts);

// The counts of scored rows with known labels (training: out-of-fold scores).
std::vector<GroupCounts> CountGroups(std::span<const domain::Employee> employees,
                                     std::span<const double> scores,
                                     std::span<const int> labels,
                                     double threshold);

// As metadata.json's "fairness" holds them (the counts; the figures derive from them).
nlohmann::ordered_json GroupCountsToJson(std::span<const GroupCounts> counts);
base::Result<std::vector<GroupCounts>> GroupCountsFromJson(const nlohmann::ordered_json& json);

}  // namespace attrition::model
