// The read side of the prediction log, for operators, behind API keys (Access::kApiKey):
//   GET    /api/v1/predictions                        history, filtered, keyset-paged
//   GET    /api/v1/stats?days=N                       counts by risk level, mean, per day
//   DELETE /api/v1/employees/{employee_id}/predictions GDPR erasure (store::EraseEmployee)
//   POST   /api/v1/outcomes                           what became of employees
//   (store::RecordOutcomes)
// Handlers parse and check the query, then run the store call on a small worker pool (the
// calls block on the database) and answer JSON. Holds references to objects the composition
// root owns; `database` may be null (logging off): the endpoints then answer 503.
// Thread-safe: shared by all request threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "http/handlers/outcomes_body.hpp"
#include "http/route.hpp"
#include "store/database.hpp"
#include "store/log_reader.hpp"
#include "store/outcomes.hpp"

namespace attrition::http::handlers {

inline constexpr std::string_view kErasurePattern = "/api/v1/employees/{employee_id}/predictions";
inline constexpr int kMaxStatsDays = 3650;

// The history query from a request target's query string; kInvalidInput with one issue per
// bad parameter (loc ["query", name]).
base::Result<store::HistoryQuery> ParseHistoryQuery(std::string_view target);

// What a client learns of a failed store call `call`: a fixed message by kind (503 for an
// unreachable database, else 500). The detail (a database's own words, which can name tables,
// parameters or files) goes to the server log.
base::Error StoreFailure(std::string_view call, const base::Error& error);
// The answer of a log endpoint when logging is off (503).
base::Error LogOff();

class LogEndpoints {
  public:
    // `json_max_depth`: the nesting limit of every JSON body (--json-max-depth).
    LogEndpoints(store::Database* database, const base::Clock& clock, std::size_t json_max_depth);
    ~LogEndpoints();
    LogEndpoints(const LogEndpoints&) = delete;
    LogEndpoints& operator=(const LogEndpoints&) = delete;

    // The handlers (declared as routes in http/routes.cpp, behind an API key the request guard
    // checks).
    Awaitable<Response> History(const Request& request, RequestContext& context);
    Awaitable<Response> Stats(const Request& request, RequestContext& context);
    Awaitable<Response> Erase(const Request& request, RequestContext& context);
    Awaitable<Response> Outcomes(const Request& request, RequestContext& context);

  private:
    struct Workers;

    store::Database* database_;
    const base::Clock& clock_;
    const std::size_t json_max_depth_;
    std::unique_ptr<Workers> workers_;
};

}  // namespace attrition::http::handlers
