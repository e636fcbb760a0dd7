#include "graph/file_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "graph/error.h"
#include "graph/tensor_io.h"

namespace ssdx {
namespace {

[[noreturn]] void fail_with_errno(const std::string& path, const char* what) {
  fail(path, ": ", what, ": ", std::strerror(errno));
}

void write_all(int fd, const std::string& bytes, const std::string& path) {
  for (size_t at = 0; at < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + at, std::min(bytes.size() - at, size_t{1} << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_with_errno(path, "write error");
    at += static_cast<size_t>(n);
  }
}

// Closes `fd`, reporting what close reports (a network file system's deferred write error, say).
void close_checked(int fd, const std::string& path) {
  if (::close(fd) != 0) fail_with_errno(path, "write error");
}

// What writing to `path` replaces: the target of a symlink to a regular file, else `path` itself.
std::string destination_of(const std::string& path) {
  struct stat link;
  if (lstat(path.c_str(), &link) != 0 || !S_ISLNK(link.st_mode)) return path;
  std::unique_ptr<char, decltype(&std::free)> target(realpath(path.c_str(), nullptr), &std::free);
  struct stat st;
  return target && stat(target.get(), &st) == 0 && S_ISREG(st.st_mode) ? std::string(target.get()) : path;
}

// Creates `temporary` exclusively (never through a planted symlink) with `mode` (before the umask).
int create_temporary(const std::string& temporary, mode_t mode, const std::string& path) {
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode);
  if (fd < 0) fail(path, ": cannot create file: ", std::strerror(errno));
  return fd;
}

}  // namespace

std::string temporary_path_for(const std::string& path) { return path + ".tmp." + std::to_string(getpid()); }

void commit_temporary(const std::string& temporary, const std::string& path) {
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    fail(path, ": cannot write file: ", std::strerror(error));
  }
}

void check_can_create(const std::string& path) {
  struct stat st;
  const bool exists = stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) fail(path, ": is a folder, not a file");
  if (exists && !S_ISREG(st.st_mode)) {  // a device is written in place: it must open for writing
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) fail(path, ": cannot open for writing: ", std::strerror(errno));
    ::close(fd);
    return;
  }
  const std::string temporary = temporary_path_for(destination_of(path));
  ::close(create_temporary(temporary, 0666, path));
  std::remove(temporary.c_str());
}

void write_file_bytes(const std::string& path, const std::string& bytes) {
  const std::string target = destination_of(path);
  struct stat st;
  const bool exists = stat(target.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) fail(path, ": is a folder, not a file");
  if (exists && !S_ISREG(st.st_mode)) {  // a device or FIFO: no temporary can stand in for it
    const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) fail(path, ": cannot open for writing: ", std::strerror(errno));
    try {
      write_all(fd, bytes, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    close_checked(fd, path);
    return;
  }
  const std::string temporary = temporary_path_for(target);
  const int fd = create_temporary(temporary, exists ? (st.st_mode & 07777) : 0666, path);
  try {
    if (exists) fchmod(fd, st.st_mode & 07777);  // the replaced file's permissions, whatever the umask
    write_all(fd, bytes, path);
  } catch (...) {
    ::close(fd);
    std::remove(temporary.c_str());
    throw;
  }
  try {
    close_checked(fd, path);
  } catch (...) {
    std::remove(temporary.c_str());
    throw;
  }
  commit_temporary(temporary, target);
}

}  // namespace ssdx
