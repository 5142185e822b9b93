// The floor of the prediction log: the cheapest insertion of the rows logged requests write,
// against which bench/load.sh sets each logged figure. The rows are built as the service builds
// them for a request body (the model's predictions, serving's log rows, the request row as the
// adapter fills it), then inserted through Database::InsertBatch in transactions of about
// --rows-per-batch rows, or of --records-per-transaction logged requests (the commit size a run
// of the service reached, for the floor at that size): on PostgreSQL two binary COPY streams
// (store/pg_copy.hpp), on SQLite one transaction through its prepared statements. Only the
// insertion is timed.
//
//   log_floor --database-url URL --model-dir DIR --body FILE [--batch] [--records N]
//             [--rows-per-batch 1000 | --records-per-transaction N]
//
// The database must be migrated (attrition migrate up). Prints one line:
//   records=N rows=R batches=B cpu_us_per_record=X wall_us_per_record=Y
// where cpu is this process's (SQLite works inside it; PostgreSQL's own CPU is the server's,
// which bench/load.sh reads around the run).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "domain/validation.hpp"
#include "http/request_context.hpp"
#include "model/repository.hpp"
#include "ops/metrics.hpp"
#include "serving/log_rows.hpp"
#include "serving/scoring.hpp"
#include "store/database.hpp"
#include "store/database_url.hpp"
#include "store/uuid.hpp"

namespace {

using namespace attrition;

struct Options {
    std::string database_url;
    std::string model_dir;
    std::string body_path;
    bool batch = false;
    std::size_t records = 20000;
    std::size_t rows_per_batch = 1000;
    std::size_t records_per_transaction = 0;  // 0: --rows-per-batch decides
};

double ProcessCpuMicros() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

// One logged request's record for `employees`, as the service logs an answered request: the
// rows serving::Scoring makes (the API's one scoring operation), the request row as the adapter
// fills it.
store::RequestRecord Record(serving::Scoring& scoring,
                            const model::Repository& models,
                            const model::ServedModel& model,
                            std::span<const domain::Employee> employees,
                            bool batch) {
    store::RequestRecord record;
    record.id = store::NewUuid();
    record.created_at = std::chrono::system_clock::now();
    record.endpoint = batch ? "/api/v1/predict/batch" : "/api/v1/predict";
    record.client_ip = "127.0.0.1";
    record.x_request_id = http::NewRequestId();  // as the server makes one for wrk's requests
    record.http_status = 200;
    record.response_time_ms = 0;
    record.predictions = scoring.Score(models, model, employees).rows;
    record.request_data_json =
        batch ? serving::BatchRequestData(employees)
              : serving::SingleRequestData(employees.front(),
                                           record.predictions.front().features_snapshot_json);
    return record;
}

// The employees of the request body, parsed as the endpoints parse them.
base::Result<std::vector<domain::Employee>> Employees(const Options& options,
                                                      const model::Repository& repository,
                                                      const model::ServedModel& model) {
    std::ifstream file(options.body_path, std::ios::binary);
    std::stringstream body;
    body << file.rdbuf();
    domain::JsonParser parser;
    const auto& vocabulary = repository.RequestVocabulary(model);
    if (options.batch) return domain::ParseBatch(body.str(), vocabulary, 1000, parser);
    auto parsed = domain::ParseEmployee(body.str(), vocabulary, parser);
    if (!parsed) return tl::unexpected(parsed.error());
    return std::vector<domain::Employee>{std::move(*parsed)};
}

int Run(const Options& options) {
    const auto fail = [](const std::string& message) {
        fmt::print(stderr, "log_floor: {}\n", message);
        return 1;
    };
    const auto repository = model::LoadRepository(options.model_dir, {});
    if (!repository) return fail(repository.error().message);
    const model::ServedModel* model = repository->Default();
    if (model == nullptr) return fail("no model in " + options.model_dir);
    auto parsed = Employees(options, *repository, *model);
    if (!parsed) return fail(parsed.error().message);
    const std::vector<domain::Employee> employees = std::move(*parsed);
    const base::SystemClock clock;
    ops::Registry metrics;
    serving::Scoring scoring(clock, metrics);
    std::vector<store::RequestRecord> records;
    for (std::size_t i = 0; i < options.records; ++i) {
        records.push_back(Record(scoring, *repository, *model, employees, options.batch));
    }

    const auto url = store::ParseDatabaseUrl(options.database_url);
    if (!url) return fail(url.error().message);
    store::DatabaseOptions database_options;
    database_options.statement_timeout = std::chrono::milliseconds(60000);
    auto database = store::OpenDatabase(*url, database_options);
    if (!database) return fail(database.error().message);
    const std::size_t rows_per_record = 1 + employees.size();
    const std::size_t per_batch =
        options.records_per_transaction > 0
            ? options.records_per_transaction
            : std::max<std::size_t>(1, options.rows_per_batch / rows_per_record);
    std::size_t batches = 0;
    const double cpu_before = ProcessCpuMicros();
    const auto wall_before = std::chrono::steady_clock::now();
    for (std::size_t first = 0; first < records.size(); first += per_batch) {
        const auto chunk =
            std::span(records).subspan(first, std::min(per_batch, records.size() - first));
        if (auto inserted = (*database)->InsertBatch(chunk); !inserted) {
            return fail(inserted.error().message);
        }
        ++batches;
    }
    const double cpu = ProcessCpuMicros() - cpu_before;
    const double wall =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - wall_before)
            .count();
    const auto n = static_cast<double>(records.size());
    fmt::print("records={} rows={} batches={} cpu_us_per_record={:.1f} wall_us_per_record={:.1f}\n",
               records.size(), records.size() * rows_per_record, batches, cpu / n, wall / n);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"The prediction log's floor: the cheapest insertion of logged requests' rows"};
    app.add_option("--database-url", options.database_url, "a migrated database")->required();
    app.add_option("--model-dir", options.model_dir, "the model repository")->required();
    app.add_option("--body", options.body_path, "the request body the rows are built for")
        ->required();
    app.add_flag("--batch", options.batch, "the body is a batch ({\"employees\": [...]})");
    app.add_option("--records", options.records, "logged requests to insert")
        ->check(CLI::PositiveNumber);
    auto* rows = app.add_option("--rows-per-batch", options.rows_per_batch, "rows per transaction")
                     ->check(CLI::PositiveNumber);
    app.add_option("--records-per-transaction", options.records_per_transaction,
                   "logged requests per transaction instead")
        ->check(CLI::PositiveNumber)
        ->excludes(rows);
    CLI11_PARSE(app, argc, argv);
    return Run(options);
}
