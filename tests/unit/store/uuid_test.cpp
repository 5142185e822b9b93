// UUIDv4 text: format, version and variant bits, uniqueness across threads.
#include "store/uuid.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace attrition::store {
namespace {

TEST(UuidTest, IsCanonicalVersion4) {
    for (int i = 0; i < 1000; ++i) {
        const auto id = NewUuid();
        ASSERT_EQ(id.size(), 36U);
        EXPECT_TRUE(IsUuid(id)) << id;
        EXPECT_EQ(id[14], '4') << id;
        EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos) << id;
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
