// The SQLite backend (the embedded default): one connection in WAL mode with synchronous=FULL
// (a committed batch survives power loss) and foreign keys on, guarded by a mutex; a batch is
// one BEGIN IMMEDIATE transaction of cached prepared INSERT ... ON CONFLICT (id) DO NOTHING
// statements. Migrations take BEGIN IMMEDIATE, which serialises processes on the same file.
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include "store/database.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace attrition::store {

class SqliteDatabase final : public Database {
  public:
    // Opens or creates the file (and its folder); ":memory:" for an in-memory database.
    static base::Result<std::unique_ptr<Database>> Open(const DatabaseUrl& url,
                                                        const DatabaseOptions& options);
    ~SqliteDatabase() override;
    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;

    Backend Kind() const override { return Backend::kSqlite; }
    const std::string& Describe() const override { return redacted_; }
    base::Result<void> Ping() override;
    base::Result<void> InsertBatch(std::span<const RequestRecord> records) override;
    base::Result<RetentionBatch> DeleteRequestsBefore(base::SystemTime cutoff,
                                                      std::size_t batch_size) override;
    base::Result<void> RunTransaction(
        MigrationLock lock, const std::function<base::Result<void>(SqlSession&)>& body) override;

  private:
    SqliteDatabase(sqlite3* db, std::string redacted, DatabaseOptions options);
    base::Result<void> Exec(std::string_view sql);  // mutex_ held
    base::Result<void> InsertLocked(std::span<const RequestRecord> records);
    base::Result<sqlite3_stmt*> Prepared(sqlite3_stmt** slot, std::string_view sql);
    void Observe(std::string_view statement, std::chrono::steady_clock::time_point started) const;

    std::mutex mutex_;
    sqlite3* db_;
    std::string redacted_;
    DatabaseOptions options_;
    sqlite3_stmt* insert_request_ = nullptr;
    sqlite3_stmt* insert_prediction_ = nullptr;
};

}  // namespace attrition::store
