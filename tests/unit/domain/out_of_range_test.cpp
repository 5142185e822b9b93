#include "domain/out_of_range.hpp"

#include <gtest/gtest.h>

#include <array>

namespace attrition::domain {
namespace {

struct Ranges {
    std::array<double, kNumericCount> min{};
    std::array<double, kNumericCount> max{};
    Ranges() {
        max.fill(100);
        min[NumericIndex("age").value()] = 18;
        max[NumericIndex("age").value()] = 60;
        min[NumericIndex("revenu_mensuel").value()] = 1009;
        max[NumericIndex("revenu_mensuel").value()] = 19999.5;
    }
};

Employee Within() {
    Employee employee;
    employee.numeric.fill(10);
    employee.numeric[NumericIndex("age").value()] = 41;
    employee.numeric[NumericIndex("revenu_mensuel").value()] = 5000;
    return employee;
}

TEST(OutOfRangeTest, ValuesWithinTheTrainingRangeGiveNoWarning) {
    const Ranges ranges;
    EXPECT_TRUE(OutOfRangeWarnings(Within(), ranges.min, ranges.max).empty());
    auto at_bounds = Within();
    at_bounds.numeric[NumericIndex("age").value()] = 60;
    at_bounds.numeric[NumericIndex("revenu_mensuel").value()] = 1009;
    EXPECT_TRUE(OutOfRangeWarnings(at_bounds, ranges.min, ranges.max).empty());
}

TEST(OutOfRangeTest, EachFieldOutsideItsRangeIsNamedWithTheRangeNotTheValue) {
    const Ranges ranges;
    auto employee = Within();
    employee.numeric[NumericIndex("age").value()] = 67;
    employee.numeric[NumericIndex("revenu_mensuel").value()] = 777.25;
    const auto warnings = OutOfRangeWarnings(employee, ranges.min, ranges.max);
    ASSERT_EQ(warnings.size(), 2U);
    EXPECT_EQ(warnings[0].field, "age");
    EXPECT_EQ(warnings[1].field, "revenu_mensuel");
    EXPECT_EQ(warnings[0].kind, InputWarning::Kind::kOutOfRange);
    EXPECT_EQ(warnings[0].message,
              "age is above the range seen in training (18 to 60): the model extrapolates");
    EXPECT_EQ(warnings[1].message,
              "revenu_mensuel is below the range seen in training (1009 to 19999.5): the model "
              "extrapolates");
    for (const auto& warning : warnings) {
        EXPECT_EQ(warning.message.find("67"), std::string::npos);
        EXPECT_EQ(warning.message.find("777"), std::string::npos);
    }
}

}  // namespace
}  // namespace attrition::domain
