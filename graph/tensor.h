#pragma once
// Data types, shapes and the owning Tensor used for initializers, graph inputs/outputs and activations.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/error.h"

namespace ssdx {

// Values match onnx.TensorProto.DataType so the parser can cast directly.
enum class DataType : int32_t {
  Undefined = 0,
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  BFloat16 = 16,
};

size_t dtype_size(DataType t);           // 0 for String / Undefined / unknown codes
const char* dtype_name(DataType t);      // "float32", "int64", ...
bool dtype_is_known(int32_t code);       // a code onnx.proto defines (not necessarily one we compute in)
bool dtype_is_computable(DataType t);    // float32, int64, int32, int8, uint8, bool: what kernels support

template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DataType value = DataType::Float; };
template <> struct DTypeOf<uint8_t> { static constexpr DataType value = DataType::UInt8; };
template <> struct DTypeOf<int8_t> { static constexpr DataType value = DataType::Int8; };
template <> struct DTypeOf<int32_t> { static constexpr DataType value = DataType::Int32; };
template <> struct DTypeOf<int64_t> { static constexpr DataType value = DataType::Int64; };
template <> struct DTypeOf<bool> { static constexpr DataType value = DataType::Bool; };
template <> struct DTypeOf<double> { static constexpr DataType value = DataType::Double; };

// A shape; -1 marks a dimension not known before run time (a symbolic dim such as "nbox").
using Shape = std::vector<int64_t>;
constexpr int64_t kUnknownDim = -1;

bool shape_is_static(const Shape& s);
// Same rank, and equal wherever both dims are known (a symbolic dim agrees with anything).
bool shapes_agree(const Shape& a, const Shape& b);
std::string shape_str(const Shape& s);   // "[1,3,1200,1200]", unknown dims printed as '?'
// Number of elements; fails on negative dims or overflow past 2^62 (hostile shapes).
int64_t shape_numel(const Shape& s);
// Row-major strides in elements.
std::vector<int64_t> shape_strides(const Shape& s);
// Normalizes an axis in [-rank, rank) to [0, rank); fails with `what` in the message otherwise.
int64_t normalize_axis(int64_t axis, int64_t rank, const char* what);

// A memory layout other than plain row-major (oneDNN's blocked formats such as nChw16c, or nhwc). Defined by the
// layer that creates it (ops/onednn_util); tensors only carry it. Null everywhere means plain row-major.
class Layout {
 public:
  virtual ~Layout() = default;
  virtual std::string name() const = 0;   // "nhwc", "nChw16c", ...
  virtual size_t bytes() const = 0;       // storage size, padding included
  virtual bool same_as(const Layout& other) const = 0;
};
using LayoutPtr = std::shared_ptr<const Layout>;
inline bool same_layout(const LayoutPtr& a, const LayoutPtr& b) {
  return a == b || (a && b && a->same_as(*b));
}
inline std::string layout_name(const LayoutPtr& l) { return l ? l->name() : "plain"; }

// An owning, contiguous, 64-byte aligned n-d array. Copies share storage (cheap); use clone() to copy data.
class Tensor {
 public:
  Tensor() = default;
  Tensor(DataType dtype, Shape shape, LayoutPtr layout = nullptr);  // zero-initialized storage

  // Wraps memory owned elsewhere; `keepalive` holds that owner (may be null when the caller guarantees lifetime).
  static Tensor wrap(DataType dtype, Shape shape, void* data, std::shared_ptr<void> keepalive,
                     LayoutPtr layout = nullptr);

  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t dim(int64_t i) const { return shape_[static_cast<size_t>(i)]; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return layout_ ? layout_->bytes() : static_cast<size_t>(numel_) * dtype_size(dtype_); }
  const LayoutPtr& layout() const { return layout_; }
  bool is_plain() const { return layout_ == nullptr; }
  // No data behind the shape: a wrap of null, or a constant the session released once every kernel reading it had
  // packed its own copy (its dtype and shape stay for tools). Element access to it fails.
  bool empty_storage() const { return data_ == nullptr && numel_ != 0; }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <typename T> T* data() { check_type<T>(); return static_cast<T*>(data_); }
  template <typename T> const T* data() const { check_type<T>(); return static_cast<const T*>(data_); }

  Tensor clone() const;
  // Same storage, new shape with the same element count.
  Tensor reshaped(Shape shape) const;
  // Reads element i of an integer or float tensor (float16 and bfloat16 too) as int64 / double (for shape-like
  // inputs and tests).
  int64_t int_at(int64_t i) const;
  double float_at(int64_t i) const;
  std::vector<int64_t> to_int_vector() const;

 private:
  // Typed access is for plain row-major data only: a kernel that indexes elements must never see a blocked layout.
  template <typename T> void check_type() const {
    if (DTypeOf<T>::value != dtype_)
      fail("tensor of ", dtype_name(dtype_), " accessed as ", dtype_name(DTypeOf<T>::value));
    if (layout_) fail("tensor in layout ", layout_->name(), " accessed as plain row-major data");
    if (empty_storage()) fail_no_data();
  }
  [[noreturn]] void fail_no_data() const;
  DataType dtype_ = DataType::Undefined;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
  LayoutPtr layout_;
};

// The largest tensor the engine allocates (a hostile shape must fail cleanly, not be overcommitted and then
// killed at first touch). Default 8 GiB; the environment variable SSDX_MAX_TENSOR_BYTES overrides it.
// "1.5 GiB": sizes for messages.
std::string bytes_str(uint64_t bytes);
// Fails with one line when the variable is malformed (a sign, a unit, 0, not a number).
uint64_t max_tensor_bytes();
// A positive whole number of bytes written in digits; `what` names the setting in the error.
uint64_t parse_byte_count(const std::string& text, const std::string& what);

// Builds a tensor from values (tests, constant folding, small attributes).
template <typename T>
Tensor make_tensor(Shape shape, const std::vector<T>& values) {
  Tensor t(DTypeOf<T>::value, std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.numel()) fail("make_tensor: ", values.size(), " values for ", t.numel(), " elements");
  T* p = t.data<T>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
  return t;
}

// Calls f(T{}) with T the C++ type of dtype, for the computable types.
template <typename F>
decltype(auto) dispatch_dtype(DataType dtype, F&& f) {
  switch (dtype) {
    case DataType::Float: return f(float{});
    case DataType::UInt8: return f(uint8_t{});
    case DataType::Int8: return f(int8_t{});
    case DataType::Int32: return f(int32_t{});
    case DataType::Int64: return f(int64_t{});
    case DataType::Bool: return f(bool{});
    default: fail("unsupported dtype ", dtype_name(dtype));
  }
}

}  // namespace ssdx
