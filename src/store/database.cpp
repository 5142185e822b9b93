#include "store/database.hpp"

#include "store/postgres_database.hpp"
#include "store/sqlite_database.hpp"

namespace attrition::store {

base::Result<std::vector<Row>> QueryInTransaction(Database& database,
                                                  MigrationLock lock,
                                                  std::string_view sql,
                                                  const std::vector<std::string>& params,
                                                  std::string_view setup) {
    std::vector<Row> rows;
    auto done = database.RunTransaction(lock, [&](SqlSession& session) -> base::Result<void> {
        if (!setup.empty()) {
            auto prepared = session.Execute(setup);
            if (!prepared) return prepared;
        }
        auto result = session.Query(sql, params);
        if (!result) return tl::unexpected(result.error());
        rows = std::move(*result);
        return {};
    });
    if (!done) return tl::unexpected(done.error());
    return rows;
}

base::Result<std::unique_ptr<Database>> OpenDatabase(const DatabaseUrl& url,
                                                     const DatabaseOptions& options) {
    switch (url.backend) {
        case Backend::kPostgres:
            return PostgresDatabase::Open(url, options);
        case Backend::kSqlite:
            return SqliteDatabase::Open(url, options);
        case Backend::kNone:
            break;
    }
    return base::Fail(base::ErrorCode::kInvalidConfig,
                      "logging is off (OC5_DATABASE_URL=none): there is no database to open");
}

}  // namespace attrition::store
