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

// A realistic row: the 24 features as the API logs them (request body and snapshot).
constexpr const char* kEmployeeJson =
    R"({"age":41,"revenu_mensuel":5993,"nombre_experiences_precedentes":8,"nombre_heures_travailless":80,"annees_dans_le_poste_actuel":4,"satisfaction_employee_environnement":2,"satisfaction_employee_nature_travail":4,"satisfaction_employee_equipe":1,"satisfaction_employee_equilibre_pro_perso":1,"note_evaluation_precedente":3,"note_evaluation_actuelle":3,"nombre_participation_pee":0,"nb_formations_suivies":0,"nombre_employee_sous_responsabilite":1,"distance_domicile_travail":1,"niveau_education":2,"annees_depuis_la_derniere_promotion":0,"annes_sous_responsable_actuel":5,"genre":"F","statut_marital":"Célibataire","departement":"Commercial","poste":"Cadre Commercial","domaine_etude":"Infra & Cloud","heure_supplementaires":"Oui"})";

RequestRecord Record() {
    RequestRecord record;
    record.id = attrition::store::NewUuid();
    record.created_at = std::chrono::system_clock::now();
    record.endpoint = "/api/v1/predict";
    record.request_data_json = kEmployeeJson;
    record.client_ip = "10.1.2.3";
    record.user_agent = "bench";
    record.http_status = 200;
    record.response_time_ms = 2;
    record.predictions.push_back({attrition::store::NewUuid(), record.created_at, "E42", 0.42,
                                  "MEDIUM", "xgb_enhanced_v1.0", kEmployeeJson});
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

// The write path: Append N records back to back, wait for every acknowledgement; the second
// argument caps the batch size (max_batch), 1 being one transaction per record through the
// same writer.
void BM_PredictionLogAppend(benchmark::State& state) {
    const auto target = static_cast<Target>(state.range(0));
    if (SkipWithoutPostgres(state, target)) return;
    constexpr int kRecordsPerIteration = 1000;
    std::string scratch;
    const auto url = FreshUrl(target, &scratch);
    attrition::store::LogOptions options;
    options.spool_dir = scratch + "/spool";
    options.migrate = true;
    options.max_batch = static_cast<std::size_t>(state.range(1));
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
BENCHMARK(BM_PredictionLogAppend)
    ->ArgNames({"sqlite0_postgres1_pgbouncer2", "max_batch"})
    ->ArgsProduct({{kSqlite, kPostgres, kPgBouncer}, {1, 10, 100, 500}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
