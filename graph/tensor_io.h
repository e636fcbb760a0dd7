#pragma once
// NumPy .npy files (version 1.0/2.0, little-endian, C order) for `ssdx run` inputs and outputs.
#include <string>

#include "graph/tensor.h"

namespace ssdx {

Tensor load_npy(const std::string& path);
void save_npy(const Tensor& t, const std::string& path);
// Reads a whole regular file of up to 2 GiB (graph/file_io.h); fails naming the path if it cannot.
std::string read_file_bytes(const std::string& path);
void write_file_bytes(const std::string& path, const std::string& bytes);

}  // namespace ssdx
