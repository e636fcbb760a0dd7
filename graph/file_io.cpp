#include "graph/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "graph/error.h"

namespace ssdx {

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

RegularFile as_regular_file(FileDescriptor fd, const std::string& what) {
  struct stat st;
  if (fstat(fd.get(), &st) != 0) fail(what, ": cannot stat: ", std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(what, ": not a regular file");
  // Opened non-blocking so that a FIFO could not stall the open; reads of a regular file block normally.
  const int flags = fcntl(fd.get(), F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK)) fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  RegularFile f;
  f.fd = std::move(fd);
  f.size = static_cast<uint64_t>(st.st_size);
  return f;
}

RegularFile open_regular_file(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT) fail(path, ": no such file");
    fail(path, ": cannot open: ", std::strerror(errno));
  }
  return as_regular_file(std::move(fd), path);
}

FILE* fopen_regular_file(const std::string& path) {
  RegularFile f = open_regular_file(path);
  FILE* stream = fdopen(f.fd.get(), "rb");
  if (!stream) fail(path, ": cannot open: ", std::strerror(errno));
  f.fd.release();  // now the stream's
  return stream;
}

void read_exactly(int fd, uint64_t offset, void* dst, uint64_t size, const std::string& what) {
  char* out = static_cast<char*>(dst);
  while (size > 0) {
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(size, uint64_t{1} << 30));
    const ssize_t got = ::pread(fd, out, chunk, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail(what, ": read error: ", std::strerror(errno));
    if (got == 0) fail(what, ": file shrank while being read");
    out += got;
    offset += static_cast<uint64_t>(got);
    size -= static_cast<uint64_t>(got);
  }
}

std::string read_regular_file(const std::string& path, uint64_t max_bytes) {
  RegularFile f = open_regular_file(path);
  if (f.size > max_bytes) fail(path, ": file is ", f.size, " bytes, more than the ", max_bytes, " this file may have");
  std::string bytes(static_cast<size_t>(f.size), '\0');
  read_exactly(f.fd.get(), 0, bytes.data(), f.size, path);
  return bytes;
}

}  // namespace ssdx
