#pragma once
// The header of a NumPy .npy file (format versions 1.0, 2.0 and 3.0), parsed exactly: the magic string, the
// version, the header length, then the Python-literal dict NumPy writes, which must hold 'descr' (a string),
// 'fortran_order' (True or False) and 'shape' (a tuple of whole numbers), each exactly once and nothing else.
#include <cstdint>
#include <string>

#include "graph/tensor.h"

namespace ssdx {

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
  uint64_t data_offset = 0;  // where the array's bytes start in the file
};

// The fixed part: how long the prelude (magic, version, length field) is and how many header bytes follow.
struct NpyPrelude {
  size_t prelude_bytes = 0;
  size_t header_bytes = 0;
  int major = 0;
};
constexpr size_t kNpyMaxPrelude = 12;
// NumPy itself refuses headers over 10,000 bytes unless told otherwise.
constexpr size_t kNpyMaxHeaderBytes = 10000;

// `start` holds the file's first bytes (up to kNpyMaxPrelude); `source` names the file in errors.
NpyPrelude parse_npy_prelude(const std::string& start, const std::string& source);
// `dict` is the header text after the prelude (the dict, its padding and the closing newline).
NpyHeader parse_npy_dict(const std::string& dict, const NpyPrelude& prelude, const std::string& source);

}  // namespace ssdx
