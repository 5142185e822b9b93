// Migrations on SQLite, PostgreSQL direct and through pgbouncer: up, down, up; status; two
// concurrent migrators (threads with their own connections, and two `attrition migrate up`
// processes); the serve-style check refusing an unmigrated database.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/child_process.hpp"
#include "harness/postgres_cluster.hpp"
#include "integration/store/store_test_support.hpp"
#include "store/database.hpp"
#include "store/database_url.hpp"
#include "store/migrator.hpp"
#include "store/prediction_log.hpp"

namespace attrition::test {
namespace {

class MigrationTest : public BackendTest {
  protected:
    std::unique_ptr<store::Database> OpenDb() {
        auto url = store::ParseDatabaseUrl(db_.url);
        EXPECT_TRUE(url);
        auto database = store::OpenDatabase(*url, {});
        EXPECT_TRUE(database) << database.error().message;
        return database ? std::move(*database) : nullptr;
    }

    store::Migrator MakeMigrator(store::Database& database) {
        auto migrations = store::EmbeddedMigrations(database.Kind());
        EXPECT_TRUE(migrations) << migrations.error().message;
        return store::Migrator(database, std::move(*migrations));
    }

    int LogTables() const {
        const std::string sql =
            db_.backend == StoreBackend::kSqlite
                ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                  "('api_requests', 'predictions')"
                : "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' "
                  "AND table_name IN ('api_requests', 'predictions')";
        return std::stoi(db_.Query(sql));
    }
};

TEST_P(MigrationTest, UpDownUpWithStatus) {
    auto database = OpenDb();
    ASSERT_NE(database, nullptr);
    auto migrator = MakeMigrator(*database);

    auto status = migrator.Status();
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(status->current_version, 0);
    EXPECT_GE(status->latest_version, 1);
    EXPECT_FALSE(status->Current());
    EXPECT_NE(store::FormatStatus(*status).find("0001  create_prediction_log"), std::string::npos);
    EXPECT_NE(store::FormatStatus(*status).find("pending"), std::string::npos);

    auto applied = migrator.Up();
    ASSERT_TRUE(applied) << applied.error().message;
    ASSERT_FALSE(applied->empty());
    EXPECT_EQ(applied->front(), 1);
    EXPECT_EQ(LogTables(), 2);
    status = migrator.Status();
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->Current());
    EXPECT_NE(store::FormatStatus(*status).find("up to date"), std::string::npos);
    EXPECT_TRUE(migrator.CheckCurrent());

    auto again = migrator.Up();
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->empty());

    // Down one version at a time until nothing is left.
    for (int version = status->latest_version; version >= 1; --version) {
        auto rolled_back = migrator.Down();
        ASSERT_TRUE(rolled_back) << rolled_back.error().message;
        ASSERT_TRUE(rolled_back->has_value());
        EXPECT_EQ(**rolled_back, version);
    }
    EXPECT_EQ(LogTables(), 0);
    auto nothing = migrator.Down();
    ASSERT_TRUE(nothing);
    EXPECT_FALSE(nothing->has_value());
    EXPECT_FALSE(migrator.CheckCurrent());

    applied = migrator.Up();
    ASSERT_TRUE(applied) << applied.error().message;
    EXPECT_EQ(LogTables(), 2);
    EXPECT_EQ(db_.Query("SELECT count(*) FROM schema_migrations"),
              std::to_string(status->latest_version));
}

// 0002 (shadow scoring) on a log that 0001 made and that holds rows: every row kept, each as
// the prediction its client got (not shadow); down again drops only the column.
TEST_P(MigrationTest, TheShadowMigrationKeepsEveryRowOfAPopulatedLog) {
    auto database = OpenDb();
    ASSERT_NE(database, nullptr);
    auto migrator = MakeMigrator(*database);
    ASSERT_TRUE(migrator.Up());
    // Back to the log 0001 made: down the newer versions, newest first.
    for (const int version : {6, 5, 4, 3, 2}) {
        auto down = migrator.Down();
        ASSERT_TRUE(down && *down == std::optional<int>(version));
    }
    db_.Query(
        "INSERT INTO api_requests (id, endpoint, request_data, http_status) VALUES "
        "('00000000-0000-4000-8000-000000000001', '/api/v1/predict/batch', '{}', 200)");
    for (const char* id :
         {"00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"}) {
        db_.Query(
            "INSERT INTO predictions (id, request_id, prediction_date, employee_id, "
            "attrition_prob, risk_level, model_version) VALUES ('" +
            std::string(id) +
            "', '00000000-0000-4000-8000-000000000001', '2026-11-01T00:00:00Z', 'E1', 0.25, "
            "'LOW', 'xgb_enhanced_v2.0')");
    }
    auto applied = migrator.Up();
    ASSERT_TRUE(applied) << applied.error().message;
    EXPECT_EQ(*applied, (std::vector<int>{2, 3, 4, 5, 6}));
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions"), "2");
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions WHERE NOT shadow"), "2");
    // 0006: the request logged before it keeps no X-Request-ID.
    EXPECT_EQ(db_.Query("SELECT count(*) FROM api_requests WHERE x_request_id IS NULL"), "1");
    ASSERT_TRUE(migrator.Down());  // 0006
    ASSERT_TRUE(migrator.Down());  // 0005
    ASSERT_TRUE(migrator.Down());  // 0004
    ASSERT_TRUE(migrator.Down());  // 0003
    ASSERT_TRUE(migrator.Down());  // 0002
    EXPECT_EQ(db_.Query("SELECT count(*) FROM predictions"), "2");
}

TEST_P(MigrationTest, ConcurrentMigratorsProduceOneSchema) {
    auto first = OpenDb();
    auto second = OpenDb();
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    base::Result<std::vector<int>> first_result = std::vector<int>{};
    base::Result<std::vector<int>> second_result = std::vector<int>{};
    std::thread a([&] { first_result = MakeMigrator(*first).Up(); });
    std::thread b([&] { second_result = MakeMigrator(*second).Up(); });
    a.join();
    b.join();
    ASSERT_TRUE(first_result) << first_result.error().message;
    ASSERT_TRUE(second_result) << second_result.error().message;
    // Each migration was applied by exactly one of them.
    EXPECT_EQ(first_result->size() + second_result->size(),
              store::EmbeddedMigrations(first->Kind())->size());
    EXPECT_EQ(LogTables(), 2);
    EXPECT_EQ(db_.Query("SELECT count(*) FROM schema_migrations"),
              std::to_string(store::EmbeddedMigrations(first->Kind())->size()));
}

TEST_P(MigrationTest, ServeCheckRefusesAnUnmigratedDatabase) {
    store::LogOptions options;
    options.spool_dir = db_.scratch_dir + "/spool";
    auto refused = store::OpenPredictionLog(db_.url, options);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, base::ErrorCode::kInvalidConfig);
    EXPECT_NE(refused.error().message.find("not migrated"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("attrition migrate up"), std::string::npos);
    EXPECT_EQ(LogTables(), 0);

    options.migrate = true;
    auto opened = store::OpenPredictionLog(db_.url, options);
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(LogTables(), 2);
}

TEST_P(MigrationTest, TwoMigrateProcessesAtOnce) {
    const auto binary = EnvOr("ATTRITION_BINARY", "");
    if (binary.empty() || !std::filesystem::exists(binary)) {
        GTEST_SKIP() << "the attrition binary is not built";
    }
    const auto run = [&](const std::string& action, const std::string& log) {
        return SpawnOptions{.argv = {binary, "migrate", action},
                            .env = {{"OC5_DATABASE_URL", db_.url}},
                            .log_path = db_.scratch_dir + "/" + log};
    };
    ChildProcess first(run("up", "first.log"));
    ChildProcess second(run("up", "second.log"));
    EXPECT_EQ(first.Wait(std::chrono::seconds(60)), 0) << ReadFile(db_.scratch_dir + "/first.log");
    EXPECT_EQ(second.Wait(std::chrono::seconds(60)), 0)
        << ReadFile(db_.scratch_dir + "/second.log");
    EXPECT_EQ(LogTables(), 2);
    std::string output;
    EXPECT_EQ(RunCommand(run("status", "status.log"), &output), 0);
    const auto status = ReadFile(db_.scratch_dir + "/status.log") + output;
    EXPECT_NE(status.find("up to date"), std::string::npos) << status;
    EXPECT_EQ(status.find("password"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         MigrationTest,
                         ::testing::ValuesIn(kAllStoreBackends),
                         BackendParamName);

TEST(DefaultDatabaseTest, EmbeddedDefaultIsMigratedOnOpen) {
    const auto dir = MakeTempDir("attrition-store-default");
    const auto previous = std::filesystem::current_path();
    std::filesystem::current_path(dir);
    store::LogOptions options;
    auto log = store::OpenPredictionLog("", options);
    std::filesystem::current_path(previous);
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_EQ((*log)->Status().backend, "sqlite");
    (*log)->Shutdown();
    EXPECT_TRUE(std::filesystem::exists(dir + "/var/attrition.db"));
    EXPECT_TRUE(std::filesystem::exists(dir + "/var/spool"));
}

}  // namespace
}  // namespace attrition::test
