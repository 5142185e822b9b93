// UUIDv7 text: format, version and variant bits, the time it carries and its order,
// uniqueness across threads.
#include "store/uuid.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace attrition::store {
namespace {

// The Unix milliseconds in the first 48 bits.
std::int64_t Millis(const std::string& id) {
    return std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
}

std::int64_t NowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

TEST(UuidTest, IsCanonicalVersion7) {
    for (int i = 0; i < 1000; ++i) {
        const auto id = NewUuid();
        ASSERT_EQ(id.size(), 36U);
        EXPECT_TRUE(IsUuid(id)) << id;
        EXPECT_EQ(id[14], '7') << id;
        EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos) << id;
    }
}

// The text sorts as the ids were made (what keeps the indexes on them append-mostly), and
// carries the time it was made.
TEST(UuidTest, SortsInTheOrderOfCreationAndCarriesItsTime) {
    const auto before = NowMillis();
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(NewUuid());
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    const auto after = NowMillis();
    for (std::size_t i = 0; i < ids.size(); ++i) {
        EXPECT_GE(Millis(ids[i]), before) << ids[i];
        EXPECT_LE(Millis(ids[i]), after) << ids[i];
        if (i > 0) {
            EXPECT_LT(ids[i - 1], ids[i]);
        }
    }
}

TEST(UuidTest, UniqueAcrossThreads) {
    constexpr int kThreads = 4;
    constexpr int kPerThread = 20000;
    std::mutex mutex;
    std::set<std::string> seen;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            std::vector<std::string> mine;
            for (int i = 0; i < kPerThread; ++i) mine.push_back(NewUuid());
            const std::lock_guard lock(mutex);
            seen.insert(mine.begin(), mine.end());
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(UuidTest, IsUuidRejectsMalformedText) {
    EXPECT_TRUE(IsUuid("123E4567-e89b-12d3-a456-426614174000"));
    EXPECT_FALSE(IsUuid(""));
    EXPECT_FALSE(IsUuid("123e4567e89b12d3a456426614174000"));
    EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400g"));
    EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456_426614174000"));
}

}  // namespace
}  // namespace attrition::store
