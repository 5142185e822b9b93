// The write path behind PredictionLog: a bounded queue, one writer thread that group-commits
// batches to the Database, falls back to the Spool when the database is down or slow, and
// replays the spool when the database answers again. Owns the database, the spool and the
// thread. Thread-safe (see prediction_log.hpp for the acknowledgement contract).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/database.hpp"
#include "store/prediction_log.hpp"
#include "store/spool.hpp"

namespace attrition::store {

class BatchWriter final : public PredictionLog {
  public:
    BatchWriter(std::unique_ptr<Database> database,
                std::unique_ptr<Spool> spool,
                const LogOptions& options);
    ~BatchWriter() override;
    BatchWriter(const BatchWriter&) = delete;
    BatchWriter& operator=(const BatchWriter&) = delete;

    void Append(RequestRecord record, AppendCallback on_durable) override;
    LogStatus Status() const override;
    void Shutdown() override;

  private:
    using SteadyTime = std::chrono::steady_clock::time_point;

    void Run();
    // Lets the batch the queue holds grow while records keep coming (LogOptions::group_gap).
    void AwaitGroup(std::unique_lock<std::mutex>& lock);
    void WriteBatch(std::vector<RequestRecord>& records, std::vector<AppendCallback>& callbacks);
    void SpoolBatch(std::span<const RequestRecord> records, std::span<AppendCallback> callbacks);
    bool DatabaseDue(SteadyTime now) const;
    bool ReplayDue(SteadyTime now) const;
    void ReplayStep();
    void MarkDown(const base::Error& error);
    void MarkUp();
    void CountWritten(std::span<const RequestRecord> records);
    void MirrorSpoolStats();

    // Set once at construction.
    const std::unique_ptr<Database> database_;
    const std::unique_ptr<Spool> spool_;  // writer thread only
    const LogOptions options_;
    const base::SystemClock system_clock_;
    const base::Clock& clock_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::pair<RequestRecord, AppendCallback>> queue_;
    SteadyTime first_arrival_{};    // when the queue last went from empty to one record
    SteadyTime last_arrival_{};     // of the latest queued record
    std::size_t group_target_ = 0;  // records AwaitGroup waits for past gaps (0: not waiting)
    bool stopping_ = false;
    std::thread thread_;

    // Writer-thread state.
    std::size_t last_batch_ = 0;  // records the previous batch took from the queue
    SteadyTime next_attempt_{};
    std::chrono::milliseconds backoff_{0};
    std::uint64_t replay_offset_ = 0;

    std::atomic<bool> database_up_{true};
    std::atomic<bool> spool_refusing_{false};
    std::atomic<std::uint64_t> rows_written_{0};
    std::atomic<std::uint64_t> predictions_written_{0};
    std::atomic<std::uint64_t> records_spooled_{0};
    std::atomic<std::uint64_t> records_replayed_{0};
    std::atomic<std::uint64_t> write_errors_{0};
    std::atomic<std::uint64_t> batches_{0};
    std::atomic<std::uint64_t> rejected_overloaded_{0};
    std::atomic<std::uint64_t> rejected_spool_full_{0};
    std::atomic<std::uint64_t> spool_bytes_{0};
    std::atomic<std::uint64_t> spool_records_{0};
    std::atomic<std::int64_t> spool_oldest_us_{-1};
};

}  // namespace attrition::store
