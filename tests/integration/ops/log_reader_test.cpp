// The read side of the prediction log and the retention cleanup, against known rows on SQLite,
// PostgreSQL and PostgreSQL through pgbouncer (transaction mode): history paging and filters,
// daily statistics, GDPR erasure, and cleanup (dry run and real) with back-dated rows.
#include "store/log_reader.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "app/cleanup_command.hpp"
#include "harness/postgres_cluster.hpp"
#include "integration/store/store_test_support.hpp"
#include "store/database.hpp"
#include "store/database_url.hpp"
#include "store/uuid.hpp"

namespace attrition::test {
namespace {

using namespace std::chrono_literals;

base::SystemTime Utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
    return std::chrono::sys_days(std::chrono::year(y) / m / d) + std::chrono::hours(h) +
           std::chrono::minutes(min);
}

store::RequestRecord Single(const std::string& employee_id,
                            base::SystemTime at,
                            const std::string& risk = "LOW",
                            double prob = 0.1) {
    auto record = MakeRecord(1, at);
    record.endpoint = "/api/v1/predict";
    record.request_data_json = nlohmann::json{{"employee_id", employee_id}, {"age", 30}}.dump();
    auto& p = record.predictions.front();
    p.employee_id = employee_id;
    p.risk_level = risk;
    p.attrition_prob = prob;
    return record;
}

store::RequestRecord Batch(const std::vector<std::string>& ids, base::SystemTime at) {
    auto record = MakeRecord(static_cast<int>(ids.size()), at);
    record.endpoint = "/api/v1/predict/batch";
    record.request_data_json =
        nlohmann::json{{"employee_count", ids.size()}, {"employee_ids", ids}}.dump();
    for (std::size_t i = 0; i < ids.size(); ++i) record.predictions[i].employee_id = ids[i];
    return record;
}

store::RequestRecord Rejected(const std::string& endpoint,
                              nlohmann::json body,
                              base::SystemTime at) {
    auto record = MakeRecord(0, at);
    record.endpoint = endpoint;
    record.http_status = 422;
    record.request_data_json = body.dump();
    return record;
}

class LogReaderTest : public ::testing::TestWithParam<StoreBackend> {
  protected:
    void SetUp() override {
        if (GetParam() != StoreBackend::kSqlite && !PostgresAvailable()) {
            GTEST_SKIP() << "PostgreSQL 15 or pgbouncer not installed";
        }
        db_ = TestDatabase::Create(GetParam(),
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    }

    // Writes the records through the real log (migrating the fresh database first).
    void Write(const std::vector<store::RequestRecord>& records) {
        store::LogOptions options;
        options.spool_dir = db_.scratch_dir + "/spool";
        options.migrate = true;
        auto log = store::OpenPredictionLog(db_.url, options);
        ASSERT_TRUE(log) << log.error().message;
        Completions completions;
        for (const auto& record : records) (*log)->Append(record, completions.Callback());
        ASSERT_TRUE(completions.Wait(records.size(), 60s));
        ASSERT_EQ(completions.Ok(), records.size());
        (*log)->Shutdown();
    }

    store::Database& Database() {
        if (!database_) {
            auto url = store::ParseDatabaseUrl(db_.url);
            EXPECT_TRUE(url);
            auto database = store::OpenDatabase(*url, {});
            EXPECT_TRUE(database) << database.error().message;
            database_ = std::move(*database);
        }
        return *database_;
    }

    std::string Count(const std::string& table, const std::string& where = "1=1") {
        return db_.Query("SELECT count(*) FROM " + table + " WHERE " + where);
    }

    TestDatabase db_;
    std::unique_ptr<store::Database> database_;
};

TEST_P(LogReaderTest, HistoryPagesThroughEveryRowOnceNewestFirst) {
    const auto t0 = Utc(2026, 3, 1, 12);
    std::vector<store::RequestRecord> records;
    const char* risks[] = {"LOW", "MEDIUM", "HIGH"};
    for (int i = 0; i < 7; ++i) {
        // Rows 3 and 4 share a created_at: the id breaks the tie, so no row is lost or repeated.
        const auto at = t0 + std::chrono::minutes(i == 4 ? 3 : i);
        records.push_back(Single("E" + std::to_string(i % 2), at, risks[i % 3], 0.1 * i));
    }
    Write(records);

    std::vector<store::HistoryRow> all;
    std::optional<store::HistoryCursor> after;
    int pages = 0;
    do {
        store::HistoryQuery query;
        query.limit = 3;
        query.after = after;
        auto page = store::ReadHistory(Database(), query);
        ASSERT_TRUE(page) << page.error().message;
        ++pages;
        all.insert(all.end(), page->rows.begin(), page->rows.end());
        after = page->next;
        ASSERT_LE(pages, 4);
    } while (after);
    EXPECT_EQ(pages, 3);
    ASSERT_EQ(all.size(), 7U);
    std::set<std::string> ids;
    for (std::size_t i = 0; i < all.size(); ++i) {
        ids.insert(all[i].id);
        if (i > 0) {
            EXPECT_TRUE(std::tie(all[i - 1].created_at, all[i - 1].id) >
                        std::tie(all[i].created_at, all[i].id));
        }
    }
    EXPECT_EQ(ids.size(), 7U);
    EXPECT_EQ(all.front().created_at, base::FormatIso8601(t0 + 6min));
    EXPECT_EQ(all.front().request_id, records[6].id);
    EXPECT_EQ(all.front().endpoint, "/api/v1/predict");
    EXPECT_EQ(all.front().model_version, "test_v1");
    EXPECT_NEAR(all.front().attrition_prob, 0.6, 1e-9);
    EXPECT_EQ(all.back().created_at, base::FormatIso8601(t0));
}

TEST_P(LogReaderTest, HistoryFiltersByEmployeeRiskAndTime) {
    const auto t0 = Utc(2026, 3, 1, 12);
    std::vector<store::RequestRecord> records;
    const char* risks[] = {"LOW", "MEDIUM", "HIGH"};
    for (int i = 0; i < 9; ++i) {
        records.push_back(
            Single("E" + std::to_string(i % 3), t0 + std::chrono::hours(i), risks[i % 3], 0.5));
    }
    Write(records);

    store::HistoryQuery by_employee;
    by_employee.employee_id = "E1";
    auto page = store::ReadHistory(Database(), by_employee);
    ASSERT_TRUE(page) << page.error().message;
    ASSERT_EQ(page->rows.size(), 3U);
    for (const auto& row : page->rows) EXPECT_EQ(row.employee_id, "E1");
    EXPECT_FALSE(page->next);

    store::HistoryQuery by_risk_and_time;
    by_risk_and_time.risk_level = "HIGH";
    by_risk_and_time.since = t0 + 2h;  // inclusive
    by_risk_and_time.until = t0 + 8h;  // exclusive
    page = store::ReadHistory(Database(), by_risk_and_time);
    ASSERT_TRUE(page) << page.error().message;
    ASSERT_EQ(page->rows.size(), 2U);  // hours 2 and 5 (8 is excluded)
    EXPECT_EQ(page->rows[0].created_at, base::FormatIso8601(t0 + 5h));
    EXPECT_EQ(page->rows[1].created_at, base::FormatIso8601(t0 + 2h));

    store::HistoryQuery nobody;
    nobody.employee_id = "nobody";
    page = store::ReadHistory(Database(), nobody);
    ASSERT_TRUE(page);
    EXPECT_TRUE(page->rows.empty());
}

// The X-Request-ID a client saw finds its request's rows (with the other filters still applied),
// and each row carries it; a row logged without one (before the migration) says null.
TEST_P(LogReaderTest, HistoryFiltersByTheClientsRequestId) {
    const auto t0 = Utc(2026, 3, 1, 12);
    std::vector<store::RequestRecord> records;
    for (int i = 0; i < 4; ++i) {
        records.push_back(
            Single("E" + std::to_string(i), t0 + std::chrono::minutes(i), "LOW", 0.1));
        if (i != 3) records.back().x_request_id = i == 2 ? "shared.id" : "req-" + std::to_string(i);
    }
    records[1].x_request_id = "shared.id";  // two requests may carry the same given id
    Write(records);

    store::HistoryQuery query;
    query.x_request_id = "shared.id";
    auto page = store::ReadHistory(Database(), query);
    ASSERT_TRUE(page) << page.error().message;
    ASSERT_EQ(page->rows.size(), 2U);
    EXPECT_EQ(page->rows[0].request_id, records[2].id);
    EXPECT_EQ(page->rows[1].request_id, records[1].id);
    for (const auto& row : page->rows) EXPECT_EQ(row.x_request_id, "shared.id");

    query.employee_id = "E1";
    page = store::ReadHistory(Database(), query);
    ASSERT_TRUE(page) << page.error().message;
    ASSERT_EQ(page->rows.size(), 1U);
    EXPECT_EQ(page->rows[0].employee_id, "E1");

    query = {};
    query.x_request_id = "req-9";
    page = store::ReadHistory(Database(), query);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_TRUE(page->rows.empty());

    page = store::ReadHistory(Database(), store::HistoryQuery{});
    ASSERT_TRUE(page) << page.error().message;
    ASSERT_EQ(page->rows.size(), 4U);
    EXPECT_EQ(page->rows[0].x_request_id, std::nullopt);  // E3, newest, logged without one
    EXPECT_EQ(page->rows[3].x_request_id, "req-0");
}

TEST_P(LogReaderTest, StatsCountByRiskAndDayWithMeans) {
    // C is also scored by a shadow version (not counted); E by another version.
    auto c = Single("C", Utc(2026, 1, 2, 9), "HIGH", 0.7);
    auto shadow = c.predictions.front();
    shadow.id = store::NewUuid();
    shadow.model_version = "test_shadow";
    shadow.attrition_prob = 0.05;
    shadow.risk_level = "LOW";
    shadow.shadow = true;
    c.predictions.push_back(shadow);
    auto e = Single("E", Utc(2026, 1, 3, 23, 59), "MEDIUM", 0.6);
    e.predictions.front().model_version = "test_v2";
    Write({
        Single("A", Utc(2025, 12, 31, 23, 59), "HIGH", 0.99),  // before the window
        Single("B", Utc(2026, 1, 2, 8), "LOW", 0.1),
        c,
        Single("D", Utc(2026, 1, 3, 0), "MEDIUM", 0.5),
        e,
    });
    auto stats = store::ReadStats(Database(), Utc(2026, 1, 1));
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->since, "2026-01-01T00:00:00.000000Z");
    EXPECT_EQ(stats->counts.low, 1U);
    EXPECT_EQ(stats->counts.medium, 2U);
    EXPECT_EQ(stats->counts.high, 1U);
    EXPECT_NEAR(stats->mean_probability, 0.475, 1e-9);
    ASSERT_EQ(stats->days.size(), 2U);
    EXPECT_EQ(stats->days[0].date, "2026-01-02");
    EXPECT_EQ(stats->days[0].counts.low, 1U);
    EXPECT_EQ(stats->days[0].counts.high, 1U);
    EXPECT_NEAR(stats->days[0].mean_probability, 0.4, 1e-9);
    EXPECT_EQ(stats->days[1].date, "2026-01-03");
    EXPECT_EQ(stats->days[1].counts.medium, 2U);
    EXPECT_NEAR(stats->days[1].mean_probability, 0.55, 1e-9);
    // By version, by name: the window's and each day's add up to theirs.
    ASSERT_EQ(stats->versions.size(), 2U);
    EXPECT_EQ(stats->versions[0].model_version, "test_v1");
    EXPECT_EQ(stats->versions[0].counts.Total(), 3U);
    EXPECT_EQ(stats->versions[0].counts.high, 1U);
    EXPECT_NEAR(stats->versions[0].mean_probability, (0.1 + 0.7 + 0.5) / 3, 1e-9);
    EXPECT_EQ(stats->versions[1].model_version, "test_v2");
    EXPECT_EQ(stats->versions[1].counts.medium, 1U);
    EXPECT_NEAR(stats->versions[1].mean_probability, 0.6, 1e-9);
    ASSERT_EQ(stats->days[0].versions.size(), 1U);
    EXPECT_EQ(stats->days[0].versions[0].model_version, "test_v1");
    EXPECT_EQ(stats->days[0].versions[0].counts.Total(), 2U);
    ASSERT_EQ(stats->days[1].versions.size(), 2U);
    EXPECT_EQ(stats->days[1].versions[0].counts.medium, 1U);
    EXPECT_NEAR(stats->days[1].versions[0].mean_probability, 0.5, 1e-9);
    EXPECT_EQ(stats->days[1].versions[1].model_version, "test_v2");
    EXPECT_NEAR(stats->days[1].versions[1].mean_probability, 0.6, 1e-9);

    auto empty = store::ReadStats(Database(), Utc(2027, 1, 1));
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->counts.Total(), 0U);
    EXPECT_EQ(empty->mean_probability, 0.0);
    EXPECT_TRUE(empty->days.empty());
    EXPECT_TRUE(empty->versions.empty());
}

TEST_P(LogReaderTest, ErasureRemovesTheEmployeeAndOnlyThem) {
    const auto t = Utc(2026, 5, 1, 10);
    const auto single = Single("E-GONE", t);
    const auto shared_batch = Batch({"E-GONE", "E-KEEP"}, t + 1min);
    const auto own_batch = Batch({"E-GONE"}, t + 2min);
    const auto rejected_batch = Rejected(
        "/api/v1/predict/batch",
        {{"employees", {{{"employee_id", "E-GONE"}, {"age", -1}}, {{"employee_id", "E-X"}}}}},
        t + 3min);
    const auto other = Single("E-KEEP", t + 4min);
    const auto rejected_single =
        Rejected("/api/v1/predict", {{"employee_id", "E-GONE"}, {"age", "x"}}, t + 5min);
    const auto unrelated_rejected =
        Rejected("/api/v1/predict", {{"employee_id", "E-OTHER"}}, t + 6min);
    Write({single, shared_batch, own_batch, rejected_batch, other, rejected_single,
           unrelated_rejected});

    auto erased = store::EraseEmployee(Database(), "E-GONE");
    ASSERT_TRUE(erased) << erased.error().message;
    EXPECT_EQ(erased->predictions_deleted, 3U);  // single, its share of the batch, own batch
    EXPECT_EQ(erased->requests_deleted, 4U);     // single, own batch, both rejected bodies
    EXPECT_EQ(erased->requests_redacted, 1U);    // the shared batch

    EXPECT_EQ(Count("predictions", "employee_id = 'E-GONE'"), "0");
    EXPECT_EQ(Count("predictions"), "2");  // E-KEEP in the shared batch and alone
    EXPECT_EQ(Count("api_requests"), "3");
    for (const auto* kept : {&shared_batch, &other, &unrelated_rejected}) {
        EXPECT_EQ(Count("api_requests", "id = '" + kept->id + "'"), "1");
    }
    const auto data = nlohmann::json::parse(
        db_.Query("SELECT request_data FROM api_requests WHERE id = '" + shared_batch.id + "'"));
    EXPECT_EQ(data["employee_ids"], nlohmann::json::array({"E-KEEP"}));
    EXPECT_EQ(data["employee_count"], 2);  // the number scored: not personal data

    // Nothing of theirs is left anywhere in the log's text.
    const std::string text_column =
        GetParam() == StoreBackend::kSqlite ? "request_data" : "request_data::text";
    EXPECT_EQ(Count("api_requests", text_column + " LIKE '%E-GONE%'"), "0");

    auto again = store::EraseEmployee(Database(), "E-GONE");
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->predictions_deleted + again->requests_deleted + again->requests_redacted, 0U);
}

TEST_P(LogReaderTest, CleanupDeletesExactlyTheOldRequestsAndTheirPredictions) {
    const auto now = std::chrono::system_clock::now();
    std::vector<store::RequestRecord> old_records;
    std::vector<store::RequestRecord> kept_records;
    for (int i = 0; i < 5; ++i) {
        old_records.push_back(Batch({"O" + std::to_string(i), "P" + std::to_string(i)},
                                    now - std::chrono::days(400) + std::chrono::seconds(i)));
    }
    old_records.push_back(
        Rejected("/api/v1/predict", {{"age", "x"}}, now - std::chrono::days(366)));
    kept_records.push_back(Single("N1", now - std::chrono::days(364)));
    kept_records.push_back(Single("N2", now - 1h));
    kept_records.push_back(Batch({"N3", "N4", "N5"}, now - 1min));
    std::vector<store::RequestRecord> all = old_records;
    all.insert(all.end(), kept_records.begin(), kept_records.end());
    Write(all);
    const base::SystemClock clock;

    auto dry =
        app::CleanupOnce(Database(), app::CleanupPass{365, 2, app::CleanupMode::kDryRun}, clock);
    ASSERT_TRUE(dry) << dry.error().message;
    EXPECT_TRUE(dry->dry_run);
    EXPECT_EQ(dry->requests, 6U);
    EXPECT_EQ(dry->predictions, 10U);
    EXPECT_EQ(dry->batches, 0U);
    EXPECT_EQ(Count("api_requests"), "9");  // a dry run deletes nothing
    EXPECT_EQ(Count("predictions"), "15");

    auto real =
        app::CleanupOnce(Database(), app::CleanupPass{365, 2, app::CleanupMode::kDelete}, clock);
    ASSERT_TRUE(real) << real.error().message;
    EXPECT_EQ(real->requests, 6U);
    EXPECT_EQ(real->predictions, 10U);
    EXPECT_EQ(real->batches, 3U);  // bounded: 2 + 2 + 2 rows
    EXPECT_EQ(Count("api_requests"), "3");
    EXPECT_EQ(Count("predictions"), "5");
    for (const auto& kept : kept_records) {
        EXPECT_EQ(Count("api_requests", "id = '" + kept.id + "'"), "1");
        EXPECT_EQ(Count("predictions", "request_id = '" + kept.id + "'"),
                  std::to_string(kept.predictions.size()));
    }

    auto again =
        app::CleanupOnce(Database(), app::CleanupPass{365, 2, app::CleanupMode::kDelete}, clock);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->requests, 0U);
    EXPECT_FALSE(
        app::CleanupOnce(Database(), app::CleanupPass{0, 2, app::CleanupMode::kDelete}, clock));
}

TEST(RetentionMetricsTest, RecordTheRun) {
    ops::Registry registry;
    app::RetentionMetrics metrics(registry);
    app::CleanupReport report;
    report.requests = 6;
    report.predictions = 10;
    metrics.Record(report, base::SystemTime(std::chrono::seconds(1'700'000'000)));
    metrics.Record(tl::unexpected(base::Error::Make(base::ErrorCode::kUnavailable, "down")),
                   base::SystemTime(std::chrono::seconds(1'700'000'100)));
    const auto text = registry.Expose();
    EXPECT_NE(text.find("attrition_retention_last_run_timestamp_seconds 1700000100\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("attrition_retention_last_success_timestamp_seconds 1700000000\n"),
              std::string::npos);
    EXPECT_NE(text.find("attrition_retention_deleted_requests_total 6\n"), std::string::npos);
    EXPECT_NE(text.find("attrition_retention_deleted_predictions_total 10\n"), std::string::npos);
    EXPECT_NE(text.find("attrition_retention_failures_total 1\n"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         LogReaderTest,
                         ::testing::ValuesIn(kAllStoreBackends),
                         BackendParamName);

}  // namespace
}  // namespace attrition::test
