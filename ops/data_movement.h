#pragma once
// Helpers shared by the data-movement families added with SSD post-processing (Expand, Tile, Range, Split, Pad,
// GatherND, GatherElements, ScatterND, ScatterElements, NonZero): size checks made before allocating, index
// normalization that names the op, and the strided copy of ops/layout.cpp.
#include <string>
#include <vector>

#include "ops/op_util.h"

namespace ssdx {

// dst (contiguous, of `shape`) = src[offset + sum_d idx[d] * strides[d]], strides in elements; 0 strides repeat
// (broadcast) and negative ones reverse. Threaded above a size threshold. Defined in ops/layout.cpp.
void strided_copy(const Tensor& src, int64_t offset, std::vector<int64_t> strides, Shape shape, Tensor& dst);

// Fails with one line naming `op` unless a tensor of `shape` (every dim known, none negative) and `dtype` has an
// element count within int64 and fits the engine's tensor limit (max_tensor_bytes(), 8 GiB by default). Inference
// and kernels call it before anything is allocated, so a hostile shape never reaches the allocator.
inline void check_output_fits(const char* op, const Shape& shape, DataType dtype) {
  int64_t numel = 1;
  bool overflow = false;
  for (int64_t d : shape) {
    if (d < 0) fail(op, ": output dimension ", d, " is negative (shape ", shape_str(shape), ")");
    if (d == 0) return;  // empty, whatever the other dims
    overflow = overflow || __builtin_mul_overflow(numel, d, &numel);
  }
  if (overflow) fail(op, ": output shape ", shape_str(shape), " has more elements than int64 can count");
  const uint64_t bytes = static_cast<uint64_t>(numel) * dtype_size(dtype);
  if (numel > INT64_MAX / 16 || bytes > max_tensor_bytes())
    fail(op, ": output shape ", shape_str(shape), " of ", dtype_name(dtype), " needs ", bytes_str(bytes),
         ", over the ", bytes_str(max_tensor_bytes()), " tensor limit");
}

// An index into a dim of size `dim` as a position in [0, dim); negative indices count from the back when
// `negative_ok` (opset 11 on). Fails naming the op, the index and the axis otherwise.
inline int64_t resolve_index(const char* op, int64_t index, int64_t dim, int64_t axis, bool negative_ok = true) {
  const int64_t low = negative_ok ? -dim : 0;
  if (index < low || index >= dim)
    fail(op, ": index ", index, " is out of range [", low, ", ", dim - 1, "] for axis ", axis, " of size ", dim);
  return index < 0 ? index + dim : index;
}

// Outer loops of data movement go parallel only past this many output bytes: below it threads cost more than
// they save.
constexpr size_t kDataMoveParallelBytes = size_t{1} << 18;

}  // namespace ssdx
