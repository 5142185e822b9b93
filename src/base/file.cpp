#include "base/file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <system_error>
#include <utility>

namespace attrition::base {
namespace {

// Closes the descriptor it holds.
struct Descriptor {
    int fd;
    ~Descriptor() {
        if (fd >= 0) ::close(fd);
    }
};

Error IoError(const std::filesystem::path& path, std::string_view why) {
    return Error::Make(ErrorCode::kIo, fmt::format("cannot read {}: {}", path.string(), why));
}

// `fd` names a file opened without blocking (O_NONBLOCK: opening a FIFO does not wait for a
// writer); only a regular file of at most max_bytes is read.
Result<std::string> ReadOpened(int fd, const std::filesystem::path& path, std::size_t max_bytes) {
    const Descriptor owned{fd};
    if (fd < 0) return tl::unexpected(IoError(path, std::generic_category().message(errno)));
    struct stat info {};
    if (::fstat(fd, &info) != 0)
        return tl::unexpected(IoError(path, std::generic_category().message(errno)));
    if (!S_ISREG(info.st_mode)) return tl::unexpected(IoError(path, "not a regular file"));
    const auto too_large = [&] {
        return tl::unexpected(IoError(path, fmt::format("larger than {} bytes", max_bytes)));
    };
    if (static_cast<std::uintmax_t>(info.st_size) > max_bytes) return too_large();
    std::string content(static_cast<std::size_t>(info.st_size), '\0');
    std::size_t size = 0;
    for (;;) {
        if (size == content.size()) {
            if (size >= max_bytes + 1) return too_large();  // it grew while being read
            content.resize(std::min(max_bytes + 1, std::max<std::size_t>(size * 2, 4096)));
        }
        const auto got = ::read(fd, content.data() + size, content.size() - size);
        if (got < 0) {
            if (errno == EINTR) continue;
            return tl::unexpected(IoError(path, std::generic_category().message(errno)));
        }
        if (got == 0) break;
        size += static_cast<std::size_t>(got);
    }
    if (size > max_bytes) return too_large();
    content.resize(size);
    return content;
}

constexpr int kReadFlags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;

}  // namespace

Result<std::string> ReadRegularFile(const std::filesystem::path& path, std::size_t max_bytes) {
    return ReadOpened(::open(path.c_str(), kReadFlags), path, max_bytes);
}

Result<Folder> Folder::Open(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return Fail(ErrorCode::kIo, fmt::format("cannot open folder {}: {}", path.string(),
                                                std::generic_category().message(errno)));
    }
    return Folder(fd, path);
}

Folder::~Folder() {
    if (fd_ >= 0) ::close(fd_);
}

Folder::Folder(Folder&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

Folder& Folder::operator=(Folder&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

Result<std::string> Folder::Read(std::string_view name, std::size_t max_bytes) const {
    const std::string file(name);
    return ReadOpened(::openat(fd_, file.c_str(), kReadFlags), path_ / file, max_bytes);
}

}  // namespace attrition::base
