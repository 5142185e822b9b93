// BatchWriter's batches: group commit (LogOptions::group_gap: a batch after a batch of several
// records waits for the records still coming and closes at the first gap; a request alone never
// waits), a refused record failing alone, the writer thread's name. A fake database holds each
// batch until the test lets it commit, so the batches' shapes are the test's, not the machine's
// timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/batch_writer.hpp"
#include "store/uuid.hpp"

namespace attrition::store {
namespace {

using namespace std::chrono_literals;

// A record the fake database refuses, as a database refuses a value it cannot store.
constexpr std::string_view kRefusedJson = R"({"refused": true})";

// Records every batch's size; InsertBatch waits until the test releases it, then refuses a
// batch holding a kRefusedJson record (kInvalidInput, as the real backends do).
class HeldDatabase final : public Database {
  public:
    Backend Kind() const override { return Backend::kSqlite; }
    const std::string& Describe() const override { return name_; }
    base::Result<void> Ping() override { return {}; }
    base::Result<void> InsertBatch(std::span<const RequestRecord> records) override {
        std::unique_lock lock(mutex_);
        sizes_.push_back(records.size());
        changed_.notify_all();
        changed_.wait(lock, [&] { return released_ >= sizes_.size(); });
        for (const auto& record : records) {
            if (record.request_data_json == kRefusedJson) {
                return base::Fail(base::ErrorCode::kInvalidInput, "value refused");
            }
        }
        return {};
    }
    base::Result<RetentionBatch> DeleteRequestsBefore(base::SystemTime, std::size_t) override {
        return RetentionBatch{};
    }
    base::Result<void> RunTransaction(
        MigrationLock, const std::function<base::Result<void>(SqlSession&)>&) override {
        return {};
    }

    // Waits until `count` batches have reached the database.
    void AwaitBatches(std::size_t count) {
        std::unique_lock lock(mutex_);
        ASSERT_TRUE(changed_.wait_for(lock, 10s, [&] { return sizes_.size() >= count; }))
            << "batches: " << sizes_.size();
    }
    void ReleaseOne() {
        const std::lock_guard lock(mutex_);
        ++released_;
        changed_.notify_all();
    }
    void ReleaseAll() {
        const std::lock_guard lock(mutex_);
        released_ = 1000000;
        changed_.notify_all();
    }
    std::vector<std::size_t> Sizes() const {
        const std::lock_guard lock(mutex_);
        return sizes_;
    }

  private:
    const std::string name_ = "held";
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::size_t> sizes_;
    std::size_t released_ = 0;
};

RequestRecord Record() {
    RequestRecord record;
    record.id = NewUuid();
    record.created_at = std::chrono::system_clock::now();
    record.endpoint = "/api/v1/predict";
    record.request_data_json = "{}";
    record.http_status = 200;
    return record;
}

class GroupCommitTest : public ::testing::Test {
  protected:
    std::unique_ptr<BatchWriter> Open(std::chrono::microseconds gap,
                                      std::chrono::microseconds group_wait = 60s) {
        auto database = std::make_unique<HeldDatabase>();
        database_ = database.get();
        auto spool = Spool::Open(spool_dir_, 1 << 20);
        EXPECT_TRUE(spool) << spool.error().message;
        LogOptions options;
        options.spool_dir = spool_dir_;
        options.commit_timeout = 60s;
        options.group_gap = gap;
        options.group_wait = group_wait;
        return std::make_unique<BatchWriter>(std::move(database), std::move(*spool), options);
    }
    void TearDown() override { std::filesystem::remove_all(spool_dir_); }
    // A batch of one held while `n` records queue, then both committed: the writer's last batch
    // held `n`, as after a burst of `n` clients.
    void CommitABurstOf(BatchWriter& writer, int n) {
        writer.Append(Record(), nullptr);
        database_->AwaitBatches(1);
        for (int i = 0; i < n; ++i) writer.Append(Record(), nullptr);
        database_->ReleaseOne();
        database_->AwaitBatches(2);
    }

    const std::filesystem::path spool_dir_ =
        std::filesystem::temp_directory_path() / ("attrition-group-" + NewUuid());
    HeldDatabase* database_ = nullptr;
};

TEST_F(GroupCommitTest, AfterABatchOfSeveralTheNextWaitsForRecordsStillComing) {
    auto writer = Open(1s);
    writer->Append(Record(), nullptr);
    database_->AwaitBatches(1);  // [1], held
    writer->Append(Record(), nullptr);
    writer->Append(Record(), nullptr);
    database_->ReleaseOne();
    database_->AwaitBatches(2);  // [2]: what queued meanwhile, no wait (the batch before was 1)
    writer->Append(Record(), nullptr);
    database_->ReleaseOne();
    // The next batch follows a batch of two: it waits for more while they come within the gap.
    for (int i = 0; i < 3; ++i) {
        std::this_thread::sleep_for(20ms);
        writer->Append(Record(), nullptr);
    }
    database_->AwaitBatches(3);
    database_->ReleaseAll();
    writer->Shutdown();
    EXPECT_EQ(database_->Sizes(), (std::vector<std::size_t>{1, 2, 4}));
}

// The clients of a batch come back: until the next batch holds as many, one gap does not close
// it (four do).
TEST_F(GroupCommitTest, TheNextBatchWaitsForAsManyAsTheLastPastAGap) {
    auto writer = Open(250ms);
    CommitABurstOf(*writer, 3);  // [1], [3] held
    writer->Append(Record(), nullptr);
    database_->ReleaseOne();
    std::this_thread::sleep_for(400ms);  // more than a gap, less than four: the group stays open
    writer->Append(Record(), nullptr);
    writer->Append(Record(), nullptr);
    database_->AwaitBatches(3);
    database_->ReleaseAll();
    writer->Shutdown();
    EXPECT_EQ(database_->Sizes(), (std::vector<std::size_t>{1, 3, 3}));
}

// After a burst, a record that no other joins waits four gaps, not group_wait (a minute here).
TEST_F(GroupCommitTest, ALoneRecordAfterABurstWaitsFourGapsNotGroupWait) {
    auto writer = Open(50ms);
    CommitABurstOf(*writer, 3);  // [1], [3]
    database_->ReleaseAll();
    const auto appended = std::chrono::steady_clock::now();
    writer->Append(Record(), nullptr);
    database_->AwaitBatches(3);
    const auto waited = std::chrono::steady_clock::now() - appended;
    writer->Shutdown();
    EXPECT_EQ(database_->Sizes(), (std::vector<std::size_t>{1, 3, 1}));
    EXPECT_GE(waited, 150ms);  // more than one gap: below the last batch's size
    EXPECT_LT(waited, 10s);    // far below group_wait
}

// Below the last batch's size, a group waits four gaps; when it reaches that size (Append wakes
// the writer), one gap after its last record: here 0.5 s, not the 2 s of four gaps.
TEST_F(GroupCommitTest, AGroupReachingTheLastSizeClosesOneGapAfterItsLastRecord) {
    auto writer = Open(500ms);
    CommitABurstOf(*writer, 3);  // [1], [3] held
    database_->ReleaseAll();
    writer->Append(Record(), nullptr);
    std::this_thread::sleep_for(100ms);  // the writer waits for the group (four gaps: 2 s)
    writer->Append(Record(), nullptr);
    writer->Append(Record(), nullptr);
    const auto full = std::chrono::steady_clock::now();
    database_->AwaitBatches(3);
    const auto waited = std::chrono::steady_clock::now() - full;
    writer->Shutdown();
    EXPECT_EQ(database_->Sizes(), (std::vector<std::size_t>{1, 3, 3}));
    EXPECT_GE(waited, 400ms);   // one gap after the last Append, less this thread's delay to `full`
    EXPECT_LT(waited, 1500ms);  // not four gaps after the first
}

// group_wait bounds a record's wait from its arrival: a record that queued while the batch
// before was written (longer than group_wait) goes out as soon as the writer is free, not a
// group_wait later.
TEST_F(GroupCommitTest, GroupWaitCountsFromTheOldestRecordsArrival) {
    auto writer = Open(1s, 1s);
    CommitABurstOf(*writer, 3);  // [1], [3] held
    writer->Append(Record(), nullptr);
    std::this_thread::sleep_for(1200ms);  // [3] still held: the record has waited group_wait
    const auto released = std::chrono::steady_clock::now();
    database_->ReleaseAll();
    database_->AwaitBatches(3);
    const auto waited = std::chrono::steady_clock::now() - released;
    writer->Shutdown();
    EXPECT_EQ(database_->Sizes(), (std::vector<std::size_t>{1, 3, 1}));
    EXPECT_LT(waited, 800ms);  // a group_wait (1 s) from the writer's turn is the former rule
}

TEST_F(GroupCommitTest, ARequestAloneNeverWaits) {
    auto writer = Open(std::chrono::duration_cast<std::chrono::microseconds>(1h));
    database_->ReleaseAll();
    for (int i = 0; i < 3; ++i) {
        std::mutex mutex;
        std::condition_variable done;
        bool acknowledged = false;
        writer->Append(Record(), [&](base::Result<void> result) {
            EXPECT_TRUE(result);
            const std::lock_guard lock(mutex);
            acknowledged = true;
            done.notify_one();
        });
        std::unique_lock lock(mutex);
        // Far below the gap of an hour: the batch did not wait for a group.
        ASSERT_TRUE(done.wait_for(lock, 10s, [&] { return acknowledged; })) << "record " << i;
    }
    writer->Shutdown();
    EXPECT_EQ(database_->Sizes(), (std::vector<std::size_t>{1, 1, 1}));
}

// A batch the database refuses is written again one record at a time: only the refused record
// fails (kInternal, not acknowledged), its batch-mates are acknowledged.
TEST_F(GroupCommitTest, ARefusedRecordFailsAloneAndItsBatchMatesLandOneByOne) {
    // Declared before the writer, so that a failed assertion's early return stops the writer
    // (and its late callbacks) before these go.
    std::mutex mutex;
    std::condition_variable done;
    std::vector<std::optional<base::Result<void>>> results(4);
    auto writer = Open(100us);
    const auto callback = [&](std::size_t i) {
        return [&, i](base::Result<void> result) {
            const std::lock_guard lock(mutex);
            results[i] = std::move(result);
            done.notify_all();
        };
    };
    writer->Append(Record(), callback(0));
    database_->AwaitBatches(1);  // [1], held while three more queue behind it
    auto refused = Record();
    refused.request_data_json = std::string(kRefusedJson);
    writer->Append(Record(), callback(1));
    writer->Append(std::move(refused), callback(2));
    writer->Append(Record(), callback(3));
    database_->ReleaseAll();
    {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(done.wait_for(lock, 10s, [&] {
            return std::all_of(results.begin(), results.end(),
                               [](const auto& result) { return result.has_value(); });
        }));
    }
    writer->Shutdown();
    EXPECT_EQ(database_->Sizes(), (std::vector<std::size_t>{1, 3, 1, 1, 1}));
    EXPECT_TRUE(*results[0]);
    EXPECT_TRUE(*results[1]);
    ASSERT_FALSE(*results[2]);
    EXPECT_EQ(results[2]->error().code, base::ErrorCode::kInternal);
    EXPECT_TRUE(*results[3]);
}

// Operators (top -H) and bench/load.sh tell the writer's CPU from the io threads' by its name.
TEST_F(GroupCommitTest, TheWriterThreadIsNamedLogWriter) {
    const auto named = [] {
        std::size_t count = 0;
        for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
            std::ifstream comm(task.path() / "comm");
            std::string name;
            std::getline(comm, name);
            if (name == "log-writer") ++count;
        }
        return count;
    };
    // The count once it reaches `expected`, or after 10 s.
    const auto await_named = [&](std::size_t expected) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (named() != expected && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
        return named();
    };
    const std::size_t before = named();
    auto writer = Open(100us);
    EXPECT_EQ(await_named(before + 1), before + 1);  // the thread names itself as it starts
    database_->ReleaseAll();
    writer->Shutdown();
    EXPECT_EQ(await_named(before), before);  // it leaves /proc a moment after the join returns
}

}  // namespace
}  // namespace attrition::store
