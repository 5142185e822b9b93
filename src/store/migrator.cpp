#include "store/migrator.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>

#include "store/embedded_migrations.hpp"

namespace attrition::store {
namespace {

using base::ErrorCode;
using base::Fail;

constexpr std::string_view kMigrationsTable = "schema_migrations";
constexpr std::string_view kCreateTablePostgresSql =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, "
    "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";
constexpr std::string_view kCreateTableSqliteSql =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
    "name text NOT NULL, "
    "applied_at text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))";
constexpr std::string_view kSelectPostgresSql =
    "SELECT version, name, to_char(applied_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM schema_migrations ORDER BY version";
constexpr std::string_view kSelectSqliteSql =
    "SELECT version, name, applied_at FROM schema_migrations ORDER BY version";
constexpr std::string_view kInsertPostgresSql =
    "INSERT INTO schema_migrations (version, name) VALUES ($1::bigint, $2)";
constexpr std::string_view kInsertSqliteSql =
    "INSERT INTO schema_migrations (version, name) VALUES (CAST(?1 AS INTEGER), ?2)";
constexpr std::string_view kDeletePostgresSql =
    "DELETE FROM schema_migrations WHERE version = $1::bigint";
constexpr std::string_view kDeleteSqliteSql =
    "DELETE FROM schema_migrations WHERE version = CAST(?1 AS INTEGER)";

struct BackendSql {
    std::string_view create_table, select, insert, remove;
};

BackendSql SqlFor(Backend backend) {
    if (backend == Backend::kPostgres) {
        return {kCreateTablePostgresSql, kSelectPostgresSql, kInsertPostgresSql,
                kDeletePostgresSql};
    }
    return {kCreateTableSqliteSql, kSelectSqliteSql, kInsertSqliteSql, kDeleteSqliteSql};
}

std::string_view FolderFor(Backend backend) {
    return backend == Backend::kPostgres ? "postgres" : "sqlite";
}

struct Applied {
    int version = 0;
    std::string name;
    std::optional<std::string> applied_at;
};

base::Result<std::vector<Applied>> ReadApplied(SqlSession& session, const BackendSql& sql) {
    std::vector<Applied> applied;
    auto exists = session.TableExists(kMigrationsTable);
    if (!exists) return tl::unexpected(exists.error());
    if (!*exists) return applied;
    auto rows = session.Query(sql.select, {});
    if (!rows) return tl::unexpected(rows.error());
    for (const auto& row : *rows) {
        applied.push_back({std::stoi(row.at(0).value_or("0")), row.at(1).value_or(""), row.at(2)});
    }
    return applied;
}

}  // namespace

bool SchemaStatus::Current() const {
    return !unknown_applied && std::all_of(migrations.begin(), migrations.end(),
                                           [](const auto& m) { return m.applied; });
}

std::string FormatStatus(const SchemaStatus& status) {
    std::string out;
    for (const auto& migration : status.migrations) {
        out += fmt::format(
            "{:04}  {:<32}  {}\n", migration.version, migration.name,
            migration.applied ? migration.applied_at.value_or("applied") : std::string("pending"));
    }
    out +=
        fmt::format("schema version {} of {}: {}\n", status.current_version, status.latest_version,
                    status.unknown_applied ? "the database is newer than this binary"
                    : status.Current()     ? "up to date"
                                           : "migrations pending");
    return out;
}

base::Result<std::vector<Migration>> EmbeddedMigrations(Backend backend) {
    std::map<int, Migration> by_version;
    const auto folder = FolderFor(backend);
    for (const auto& file : EmbeddedMigrationFiles()) {
        if (file.backend != folder) continue;
        // NNNN_name.up.sql or NNNN_name.down.sql
        const auto underscore = file.name.find('_');
        int version = 0;
        const auto parsed = std::from_chars(
            file.name.data(), file.name.data() + std::min(underscore, file.name.size()), version);
        const bool up = file.name.ends_with(".up.sql");
        const bool down = file.name.ends_with(".down.sql");
        if (underscore == std::string_view::npos || parsed.ec != std::errc() || version <= 0 ||
            (!up && !down)) {
            return Fail(ErrorCode::kInternal,
                        fmt::format("misnamed migration file {}/{} (want NNNN_name.up.sql)", folder,
                                    file.name));
        }
        auto& migration = by_version[version];
        migration.version = version;
        const auto stem = file.name.substr(underscore + 1);
        migration.name = std::string(stem.substr(0, stem.size() - (up ? 7 : 9)));
        (up ? migration.up_sql : migration.down_sql) = file.sql;
    }
    std::vector<Migration> migrations;
    for (auto& [version, migration] : by_version) {
        if (migration.up_sql.empty() || migration.down_sql.empty()) {
            return Fail(ErrorCode::kInternal,
                        fmt::format("migration {}/{:04}_{} lacks its up or down file", folder,
                                    version, migration.name));
        }
        migrations.push_back(std::move(migration));
    }
    return migrations;
}

Migrator::Migrator(Database& database, std::vector<Migration> migrations)
    : database_(database), migrations_(std::move(migrations)) {
    std::sort(migrations_.begin(), migrations_.end(),
              [](const auto& a, const auto& b) { return a.version < b.version; });
}

base::Result<std::vector<int>> Migrator::Up() {
    const auto sql = SqlFor(database_.Kind());
    std::vector<int> applied_now;
    for (;;) {
        std::optional<int> applied_version;
        std::string failed_name;
        auto done = database_.RunTransaction(
            MigrationLock::kExclusive, [&](SqlSession& session) -> base::Result<void> {
                if (auto created = session.Execute(sql.create_table); !created) return created;
                auto applied = ReadApplied(session, sql);
                if (!applied) return tl::unexpected(applied.error());
                std::set<int> versions;
                for (const auto& row : *applied) versions.insert(row.version);
                const int latest = migrations_.empty() ? 0 : migrations_.back().version;
                if (!versions.empty() && *versions.rbegin() > latest) {
                    return Fail(ErrorCode::kInvalidConfig,
                                fmt::format("database schema version {} is newer than this "
                                            "binary knows ({}): upgrade attrition",
                                            *versions.rbegin(), latest));
                }
                for (const auto& migration : migrations_) {
                    if (versions.contains(migration.version)) continue;
                    failed_name = fmt::format("{:04}_{}", migration.version, migration.name);
                    if (auto ran = session.Execute(migration.up_sql); !ran) return ran;
                    auto recorded = session.Query(
                        sql.insert, {std::to_string(migration.version), migration.name});
                    if (!recorded) return tl::unexpected(recorded.error());
                    applied_version = migration.version;
                    return {};
                }
                return {};
            });
        if (!done) {
            auto error = done.error();
            if (!failed_name.empty()) {
                error.message = fmt::format("migration {} failed on {}: {}", failed_name,
                                            database_.Describe(), error.message);
            }
            return tl::unexpected(std::move(error));
        }
        if (!applied_version) break;
        spdlog::info("msg=\"migration applied\" version={} database={}", *applied_version,
                     database_.Describe());
        applied_now.push_back(*applied_version);
    }
    return applied_now;
}

base::Result<std::optional<int>> Migrator::Down() {
    const auto sql = SqlFor(database_.Kind());
    std::optional<int> rolled_back;
    auto done = database_.RunTransaction(
        MigrationLock::kExclusive, [&](SqlSession& session) -> base::Result<void> {
            auto applied = ReadApplied(session, sql);
            if (!applied) return tl::unexpected(applied.error());
            if (applied->empty()) return {};
            const int version = applied->back().version;
            const auto migration =
                std::find_if(migrations_.begin(), migrations_.end(),
                             [&](const auto& m) { return m.version == version; });
            if (migration == migrations_.end()) {
                return Fail(ErrorCode::kInvalidConfig,
                            fmt::format("database schema version {} is unknown to this binary: "
                                        "cannot roll it back",
                                        version));
            }
            if (auto ran = session.Execute(migration->down_sql); !ran) return ran;
            auto removed = session.Query(sql.remove, {std::to_string(version)});
            if (!removed) return tl::unexpected(removed.error());
            rolled_back = version;
            return {};
        });
    if (!done) return tl::unexpected(done.error());
    if (rolled_back) {
        spdlog::info("msg=\"migration rolled back\" version={} database={}", *rolled_back,
                     database_.Describe());
    }
    return rolled_back;
}

base::Result<SchemaStatus> Migrator::Status() {
    const auto sql = SqlFor(database_.Kind());
    std::vector<Applied> applied;
    auto done = database_.RunTransaction(MigrationLock::kNone,
                                         [&](SqlSession& session) -> base::Result<void> {
                                             auto rows = ReadApplied(session, sql);
                                             if (!rows) return tl::unexpected(rows.error());
                                             applied = std::move(*rows);
                                             return {};
                                         });
    if (!done) return tl::unexpected(done.error());
    SchemaStatus status;
    status.latest_version = migrations_.empty() ? 0 : migrations_.back().version;
    for (const auto& migration : migrations_) {
        MigrationState state{migration.version, migration.name, false, std::nullopt};
        for (const auto& row : applied) {
            if (row.version == migration.version) {
                state.applied = true;
                state.applied_at = row.applied_at;
            }
        }
        status.migrations.push_back(std::move(state));
    }
    for (const auto& row : applied) {
        status.current_version = std::max(status.current_version, row.version);
        if (row.version > status.latest_version) status.unknown_applied = true;
    }
    return status;
}

base::Result<void> Migrator::CheckCurrent() {
    auto status = Status();
    if (!status) return tl::unexpected(status.error());
    if (status->unknown_applied) {
        return Fail(
            ErrorCode::kInvalidConfig,
            fmt::format("the schema of {} is at version {}, newer than this binary "
                        "knows ({}): upgrade attrition",
                        database_.Describe(), status->current_version, status->latest_version));
    }
    if (!status->Current()) {
        return Fail(
            ErrorCode::kInvalidConfig,
            fmt::format("the schema of {} is not migrated (version {}, this binary needs "
                        "{}): run `attrition migrate up` with the same "
                        "OC5_DATABASE_URL, or start serve with --migrate",
                        database_.Describe(), status->current_version, status->latest_version));
    }
    return {};
}

base::Result<std::unique_ptr<Database>> OpenCurrentDatabase(const DatabaseUrl& url,
                                                            const DatabaseOptions& options) {
    // The default file is made (and migrated) by serve: opening it here would leave an empty
    // file behind that every later command then finds unmigrated.
    if (url.is_default && !std::filesystem::exists(url.target)) {
        return base::Fail(ErrorCode::kInvalidConfig,
                          fmt::format("no database: {} does not exist (`attrition serve` creates "
                                      "it; --database-url names another)",
                                      url.target));
    }
    auto database = OpenDatabase(url, options);
    if (!database) {
        return base::Fail(database.error().code,
                          ScrubSecret(database.error().message, url.password));
    }
    auto migrations = EmbeddedMigrations(url.backend);
    if (!migrations) return tl::unexpected(migrations.error());
    Migrator migrator(**database, std::move(*migrations));
    if (auto current = migrator.CheckCurrent(); !current) {
        return base::Fail(current.error().code, ScrubSecret(current.error().message, url.password));
    }
    return std::move(*database);
}

}  // namespace attrition::store
