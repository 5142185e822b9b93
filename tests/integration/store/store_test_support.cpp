#include "integration/store/store_test_support.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <stdexcept>

#include "harness/child_process.hpp"
#include "harness/postgres_cluster.hpp"
#include "store/database_url.hpp"
#include "store/migrator.hpp"
#include "store/uuid.hpp"

namespace attrition::test {

std::string BackendLabel(StoreBackend backend) {
    switch (backend) {
        case StoreBackend::kSqlite:
            return "sqlite";
        case StoreBackend::kPostgres:
            return "postgres";
        case StoreBackend::kPgBouncer:
            return "pgbouncer";
    }
    return "?";
}

void BackendTest::SetUp() {
    if (GetParam() != StoreBackend::kSqlite && !PostgresAvailable()) {
        GTEST_SKIP() << "PostgreSQL 15 or pgbouncer not installed";
    }
    db_ = TestDatabase::Create(GetParam(),
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
}

void MigratedBackendTest::SetUp() {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    auto url = store::ParseDatabaseUrl(db_.url);
    ASSERT_TRUE(url);
    auto database = store::OpenDatabase(*url, {});
    ASSERT_TRUE(database) << database.error().message;
    database_ = std::move(*database);
    auto migrations = store::EmbeddedMigrations(database_->Kind());
    ASSERT_TRUE(migrations);
    store::Migrator migrator(*database_, std::move(*migrations));
    ASSERT_TRUE(migrator.Up());
}

TestDatabase TestDatabase::Create(StoreBackend backend, const std::string& name) {
    static std::atomic<int> counter{0};
    TestDatabase db;
    db.backend = backend;
    // PostgreSQL truncates names past 63 bytes: keep them short and plain.
    std::string plain;
    for (const char c : name.substr(0, 40)) {
        plain += std::isalnum(static_cast<unsigned char>(c)) != 0
                     ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                     : '_';
    }
    db.name = plain + "_" + BackendLabel(backend) + "_" + std::to_string(++counter);
    db.scratch_dir = MakeTempDir("attrition-store-" + BackendLabel(backend));
    if (backend == StoreBackend::kSqlite) {
        db.sqlite_path = db.scratch_dir + "/log.db";
        db.url = "sqlite:///" + db.sqlite_path;  // absolute: sqlite:////tmp/...
        return db;
    }
    auto& cluster = PostgresCluster::Shared();
    db.url = cluster.CreateDatabase(db.name);
    if (backend == StoreBackend::kPgBouncer) {
        cluster.StartPgBouncer();
        db.url = cluster.PgBouncerUrl(db.name);
    }
    return db;
}

std::string TestDatabase::Query(const std::string& sql) const {
    if (backend != StoreBackend::kSqlite) return PostgresCluster::Shared().Psql(name, sql);
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(sqlite_path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close(raw);
        throw std::runtime_error("cannot open " + sqlite_path);
    }
    std::string out;
    char* error = nullptr;
    const auto row = [](void* context, int columns, char** values, char** /*names*/) {
        auto& text = *static_cast<std::string*>(context);
        if (!text.empty()) text += '\n';
        for (int c = 0; c < columns; ++c) {
            if (c > 0) text += '|';
            if (values[c] != nullptr) text += values[c];
        }
        return 0;
    };
    sqlite3_exec(raw, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
    const int code = sqlite3_exec(raw, sql.c_str(), row, &out, &error);
    std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(raw);
    if (code != SQLITE_OK) throw std::runtime_error("sqlite failed: " + message + " in " + sql);
    return out;
}

std::string TestDatabase::Timestamp(const std::string& column) const {
    if (backend == StoreBackend::kSqlite) return column;
    return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
}

std::string TestDatabase::JsonEquals(const std::string& column, const std::string& json) const {
    std::string literal;  // a SQL string literal: quotes doubled, backslashes as they are
    for (const char c : json) literal += c == '\'' ? std::string("''") : std::string(1, c);
    if (backend == StoreBackend::kSqlite) return "(json(" + column + ") = json('" + literal + "'))";
    return "(" + column + " = '" + literal + "'::jsonb)::int";
}

store::RequestRecord MakeRecord(int predictions, base::SystemTime created_at) {
    store::RequestRecord record;
    record.id = store::NewUuid();
    record.created_at = created_at;
    record.endpoint = predictions > 1 ? "/api/v1/predict/batch" : "/api/v1/predict";
    record.request_data_json = R"({"employee_count": 1})";
    record.client_ip = "127.0.0.1";
    record.user_agent = "store-test";
    record.http_status = 200;
    record.response_time_ms = 3;
    for (int i = 0; i < predictions; ++i) {
        store::PredictionRecord prediction;
        prediction.id = store::NewUuid();
        prediction.prediction_date = created_at;
        prediction.employee_id = "E" + std::to_string(i);
        prediction.attrition_prob = 0.5;
        prediction.risk_level = "MEDIUM";
        prediction.model_version = "test_v1";
        prediction.features_snapshot_json = R"({"age": 30})";
        record.predictions.push_back(prediction);
    }
    return record;
}

store::AppendCallback Completions::Callback() {
    return [this](base::Result<void> result) {
        {
            const std::lock_guard lock(mutex_);
            if (result) {
                ++ok_;
            } else {
                errors_.push_back(result.error());
            }
        }
        done_.notify_all();
    };
}

bool Completions::Wait(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return done_.wait_for(lock, timeout, [&] { return ok_ + errors_.size() >= count; });
}

std::size_t Completions::Ok() const {
    const std::lock_guard lock(mutex_);
    return ok_;
}

std::vector<base::Error> Completions::Errors() const {
    const std::lock_guard lock(mutex_);
    return errors_;
}

}  // namespace attrition::test
