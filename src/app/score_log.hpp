// Where `attrition score` puts its predictions: the prediction log, as the API does, so that a
// roster scored by the CLI is in /monitoring and in the audit trail. One log record (an
// api_requests row, endpoint "attrition score") per chunk of the roster, holding the chunk's
// predictions (and the shadow version's, as the API logs them); every record of a run carries
// the run's id as its x_request_id.
//
// A chunk's output lines are written only after its record is committed: every row the output
// holds is in the log, and a failure stops the run saying how far it got.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace attrition::app {

struct ScoreLogConfig {
    std::string database_url;  // empty: the embedded SQLite default, if its file exists
    std::string input;         // the roster's path ("-": standard input), kept in each record
    std::string user_agent;    // e.g. "attrition/1.4.0"
};

class ScoreLog {
  public:
    // The log of the configured database, or nullopt when nothing is configured (`none`, or
    // the default file does not exist: `why_not` says which). Errors: an unreadable URL, a
    // database that cannot be reached or whose schema is not current (nothing is scored then).
    static base::Result<std::optional<ScoreLog>> Open(const ScoreLogConfig& config,
                                                      std::string& why_not);

    // Commits one record holding `rows` (scored from input lines first_line..last_line, with
    // `invalid` rows refused among them). kUnavailable or kInvalidInput naming the database.
    base::Result<void> Commit(std::vector<store::PredictionRecord> rows,
                              std::size_t first_line,
                              std::size_t last_line,
                              std::size_t invalid,
                              int elapsed_ms);

    const std::string& RunId() const { return run_id_; }
    const std::string& Describe() const;
    std::size_t Logged() const { return logged_; }  // predictions committed (shadow's included)

  private:
    ScoreLog(std::unique_ptr<store::Database> database, ScoreLogConfig config, std::string pw);

    std::unique_ptr<store::Database> database_;
    ScoreLogConfig config_;
    std::string password_;  // scrubbed from every message
    std::string run_id_;
    std::size_t logged_ = 0;
    base::SystemClock clock_;
};

}  // namespace attrition::app
