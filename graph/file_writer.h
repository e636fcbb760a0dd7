#pragma once
// Every file ssdx writes goes through here (write_file_bytes, declared in graph/tensor_io.h, is defined here too).
// A new or regular file is written whole to `PATH.tmp.<pid>` in its folder, every write and the close checked, and
// only then renamed over PATH: a failed write (full disk, file size limit, vanished folder) leaves neither a partial
// file nor a damaged old one. A symlink to a regular file has its target replaced. Anything else at PATH (a device
// such as /dev/null, a FIFO) is written in place, every write checked.
#include <string>

namespace ssdx {

// The temporary that stands for `path` until it is complete (for writers that are other programs).
std::string temporary_path_for(const std::string& path);

// Renames a complete temporary over `path`; removes the temporary and fails naming `path` when it cannot.
void commit_temporary(const std::string& temporary, const std::string& path);

// Fails naming `path` unless a file can be created there: checked before long work, and leaves nothing behind.
void check_can_create(const std::string& path);

}  // namespace ssdx
