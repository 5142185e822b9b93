// Where the binary finds its read-only data folders (model/, web/) when no flag or OC5_*
// variable names them. Lookup order for a default such as `model`:
//   1. `model` in the current folder (a source checkout: scripts/run.sh, the tests);
//   2. <folder of the executable>/../share/attrition/model (an installed binary: cmake
//      --install, the .deb, so /usr/bin/attrition finds /usr/share/attrition/model);
//   3. otherwise `model` itself, so that the startup error names the folder asked for.
// Pure functions except ExecutablePath(), which reads /proc/self/exe; all thread-safe.
#pragma once

#include <filesystem>
#include <functional>

namespace attrition::app {

// The installed data root relative to the executable's folder (CMake's share/<project>).
inline constexpr const char* kInstalledDataDir = "../share/attrition";

// The folder to use for `default_dir` (relative to the current folder), given the running
// executable's path (empty when unknown: then only step 1 and 3 apply). `is_directory` is how
// folders are tested (std::filesystem by default; a fake in tests).
[[nodiscard]] std::filesystem::path ResolveDataDir(
    const std::filesystem::path& default_dir,
    const std::filesystem::path& executable,
    const std::function<bool(const std::filesystem::path&)>& is_directory);
[[nodiscard]] std::filesystem::path ResolveDataDir(const std::filesystem::path& default_dir,
                                                   const std::filesystem::path& executable);

// The running executable's absolute path (/proc/self/exe), empty when it cannot be read.
[[nodiscard]] std::filesystem::path ExecutablePath();

}  // namespace attrition::app
