// Public <-> internal translations for the API layer.
#include "api/bridge.h"

#include "ops/layout_convert.h"

namespace ssdx::api::bridge {
namespace {

// reference_kernels maps onto SessionOptions::reference_kernels when the engine has it; otherwise asking for it
// is refused rather than silently ignored.
template <typename O>
auto set_reference_kernels(O& o, bool on, int) -> decltype(o.reference_kernels = on, void()) {
  o.reference_kernels = on;
}
template <typename O>
void set_reference_kernels(O&, bool on, long) {
  if (on) fail("this build of ssdx has no reference-kernel mode (Options::reference_kernels)");
}

}  // namespace

DataType to_internal(DType dtype) {
  const auto code = static_cast<int32_t>(dtype);
  if (dtype_size(dtype) == 0) fail("unknown dtype code ", code);
  return static_cast<DataType>(code);
}

DType to_public(DataType dtype) {
  // The codes agree (both ONNX's); strings, complex numbers and the like have no public element type.
  switch (dtype) {
    case DataType::Float: case DataType::UInt8: case DataType::Int8: case DataType::UInt16: case DataType::Int16:
    case DataType::Int32: case DataType::Int64: case DataType::Bool: case DataType::Float16: case DataType::Double:
    case DataType::UInt32: case DataType::UInt64: case DataType::BFloat16:
      return static_cast<DType>(static_cast<int32_t>(dtype));
    default:
      return DType::Unknown;
  }
}

TensorInfo to_public(const ssdx::TensorInfo& info) { return {info.name, to_public(info.dtype), info.shape}; }

SessionOptions to_internal(const Options& options) {
  SessionOptions o;
  o.threads = options.threads;
  o.optimize = options.optimize;
  o.winograd = options.winograd;
  o.max_weight_bytes = options.max_weight_bytes;
  o.max_arena_bytes = options.max_arena_bytes;
  for (const auto& [name, shape] : options.input_shapes) o.input_shapes[name] = ssdx::Shape(shape.begin(), shape.end());
  o.shape_cache = options.shape_cache;
  set_reference_kernels(o, options.reference_kernels, 0);
  return o;
}

Profile to_public(const RunProfile& profile) {
  Profile p;
  p.total_us = profile.total_us;
  p.threads = profile.threads;
  for (const NodeProfile& n : profile.nodes) p.nodes.push_back({n.name, n.op_type, n.impl, n.start_us, n.duration_us});
  return p;
}

ssdx::Tensor borrow_internal(const Tensor& tensor) {
  // The engine never writes graph inputs, so a read-only borrow may be wrapped as mutable memory; the public
  // tensor's owner (null for borrowed memory) keeps owned bytes alive through the run.
  return ssdx::Tensor::wrap(to_internal(tensor.dtype()), tensor.shape(), const_cast<void*>(tensor.raw()), tensor.owner());
}

Tensor adopt_public(const ssdx::Tensor& tensor) {
  auto held = std::make_shared<ssdx::Tensor>(tensor.is_plain() ? tensor : to_plain(tensor));
  void* data = held->raw();
  return Tensor::adopt(to_public(held->dtype()), held->shape(), data, std::shared_ptr<void>(held, data));
}

void rethrow_as_api_error() {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error("out of memory");
  } catch (const std::exception& e) {
    throw Error(e.what());
  } catch (...) {
    throw Error("unknown error");
  }
}

}  // namespace ssdx::api::bridge
