#pragma once
// Every file ssdx reads goes through here (models, external data, .pb and .npy inputs, images): only regular files
// (a FIFO, a device or a folder is refused before any byte is read, so nothing blocks or streams forever), their
// size checked against what the caller can accept before memory is allocated, and read once into its destination.
#include <cstdint>
#include <cstdio>
#include <string>

namespace ssdx {

// An owned file descriptor, closed on destruction.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(FileDescriptor&& o) noexcept : fd_(o.release()) {}
  FileDescriptor& operator=(FileDescriptor&& o) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// An open regular file and its size at opening.
struct RegularFile {
  FileDescriptor fd;
  uint64_t size = 0;
};

// Opens `path` for reading; fails naming it unless it is a regular file. Never blocks on a FIFO.
RegularFile open_regular_file(const std::string& path);
// Checks that an already opened descriptor (from openat, say) is a regular file; `what` names it in errors.
RegularFile as_regular_file(FileDescriptor fd, const std::string& what);
// The same as a stdio stream (for decoders that read through FILE*).
FILE* fopen_regular_file(const std::string& path);

// Reads the whole of a regular file of at most `max_bytes` (refused by its size before anything is read).
std::string read_regular_file(const std::string& path, uint64_t max_bytes);
// Reads exactly `size` bytes at `offset` from an open file into `dst`; `what` names it in errors.
void read_exactly(int fd, uint64_t offset, void* dst, uint64_t size, const std::string& what);

}  // namespace ssdx
