// Helpers for the prediction-log e2e tests (tests/e2e/log_*_test.cpp): sample employees, a
// probe that reads the log tables of the SQLite file or PostgreSQL database the service
// writes, a load driver whose client threads record what every request got (and under which
// unique employee_id markers), tallies of those outcomes, polling, and the figures line the
// tests print for CI logs.
// Ownership: LogProbe holds only a path or URL and opens a fresh connection per query (the
// database may be restarted between queries); LoadDriver owns its client threads.
// Thread-safety: LoadDriver::Completed() may be read from any thread while the load runs;
// everything else is for the test thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace attrition::test {

// A valid employee in the model's training spellings; `variant` moves a few numeric fields so
// that predictions differ between requests.
nlohmann::json SampleEmployee(int variant);

// One request of a load run and what came of it.
struct RequestOutcome {
    std::string path;
    std::vector<std::string> markers;  // the employee_id of each employee in the body
    bool sent = false;                 // the whole request was written to the socket
    int status = 0;                    // 0: no response (connection closed or reset)
    bool Acknowledged() const { return status >= 200 && status < 300; }
};

// The request a client sends: path, JSON body and the markers it carries.
struct PlannedRequest {
    std::string path;
    std::string body;
    std::vector<std::string> markers;
};

// A mix of the three prediction endpoints and a rejected body (422), in turn: predict,
// batch of two, explain, invalid. Markers are "<prefix>-c<client>-r<index>[-b<k>]".
PlannedRequest MixedRequest(const std::string& prefix, int client, int index);
// Only POST /api/v1/predict.
PlannedRequest PredictRequest(const std::string& prefix, int client, int index);

using RequestPlanner = std::function<PlannedRequest(int client, int index)>;

// `clients` threads, each on its own keep-alive connection (reconnecting after a close),
// sending up to `per_client` requests (0: until Finish()). A client stops early once the
// service refuses connections. Every attempted request is recorded.
class LoadDriver {
  public:
    LoadDriver(unsigned short port, int clients, int per_client, RequestPlanner planner);
    ~LoadDriver();
    LoadDriver(const LoadDriver&) = delete;
    LoadDriver& operator=(const LoadDriver&) = delete;

    // Responses received so far (any status).
    std::size_t Completed() const { return completed_.load(); }
    // Acknowledged (2xx) responses so far.
    std::size_t Acknowledged() const { return acknowledged_.load(); }
    // Asks unlimited clients to stop after their current request; joins every client.
    std::vector<RequestOutcome> Finish();

  private:
    void RunClient(int client);
    unsigned short port_;
    int per_client_;
    RequestPlanner planner_;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> completed_{0};
    std::atomic<std::size_t> acknowledged_{0};
    std::vector<std::vector<RequestOutcome>> outcomes_;  // one vector per client
    std::vector<std::thread> threads_;
};

// Counts over a run's outcomes.
struct Tally {
    std::size_t attempted = 0;
    std::size_t sent = 0;
    std::size_t answered = 0;
    std::size_t acknowledged = 0;
    std::size_t acknowledged_predictions = 0;  // markers in 2xx prediction responses
    std::size_t unavailable = 0;               // 503
    std::set<std::string> acknowledged_markers;
    std::set<std::string> unanswered_markers;  // sent, but no response
    std::set<std::string> refused_markers;     // answered, not 2xx
};
Tally Summarize(const std::vector<RequestOutcome>& outcomes);

// Reads the log tables. Cells are nullopt for SQL NULL.
class LogProbe {
  public:
    using Row = std::vector<std::optional<std::string>>;
    static LogProbe Sqlite(std::string path);
    static LogProbe Postgres(std::string url);  // a direct (not pgbouncer) URL

    std::vector<Row> Rows(const std::string& sql) const;  // throws std::runtime_error
    long long Count(const std::string& sql) const;        // first cell of the first row
    // Every predictions.employee_id, with its multiplicity.
    std::map<std::string, int> EmployeeIds() const;

  private:
    bool sqlite_ = false;
    std::string target_;
};

// Polls `condition` every 100 ms until it holds or `timeout` passes; returns the last result.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(90));

// Prints "FIGURES <name>: key=value ..." to stdout for CI logs.
void PrintFigures(const std::string& name,
                  const std::vector<std::pair<std::string, long long>>& figures);

// A counter or gauge without labels from the service's /metrics; -1 when absent or when the
// service does not answer.
long long Metric(unsigned short port, const std::string& name);

// A GET /health on a fresh connection; 0 when the connection was refused or cut.
int FreshHealth(unsigned short port);

// An API keys file in `dir` holding `key`, its line made by the binary's own `keys hash`.
std::string WriteApiKeysFile(const std::string& dir, const std::string& key);

// The Authorization header for an API key.
std::map<std::string, std::string> Bearer(const std::string& key);

// A PostgreSQL database name not used before by this process ("<stem>_<pid>_<n>").
std::string UniqueDatabaseName(const std::string& stem);

}  // namespace attrition::test
