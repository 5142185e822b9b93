// The write path end to end on SQLite, PostgreSQL direct and PostgreSQL through pgbouncer
// (transaction pooling): exact row contents, concurrent appends, retention.
#include "store/prediction_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness/postgres_cluster.hpp"
#include "integration/store/store_test_support.hpp"
#include "store/database.hpp"
#include "store/database_url.hpp"
#include "store/retention.hpp"
#include "store/uuid.hpp"

namespace attrition::test {
namespace {

using namespace std::chrono_literals;

class PredictionLogTest : public BackendTest {
  protected:
    std::unique_ptr<store::PredictionLog> Open() {
        store::LogOptions options;
        options.spool_dir = db_.scratch_dir + "/spool";
        options.migrate = true;
        auto log = store::OpenPredictionLog(db_.url, options);
        EXPECT_TRUE(log) << log.error().message;
        return log ? std::move(*log) : nullptr;
    }
};

base::SystemTime At(std::int64_t micros) {
    return base::SystemTime(std::chrono::microseconds(micros));
}

TEST_P(PredictionLogTest, StoresExactRowContents) {
    auto log = Open();
    ASSERT_NE(log, nullptr);
    const auto t0 = At(1795000000123456);

    // A single prediction.
    store::RequestRecord single;
    single.id = store::NewUuid();
    single.created_at = t0;
    single.endpoint = "/api/v1/predict";
    single.request_data_json = R"({"age": 35, "genre": "M", "poste": "Tech Lead"})";
    single.client_ip = "192.168.1.20";
    single.user_agent = "curl/8.0";
    single.http_status = 200;
    single.response_time_ms = 7;
    single.predictions.push_back({store::NewUuid(), t0 + 1us, std::nullopt, 0.234, "LOW",
                                  "xgb_enhanced_v1.0", R"({"age": 35})"});
    // A batch of three.
    store::RequestRecord batch;
    batch.id = store::NewUuid();
    batch.created_at = t0 + 1s;
    batch.endpoint = "/api/v1/predict/batch";
    batch.request_data_json = R"({"employee_count": 3})";
    batch.http_status = 200;
    batch.response_time_ms = 15;
    const double probabilities[] = {0.125, 0.5, 0.875};
    const char* risks[] = {"LOW", "MEDIUM", "HIGH"};
    for (int i = 0; i < 3; ++i) {
        batch.predictions.push_back({store::NewUuid(), t0 + 1s + std::chrono::microseconds(i),
                                     "EMP-" + std::to_string(i), probabilities[i], risks[i],
                                     "xgb_enhanced_v1.0", R"({"age": 40})"});
    }
    batch.predictions[2].shadow = true;  // a shadow row, as shadow scoring writes
    // A rejected request: no predictions, no response time.
    store::RequestRecord rejected;
    rejected.id = store::NewUuid();
    rejected.created_at = t0 + 2s;
    rejected.endpoint = "/api/v1/predict";
    rejected.request_data_json = R"({"_invalid_json": true, "_truncated": "{\"age\": 3"})";
    rejected.http_status = 422;

    Completions completions;
    log->Append(single, completions.Callback());
    log->Append(batch, completions.Callback());
    log->Append(rejected, completions.Callback());
    ASSERT_TRUE(completions.Wait(3, 10s));
    EXPECT_EQ(completions.Ok(), 3U);
    log->Shutdown();

    const auto request_row = [&](const store::RequestRecord& r) {
        return db_.Query("SELECT " + db_.Timestamp("created_at") + ", endpoint, " +
                         db_.JsonEquals("request_data", r.request_data_json) +
                         ", client_ip, user_agent, http_status, response_time_ms FROM "
                         "api_requests WHERE id = '" +
                         r.id + "'");
    };
    EXPECT_EQ(request_row(single),
              "2026-11-18T11:06:40.123456Z|/api/v1/predict|1|192.168.1.20|curl/8.0|200|7");
    EXPECT_EQ(request_row(batch), "2026-11-18T11:06:41.123456Z|/api/v1/predict/batch|1|||200|15");
    EXPECT_EQ(request_row(rejected), "2026-11-18T11:06:42.123456Z|/api/v1/predict|1|||422|");

    const auto prediction_rows = [&](const store::RequestRecord& r) {
        return db_.Query(
            "SELECT id, " + db_.Timestamp("prediction_date") + ", " + db_.Timestamp("created_at") +
            ", employee_id, attrition_prob, risk_level, model_version, " +
            db_.JsonEquals("features_snapshot",
                           r.predictions.empty() ? "{}" : r.predictions[0].features_snapshot_json) +
            " FROM predictions WHERE request_id = '" + r.id + "' ORDER BY prediction_date");
    };
    EXPECT_EQ(prediction_rows(single),
              single.predictions[0].id +
                  "|2026-11-18T11:06:40.123457Z|2026-11-18T11:06:40.123456Z||0.234|LOW|"
                  "xgb_enhanced_v1.0|1");
    EXPECT_EQ(prediction_rows(batch),
              batch.predictions[0].id +
                  "|2026-11-18T11:06:41.123456Z|2026-11-18T11:06:41.123456Z|EMP-0|0.125|LOW|"
                  "xgb_enhanced_v1.0|1\n" +
                  batch.predictions[1].id +
                  "|2026-11-18T11:06:41.123457Z|2026-11-18T11:06:41.123456Z|EMP-1|0.5|MEDIUM|"
                  "xgb_enhanced_v1.0|1\n" +
                  batch.predictions[2].id +
                  "|2026-11-18T11:06:41.123458Z|2026-11-18T11:06:41.123456Z|EMP-2|0.875|HIGH|"
                  "xgb_enhanced_v1.0|1");
    EXPECT_EQ(prediction_rows(rejected), "");
    EXPECT_EQ(db_.Query("SELECT count(*) FROM api_requests"), "3");
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions"), "4");
    EXPECT_EQ(db_.Query("SELECT employee_id FROM predictions WHERE shadow"), "EMP-2");
}

TEST_P(PredictionLogTest, ReplayingTheSameRecordIsIdempotent) {
    auto log = Open();
    ASSERT_NE(log, nullptr);
    const auto record = MakeRecord(2, std::chrono::system_clock::now());
    Completions completions;
    log->Append(record, completions.Callback());
    log->Append(record, completions.Callback());
    ASSERT_TRUE(completions.Wait(2, 10s));
    EXPECT_EQ(completions.Ok(), 2U);
    log->Shutdown();
    EXPECT_EQ(db_.Query("SELECT count(*) FROM api_requests"), "1");
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions"), "2");
}

TEST_P(PredictionLogTest, InvalidRecordIsRefusedInline) {
    auto log = Open();
    ASSERT_NE(log, nullptr);
    auto record = MakeRecord(1, std::chrono::system_clock::now());
    record.predictions[0].attrition_prob = 23.4;  // the original's percentage bug
    Completions completions;
    log->Append(record, completions.Callback());
    ASSERT_EQ(completions.Errors().size(), 1U);  // inline, before Append returns
    EXPECT_EQ(completions.Errors()[0].code, base::ErrorCode::kInvalidInput);
}

TEST_P(PredictionLogTest, ConcurrentAppendsAllLandExactlyOnce) {
    auto log = Open();
    ASSERT_NE(log, nullptr);
    constexpr int kThreads = 8;
    constexpr int kPerThread = 60;
    Completions completions;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                log->Append(MakeRecord((t + i) % 4, std::chrono::system_clock::now()),
                            completions.Callback());
            }
        });
    }
    for (auto& thread : threads) thread.join();
    ASSERT_TRUE(completions.Wait(kThreads * kPerThread, 30s));
    EXPECT_EQ(completions.Ok(), static_cast<std::size_t>(kThreads * kPerThread));
    EXPECT_TRUE(completions.Errors().empty());
    const auto status = log->Status();
    log->Shutdown();
    int predictions = 0;
    for (int t = 0; t < kThreads; ++t) {
        for (int i = 0; i < kPerThread; ++i) predictions += (t + i) % 4;
    }
    EXPECT_EQ(db_.Query("SELECT count(*) FROM api_requests"),
              std::to_string(kThreads * kPerThread));
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions"), std::to_string(predictions));
    EXPECT_EQ(status.rows_written, static_cast<std::uint64_t>(kThreads * kPerThread));
    EXPECT_EQ(status.records_spooled, 0U);
    EXPECT_GT(status.batches, 0U);
    EXPECT_LE(status.batches, static_cast<std::uint64_t>(kThreads * kPerThread));
}

TEST_P(PredictionLogTest, RetentionDeletesExactlyTheOldRowsInBatches) {
    auto log = Open();
    ASSERT_NE(log, nullptr);
    const auto now = std::chrono::system_clock::now();
    const auto old_time = now - std::chrono::hours(24 * 400);
    std::vector<store::RequestRecord> old_records;
    std::vector<store::RequestRecord> new_records;
    for (int i = 0; i < 5; ++i)
        old_records.push_back(MakeRecord(2, old_time + std::chrono::seconds(i)));
    for (int i = 0; i < 3; ++i) new_records.push_back(MakeRecord(1, now - std::chrono::hours(i)));
    Completions completions;
    for (const auto& r : old_records) log->Append(r, completions.Callback());
    for (const auto& r : new_records) log->Append(r, completions.Callback());
    ASSERT_TRUE(completions.Wait(8, 10s));
    ASSERT_EQ(completions.Ok(), 8U);
    log->Shutdown();

    auto url = store::ParseDatabaseUrl(db_.url);
    ASSERT_TRUE(url);
    auto database = store::OpenDatabase(*url, {});
    ASSERT_TRUE(database) << database.error().message;
    const auto cutoff = now - std::chrono::hours(24 * 365);
    auto deleted = store::DeleteOlderThan(**database, cutoff, 2);
    ASSERT_TRUE(deleted) << deleted.error().message;
    EXPECT_EQ(deleted->requests_deleted, 5U);
    EXPECT_EQ(deleted->predictions_deleted, 10U);
    EXPECT_EQ(deleted->batches, 3U);  // 2 + 2 + 1
    EXPECT_EQ(db_.Query("SELECT count(*) FROM api_requests"), "3");
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions"), "3");
    for (const auto& r : new_records) {
        EXPECT_EQ(db_.Query("SELECT count(*) FROM api_requests WHERE id = '" + r.id + "'"), "1");
    }
    auto again = store::DeleteOlderThan(**database, cutoff, 2);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->requests_deleted, 0U);
    EXPECT_EQ(again->batches, 0U);
}

// Text that means something in PostgreSQL's array-literal syntax (the writer sends each
// column as one array parameter) or in SQL comes back exactly as it was sent.
TEST_P(PredictionLogTest, TextWithArrayAndQuoteSyntaxIsStoredExactly) {
    auto log = Open();
    ASSERT_NE(log, nullptr);
    auto record = MakeRecord(2, std::chrono::system_clock::now());
    record.user_agent = R"(a "b" \c {d,e} NULL ')";
    record.request_data_json = R"({"k":"\\ \" {x,y} NULL ''","empty":""})";
    record.predictions[0].employee_id = "NULL";
    record.predictions[1].employee_id = R"({},"\)";
    Completions completions;
    log->Append(record, completions.Callback());
    ASSERT_TRUE(completions.Wait(1, 10s));
    ASSERT_EQ(completions.Ok(), 1U);
    log->Shutdown();
    EXPECT_EQ(
        db_.Query("SELECT user_agent, " + db_.JsonEquals("request_data", record.request_data_json) +
                  " FROM api_requests WHERE id = '" + record.id + "'"),
        *record.user_agent + "|1");
    for (const auto& prediction : record.predictions) {
        EXPECT_EQ(
            db_.Query("SELECT employee_id IS NULL, employee_id FROM predictions WHERE id = '" +
                      prediction.id + "'"),
            (GetParam() == StoreBackend::kSqlite ? "0|" : "f|") + *prediction.employee_id);
    }
}

// JSON is not parsed again before a record is queued (store/records.hpp): a record whose JSON
// the database refuses fails alone, unacknowledged; the records of its batch land.
TEST_P(PredictionLogTest, ARecordTheDatabaseRefusesFailsAlone) {
    auto log = Open();
    ASSERT_NE(log, nullptr);
    std::vector<store::RequestRecord> records;
    for (int i = 0; i < 3; ++i) records.push_back(MakeRecord(2, std::chrono::system_clock::now()));
    records[1].predictions[1].features_snapshot_json = "{not json";
    Completions completions;
    for (const auto& record : records) log->Append(record, completions.Callback());
    ASSERT_TRUE(completions.Wait(3, 10s));
    log->Shutdown();
    EXPECT_EQ(completions.Ok(), 2U);
    ASSERT_EQ(completions.Errors().size(), 1U);
    EXPECT_EQ(completions.Errors()[0].code, base::ErrorCode::kInternal);
    EXPECT_EQ(db_.Query("SELECT count(*) FROM api_requests WHERE id = '" + records[1].id + "'"),
              "0");  // the refused one
    EXPECT_EQ(db_.Query("SELECT count(*) FROM api_requests"), "2");
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions"), "4");
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         PredictionLogTest,
                         ::testing::ValuesIn(kAllStoreBackends),
                         BackendParamName);

TEST(PredictionLogOpenTest, NoneAcknowledgesWithoutStoring) {
    auto log = store::OpenPredictionLog("none", {});
    ASSERT_TRUE(log);
    Completions completions;
    (*log)->Append(MakeRecord(1, std::chrono::system_clock::now()), completions.Callback());
    EXPECT_EQ(completions.Ok(), 1U);
    EXPECT_EQ((*log)->Status().backend, "none");
}

TEST(PredictionLogOpenTest, UnreachableDatabaseFailsWithoutThePassword) {
    const auto port = FreePort();  // nothing listens there
    store::LogOptions options;
    options.spool_dir = MakeTempDir("attrition-store-unreachable");
    auto log = store::OpenPredictionLog(
        "postgresql://app:Sup3rS3cret@127.0.0.1:" + std::to_string(port) + "/hr", options);
    ASSERT_FALSE(log);
    EXPECT_EQ(log.error().code, base::ErrorCode::kUnavailable);
    EXPECT_NE(log.error().message.find("app:***@127.0.0.1"), std::string::npos)
        << log.error().message;
    EXPECT_EQ(log.error().message.find("Sup3rS3cret"), std::string::npos) << log.error().message;
}

}  // namespace
}  // namespace attrition::test

namespace attrition::test {
namespace {

// A batch goes as binary COPY in one statement; a batch holding rows that landed before (a
// replay after a commit whose answer was lost) is refused by COPY and written again by the
// insert that skips existing rows, split into statements when large, in one transaction: all
// of it lands once, or (when a later statement fails) none of it.
TEST(PostgresCopyTest, BatchesCopyAndReplaysSkipWhatLanded) {
    if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 or pgbouncer not installed";
    for (const auto backend : {StoreBackend::kPostgres, StoreBackend::kPgBouncer}) {
        SCOPED_TRACE(BackendLabel(backend));
        const auto db = TestDatabase::Create(backend, "copy");
        {
            store::LogOptions options;  // migrates the fresh database
            options.spool_dir = db.scratch_dir + "/spool";
            options.migrate = true;
            auto log = store::OpenPredictionLog(db.url, options);
            ASSERT_TRUE(log) << log.error().message;
            (*log)->Shutdown();
        }
        std::vector<std::string> statements;
        store::DatabaseOptions options;
        options.max_statement_bytes = 8 * 1024;  // a few records per fallback statement
        options.pool_size = 1;                   // one connection sees every batch
        options.observer = [&](std::string_view name, std::chrono::microseconds) {
            statements.emplace_back(name);
        };
        auto url = store::ParseDatabaseUrl(db.url);
        ASSERT_TRUE(url);
        auto database = store::OpenDatabase(*url, options);
        ASSERT_TRUE(database) << database.error().message;
        const auto count = [&](const char* name) {
            return std::count(statements.begin(), statements.end(), name);
        };

        std::vector<store::RequestRecord> batch;
        for (int i = 0; i < 12; ++i)
            batch.push_back(MakeRecord(3, std::chrono::system_clock::now()));
        ASSERT_TRUE((*database)->InsertBatch(std::span(batch).first(6)));
        EXPECT_EQ(count("insert_batch"), 1);
        EXPECT_EQ(count("insert_skipping_existing"), 0);
        EXPECT_EQ(db.Query("SELECT count(*) FROM api_requests"), "6");

        statements.clear();
        ASSERT_TRUE((*database)->InsertBatch(batch));  // the first six again, and six new
        EXPECT_EQ(count("insert_batch"), 1);
        EXPECT_GT(count("insert_skipping_existing"), 1);
        EXPECT_EQ(count("commit"), 1);
        EXPECT_EQ(db.Query("SELECT count(*) FROM api_requests"), "12");
        EXPECT_EQ(db.Query("SELECT count(*) FROM predictions"), "36");

        // The last record breaks a schema rule only the database checks here (InsertBatch
        // does not validate): the COPY is refused with a data error, not a replay's duplicate
        // key, so nothing is retried and nothing of the batch lands.
        std::vector<store::RequestRecord> doomed;
        for (int i = 0; i < 12; ++i)
            doomed.push_back(MakeRecord(3, std::chrono::system_clock::now()));
        doomed.back().predictions[0].employee_id = std::string(51, 'x');
        const auto refused = (*database)->InsertBatch(doomed);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, base::ErrorCode::kInvalidInput);
        EXPECT_EQ(db.Query("SELECT count(*) FROM api_requests"), "12");
        EXPECT_EQ(db.Query("SELECT count(*) FROM predictions"), "36");
        // The connection that saw both refusals serves the next batch.
        ASSERT_TRUE((*database)->InsertBatch(std::span(doomed).first(1)));
        EXPECT_EQ(db.Query("SELECT count(*) FROM api_requests"), "13");

        // A refusal of another kind (a trigger's exception, SQLSTATE P0001) is not retried, and
        // the script's transaction is rolled back: the pool's only connection serves the next
        // batch once the cause is gone (it stayed in the failed transaction before).
        db.Query(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "'BEGIN RAISE EXCEPTION ''refused''; END'");
        db.Query(
            "CREATE TRIGGER refuse BEFORE INSERT ON api_requests FOR EACH ROW "
            "EXECUTE FUNCTION refuse()");
        statements.clear();
        const auto other = (*database)->InsertBatch(std::span(doomed).subspan(1, 1));
        ASSERT_FALSE(other);
        EXPECT_EQ(other.error().code, base::ErrorCode::kUnavailable);
        EXPECT_EQ(count("insert_skipping_existing"), 0);
        db.Query("DROP TRIGGER refuse ON api_requests");
        ASSERT_TRUE((*database)->InsertBatch(std::span(doomed).subspan(1, 1)));
        EXPECT_EQ(db.Query("SELECT count(*) FROM api_requests"), "14");
    }
}

}  // namespace
}  // namespace attrition::test
