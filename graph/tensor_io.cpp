#include "graph/tensor_io.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace ssdx {

std::string read_file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, ": cannot open file");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) fail(path, ": read error");
  return ss.str();
}

void write_file_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  if (!f) fail(path, ": cannot create file");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) fail(path, ": write error");
}

namespace {

const char* npy_descr(DataType t) {
  switch (t) {
    case DataType::Float: return "<f4";
    case DataType::Double: return "<f8";
    case DataType::Int64: return "<i8";
    case DataType::Int32: return "<i4";
    case DataType::Int8: return "|i1";
    case DataType::UInt8: return "|u1";
    case DataType::Bool: return "|b1";
    default: fail("cannot write ", dtype_name(t), " as .npy");
  }
}

DataType npy_dtype(const std::string& descr, const std::string& path) {
  static const std::pair<const char*, DataType> table[] = {
      {"<f4", DataType::Float}, {"<f8", DataType::Double}, {"<i8", DataType::Int64}, {"<i4", DataType::Int32},
      {"|i1", DataType::Int8},  {"|u1", DataType::UInt8},  {"|b1", DataType::Bool}};
  for (const auto& e : table)
    if (descr == e.first) return e.second;
  fail(path, ": unsupported .npy dtype '", descr, "'");
}

// Returns the text between the quotes after `key` in the header dict, or the raw value for non-strings.
std::string header_field(const std::string& header, const std::string& key, const std::string& path) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) fail(path, ": .npy header has no '", key, "'");
  size_t colon = header.find(':', k);
  if (colon == std::string::npos) fail(path, ": malformed .npy header");
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) fail(path, ": malformed .npy header");
  if (header[start] == '\'') {
    size_t end = header.find('\'', start + 1);
    if (end == std::string::npos) fail(path, ": malformed .npy header");
    return header.substr(start + 1, end - start - 1);
  }
  if (header[start] == '(') {
    size_t end = header.find(')', start);
    if (end == std::string::npos) fail(path, ": malformed .npy header");
    return header.substr(start + 1, end - start - 1);
  }
  size_t end = header.find_first_of(",}", start);
  return header.substr(start, end - start);
}

}  // namespace

Tensor load_npy(const std::string& path) {
  const std::string bytes = read_file_bytes(path);
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail(path, ": not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(path, ": truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    fail(path, ": unsupported .npy version ", major);
  }
  if (header_len > bytes.size() - offset) fail(path, ": truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  const DataType dtype = npy_dtype(header_field(header, "descr", path), path);
  if (header_field(header, "fortran_order", path).find("True") != std::string::npos)
    fail(path, ": Fortran-order .npy arrays are not supported");
  Shape shape;
  std::stringstream dims(header_field(header, "shape", path));
  std::string item;
  while (std::getline(dims, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos) continue;
    try {
      shape.push_back(std::stoll(item));
    } catch (...) {
      fail(path, ": bad .npy shape entry '", item, "'");
    }
  }
  const size_t data_offset = offset + header_len;
  Tensor t(dtype, shape);  // shape_numel rejects negative or overflowing dims
  if (bytes.size() - data_offset != t.nbytes())
    fail(path, ": .npy holds ", bytes.size() - data_offset, " data bytes, shape ", shape_str(shape), " needs ", t.nbytes());
  std::memcpy(t.raw(), bytes.data() + data_offset, t.nbytes());
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
