#include "app/migrate_command.hpp"

#include <fmt/core.h>

#include <chrono>

#include "store/database.hpp"
#include "store/database_url.hpp"
#include "store/migrator.hpp"
#include "store/partitions.hpp"

namespace attrition::app {

int RunMigrate(const MigrateConfig& config) {
    const auto fail = [](const std::string& message) {
        fmt::print(stderr, "attrition migrate: {}\n", message);
        return 1;
    };
    auto url = store::ParseDatabaseUrl(config.database_url);
    if (!url) return fail(url.error().message);
    if (url->backend == store::Backend::kNone) {
        return fail("OC5_DATABASE_URL=none: logging is off, there is no database to migrate");
    }
    auto database = store::OpenDatabase(*url, store::DatabaseOptions{});
    if (!database) return fail(store::ScrubSecret(database.error().message, url->password));
    auto migrations = store::EmbeddedMigrations((*database)->Kind());
    if (!migrations) return fail(migrations.error().message);
    store::Migrator migrator(**database, std::move(*migrations));

    if (config.action == "up") {
        auto applied = migrator.Up();
        if (!applied) return fail(store::ScrubSecret(applied.error().message, url->password));
        if (applied->empty()) {
            fmt::print("{}: already up to date\n", url->redacted);
        }
        for (const int version : *applied) {
            fmt::print("{}: applied {:04}\n", url->redacted, version);
        }
        // PostgreSQL: the log's monthly partitions, ahead of time (store/partitions.hpp).
        auto made = store::CreateLogPartitions(**database, std::chrono::system_clock::now());
        if (!made) return fail(store::ScrubSecret(made.error().message, url->password));
        if (*made > 0) {
            fmt::print("{}: created {} log partition tables\n", url->redacted, *made);
        }
        return 0;
    }
    if (config.action == "down") {
        auto rolled_back = migrator.Down();
        if (!rolled_back) {
            return fail(store::ScrubSecret(rolled_back.error().message, url->password));
        }
        if (*rolled_back) {
            fmt::print("{}: rolled back {:04}\n", url->redacted, **rolled_back);
        } else {
            fmt::print("{}: nothing to roll back\n", url->redacted);
        }
        return 0;
    }
    auto status = migrator.Status();
    if (!status) return fail(store::ScrubSecret(status.error().message, url->password));
    fmt::print("{}\n{}", url->redacted, store::FormatStatus(*status));
    return 0;
}

}  // namespace attrition::app
