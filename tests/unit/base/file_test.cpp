// Reading files whole: regular files only (a FIFO is refused at once, not waited on), never
// more than the bound, and through one folder handle that a rename of the folder does not move
// (issue 26, defects 3 and 4).
#include "base/file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace attrition::base {
namespace {

namespace fs = std::filesystem;

class FileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("attrition-file-test-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    void Write(const fs::path& path, const std::string& text) {
        std::ofstream(path, std::ios::binary) << text;
    }
    fs::path dir_;
};

TEST_F(FileTest, ReadsARegularFileWithinItsBound) {
    Write(dir_ / "a.json", "{\"x\":1}");
    EXPECT_EQ(ReadRegularFile(dir_ / "a.json", 7).value(), "{\"x\":1}");
    const auto large = ReadRegularFile(dir_ / "a.json", 6);
    ASSERT_FALSE(large);
    EXPECT_EQ(large.error().code, ErrorCode::kIo);
    EXPECT_NE(large.error().message.find("larger than 6 bytes"), std::string::npos);
    Write(dir_ / "empty", "");
    EXPECT_EQ(ReadRegularFile(dir_ / "empty", 0).value(), "");
    EXPECT_FALSE(ReadRegularFile(dir_ / "missing", 10));
}

TEST_F(FileTest, AFifoOrAFolderIsRefusedAtOnce) {
    // Before: a FIFO in the model folder held a reload (and shutdown) forever.
    ASSERT_EQ(::mkfifo((dir_ / "booster.json").c_str(), 0600), 0);
    for (const auto& result :
         {ReadRegularFile(dir_ / "booster.json", 1 << 20), ReadRegularFile(dir_, 1 << 20)}) {
        ASSERT_FALSE(result);
        EXPECT_NE(result.error().message.find("not a regular file"), std::string::npos)
            << result.error().message;
    }
    const auto folder = Folder::Open(dir_);
    ASSERT_TRUE(folder);
    EXPECT_FALSE(folder->Read("booster.json", 1 << 20));
}

TEST_F(FileTest, AFolderHandleKeepsReadingTheFolderItOpened) {
    fs::create_directories(dir_ / "v1");
    Write(dir_ / "v1" / "a", "old a");
    Write(dir_ / "v1" / "b", "old b");
    auto folder = Folder::Open(dir_ / "v1");
    ASSERT_TRUE(folder);
    EXPECT_EQ(folder->Read("a", 100).value(), "old a");
    // A writer swaps a new folder in by renames between the two reads.
    fs::create_directories(dir_ / "next");
    Write(dir_ / "next" / "a", "new a");
    Write(dir_ / "next" / "b", "new b");
    fs::rename(dir_ / "v1", dir_ / "old");
    fs::rename(dir_ / "next", dir_ / "v1");
    EXPECT_EQ(folder->Read("b", 100).value(), "old b");
    EXPECT_EQ(Folder::Open(dir_ / "v1")->Read("b", 100).value(), "new b");
    EXPECT_FALSE(Folder::Open(dir_ / "v1" / "a"));
}

}  // namespace
}  // namespace attrition::base
