#pragma once
// ssdx public API: Tensor, a dense row-major n-d array that either owns its bytes or borrows the caller's.
// The public API lives in namespace ssdx::api so that it never clashes with the engine's internal types.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ssdx/error.h"

namespace ssdx::api {

// Element types, numbered as ONNX's TensorProto.DataType. The engine computes in Float32, Int64, Int32, Int8, UInt8
// and Bool; a float16 or bfloat16 model runs in float32 inside and takes and gives its declared Float16/BFloat16
// tensors (IEEE bits, as uint16). A model may declare others (they appear in Session::inputs() but cannot be fed).
enum class DType : int32_t {
  Unknown = 0,
  Float32 = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  Bool = 9,
  Float16 = 10,
  Float64 = 11,
  UInt32 = 12,
  UInt64 = 13,
  BFloat16 = 16,
};

size_t dtype_size(DType dtype);       // bytes per element; 0 for Unknown
const char* dtype_name(DType dtype);  // "float32", "int64", ...

template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::Float32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::Float64; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::Int8; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };

// Dimensions, outermost first. In a TensorInfo, -1 marks a dimension known only at run time.
using Shape = std::vector<int64_t>;
std::string shape_string(const Shape& shape);  // "[1,3,300,300]", run-time dims as '?'

class Tensor {
 public:
  Tensor() = default;
  // Owned, zero-filled, 64-byte aligned. Throws Error on a negative dimension or an unknown dtype.
  Tensor(DType dtype, Shape shape);

  // Borrows `bytes` bytes at `data` (not copied): the caller keeps them alive and unchanged while the tensor or any
  // copy of it is in use. Throws Error when `bytes` is not exactly what dtype and shape need.
  static Tensor borrow(DType dtype, Shape shape, void* data, size_t bytes);
  static Tensor borrow(DType dtype, Shape shape, const void* data, size_t bytes);  // for inputs: never written
  template <typename T> static Tensor borrow(Shape shape, T* data, size_t count) {
    return borrow(DTypeOf<T>::value, std::move(shape), data, count * sizeof(T));
  }
  template <typename T> static Tensor borrow(Shape shape, const T* data, size_t count) {
    return borrow(DTypeOf<T>::value, std::move(shape), static_cast<const void*>(data), count * sizeof(T));
  }
  // Owned copy of `values` (their count must match the shape).
  template <typename T> static Tensor from(Shape shape, const std::vector<T>& values) {
    Tensor t(DTypeOf<T>::value, std::move(shape));
    t.check_count(values.size());
    T* p = t.data<T>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
    return t;
  }

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }
  bool borrowed() const { return borrowed_; }  // made by borrow(): the bytes are the caller's
  bool read_only() const { return read_only_; }  // borrowed from a const pointer

  const void* raw() const { return data_; }
  void* raw();  // throws Error on a read-only borrowed tensor
  // Typed access; throws Error when T is not the tensor's dtype.
  template <typename T> T* data() { check_dtype(DTypeOf<T>::value); return static_cast<T*>(raw()); }
  template <typename T> const T* data() const { check_dtype(DTypeOf<T>::value); return static_cast<const T*>(data_); }

  // A deep copy that owns its bytes. Copies of a Tensor otherwise share the same bytes.
  Tensor clone() const;

  // For the library's own use (wrapping engine results without copying): `owner` keeps `data` alive.
  static Tensor adopt(DType dtype, Shape shape, void* data, std::shared_ptr<void> owner);
  const std::shared_ptr<void>& owner() const { return owner_; }

 private:
  void check_dtype(DType expected) const;
  void check_count(size_t count) const;
  DType dtype_ = DType::Unknown;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<void> owner_;  // null when borrowed
  void* data_ = nullptr;
  bool borrowed_ = false, read_only_ = false;
};

}  // namespace ssdx::api
