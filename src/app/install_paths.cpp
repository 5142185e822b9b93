#include "app/install_paths.hpp"

#include <system_error>

namespace attrition::app {

std::filesystem::path ResolveDataDir(
    const std::filesystem::path& default_dir,
    const std::filesystem::path& executable,
    const std::function<bool(const std::filesystem::path&)>& is_directory) {
    if (default_dir.is_absolute() || is_directory(default_dir)) return default_dir;
    if (executable.empty()) return default_dir;
    auto installed = executable.parent_path() / kInstalledDataDir / default_dir;
    if (is_directory(installed)) return installed.lexically_normal();
    return default_dir;
}

std::filesystem::path ResolveDataDir(const std::filesystem::path& default_dir,
                                     const std::filesystem::path& executable) {
    return ResolveDataDir(default_dir, executable, [](const std::filesystem::path& path) {
        std::error_code error;
        return std::filesystem::is_directory(path, error);
    });
}

std::filesystem::path ExecutablePath() {
    std::error_code error;
    auto path = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) return {};
    return path;
}

}  // namespace attrition::app
