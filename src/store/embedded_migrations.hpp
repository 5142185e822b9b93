// The migration files compiled into the binary (generated at build time from
// migrations/<backend>/NNNN_name.{up,down}.sql by src/store/embed_migrations.cmake).
// Immutable static data: thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace attrition::store {

struct EmbeddedSqlFile {
    std::string_view backend;  // "postgres" or "sqlite" (the folder name)
    std::string_view name;     // "0001_create_prediction_log.up.sql"
    std::string_view sql;
};

std::span<const EmbeddedSqlFile> EmbeddedMigrationFiles();

}  // namespace attrition::store
