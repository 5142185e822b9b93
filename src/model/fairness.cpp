#include "model/fairness.hpp"

#include <algorithm>
#include <cassert>
#include <map>
#include <utility>

#include "domain/fields.hpp"
#include "model/json_problem.hpp"

namespace attrition::model {
namespace {

using Json = nlohmann::ordered_json;

std::optional<double> Share(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) return std::nullopt;
    return static_cast<double>(part) / static_cast<double>(whole);
}

GroupFairness Figures(const GroupCounts& c) {
    GroupFairness g;
    g.group = c.group;
    g.n = c.n;
    g.flagged = c.flagged;
    g.selection_rate = Share(c.flagged, c.n).value_or(0.0);
    g.mean_predicted = c.n > 0 ? c.sum_predicted / static_cast<double>(c.n) : 0.0;
    g.resolved = c.resolved;
    g.positives = c.positives;
    g.true_positive = c.true_positive;
    g.false_positive = c.false_positive;
    g.observed_rate = Share(c.positives, c.resolved);
    g.tpr = Share(c.true_positive, c.positives);
    g.fpr = Share(c.false_positive, c.resolved - c.positives);
    g.precision = Share(c.true_positive, c.true_positive + c.false_positive);
    return g;
}

}  // namespace

std::string_view AgeBand(double age) noexcept {
    for (const auto& band : kAgeBands) {
        if (age < band.below) return band.name;
    }
    return kAgeBands.back().name;
}

std::vector<AttributeFairness> SummarizeFairness(std::span<const GroupCounts> counts) {
    std::vector<AttributeFairness> table;
    for (const auto attribute : kFairnessAttributes) {
        AttributeFairness entry{std::string(attribute), {}, std::nullopt, false, std::nullopt};
        for (const auto& c : counts) {
            if (c.attribute == attribute && c.n > 0) entry.groups.push_back(Figures(c));
        }
        if (entry.groups.empty()) continue;
        std::sort(entry.groups.begin(), entry.groups.end(),
                  [](const auto& a, const auto& b) { return a.group < b.group; });
        double lowest = 1, highest = 0;
        std::optional<double> lowest_tpr, highest_tpr;
        std::size_t with_tpr = 0;
        for (const auto& g : entry.groups) {
            lowest = std::min(lowest, g.selection_rate);
            highest = std::max(highest, g.selection_rate);
            if (g.tpr) {
                ++with_tpr;
                lowest_tpr = std::min(lowest_tpr.value_or(*g.tpr), *g.tpr);
                highest_tpr = std::max(highest_tpr.value_or(*g.tpr), *g.tpr);
            }
        }
        if (highest > 0) {
            entry.selection_rate_ratio = lowest / highest;
            entry.below_four_fifths = *entry.selection_rate_ratio < kFourFifths;
        }
        if (with_tpr >= 2) entry.tpr_difference = *highest_tpr - *lowest_tpr;
        table.push_back(std::move(entry));
    }
    return table;
}

std::vector<GroupCounts> CountGroups(std::span<const domain::Employee> employees,
                                     std::span<const double> scores,
                                     std::span<const int> labels,
                                     double threshold) {
    assert(employees.size() == scores.size() && scores.size() == labels.size());
    const auto genre = domain::CategoricalIndex(kGroupedInputs[0]).value();
    const auto marital = domain::CategoricalIndex(kGroupedInputs[1]).value();
    const auto age = domain::NumericIndex(kBandedInput).value();
    std::map<std::pair<std::string, std::string>, GroupCounts> groups;
    for (std::size_t i = 0; i < employees.size(); ++i) {
        const std::array<std::pair<std::string_view, std::string>, 3> keys{
            std::pair{kFairnessAttributes[0], employees[i].categorical[genre]},
            std::pair{kFairnessAttributes[1], employees[i].categorical[marital]},
            std::pair{kFairnessAttributes[2], std::string(AgeBand(employees[i].numeric[age]))}};
        const bool flagged = scores[i] >= threshold;
        const bool positive = labels[i] == 1;
        for (const auto& [attribute, group] : keys) {
            if (group.empty()) continue;  // a missing value is in no group
            auto& c = groups[{std::string(attribute), group}];
            c.attribute = attribute;
            c.group = group;
            ++c.n;
            c.flagged += flagged;
            c.sum_predicted += scores[i];
            ++c.resolved;
            c.positives += positive;
            c.true_positive += flagged && positive;
            c.false_positive += flagged && !positive;
        }
    }
    std::vector<GroupCounts> counts;
    counts.reserve(groups.size());
    for (auto& [key, c] : groups) counts.push_back(std::move(c));
    return counts;
}

Json GroupCountsToJson(std::span<const GroupCounts> counts) {
    Json list = Json::array();
    for (const auto& c : counts) {
        list.push_back(Json{{"attribute", c.attribute},
                            {"group", c.group},
                            {"n", c.n},
                            {"flagged", c.flagged},
                            {"sum_predicted", c.sum_predicted},
                            {"resolved", c.resolved},
                            {"positives", c.positives},
                            {"true_positive", c.true_positive},
                            {"false_positive", c.false_positive}});
    }
    return list;
}

base::Result<std::vector<GroupCounts>> GroupCountsFromJson(const Json& json) {
    try {
        std::vector<GroupCounts> counts;
        for (const auto& entry : json) {
            GroupCounts c{entry.at("attribute").get<std::string>(),
                          entry.at("group").get<std::string>(),
                          entry.at("n").get<std::uint64_t>(),
                          entry.at("flagged").get<std::uint64_t>(),
                          entry.at("sum_predicted").get<double>(),
                          entry.at("resolved").get<std::uint64_t>(),
                          entry.at("positives").get<std::uint64_t>(),
                          entry.at("true_positive").get<std::uint64_t>(),
                          entry.at("false_positive").get<std::uint64_t>()};
            const bool known = std::find(kFairnessAttributes.begin(), kFairnessAttributes.end(),
                                         c.attribute) != kFairnessAttributes.end();
            if (!known || c.flagged > c.n || c.resolved > c.n || c.positives > c.resolved ||
                c.true_positive > c.positives || c.true_positive + c.false_positive > c.flagged ||
                c.false_positive > c.resolved - c.positives) {
                return base::Fail(base::ErrorCode::kInvalidConfig,
                                  "model metadata: fairness: inconsistent counts for " +
                                      c.attribute + "=" + c.group);
            }
            counts.push_back(std::move(c));
        }
        return counts;
    } catch (const nlohmann::json::exception& e) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          std::string("model metadata: fairness: ") + JsonProblem(e));
    }
}

}  // namespace attrition::model
