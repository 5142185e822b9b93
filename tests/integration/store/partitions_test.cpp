// The monthly partitions of the PostgreSQL log (migration 0005, store/partitions.hpp), direct
// and through pgbouncer: partitions made ahead, rows routed to their month, retention dropping
// whole expired months and deleting in batches only inside the boundary month, the conversion
// of a populated unpartitioned log (every row kept, none twice) and back. On SQLite the log is
// not partitioned: both calls do nothing and retention deletes in batches.
#include "store/partitions.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "integration/store/store_test_support.hpp"
#include "store/database_url.hpp"
#include "store/migrator.hpp"
#include "store/prediction_log.hpp"
#include "store/retention.hpp"

namespace attrition::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::days;
using std::chrono::year_month_day;

class PartitionsTest : public MigratedBackendTest {
  protected:
    bool Postgres() const { return db_.backend != StoreBackend::kSqlite; }

    // Writes the records through the production write path and waits for every one.
    void Write(const std::vector<store::RequestRecord>& records) {
        store::LogOptions options;
        options.spool_dir = db_.scratch_dir + "/spool";
        auto log = store::OpenPredictionLog(db_.url, options);
        ASSERT_TRUE(log) << log.error().message;
        Completions completions;
        for (const auto& record : records) (*log)->Append(record, completions.Callback());
        ASSERT_TRUE(completions.Wait(records.size(), 20s));
        ASSERT_EQ(completions.Ok(), records.size());
        (*log)->Shutdown();
    }

    std::string PartitionOf(const std::string& table, const std::string& id) const {
        return db_.Query("SELECT tableoid::regclass::text FROM " + table + " WHERE id = '" + id +
                         "'");
    }

    int Partitions(const std::string& table) const {
        return std::stoi(db_.Query("SELECT count(*) FROM pg_inherits WHERE inhparent = '" + table +
                                   "'::regclass"));
    }
};

// The first instant of the UTC month `months` after t's.
base::SystemTime MonthStart(base::SystemTime t, int months) {
    const year_month_day day{std::chrono::floor<days>(t)};
    const auto first = day.year() / day.month() / std::chrono::day(1);
    return std::chrono::sys_days(first + std::chrono::months(months));
}

std::set<std::string> Lines(const std::string& text) {
    std::set<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = std::min(text.find('\n', start), text.size());
        lines.insert(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::string Suffix(base::SystemTime month_start) {
    const year_month_day day{std::chrono::floor<days>(month_start)};
    return "y" + std::to_string(static_cast<int>(day.year())) +
           (static_cast<unsigned>(day.month()) < 10 ? "m0" : "m") +
           std::to_string(static_cast<unsigned>(day.month()));
}

TEST_P(PartitionsTest, PartitionsAreMadeAheadOnceAndRowsLandInTheirMonth) {
    const auto now = std::chrono::system_clock::now();
    auto made = store::CreateLogPartitions(*database_, now);
    ASSERT_TRUE(made) << made.error().message;
    if (!Postgres()) {
        EXPECT_EQ(*made, 0);
        return;
    }
    EXPECT_EQ(*made, 0);  // the migration made this month and the next three already
    // This month, the three ahead, and the default partition.
    EXPECT_EQ(Partitions("api_requests"), store::kPartitionMonthsAhead + 2);
    EXPECT_EQ(Partitions("predictions"), store::kPartitionMonthsAhead + 2);
    const auto ahead = MonthStart(now, store::kPartitionMonthsAhead);
    EXPECT_EQ(db_.Query("SELECT to_regclass('predictions_" + Suffix(ahead) + "') IS NOT NULL"),
              "t");

    // Five months ahead: two more months, both tables, then nothing more to make.
    made = store::CreateLogPartitions(*database_, now, 5);
    ASSERT_TRUE(made);
    EXPECT_EQ(*made, 4);
    made = store::CreateLogPartitions(*database_, now, 5);
    ASSERT_TRUE(made);
    EXPECT_EQ(*made, 0);

    // A request and its predictions are stored in their month's partitions.
    auto record = MakeRecord(2, MonthStart(now, 1) + 1h);
    Write({record});
    EXPECT_EQ(PartitionOf("api_requests", record.id), "api_requests_" + Suffix(MonthStart(now, 1)));
    for (const auto& prediction : record.predictions) {
        EXPECT_EQ(PartitionOf("predictions", prediction.id),
                  "predictions_" + Suffix(MonthStart(now, 1)));
    }
}

// What only a partitioned log has.
class PostgresPartitionsTest : public PartitionsTest {};

// The foreign key holds in every month, the default partition's included: no prediction
// without its request, and a request's erasure takes its predictions.
TEST_P(PostgresPartitionsTest, EveryMonthKeepsItsForeignKeyAndCascade) {
    const auto now = std::chrono::system_clock::now();
    const auto in_default = MakeRecord(1, MonthStart(now, -20) + days(2));
    const auto in_month = MakeRecord(2, MonthStart(now, 1) + days(2));
    Write({in_default, in_month});
    for (const auto& created_at : {std::string("now()"), std::string("'2001-01-01T00:00:00Z'"),
                                   "'" + base::FormatIso8601(in_month.created_at) + "'"}) {
        EXPECT_THROW(db_.Query("INSERT INTO predictions (id, request_id, created_at, "
                               "prediction_date, attrition_prob, risk_level, model_version) "
                               "VALUES (gen_random_uuid(), gen_random_uuid(), " +
                               created_at + ", now(), 0.5, 'LOW', 'v')"),
                     std::runtime_error)
            << created_at;
    }
    // A prediction of a real request but another month's time has no request in its month.
    EXPECT_THROW(
        db_.Query("INSERT INTO predictions (id, request_id, created_at, prediction_date, "
                  "attrition_prob, risk_level, model_version) VALUES (gen_random_uuid(), '" +
                  in_month.id + "', now() - interval '40 days', now(), 0.5, 'LOW', 'v')"),
        std::runtime_error);
    for (const auto& record : {in_default, in_month}) {
        db_.Query("DELETE FROM api_requests WHERE id = '" + record.id + "'");
        EXPECT_EQ(
            db_.Query("SELECT count(*) FROM predictions WHERE request_id = '" + record.id + "'"),
            "0");
    }
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions"), "0");
}

// A month without partitions goes to the default partition, and stays there when partitions
// are made later (PostgreSQL would refuse to strand its rows); nothing is lost either way.
TEST_P(PostgresPartitionsTest, AMonthAlreadyInTheDefaultPartitionIsLeftThere) {
    const auto now = std::chrono::system_clock::now();
    const auto old_month = MonthStart(now, -20);
    auto record = MakeRecord(1, old_month + days(3));
    Write({record});
    EXPECT_EQ(PartitionOf("api_requests", record.id), "api_requests_default");
    EXPECT_EQ(PartitionOf("predictions", record.predictions[0].id), "predictions_default");
    auto made = store::CreateLogPartitions(*database_, old_month, 1);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(*made, 2);  // the month after; the old one keeps its rows in the default
    EXPECT_EQ(db_.Query("SELECT to_regclass('api_requests_" + Suffix(old_month) + "') IS NULL"),
              "t");
    EXPECT_EQ(PartitionOf("api_requests", record.id), "api_requests_default");
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions"), "1");
}

// Retention with a cutoff inside a month: the months wholly before it are dropped as
// partitions, the rows of the boundary month (and of the default partition) before the cutoff
// are deleted in batches, everything from the cutoff on stays.
TEST_P(PartitionsTest, RetentionDropsWholeMonthsAndDeletesOnlyInsideTheBoundary) {
    const auto now = std::chrono::system_clock::now();
    const auto first = MonthStart(now, -6);
    if (Postgres()) {
        ASSERT_TRUE(store::CreateLogPartitions(*database_, first, 6));
    }
    // Four months of old rows (months -6..-3), two requests each with two predictions; the
    // boundary month -2 with rows before and after the cutoff; one request of month -9 in the
    // default partition (no partition was made for it).
    std::vector<store::RequestRecord> records;
    for (int month = -6; month <= -3; ++month) {
        for (int i = 0; i < 2; ++i) {
            records.push_back(MakeRecord(2, MonthStart(now, month) + days(1 + i)));
        }
    }
    const auto boundary = MonthStart(now, -2);
    const auto cutoff = boundary + days(10);
    std::vector<store::RequestRecord> kept;
    for (int i = 0; i < 3; ++i) records.push_back(MakeRecord(1, boundary + days(2 + i)));
    for (int i = 0; i < 2; ++i) kept.push_back(MakeRecord(1, cutoff + days(1 + i)));
    kept.push_back(MakeRecord(3, now - 1h));
    records.push_back(MakeRecord(2, MonthStart(now, -9) + days(4)));
    records.insert(records.end(), kept.begin(), kept.end());
    Write(records);

    auto result = store::DeleteOlderThan(*database_, cutoff, 2);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->requests_deleted, 8U + 3U + 1U);
    EXPECT_EQ(result->predictions_deleted, 16U + 3U + 2U);
    if (Postgres()) {
        EXPECT_EQ(result->partitions_dropped, 4U);
        EXPECT_EQ(result->batches,
                  2U);  // 4 rows in batches of 2: the boundary's 3, the default's 1
        for (int month = -6; month <= -3; ++month) {
            const auto suffix = Suffix(MonthStart(now, month));
            EXPECT_EQ(db_.Query("SELECT to_regclass('api_requests_" + suffix +
                                "') IS NULL AND to_regclass('predictions_" + suffix + "') IS NULL"),
                      "t")
                << suffix;
        }
        EXPECT_EQ(
            db_.Query("SELECT to_regclass('api_requests_" + Suffix(boundary) + "') IS NOT NULL"),
            "t");
    } else {
        EXPECT_EQ(result->partitions_dropped, 0U);
        EXPECT_EQ(result->batches, 6U);  // 12 rows in batches of 2
    }
    std::set<std::string> expected;
    for (const auto& record : kept) expected.insert(record.id);
    EXPECT_EQ(Lines(db_.Query("SELECT id FROM api_requests")), expected);
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions"), "5");

    // Nothing left before the cutoff: a second pass drops and deletes nothing.
    auto again = store::DeleteOlderThan(*database_, cutoff, 2);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->requests_deleted, 0U);
    EXPECT_EQ(again->partitions_dropped, 0U);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         PartitionsTest,
                         ::testing::ValuesIn(kAllStoreBackends),
                         BackendParamName);

const std::array<StoreBackend, 2> kPostgresBackends{StoreBackend::kPostgres,
                                                    StoreBackend::kPgBouncer};
INSTANTIATE_TEST_SUITE_P(Backends,
                         PostgresPartitionsTest,
                         ::testing::ValuesIn(kPostgresBackends),
                         BackendParamName);

// 0005 on a populated log made by 0001-0004: every row kept once, each in its month's
// partition (a month the migration had no partition for does not exist: it makes them from the
// oldest row's month on), a prediction written with a created_at of its own takes its
// request's; down again keeps every row, unpartitioned.
class PartitionMigrationTest : public BackendTest {
  protected:
    std::string PartitionOfPrediction(const std::string& id) const {
        return db_.Query("SELECT tableoid::regclass::text FROM predictions WHERE id = '" + id +
                         "'");
    }
};

TEST_P(PartitionMigrationTest, ConvertsAPopulatedLogKeepingEveryRowOnce) {
    auto url = store::ParseDatabaseUrl(db_.url);
    ASSERT_TRUE(url);
    auto database = store::OpenDatabase(*url, {});
    ASSERT_TRUE(database) << database.error().message;
    auto migrations = store::EmbeddedMigrations((*database)->Kind());
    ASSERT_TRUE(migrations);
    // The log as 0004 left it, then 0005 alone (the later migrations are not this test's).
    std::vector<store::Migration> before;
    std::vector<store::Migration> through_partitions;
    for (const auto& migration : *migrations) {
        if (migration.version < 5) before.push_back(migration);
        if (migration.version <= 5) through_partitions.push_back(migration);
    }
    store::Migrator old_migrator(**database, before);
    ASSERT_TRUE(old_migrator.Up());
    db_.Query(
        "INSERT INTO api_requests (id, created_at, endpoint, request_data, http_status) "
        "SELECT ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, "
        "timestamptz '2026-03-31 23:59:59.5+00' + g * interval '9 days', '/api/v1/predict', "
        "'{\"n\": 1}', 200 FROM generate_series(1, 40) g");
    db_.Query(
        "INSERT INTO predictions (id, request_id, created_at, prediction_date, employee_id, "
        "attrition_prob, risk_level, model_version, shadow) "
        "SELECT ('10000000-0000-4000-8000-' || lpad((g * 2 + s)::text, 12, '0'))::uuid, "
        "('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, "
        "timestamptz '2026-03-31 23:59:59.5+00' + g * interval '9 days', now(), 'E' || g, 0.5, "
        "'MEDIUM', 'xgb_enhanced_v2.0', s = 1 FROM generate_series(1, 40) g, "
        "generate_series(0, 1) s");
    // Request 1 half a second before May; one of its predictions written a second later, in
    // May: it moves to its request's time and month.
    db_.Query(
        "UPDATE api_requests SET created_at = '2026-04-30 23:59:59.5+00' "
        "WHERE id = '00000000-0000-4000-8000-000000000001'");
    db_.Query(
        "UPDATE predictions SET created_at = '2026-04-30 23:59:59.5+00' "
        "WHERE request_id = '00000000-0000-4000-8000-000000000001'");
    db_.Query(
        "UPDATE predictions SET created_at = '2026-05-01 00:00:00.5+00' "
        "WHERE id = '10000000-0000-4000-8000-000000000002'");
    const auto snapshot = [&] {
        return db_.Query(
            "SELECT p.id, p.request_id, r.created_at, r.endpoint, r.request_data, p.employee_id, "
            "p.attrition_prob, p.shadow FROM predictions p JOIN api_requests r "
            "ON r.id = p.request_id ORDER BY p.id");
    };
    const auto before_rows = snapshot();

    store::Migrator migrator(**database, through_partitions);
    auto applied = migrator.Up();
    ASSERT_TRUE(applied) << applied.error().message;
    EXPECT_EQ(*applied, std::vector<int>{5});
    EXPECT_EQ(db_.Query("SELECT count(*), count(DISTINCT id) FROM api_requests"), "40|40");
    EXPECT_EQ(db_.Query("SELECT count(*), count(DISTINCT id) FROM predictions"), "80|80");
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions p JOIN api_requests r "
                        "ON r.id = p.request_id AND r.created_at = p.created_at"),
              "80");
    // Each row in its month: the partition's name is its created_at's UTC month.
    EXPECT_EQ(db_.Query("SELECT count(*) FROM api_requests WHERE tableoid::regclass::text = "
                        "'api_requests_' || to_char(created_at AT TIME ZONE 'UTC', "
                        "'\"y\"YYYY\"m\"MM')"),
              "40");
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions WHERE tableoid::regclass::text = "
                        "'predictions_' || to_char(created_at AT TIME ZONE 'UTC', "
                        "'\"y\"YYYY\"m\"MM')"),
              "80");
    EXPECT_EQ(db_.Query("SELECT count(*) FROM api_requests_default"), "0");
    const auto after_rows = snapshot();
    EXPECT_EQ(after_rows, before_rows);
    EXPECT_EQ(PartitionOfPrediction("10000000-0000-4000-8000-000000000002"),
              "predictions_y2026m04");

    // Down: unpartitioned again, every row kept.
    auto down = migrator.Down();
    ASSERT_TRUE(down && *down == std::optional<int>(5)) << (down ? "" : down.error().message);
    EXPECT_EQ(db_.Query("SELECT count(*) FROM pg_partitioned_table"), "0");
    EXPECT_EQ(db_.Query("SELECT count(*), count(DISTINCT id) FROM predictions"), "80|80");
    EXPECT_EQ(snapshot(), after_rows);
    ASSERT_TRUE(migrator.Up());
    EXPECT_EQ(snapshot(), after_rows);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         PartitionMigrationTest,
                         ::testing::ValuesIn(kPostgresBackends),
                         BackendParamName);

}  // namespace
}  // namespace attrition::test
