#pragma once
// Index tensors turned into element offsets of the data they address, shared by the gather and scatter families:
// GatherND/ScatterND address slices by index tuples, GatherElements/ScatterElements address one element per index.
// Every index is checked (negative ones count from the back) before any data moves, so a bad index fails with one
// line naming the op and the value and never reads or writes outside the data.
#include <vector>

#include "graph/tensor.h"

namespace ssdx {

// The shape GatherND produces, indices.shape[:-1] + data.shape[batch_dims + k:] with k = indices.shape[-1]; checks
// the ranks, k and that the leading batch_dims dims agree (unknown dims agree with anything). `op` names the op.
Shape nd_output_shape(const char* op, const Shape& data, const Shape& indices, int64_t batch_dims);

// Where each index tuple of `indices` (int64 or int32, last dim k) points: the element offset in `data` of the start
// of its slice of prod(data[batch_dims + k:]) elements, batch offsets included. One offset per tuple, row-major.
std::vector<int64_t> nd_offsets(const char* op, const Tensor& indices, const Shape& data, int64_t batch_dims);

// For every element of `indices` (same rank as data; each dim no larger than data's, except along `axis`), the element
// offset in `data` it addresses: its own coordinates with the one along `axis` replaced by its value. Negative values
// are accepted when `negative_ok`.
std::vector<int64_t> element_offsets(const char* op, const Tensor& indices, const Shape& data, int64_t axis,
                                     bool negative_ok);

// Checks what element_offsets needs of the shapes (known dims only); `axis` normalized.
void check_element_shapes(const char* op, const Shape& data, const Shape& indices, int64_t axis);

}  // namespace ssdx
