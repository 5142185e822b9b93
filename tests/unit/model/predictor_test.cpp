// Predictor on the committed model: scoring many employees at once (the batch endpoint's path)
// gives exactly what scoring them one by one gives, whatever the count, including counts that
// are not a multiple of the forest's row lanes.
#include "model/predictor.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "model/technova_reader.hpp"
#include "support/synthetic_technova.hpp"

namespace attrition::model {
namespace {

std::filesystem::path ModelDir() {
    const char* source = std::getenv("ATTRITION_SOURCE_DIR");
    return std::filesystem::path(source != nullptr ? source : ".") / "model" / "xgb_enhanced_v2.0";
}

TEST(PredictorTest, PredictManyEqualsPredictOneByOne) {
    if (!std::filesystem::exists(ModelDir() / "booster.json")) {
        GTEST_SKIP() << ModelDir() << " holds no model (set ATTRITION_SOURCE_DIR)";
    }
    auto predictor = Predictor::Load(ModelDir());
    ASSERT_TRUE(predictor) << predictor.error().message;
    const auto texts = test::MakeSyntheticTechnova({.rows = 101, .seed = 7});
    auto set = JoinExtracts(ExtractTexts{texts.sirh, texts.eval, texts.sondage});
    ASSERT_TRUE(set) << set.error().message;
    const std::vector<domain::Employee>& all = set->employees;
    ASSERT_EQ(all.size(), 101U);

    for (const std::size_t count :
         {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{101}}) {
        const std::span<const domain::Employee> employees(all.data(), count);
        const auto many = predictor->PredictMany(employees);
        ASSERT_EQ(many.size(), count);
        for (std::size_t i = 0; i < count; ++i) {
            const auto one = predictor->Predict(employees[i]);
            EXPECT_EQ(many[i].probability, one.probability) << "row " << i << " of " << count;
            EXPECT_EQ(many[i].will_leave, one.will_leave) << "row " << i << " of " << count;
            EXPECT_EQ(many[i].risk, one.risk) << "row " << i << " of " << count;
        }
    }
}

}  // namespace
}  // namespace attrition::model
