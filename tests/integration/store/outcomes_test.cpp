// The outcomes table (migration 0003) on SQLite, PostgreSQL direct and through pgbouncer:
// RecordOutcomes stores each (employee, event, date) once and counts the rest as duplicates,
// a list the database refuses stores nothing, and the GDPR erasure removes an employee's
// outcomes with their predictions.
#include "store/outcomes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/postgres_cluster.hpp"
#include "integration/store/store_test_support.hpp"
#include "store/database.hpp"
#include "store/log_reader.hpp"

namespace attrition::test {
namespace {

using OutcomesTest = MigratedBackendTest;

TEST_P(OutcomesTest, EachReportIsStoredOnceAndRepeatsAreDuplicates) {
    const std::vector<store::OutcomeRecord> first{
        {"E1", "left", "2026-10-31"}, {"E2", "stayed", "2026-10-31"}, {"E1", "left", "2026-10-31"}};
    auto stored = store::RecordOutcomes(*database_, first);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored->accepted, 2U);
    EXPECT_EQ(stored->duplicates, 1U);  // repeated within the list

    const std::vector<store::OutcomeRecord> again{{"E2", "stayed", "2026-10-31"},
                                                  {"E2", "stayed", "2026-11-30"},
                                                  {"E1", "stayed", "2026-10-31"}};
    stored = store::RecordOutcomes(*database_, again);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored->accepted, 2U);  // another date, another event: new facts
    EXPECT_EQ(stored->duplicates, 1U);
    EXPECT_EQ(db_.Query("SELECT employee_id || ' ' || event || ' ' || event_date FROM outcomes "
                        "ORDER BY 1"),
              "E1 left 2026-10-31\nE1 stayed 2026-10-31\nE2 stayed 2026-10-31\n"
              "E2 stayed 2026-11-30");
}

TEST_P(OutcomesTest, AListTheDatabaseRefusesStoresNothing) {
    // Past the endpoint's checks only by mistake: the schema's own CHECKs refuse it whole.
    const std::vector<store::OutcomeRecord> bad{{"E1", "left", "2026-10-31"},
                                                {"E2", "retired", "2026-10-31"}};
    const auto stored = store::RecordOutcomes(*database_, bad);
    ASSERT_FALSE(stored);
    EXPECT_EQ(db_.Query("SELECT count(*) FROM outcomes"), "0");
}

TEST_P(OutcomesTest, ErasureRemovesTheEmployeesOutcomes) {
    const std::vector<store::OutcomeRecord> outcomes{{"E1", "left", "2026-10-31"},
                                                     {"E1", "stayed", "2026-01-31"},
                                                     {"E2", "stayed", "2026-10-31"}};
    ASSERT_TRUE(store::RecordOutcomes(*database_, outcomes));
    const auto erased = store::EraseEmployee(*database_, "E1");
    ASSERT_TRUE(erased) << erased.error().message;
    EXPECT_EQ(erased->outcomes_deleted, 2U);
    EXPECT_EQ(db_.Query("SELECT employee_id FROM outcomes"), "E2");
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         OutcomesTest,
                         ::testing::ValuesIn(kAllStoreBackends),
                         BackendParamName);

}  // namespace
}  // namespace attrition::test
