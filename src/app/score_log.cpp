#include "app/score_log.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <utility>

#include "base/json_writer.hpp"
#include "store/database_url.hpp"
#include "store/migrator.hpp"
#include "store/uuid.hpp"

namespace attrition::app {
namespace {

constexpr std::string_view kEndpoint = "attrition score";

}  // namespace

base::Result<std::optional<ScoreLog>> ScoreLog::Open(const ScoreLogConfig& config,
                                                     std::string& why_not) {
    auto url = store::ParseDatabaseUrl(config.database_url);
    if (!url) return tl::unexpected(url.error());
    if (url->backend == store::Backend::kNone) {
        why_not = "the database URL is none";
        return std::optional<ScoreLog>();
    }
    // The default file is the quick start's log: scores go there once the service made it, and
    // a CLI run elsewhere does not leave a database of its own behind.
    if (url->is_default && !std::filesystem::exists(url->target)) {
        why_not =
            fmt::format("no database: {} does not exist (--database-url names one)", url->target);
        return std::optional<ScoreLog>();
    }
    store::DatabaseOptions options;
    options.pool_size = 1;
    options.statement_timeout = std::chrono::seconds(10);  // a serving writer may hold SQLite
    auto database = store::OpenCurrentDatabase(*url, options);
    if (!database) return tl::unexpected(database.error());
    return std::optional<ScoreLog>(ScoreLog(std::move(*database), config, url->password));
}

ScoreLog::ScoreLog(std::unique_ptr<store::Database> database,
                   ScoreLogConfig config,
                   std::string password)
    : database_(std::move(database)),
      config_(std::move(config)),
      password_(std::move(password)),
      run_id_(store::NewUuid()) {}

const std::string& ScoreLog::Describe() const { return database_->Describe(); }

base::Result<void> ScoreLog::Commit(std::vector<store::PredictionRecord> rows,
                                    std::size_t first_line,
                                    std::size_t last_line,
                                    std::size_t invalid,
                                    int elapsed_ms) {
    store::RequestRecord record;
    record.id = store::NewUuid();
    record.created_at = clock_.Now();
    record.endpoint = std::string(kEndpoint);
    record.user_agent = config_.user_agent;
    record.x_request_id = run_id_;
    record.http_status = 200;
    record.response_time_ms = elapsed_ms;
    base::JsonWriter json(record.request_data_json);
    json.BeginObject().Key("source").String(kEndpoint).Key("input").String(config_.input);
    json.Key("lines").BeginArray().Int(static_cast<std::int64_t>(first_line));
    json.Int(static_cast<std::int64_t>(last_line)).EndArray();
    json.Key("invalid_rows").Int(static_cast<std::int64_t>(invalid)).EndObject();
    const std::size_t count = rows.size();
    record.predictions = std::move(rows);
    if (auto inserted = database_->InsertBatch({&record, 1}); !inserted) {
        return base::Fail(inserted.error().code,
                          store::ScrubSecret(inserted.error().message, password_));
    }
    logged_ += count;
    return {};
}

}  // namespace attrition::app
