// `attrition migrate up|down|status [--database-url URL]`: applies, rolls back (one version)
// or lists the schema migrations embedded in the binary, on the database named by the same
// OC5_DATABASE_URL the service uses. Runs on the calling thread; no shared state.
#pragma once

#include <string>

namespace attrition::app {

struct MigrateConfig {
    std::string action;        // "up", "down" or "status"
    std::string database_url;  // empty: the embedded SQLite default
};

// Prints the outcome to stdout, errors (password redacted) to stderr; returns the exit code.
int RunMigrate(const MigrateConfig& config);

}  // namespace attrition::app
