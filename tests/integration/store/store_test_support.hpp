// Shared by the store's integration tests: a fresh database per test on each backend (SQLite
// file, PostgreSQL direct, PostgreSQL through pgbouncer), SQL queries in psql's unaligned
// format ("a|b" per row, NULL as empty) on both, record builders, and a completion counter.
// Drive from the test thread (Completions is thread-safe).
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "store/database.hpp"
#include "store/prediction_log.hpp"
#include "store/records.hpp"

namespace attrition::test {

enum class StoreBackend { kSqlite, kPostgres, kPgBouncer };

std::string BackendLabel(StoreBackend backend);

// Every backend, for INSTANTIATE_TEST_SUITE_P(Backends, Fixture, ValuesIn(kAllStoreBackends),
// BackendParamName).
inline constexpr std::array<StoreBackend, 3> kAllStoreBackends{
    StoreBackend::kSqlite, StoreBackend::kPostgres, StoreBackend::kPgBouncer};
// The test name suffix of a backend parameter.
inline std::string BackendParamName(const ::testing::TestParamInfo<StoreBackend>& info) {
    return BackendLabel(info.param);
}

// A fresh, empty database for one test.
struct TestDatabase {
    StoreBackend backend;
    std::string name;
    std::string url;
    std::string sqlite_path;  // kSqlite only
    std::string scratch_dir;  // a fresh folder (spool etc.)

    static TestDatabase Create(StoreBackend backend, const std::string& name);
    // Runs SQL; rows joined by '\n', columns by '|', NULL as empty.
    std::string Query(const std::string& sql) const;
    // SQL for a timestamp column printed as FormatIso8601 does.
    std::string Timestamp(const std::string& column) const;
    // SQL that is 1 when a JSON column equals the given JSON text, else 0.
    std::string JsonEquals(const std::string& column, const std::string& json) const;
};

// A test run on each backend: skipped without PostgreSQL 15 or pgbouncer, with a fresh
// database named after the test in db_.
class BackendTest : public ::testing::TestWithParam<StoreBackend> {
  protected:
    void SetUp() override;
    TestDatabase db_;
};

// BackendTest with the database migrated to the latest version and open in database_.
class MigratedBackendTest : public BackendTest {
  protected:
    void SetUp() override;
    std::unique_ptr<store::Database> database_;
};

store::RequestRecord MakeRecord(int predictions, base::SystemTime created_at);

// Counts completions; Wait blocks until `count` arrived or the timeout passed.
class Completions {
  public:
    store::AppendCallback Callback();
    bool Wait(std::size_t count, std::chrono::milliseconds timeout);
    std::size_t Ok() const;
    std::vector<base::Error> Errors() const;

  private:
    mutable std::mutex mutex_;
    std::condition_variable done_;
    std::size_t ok_ = 0;
    std::vector<base::Error> errors_;
};

}  // namespace attrition::test
