// The spool file: records survive a reopen, a torn tail is cut on open, a corrupt record in
// the middle is skipped and reported, Clear empties it, and a second owner is refused.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "harness/child_process.hpp"
#include "integration/store/store_test_support.hpp"
#include "store/spool.hpp"

namespace attrition::test {
namespace {

constexpr std::uint64_t kMaxBytes = 1 << 20;

std::vector<store::RequestRecord> Records(int count) {
    std::vector<store::RequestRecord> records;
    for (int i = 0; i < count; ++i) {
        records.push_back(MakeRecord(i % 3, std::chrono::system_clock::now()));
    }
    return records;
}

std::vector<store::RequestRecord> ReadAll(store::Spool& spool, std::size_t* corrupt) {
    std::vector<store::RequestRecord> all;
    std::uint64_t offset = 0;
    for (;;) {
        auto read = spool.Read(&offset, 7);
        EXPECT_TRUE(read) << read.error().message;
        if (!read) break;
        *corrupt += read->corrupt_records;
        for (auto& record : read->records) all.push_back(std::move(record));
        if (read->at_end) break;
    }
    return all;
}

TEST(SpoolFileTest, RecordsSurviveReopenAndClear) {
    const auto dir = MakeTempDir("attrition-spool");
    const auto records = Records(20);
    {
        auto spool = store::Spool::Open(dir, kMaxBytes);
        ASSERT_TRUE(spool) << spool.error().message;
        ASSERT_TRUE((*spool)->Append(std::span(records).subspan(0, 12)));
        ASSERT_TRUE((*spool)->Append(std::span(records).subspan(12)));
        EXPECT_EQ((*spool)->Records(), 20U);
    }
    auto spool = store::Spool::Open(dir, kMaxBytes);
    ASSERT_TRUE(spool);
    EXPECT_EQ((*spool)->Records(), 20U);
    ASSERT_TRUE((*spool)->Oldest().has_value());
    // The spool keeps microseconds, like the database.
    EXPECT_EQ(*(*spool)->Oldest(),
              std::chrono::floor<std::chrono::microseconds>(records.front().created_at));
    std::size_t corrupt = 0;
    const auto read = ReadAll(**spool, &corrupt);
    ASSERT_EQ(read.size(), 20U);
    EXPECT_EQ(corrupt, 0U);
    for (std::size_t i = 0; i < read.size(); ++i) EXPECT_EQ(read[i].id, records[i].id);
    ASSERT_TRUE((*spool)->Clear());
    EXPECT_EQ((*spool)->Bytes(), 0U);
    EXPECT_EQ(std::filesystem::file_size((*spool)->FilePath()), 0U);
}

TEST(SpoolFileTest, TornTailIsCutOnOpen) {
    const auto dir = MakeTempDir("attrition-spool");
    const auto records = Records(5);
    std::filesystem::path file;
    std::uintmax_t good_size = 0;
    {
        auto spool = store::Spool::Open(dir, kMaxBytes);
        ASSERT_TRUE(spool);
        ASSERT_TRUE((*spool)->Append(records));
        file = (*spool)->FilePath();
        good_size = std::filesystem::file_size(file);
    }
    // A crash in the middle of writing a sixth record.
    {
        std::ofstream out(file, std::ios::binary | std::ios::app);
        out << "\xA7SP1" << std::string("\x40\x00\x00\x00", 4) << "abc";
    }
    auto spool = store::Spool::Open(dir, kMaxBytes);
    ASSERT_TRUE(spool);
    EXPECT_EQ((*spool)->Records(), 5U);
    EXPECT_EQ(std::filesystem::file_size(file), good_size);
    // Appending after the cut keeps the file a clean sequence of records.
    ASSERT_TRUE((*spool)->Append(Records(1)));
    std::size_t corrupt = 0;
    EXPECT_EQ(ReadAll(**spool, &corrupt).size(), 6U);
    EXPECT_EQ(corrupt, 0U);
}

TEST(SpoolFileTest, CorruptMiddleRecordIsSkipped) {
    const auto dir = MakeTempDir("attrition-spool");
    const auto records = Records(3);
    std::filesystem::path file;
    {
        auto spool = store::Spool::Open(dir, kMaxBytes);
        ASSERT_TRUE(spool);
        ASSERT_TRUE((*spool)->Append(std::span(records).subspan(0, 1)));
        const auto first_size = std::filesystem::file_size((*spool)->FilePath());
        ASSERT_TRUE((*spool)->Append(std::span(records).subspan(1)));
        file = (*spool)->FilePath();
        std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
        io.seekp(static_cast<std::streamoff>(first_size + 40));  // inside record 2's payload
        io.put('#');
    }
    auto spool = store::Spool::Open(dir, kMaxBytes);
    ASSERT_TRUE(spool);
    EXPECT_EQ((*spool)->Records(), 2U);
    std::size_t corrupt = 0;
    const auto read = ReadAll(**spool, &corrupt);
    ASSERT_EQ(read.size(), 2U);
    EXPECT_EQ(corrupt, 1U);
    EXPECT_EQ(read[0].id, records[0].id);
    EXPECT_EQ(read[1].id, records[2].id);
}

TEST(SpoolFileTest, FullSpoolRefusesAndSecondOwnerIsRefused) {
    const auto dir = MakeTempDir("attrition-spool");
    auto spool = store::Spool::Open(dir, 2000);
    ASSERT_TRUE(spool);
    const auto records = Records(30);
    auto appended = (*spool)->Append(records);
    ASSERT_FALSE(appended);
    EXPECT_EQ(appended.error().code, base::ErrorCode::kOverloaded);
    EXPECT_EQ((*spool)->Bytes(), 0U);
    auto second = store::Spool::Open(dir, 2000);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, base::ErrorCode::kInvalidConfig);
    EXPECT_NE(second.error().message.find("in use"), std::string::npos);
}

}  // namespace
}  // namespace attrition::test
