#include "store/database.hpp"

#include "store/postgres_database.hpp"
#include "store/sqlite_database.hpp"

namespace attrition::store {

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
