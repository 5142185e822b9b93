// The data-folder lookup of an installed binary (app/install_paths.hpp): the current folder's
// `model`/`web` first, then <binary folder>/../share/attrition/, else the default unchanged.
// Folders are a fake set, so no test touches the file system but ExecutablePath's.
#include "app/install_paths.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace attrition::app {
namespace {

using std::filesystem::path;

struct Folders {
    std::set<path> existing;
    bool operator()(const path& folder) const {
        return existing.count(folder.lexically_normal()) != 0;
    }
};

TEST(InstallPathsTest, TheCurrentFoldersDataWins) {
    const Folders folders{{"model", "/usr/share/attrition/model"}};
    EXPECT_EQ(ResolveDataDir("model", "/usr/bin/attrition", folders), path("model"));
}

TEST(InstallPathsTest, AnInstalledBinaryFindsShareNextToItsFolder) {
    const Folders folders{{"/opt/attrition/share/attrition/model", "/usr/share/attrition/web"}};
    EXPECT_EQ(ResolveDataDir("model", "/opt/attrition/bin/attrition", folders),
              path("/opt/attrition/share/attrition/model"));
    EXPECT_EQ(ResolveDataDir("web", "/usr/bin/attrition", folders),
              path("/usr/share/attrition/web"));
}

TEST(InstallPathsTest, WithNeitherTheDefaultIsKeptForTheErrorMessage) {
    const Folders none;
    EXPECT_EQ(ResolveDataDir("model", "/usr/bin/attrition", none), path("model"));
    // An unknown executable path only disables the installed lookup.
    const Folders installed{{"/usr/share/attrition/model"}};
    EXPECT_EQ(ResolveDataDir("model", path(), installed), path("model"));
}

TEST(InstallPathsTest, ExecutablePathIsThisTestBinary) {
    const auto self = ExecutablePath();
    ASSERT_FALSE(self.empty());
    EXPECT_TRUE(self.is_absolute());
    EXPECT_EQ(self.filename(), path("install_paths_test"));
    EXPECT_TRUE(std::filesystem::is_regular_file(self));
}

}  // namespace
}  // namespace attrition::app
