#include "store/batch_writer.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/thread_name.hpp"

namespace attrition::store {
namespace {

using base::ErrorCode;
using Clock = std::chrono::steady_clock;

void Complete(AppendCallback& callback, base::Result<void> result) {
    if (!callback) return;
    try {
        callback(std::move(result));
    } catch (const std::exception& e) {
        spdlog::error("msg=\"prediction log callback threw\" error=\"{}\"", e.what());
    }
}

void CompleteAll(std::span<AppendCallback> callbacks, const base::Result<void>& result) {
    for (auto& callback : callbacks) Complete(callback, result);
}

}  // namespace

BatchWriter::BatchWriter(std::unique_ptr<Database> database,
                         std::unique_ptr<Spool> spool,
                         const LogOptions& options)
    : database_(std::move(database)),
      spool_(std::move(spool)),
      options_(options),
      clock_(options.clock != nullptr ? *options.clock : system_clock_) {
    MirrorSpoolStats();
    thread_ = std::thread([this] {
        base::NameThisThread("log-writer");
        Run();
    });
}

BatchWriter::~BatchWriter() { Shutdown(); }

void BatchWriter::Append(RequestRecord record, AppendCallback on_durable) {
    if (auto valid = ValidateRecord(record); !valid) {
        Complete(on_durable, tl::unexpected(valid.error()));
        return;
    }
    std::optional<base::Error> refused;
    bool wake = false;
    {
        const std::lock_guard lock(mutex_);
        if (stopping_) {
            refused = base::Error::Make(ErrorCode::kUnavailable, "prediction log is shut down");
        } else if (queue_.size() >= options_.queue_capacity) {
            ++rejected_overloaded_;
            refused = base::Error::Make(
                ErrorCode::kOverloaded,
                fmt::format("prediction log queue full ({} records)", options_.queue_capacity));
        } else if (spool_refusing_ && !database_up_) {
            ++rejected_spool_full_;
            refused = base::Error::Make(ErrorCode::kOverloaded,
                                        "prediction log spool full and database unreachable");
        } else {
            // The writer waits for the first record; once a batch is forming it wakes by its
            // own clock (AwaitGroup), not once per record, and when the group reaches its size.
            wake = queue_.empty() || queue_.size() + 1 >= options_.max_batch ||
                   queue_.size() + 1 == group_target_;
            queue_.emplace_back(std::move(record), std::move(on_durable));
            last_arrival_ = Clock::now();
            if (queue_.size() == 1) first_arrival_ = last_arrival_;
        }
    }
    if (refused) {
        Complete(on_durable, tl::unexpected(std::move(*refused)));
        return;
    }
    if (wake) wake_.notify_one();
}

LogStatus BatchWriter::Status() const {
    LogStatus status;
    status.backend = std::string(BackendName(database_->Kind()));
    status.database = database_->Describe();
    status.database_reachable = database_up_;
    {
        const std::lock_guard lock(mutex_);
        status.queue_depth = queue_.size();
    }
    status.queue_capacity = options_.queue_capacity;
    status.spool_bytes = spool_bytes_;
    status.spool_records = spool_records_;
    status.spool_max_bytes = spool_->MaxBytes();
    if (const auto oldest_us = spool_oldest_us_.load(); oldest_us >= 0) {
        const auto oldest = base::SystemTime(std::chrono::duration_cast<base::SystemTime::duration>(
            std::chrono::microseconds(oldest_us)));
        status.spool_oldest_age =
            std::max(std::chrono::seconds(0),
                     std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - oldest));
    }
    status.rows_written = rows_written_;
    status.predictions_written = predictions_written_;
    status.records_spooled = records_spooled_;
    status.records_replayed = records_replayed_;
    status.write_errors = write_errors_;
    status.batches = batches_;
    status.rejected_overloaded = rejected_overloaded_;
    status.rejected_spool_full = rejected_spool_full_;
    status.pool = database_->Pool();
    return status;
}

void BatchWriter::Shutdown() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool BatchWriter::DatabaseDue(SteadyTime now) const { return database_up_ || now >= next_attempt_; }

bool BatchWriter::ReplayDue(SteadyTime now) const {
    return spool_->Bytes() > 0 && DatabaseDue(now);
}

void BatchWriter::Run() {
    std::vector<RequestRecord> records;
    std::vector<AppendCallback> callbacks;
    for (;;) {
        records.clear();
        callbacks.clear();
        {
            std::unique_lock lock(mutex_);
            const auto ready = [&] {
                return stopping_ || !queue_.empty() || ReplayDue(Clock::now());
            };
            if (spool_->Bytes() > 0 && !database_up_) {
                wake_.wait_until(lock, next_attempt_, ready);
            } else {
                wake_.wait(lock, ready);
            }
            if (queue_.empty() && stopping_) break;
            if (last_batch_ > 1) AwaitGroup(lock);
            const std::size_t take = std::min(queue_.size(), options_.max_batch);
            last_batch_ = take;
            for (std::size_t i = 0; i < take; ++i) {
                records.push_back(std::move(queue_.front().first));
                callbacks.push_back(std::move(queue_.front().second));
                queue_.pop_front();
            }
        }
        if (!records.empty()) WriteBatch(records, callbacks);
        if (ReplayDue(Clock::now())) ReplayStep();
    }
}

void BatchWriter::AwaitGroup(std::unique_lock<std::mutex>& lock) {
    if (options_.group_gap.count() <= 0) return;
    // From the oldest record's arrival: a record that queued while the batch before was being
    // written has waited already (records left past max_batch are younger: an earlier bound).
    const auto deadline = first_arrival_ + options_.group_wait;
    // Until the group holds as many as the batch before (the same clients coming back), it
    // closes at a gap of kPatience gaps only: a client slower than one gap to send its next
    // request still joins, and a quiet service waits a few gaps at most, not group_wait.
    // Append wakes the writer when the group reaches that size.
    constexpr int kPatience = 4;
    group_target_ = last_batch_;  // at most max_batch, as every batch
    while (!stopping_ && !queue_.empty() && queue_.size() < options_.max_batch) {
        const auto gap =
            queue_.size() >= group_target_ ? options_.group_gap : kPatience * options_.group_gap;
        const auto close_at = std::min(last_arrival_ + gap, deadline);
        if (Clock::now() >= close_at) break;
        wake_.wait_until(lock, close_at);
    }
    group_target_ = 0;
}

void BatchWriter::CountWritten(std::span<const RequestRecord> records) {
    rows_written_ += records.size();
    std::uint64_t predictions = 0;
    for (const auto& record : records) predictions += record.predictions.size();
    predictions_written_ += predictions;
}

void BatchWriter::MarkDown(const base::Error& error) {
    ++write_errors_;
    backoff_ = backoff_.count() == 0 ? options_.reconnect_backoff_initial
                                     : std::min(backoff_ * 2, options_.reconnect_backoff_max);
    next_attempt_ = Clock::now() + backoff_;
    if (database_up_.exchange(false)) {
        spdlog::error(
            "msg=\"prediction log database unavailable; spooling\" database={} "
            "error=\"{}\"",
            database_->Describe(), error.message);
    }
}

void BatchWriter::MarkUp() {
    backoff_ = std::chrono::milliseconds(0);
    if (!database_up_.exchange(true)) {
        spdlog::info("msg=\"prediction log database available again\" database={}",
                     database_->Describe());
    }
}

void BatchWriter::MirrorSpoolStats() {
    spool_bytes_ = spool_->Bytes();
    spool_records_ = spool_->Records();
    const auto oldest = spool_->Oldest();
    spool_oldest_us_ =
        oldest ? std::chrono::duration_cast<std::chrono::microseconds>(oldest->time_since_epoch())
                     .count()
               : -1;
}

void BatchWriter::WriteBatch(std::vector<RequestRecord>& records,
                             std::vector<AppendCallback>& callbacks) {
    if (DatabaseDue(Clock::now())) {
        auto inserted = database_->InsertBatch(records);
        if (inserted) {
            MarkUp();
            spool_refusing_ = false;
            ++batches_;
            CountWritten(records);
            CompleteAll(callbacks, {});
            return;
        }
        if (inserted.error().code != ErrorCode::kInvalidInput) {
            MarkDown(inserted.error());
        } else {
            // The database refused some record (validation should have caught it): write one
            // by one so only the bad ones fail; they are not acknowledged.
            ++write_errors_;
            std::size_t i = 0;
            for (; i < records.size(); ++i) {
                auto one = database_->InsertBatch(std::span(&records[i], 1));
                if (one) {
                    ++batches_;
                    CountWritten(std::span(&records[i], 1));
                    Complete(callbacks[i], {});
                } else if (one.error().code == ErrorCode::kInvalidInput) {
                    spdlog::error(
                        "msg=\"database rejected a prediction log record\" id={} "
                        "error=\"{}\"",
                        records[i].id, one.error().message);
                    Complete(callbacks[i], base::Fail(ErrorCode::kInternal,
                                                      "the database rejected the log record"));
                } else {
                    MarkDown(one.error());
                    break;
                }
            }
            if (i == records.size()) return;
            SpoolBatch(std::span(records).subspan(i), std::span(callbacks).subspan(i));
            return;
        }
    }
    SpoolBatch(records, callbacks);
}

void BatchWriter::SpoolBatch(std::span<const RequestRecord> records,
                             std::span<AppendCallback> callbacks) {
    auto spooled = spool_->Append(records);
    MirrorSpoolStats();
    if (spooled) {
        records_spooled_ += records.size();
        CompleteAll(callbacks, {});
        return;
    }
    if (spooled.error().code == ErrorCode::kOverloaded) {
        rejected_spool_full_ += records.size();
        spool_refusing_ = true;
        spdlog::error(
            "msg=\"prediction log spool full; refusing records (not acknowledged)\" "
            "spool={} bytes={} max_bytes={} refused={}",
            spool_->FilePath().string(), spool_->Bytes(), spool_->MaxBytes(), records.size());
        CompleteAll(callbacks, base::Fail(ErrorCode::kOverloaded,
                                          "prediction log spool full and database unreachable"));
        return;
    }
    ++write_errors_;
    spdlog::error(
        "msg=\"prediction log spool write failed (records not acknowledged)\" "
        "error=\"{}\"",
        spooled.error().message);
    CompleteAll(callbacks, base::Fail(ErrorCode::kUnavailable,
                                      "prediction log database and spool unavailable"));
}

void BatchWriter::ReplayStep() {
    const std::uint64_t start = replay_offset_;
    auto read = spool_->Read(&replay_offset_, options_.max_batch);
    if (!read) {
        ++write_errors_;
        spdlog::error("msg=\"spool replay read failed\" error=\"{}\"", read.error().message);
        replay_offset_ = start;
        next_attempt_ = Clock::now() + options_.reconnect_backoff_max;
        database_up_ = false;
        return;
    }
    if (!read->records.empty()) {
        auto inserted = database_->InsertBatch(read->records);
        if (!inserted && inserted.error().code == ErrorCode::kInvalidInput) {
            // Replay one by one; a record the database refuses stays in the rejected file.
            for (const auto& record : read->records) {
                auto one = database_->InsertBatch(std::span(&record, 1));
                if (one) {
                    CountWritten(std::span(&record, 1));
                    ++records_replayed_;
                    continue;
                }
                if (one.error().code != ErrorCode::kInvalidInput) {
                    replay_offset_ = start;
                    MarkDown(one.error());
                    return;
                }
                ++write_errors_;
                spdlog::error(
                    "msg=\"database rejected a spooled record; kept in the rejected "
                    "file\" id={} error=\"{}\"",
                    record.id, one.error().message);
                if (auto kept = spool_->Reject(record); !kept) {
                    spdlog::error("msg=\"cannot keep a rejected record\" id={} error=\"{}\"",
                                  record.id, kept.error().message);
                }
            }
        } else if (!inserted) {
            replay_offset_ = start;
            MarkDown(inserted.error());
            return;
        } else {
            MarkUp();
            ++batches_;
            CountWritten(read->records);
            records_replayed_ += read->records.size();
        }
    }
    if (read->at_end) {
        if (auto cleared = spool_->Clear(); !cleared) {
            spdlog::error("msg=\"cannot empty the replayed spool\" error=\"{}\"",
                          cleared.error().message);
            return;
        }
        replay_offset_ = 0;
        spool_refusing_ = false;
        MirrorSpoolStats();
        spdlog::info("msg=\"spool replayed into the database\" replayed_total={}",
                     records_replayed_.load());
    }
}

}  // namespace attrition::store
