#include "graph/tensor.h"

#include "graph/half.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>

namespace ssdx {

size_t dtype_size(DataType t) {
  switch (t) {
    case DataType::Float: case DataType::Int32: case DataType::UInt32: return 4;
    case DataType::UInt8: case DataType::Int8: case DataType::Bool: return 1;
    case DataType::UInt16: case DataType::Int16: case DataType::Float16: case DataType::BFloat16: return 2;
    case DataType::Int64: case DataType::Double: case DataType::UInt64: return 8;
    default: return 0;
  }
}

const char* dtype_name(DataType t) {
  switch (t) {
    case DataType::Float: return "float32";
    case DataType::UInt8: return "uint8";
    case DataType::Int8: return "int8";
    case DataType::UInt16: return "uint16";
    case DataType::Int16: return "int16";
    case DataType::Int32: return "int32";
    case DataType::Int64: return "int64";
    case DataType::String: return "string";
    case DataType::Bool: return "bool";
    case DataType::Float16: return "float16";
    case DataType::Double: return "float64";
    case DataType::UInt32: return "uint32";
    case DataType::UInt64: return "uint64";
    case DataType::BFloat16: return "bfloat16";
    default: return "undefined";
  }
}

bool dtype_is_known(int32_t code) {
  return code >= 1 && code <= 16 && code != 14 && code != 15;  // 14/15 are complex: never used here
}

bool dtype_is_computable(DataType t) {
  switch (t) {
    case DataType::Float: case DataType::UInt8: case DataType::Int8:
    case DataType::Int32: case DataType::Int64: case DataType::Bool: return true;
    default: return false;
  }
}

bool shape_is_static(const Shape& s) {
  for (int64_t d : s)
    if (d < 0) return false;
  return true;
}

bool shapes_agree(const Shape& a, const Shape& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] >= 0 && b[i] >= 0 && a[i] != b[i]) return false;
  return true;
}

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) os << ',';
    if (s[i] < 0) os << '?'; else os << s[i];
  }
  os << ']';
  return os.str();
}

int64_t shape_numel(const Shape& s) {
  constexpr int64_t kLimit = int64_t{1} << 62;
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) fail("shape ", shape_str(s), " has an unknown or negative dimension");
    if (d != 0 && n > kLimit / d) fail("shape ", shape_str(s), " has too many elements");
    n *= d;
  }
  return n;
}

std::vector<int64_t> shape_strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

int64_t normalize_axis(int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank) fail(what, " axis ", axis, " is out of range for rank ", rank);
  return axis < 0 ? axis + rank : axis;
}

std::string bytes_str(uint64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// Digits only, at least 1, at most 2^62: no sign (strtoull would wrap "-1" to "no limit"), no unit, no blank.
uint64_t parse_byte_count(const std::string& text, const std::string& what) {
  uint64_t v = 0;
  bool ok = !text.empty() && text.size() <= 19;
  for (char c : text) ok = ok && c >= '0' && c <= '9';
  if (ok) v = std::stoull(text);
  if (!ok || v == 0 || v > (uint64_t{1} << 62))
    fail(what, "='", text, "' is not a byte count (a whole number from 1 to 2^62, digits only)");
  return v;
}

uint64_t max_tensor_bytes() {
  static const uint64_t limit = [] {
    const char* env = std::getenv("SSDX_MAX_TENSOR_BYTES");
    if (!env) return uint64_t{8} << 30;
    return parse_byte_count(env, "SSDX_MAX_TENSOR_BYTES");
  }();
  return limit;
}

Tensor::Tensor(DataType dtype, Shape shape, LayoutPtr layout)
    : dtype_(dtype), shape_(std::move(shape)), layout_(std::move(layout)) {
  numel_ = shape_numel(shape_);
  size_t esize = dtype_size(dtype);
  if (esize == 0) fail("cannot allocate a tensor of dtype ", dtype_name(dtype));
  if (static_cast<uint64_t>(numel_) > std::numeric_limits<uint64_t>::max() / 64 / esize)
    fail("tensor ", shape_str(shape_), " is too large");
  size_t bytes = nbytes();
  if (bytes > max_tensor_bytes())
    fail("tensor ", shape_str(shape_), " of ", dtype_name(dtype), " needs ", bytes, " bytes, over the ",
         max_tensor_bytes(), "-byte limit (SSDX_MAX_TENSOR_BYTES)");
  size_t alloc = (bytes + 63) / 64 * 64;
  if (alloc == 0) alloc = 64;
  void* p = std::aligned_alloc(64, alloc);
  if (!p) fail("out of memory allocating ", bytes, " bytes for a tensor of shape ", shape_str(shape_));
  std::memset(p, 0, alloc);
  owner_ = std::shared_ptr<void>(p, std::free);
  data_ = p;
}

Tensor Tensor::wrap(DataType dtype, Shape shape, void* data, std::shared_ptr<void> keepalive, LayoutPtr layout) {
  Tensor t;
  t.layout_ = std::move(layout);
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = shape_numel(t.shape_);
  t.owner_ = std::move(keepalive);
  t.data_ = data;
  return t;
}

void Tensor::fail_no_data() const {
  fail("tensor ", shape_str(shape_), " of ", dtype_name(dtype_), " has no data (a constant released after its kernels packed it)");
}

Tensor Tensor::clone() const {
  if (empty_storage()) fail_no_data();
  Tensor t(dtype_, shape_, layout_);
  if (nbytes()) std::memcpy(t.data_, data_, nbytes());
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  if (layout_) fail("cannot reshape a tensor in layout ", layout_->name());
  if (shape_numel(shape) != numel_) fail("cannot reshape ", shape_str(shape_), " to ", shape_str(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

int64_t Tensor::int_at(int64_t i) const {
  if (empty_storage()) fail_no_data();
  if (i < 0 || i >= numel_) fail("element ", i, " out of range for tensor ", shape_str(shape_));
  if (layout_) fail("tensor in layout ", layout_->name(), " read as plain row-major data");
  switch (dtype_) {
    case DataType::Int64: return static_cast<const int64_t*>(data_)[i];
    case DataType::Int32: return static_cast<const int32_t*>(data_)[i];
    case DataType::Int8: return static_cast<const int8_t*>(data_)[i];
    case DataType::UInt8: return static_cast<const uint8_t*>(data_)[i];
    case DataType::Bool: return static_cast<const bool*>(data_)[i];
    case DataType::Float: return static_cast<int64_t>(static_cast<const float*>(data_)[i]);
    default: fail("cannot read ", dtype_name(dtype_), " as an integer");
  }
}

double Tensor::float_at(int64_t i) const {
  if (empty_storage()) fail_no_data();
  if (i < 0 || i >= numel_) fail("element ", i, " out of range for tensor ", shape_str(shape_));
  if (layout_) fail("tensor in layout ", layout_->name(), " read as plain row-major data");
  switch (dtype_) {
    case DataType::Float: return static_cast<const float*>(data_)[i];
    case DataType::Double: return static_cast<const double*>(data_)[i];
    case DataType::Float16: return half_to_float(static_cast<const uint16_t*>(data_)[i]);
    case DataType::BFloat16: return bfloat16_to_float(static_cast<const uint16_t*>(data_)[i]);
    default: return static_cast<double>(int_at(i));
  }
}

std::vector<int64_t> Tensor::to_int_vector() const {
  std::vector<int64_t> v(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) v[static_cast<size_t>(i)] = int_at(i);
  return v;
}

}  // namespace ssdx
