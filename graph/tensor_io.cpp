#include "graph/tensor_io.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include "graph/file_io.h"
#include "graph/npy_header.h"

namespace ssdx {

std::string read_file_bytes(const std::string& path) { return read_regular_file(path, uint64_t{2} << 30); }

namespace {

const char* npy_descr(DataType t) {
  switch (t) {
    case DataType::Float: return "<f4";
    case DataType::Float16: return "<f2";
    case DataType::Double: return "<f8";
    case DataType::Int64: return "<i8";
    case DataType::Int32: return "<i4";
    case DataType::Int8: return "|i1";
    case DataType::UInt8: return "|u1";
    case DataType::Bool: return "|b1";
    case DataType::BFloat16: fail("bfloat16 has no .npy dtype: write it as a .pb tensor");
    default: fail("cannot write ", dtype_name(t), " as .npy");
  }
}

DataType npy_dtype(const std::string& descr, const std::string& path) {
  static const std::pair<const char*, DataType> table[] = {
      {"<f4", DataType::Float}, {"<f2", DataType::Float16}, {"<f8", DataType::Double}, {"<i8", DataType::Int64}, {"<i4", DataType::Int32},
      {"|i1", DataType::Int8},  {"|u1", DataType::UInt8},  {"|b1", DataType::Bool}};
  for (const auto& e : table)
    if (descr == e.first) return e.second;
  fail(path, ": unsupported .npy dtype '", descr, "'");
}

}  // namespace

// The header is read and checked first; the array is allocated only once the file is known to hold its bytes,
// then read straight into it.
Tensor load_npy(const std::string& path) {
  RegularFile file = open_regular_file(path);
  std::string start(static_cast<size_t>(std::min<uint64_t>(file.size, kNpyMaxPrelude)), '\0');
  read_exactly(file.fd.get(), 0, start.data(), start.size(), path);
  const NpyPrelude prelude = parse_npy_prelude(start, path);
  if (prelude.header_bytes > file.size - prelude.prelude_bytes) fail(path, ": truncated .npy header");
  std::string dict(prelude.header_bytes, '\0');
  read_exactly(file.fd.get(), prelude.prelude_bytes, dict.data(), dict.size(), path);
  const NpyHeader header = parse_npy_dict(dict, prelude, path);
  const DataType dtype = npy_dtype(header.descr, path);
  if (header.fortran_order) fail(path, ": Fortran-order .npy arrays are not supported");
  int64_t numel;
  try {
    numel = shape_numel(header.shape);
  } catch (const Error& e) {
    fail(path, ": .npy shape ", shape_str(header.shape), ": ", e.what());
  }
  const uint64_t held = file.size - header.data_offset;
  const uint64_t need = static_cast<uint64_t>(numel) * dtype_size(dtype);
  if (numel != 0 && need / static_cast<uint64_t>(numel) != dtype_size(dtype))
    fail(path, ": .npy shape ", shape_str(header.shape), " is too large");
  if (held != need)
    fail(path, ": .npy holds ", held, " data bytes, shape ", shape_str(header.shape), " needs ", need);
  Tensor t(dtype, header.shape);
  read_exactly(file.fd.get(), header.data_offset, t.raw(), need, path);
  return t;
}

void save_npy(const Tensor& t, const std::string& path) {
  std::string dict = std::string("{'descr': '") + npy_descr(t.dtype()) + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < t.shape().size(); ++i) dict += std::to_string(t.shape()[i]) + (t.shape().size() == 1 ? "," : i + 1 < t.shape().size() ? ", " : "");
  dict += "), }";
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  out += dict;
  out.append(static_cast<const char*>(t.raw()), t.nbytes());
  write_file_bytes(path, out);
}

}  // namespace ssdx
