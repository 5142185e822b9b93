// OC5_DATABASE_URL parsing: picks the backend (PostgreSQL, SQLite, or none = logging off) and
// produces a redacted form for every message and log line. Pure functions, thread-safe.
//
//   (empty)                        the embedded SQLite default file var/attrition.db
//   none                           logging off
//   postgresql://u:p@host:5432/db  PostgreSQL via libpq; postgres:// and the original's
//   postgres://...                 postgresql+asyncpg:// are read as postgresql://
//   sqlite:///relative/path.db     SQLite, path relative to the working directory (SQLAlchemy
//   sqlite:////absolute/path.db    convention: the path is what follows "sqlite:///")
//   sqlite:///:memory:             an in-memory SQLite database (tests only: lost at exit)
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace attrition::store {

enum class Backend { kNone, kPostgres, kSqlite };

inline constexpr std::string_view kDefaultSqlitePath = "var/attrition.db";

struct DatabaseUrl {
    Backend backend = Backend::kNone;
    std::string target;       // libpq URL (postgresql://...) or the SQLite file path
    std::string redacted;     // the URL with its password replaced by ***
    std::string password;     // as written in the URL (percent-encoded), to scrub from messages
    bool is_default = false;  // the embedded default SQLite file (auto-migrated by serve)
};

// kInvalidConfig with a message that names the redacted URL, never the password.
base::Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url);

// The URL with the userinfo password and any password=... query value replaced by ***.
std::string RedactUrl(std::string_view url);

// Replaces every occurrence of the password (as written and percent-decoded) by ***: for
// messages that come from libpq or the server.
std::string ScrubSecret(std::string message, std::string_view password);

// "postgresql", "sqlite" or "none".
std::string_view BackendName(Backend backend) noexcept;

}  // namespace attrition::store
