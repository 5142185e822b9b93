// Versioned schema migrations (migrations/<backend>/NNNN_name.{up,down}.sql, embedded in the
// binary) applied to one database: each migration in its own transaction together with its
// schema_migrations row, under the exclusive migration lock (pg_advisory_xact_lock on
// PostgreSQL, which holds through pgbouncer; BEGIN IMMEDIATE on SQLite), so two processes
// migrating at once end with one schema and no error. Borrows the Database; a Migrator is not
// thread-safe, but any number of migrators (threads, processes) may run against one database.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "store/database.hpp"

namespace attrition::store {

struct Migration {
    int version = 0;
    std::string name;  // "create_prediction_log"
    std::string_view up_sql;
    std::string_view down_sql;
};

// The embedded migrations of a backend, by version. kInternal when a file is misnamed or an
// up migration lacks its down (a build bug).
base::Result<std::vector<Migration>> EmbeddedMigrations(Backend backend);

struct MigrationState {
    int version = 0;
    std::string name;
    bool applied = false;
    std::optional<std::string> applied_at;  // as the database prints it
};

struct SchemaStatus {
    int current_version = 0;       // the highest applied version (0: none)
    int latest_version = 0;        // the highest version this binary knows
    bool unknown_applied = false;  // the database has a version this binary does not know
    std::vector<MigrationState> migrations;
    bool Current() const;  // every known migration applied, nothing unknown
};

// "version  name  applied_at" lines and a summary line, for `attrition migrate status`.
std::string FormatStatus(const SchemaStatus& status);

class Migrator {
  public:
    Migrator(Database& database, std::vector<Migration> migrations);

    // Applies every pending migration in order; returns the versions applied (empty: current).
    base::Result<std::vector<int>> Up();
    // Rolls back the highest applied version; nullopt when nothing is applied.
    base::Result<std::optional<int>> Down();
    base::Result<SchemaStatus> Status();
    // kInvalidConfig with a clear message when the schema is not exactly current (unmigrated,
    // outdated, or newer than this binary): what serve checks on a non-default database.
    base::Result<void> CheckCurrent();

  private:
    Database& database_;
    std::vector<Migration> migrations_;
};

// Connects to `url` (not kNone) and checks its schema is current (CheckCurrent against the
// embedded migrations): what a command that writes to or reads from the log beside serve
// (score, train --from-log, outcomes import) opens. The embedded default file must exist (serve
// creates it): kInvalidConfig naming it otherwise, and nothing is created. Messages carry the
// redacted URL, never the password.
base::Result<std::unique_ptr<Database>> OpenCurrentDatabase(const DatabaseUrl& url,
                                                            const DatabaseOptions& options);

}  // namespace attrition::store
