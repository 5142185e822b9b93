// The fairness table (model/fairness.hpp) from counts worked out by hand: group rates, the
// selection-rate ratio against the four-fifths rule, the TPR gap, undefined figures, the age
// bands, counting labelled rows, and the JSON form with its consistency checks.
#include "model/fairness.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "domain/fields.hpp"

namespace attrition::model {
namespace {

std::vector<GroupCounts> Counts() {
    return {
        // attribute, group, n, flagged, sum_predicted, resolved, positives, tp, fp
        {"genre", "M", 20, 4, 6.0, 20, 5, 2, 2},
        {"genre", "F", 10, 5, 4.0, 8, 4, 3, 1},
        {"statut_marital", "Marié(e)", 5, 0, 1.0, 0, 0, 0, 0},
        {"statut_marital", "Divorcé(e)", 3, 0, 0.3, 3, 1, 0, 0},
        {"age_band", "30-39", 7, 2, 2.1, 7, 2, 1, 1},
    };
}

TEST(FairnessTest, GroupRatesTheFourFifthsRuleAndTheTprGap) {
    const auto table = SummarizeFairness(Counts());
    ASSERT_EQ(table.size(), 3U);
    const auto& genre = table[0];
    EXPECT_EQ(genre.attribute, "genre");
    ASSERT_EQ(genre.groups.size(), 2U);
    const auto& f = genre.groups[0];  // by name: F first
    EXPECT_EQ(f.group, "F");
    EXPECT_DOUBLE_EQ(f.selection_rate, 0.5);
    EXPECT_DOUBLE_EQ(f.mean_predicted, 0.4);
    EXPECT_DOUBLE_EQ(*f.observed_rate, 0.5);
    EXPECT_DOUBLE_EQ(*f.tpr, 0.75);
    EXPECT_DOUBLE_EQ(*f.fpr, 0.25);  // 1 of the 4 resolved negatives
    EXPECT_DOUBLE_EQ(*f.precision, 0.75);
    const auto& m = genre.groups[1];
    EXPECT_DOUBLE_EQ(m.selection_rate, 0.2);
    EXPECT_DOUBLE_EQ(*m.fpr, 2.0 / 15.0);
    EXPECT_DOUBLE_EQ(*genre.selection_rate_ratio, 0.2 / 0.5);
    EXPECT_TRUE(genre.below_four_fifths);
    EXPECT_DOUBLE_EQ(*genre.tpr_difference, 0.75 - 0.4);

    // Nobody flagged: no ratio, no flag; the group without outcomes has no rates.
    const auto& marital = table[1];
    EXPECT_FALSE(marital.selection_rate_ratio);
    EXPECT_FALSE(marital.below_four_fifths);
    const auto& married = marital.groups[1];
    EXPECT_EQ(married.group, "Marié(e)");
    EXPECT_FALSE(married.observed_rate);
    EXPECT_FALSE(married.tpr);
    EXPECT_FALSE(married.precision);
    EXPECT_FALSE(marital.tpr_difference);  // one group has a TPR (0 of 1)

    // One group: a ratio of 1, no gap.
    EXPECT_DOUBLE_EQ(*table[2].selection_rate_ratio, 1.0);
    EXPECT_FALSE(table[2].below_four_fifths);
    EXPECT_FALSE(table[2].tpr_difference);
}

TEST(FairnessTest, AgeBandsAndCountingLabelledRows) {
    EXPECT_EQ(AgeBand(18), "18-29");
    EXPECT_EQ(AgeBand(29.9), "18-29");
    EXPECT_EQ(AgeBand(30), "30-39");
    EXPECT_EQ(AgeBand(49), "40-49");
    EXPECT_EQ(AgeBand(50), "50+");

    const auto genre = *domain::CategoricalIndex("genre");
    const auto marital = *domain::CategoricalIndex("statut_marital");
    const auto age = *domain::NumericIndex("age");
    std::vector<domain::Employee> employees(3);
    employees[0].categorical[genre] = "F";
    employees[0].categorical[marital] = "Marié(e)";
    employees[0].numeric[age] = 25;
    employees[1] = employees[0];
    employees[1].numeric[age] = 52;
    employees[2].categorical[genre] = "M";
    employees[2].numeric[age] = 31;  // marital status missing: in no marital group
    const std::vector<double> scores{0.7, 0.2, 0.6};
    const std::vector<int> labels{1, 1, 0};
    const auto counts = CountGroups(employees, scores, labels, 0.5);
    const auto find = [&](std::string_view attribute, std::string_view group) {
        for (const auto& c : counts) {
            if (c.attribute == attribute && c.group == group) return c;
        }
        ADD_FAILURE() << attribute << "=" << group;
        return GroupCounts{};
    };
    const auto women = find("genre", "F");
    EXPECT_EQ(women.n, 2U);
    EXPECT_EQ(women.flagged, 1U);
    EXPECT_DOUBLE_EQ(women.sum_predicted, 0.9);
    EXPECT_EQ(women.positives, 2U);
    EXPECT_EQ(women.true_positive, 1U);
    const auto men = find("genre", "M");
    EXPECT_EQ(men.false_positive, 1U);
    EXPECT_EQ(find("statut_marital", "Marié(e)").n, 2U);
    EXPECT_EQ(find("age_band", "50+").n, 1U);
    EXPECT_EQ(counts.size(), 6U);  // F, M; Marié(e); 18-29, 30-39, 50+
}

TEST(FairnessTest, TheCountsRoundTripThroughJsonAndInconsistentOnesAreRefused) {
    const auto counts = Counts();
    const auto json = GroupCountsToJson(counts);
    auto back = GroupCountsFromJson(json);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(GroupCountsToJson(*back), json);

    auto too_many_flagged = json;
    too_many_flagged[0]["flagged"] = 21;
    EXPECT_FALSE(GroupCountsFromJson(too_many_flagged));
    auto unknown = json;
    unknown[0]["attribute"] = "religion";
    EXPECT_FALSE(GroupCountsFromJson(unknown));
    auto missing = json;
    missing[0].erase("n");
    EXPECT_FALSE(GroupCountsFromJson(missing));
}

}  // namespace
}  // namespace attrition::model
