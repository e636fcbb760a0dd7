// ssdx::api::Tensor: owned (64-byte aligned, zero-filled) or borrowed bytes; dtype names and sizes.
#include "ssdx/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "api/bridge.h"

namespace ssdx::api {
namespace {

[[noreturn]] void api_fail(const std::string& message) { throw Error(message); }

int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) api_fail("tensor shape " + shape_string(shape) + " has a negative or unknown dimension");
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / 8 / d)
      api_fail("tensor shape " + shape_string(shape) + " is too large");
    n *= d;
  }
  return n;
}

void check_dtype_known(DType dtype) {
  if (dtype_size(dtype) == 0) api_fail("tensor dtype code " + std::to_string(static_cast<int32_t>(dtype)) + " is not a known element type");
}

}  // namespace

size_t dtype_size(DType dtype) {
  // The codes are ONNX's on both sides: the engine's table answers for the codes DType names, 0 for any other.
  const auto internal = static_cast<DataType>(static_cast<int32_t>(dtype));
  return dtype != DType::Unknown && bridge::to_public(internal) == dtype ? ssdx::dtype_size(internal) : 0;
}

const char* dtype_name(DType dtype) {
  return dtype_size(dtype) == 0 ? "unknown" : ssdx::dtype_name(static_cast<DataType>(static_cast<int32_t>(dtype)));
}

std::string shape_string(const Shape& shape) { return ssdx::shape_str(shape); }

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  check_dtype_known(dtype_);
  numel_ = element_count(shape_);
  const size_t bytes = std::max<size_t>(64, (nbytes() + 63) / 64 * 64);
  void* p = std::aligned_alloc(64, bytes);
  if (!p) api_fail("out of memory allocating a " + std::to_string(nbytes()) + "-byte tensor");
  std::memset(p, 0, bytes);
  owner_ = std::shared_ptr<void>(p, &std::free);
  data_ = p;
}

Tensor Tensor::borrow(DType dtype, Shape shape, void* data, size_t bytes) {
  Tensor t = borrow(dtype, std::move(shape), static_cast<const void*>(data), bytes);
  t.read_only_ = false;
  return t;
}

Tensor Tensor::borrow(DType dtype, Shape shape, const void* data, size_t bytes) {
  check_dtype_known(dtype);
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = element_count(t.shape_);
  if (bytes != t.nbytes())
    api_fail(std::string("a ") + dtype_name(dtype) + " " + shape_string(t.shape_) + " tensor needs " +
             std::to_string(t.nbytes()) + " bytes, the buffer has " + std::to_string(bytes));
  if (!data && bytes != 0) api_fail("borrowed tensor buffer is null");
  t.data_ = const_cast<void*>(data);
  t.borrowed_ = true;
  t.read_only_ = true;
  return t;
}

Tensor Tensor::adopt(DType dtype, Shape shape, void* data, std::shared_ptr<void> owner) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = element_count(t.shape_);
  t.owner_ = std::move(owner);
  t.data_ = data;
  return t;
}

void* Tensor::raw() {
  if (read_only_) api_fail("tensor borrowed from a const buffer cannot be written");
  return data_;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (nbytes() != 0) std::memcpy(t.data_, data_, nbytes());
  return t;
}

void Tensor::check_dtype(DType expected) const {
  if (expected != dtype_)
    api_fail(std::string("tensor of ") + dtype_name(dtype_) + " accessed as " + dtype_name(expected));
}

void Tensor::check_count(size_t count) const {
  if (static_cast<int64_t>(count) != numel_)
    api_fail(std::to_string(count) + " values for a " + shape_string(shape_) + " tensor of " +
             std::to_string(numel_) + " elements");
}

}  // namespace ssdx::api
