// Prediction log throughput: rows per second through PredictionLog::Append (queue, writer
// thread, group commit) against the baseline of one transaction per row (Database::InsertBatch
// with one record), on SQLite, PostgreSQL direct and PostgreSQL through pgbouncer in
// transaction mode, all in the same run. PostgreSQL and pgbouncer come from the test harness
// (a throwaway cluster); those benchmarks are skipped when PostgreSQL 15 is not installed.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "harness/child_process.hpp"
#include "harness/postgres_cluster.hpp"
#include "store/database.hpp"
#include "store/database_url.hpp"
#include "store/prediction_log.hpp"
#include "store/uuid.hpp"

namespace {

using attrition::store::RequestRecord;

enum Target { kSqlite = 0, kPostgres = 1, kPgBouncer = 2 };

std::string FreshUrl(Target target, std::string* scratch) {
    static std::atomic<int> counter{0};
    const auto name = "bench_" + std::to_string(++counter);
    *scratch = attrition::test::MakeTempDir("attrition-store-bench");
    if (target == kSqlite) return "sqlite:///" + *scratch + "/bench.db";
    auto& cluster = attrition::test::PostgresCluster::Shared();
    cluster.CreateDatabase(name);
    if (target == kPostgres) return cluster.Url(name);
    cluster.StartPgBouncer();
    return cluster.PgBouncerUrl(name);
}

RequestRecord Record() {
    RequestRecord record;
    record.id = attrition::store::NewUuid();
    record.created_at = std::chrono::system_clock::now();
    record.endpoint = "/api/v1/predict";
    record.request_data_json =
        R"({"age":35,"revenu_mensuel":4200,"genre":"M","poste":"Consultant"})";
    record.client_ip = "10.1.2.3";
    record.user_agent = "bench";
    record.http_status = 200;
    record.response_time_ms = 2;
    record.predictions.push_back({attrition::store::NewUuid(), record.created_at, "E42", 0.42,
                                  "MEDIUM", "xgb_enhanced_v1.0",
                                  R"({"age":35,"revenu_mensuel":4200})"});
    return record;
}

bool SkipWithoutPostgres(benchmark::State& state, Target target) {
    if (target != kSqlite && !attrition::test::PostgresAvailable()) {
        state.SkipWithError("PostgreSQL 15 or pgbouncer not installed");
        return true;
    }
    return false;
}

// Baseline: one transaction (and round trip) per row.
void BM_InsertRowByRow(benchmark::State& state) {
    const auto target = static_cast<Target>(state.range(0));
    if (SkipWithoutPostgres(state, target)) return;
    std::string scratch;
    const auto url_text = FreshUrl(target, &scratch);
    attrition::store::LogOptions options;
    options.spool_dir = scratch + "/spool";
    options.migrate = true;
    (void)attrition::store::OpenPredictionLog(url_text, options);  // migrates
    const auto url = attrition::store::ParseDatabaseUrl(url_text);
    auto database = attrition::store::OpenDatabase(*url, {});
    if (!database) {
        state.SkipWithError(database.error().message.c_str());
        return;
    }
    for (auto _ : state) {
        const auto record = Record();
        if (!(*database)->InsertBatch(std::span(&record, 1))) state.SkipWithError("insert failed");
    }
    state.SetItemsProcessed(state.iterations());
}

// The write path: Append N records back to back, wait for every acknowledgement.
void BM_PredictionLogAppend(benchmark::State& state) {
    const auto target = static_cast<Target>(state.range(0));
    if (SkipWithoutPostgres(state, target)) return;
    constexpr int kRecordsPerIteration = 2000;
    std::string scratch;
    const auto url = FreshUrl(target, &scratch);
    attrition::store::LogOptions options;
    options.spool_dir = scratch + "/spool";
    options.migrate = true;
    auto log = attrition::store::OpenPredictionLog(url, options);
    if (!log) {
        state.SkipWithError(log.error().message.c_str());
        return;
    }
    std::mutex mutex;
    std::condition_variable done;
    std::size_t acknowledged = 0;
    std::size_t failed = 0;
    for (auto _ : state) {
        state.PauseTiming();
        std::vector<RequestRecord> records;
        for (int i = 0; i < kRecordsPerIteration; ++i) records.push_back(Record());
        {
            const std::lock_guard lock(mutex);
            acknowledged = 0;
        }
        state.ResumeTiming();
        for (auto& record : records) {
            (*log)->Append(std::move(record), [&](attrition::base::Result<void> result) {
                const std::lock_guard lock(mutex);
                ++acknowledged;
                if (!result) ++failed;
                done.notify_one();
            });
        }
        std::unique_lock lock(mutex);
        done.wait(lock, [&] { return acknowledged == kRecordsPerIteration; });
    }
    const auto status = (*log)->Status();
    (*log)->Shutdown();
    if (failed > 0 || status.records_spooled > 0) state.SkipWithError("records failed or spooled");
    state.SetItemsProcessed(state.iterations() * kRecordsPerIteration);
    state.counters["batches"] = static_cast<double>(status.batches);
}

void Targets(benchmark::internal::Benchmark* benchmark) {
    benchmark->ArgName("sqlite0_postgres1_pgbouncer2")
        ->Arg(kSqlite)
        ->Arg(kPostgres)
        ->Arg(kPgBouncer);
    benchmark->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_InsertRowByRow)->Apply(Targets)->MinTime(1.0);
BENCHMARK(BM_PredictionLogAppend)->Apply(Targets)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
