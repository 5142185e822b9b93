// Reading a file whole, safely: only a regular file is read (a FIFO, a device or a folder is
// refused at once, never waited on) and never more than a stated size. A Folder is one open
// handle on a directory, so that several files read through it come from the same directory
// even while a writer renames another in its place (model/artifact.hpp). Thread-compatible:
// a Folder may be read from several threads; it is moved, not copied.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/error.hpp"

namespace attrition::base {

// The bytes of `path`: kIo when it cannot be opened or read, is not a regular file, or holds
// more than `max_bytes` (each message names the path and why).
Result<std::string> ReadRegularFile(const std::filesystem::path& path, std::size_t max_bytes);

class Folder {
  public:
    // kIo when `path` is not a folder that can be opened.
    static Result<Folder> Open(const std::filesystem::path& path);
    ~Folder();
    Folder(Folder&& other) noexcept;
    Folder& operator=(Folder&& other) noexcept;
    Folder(const Folder&) = delete;
    Folder& operator=(const Folder&) = delete;

    // The file `name` of this folder, as ReadRegularFile reads it.
    Result<std::string> Read(std::string_view name, std::size_t max_bytes) const;

  private:
    Folder(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::filesystem::path path_;  // for messages only
};

}  // namespace attrition::base
