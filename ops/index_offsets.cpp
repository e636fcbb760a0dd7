// Index tensors to element offsets (ops/index_offsets.h). Resolution runs over threads for large index tensors
// (the SSD tails index ~10^5 to 10^6 rows); the first bad index found is reported after the loop.
#include "ops/index_offsets.h"

#include <atomic>

#include "ops/data_movement.h"

namespace ssdx {
namespace {

constexpr int64_t kParallelIndices = 1 << 14;

template <typename F>
void for_each_index_type(const Tensor& indices, const char* op, F&& f) {
  if (indices.dtype() == DataType::Int64) f(indices.data<int64_t>());
  else if (indices.dtype() == DataType::Int32) f(indices.data<int32_t>());
  else fail(op, ": indices must be int64 or int32, got ", dtype_name(indices.dtype()));
}

// Keeps the smallest position at which a bad index was seen, so the message names the first one.
void note_bad(std::atomic<int64_t>& first_bad, int64_t at) {
  int64_t cur = first_bad.load(std::memory_order_relaxed);
  while (at < cur && !first_bad.compare_exchange_weak(cur, at, std::memory_order_relaxed)) {
  }
}

}  // namespace

Shape nd_output_shape(const char* op, const Shape& data, const Shape& indices, int64_t batch_dims) {
  const int64_t r = static_cast<int64_t>(data.size()), q = static_cast<int64_t>(indices.size());
  if (r < 1 || q < 1) fail(op, ": data and indices need rank >= 1, got ", shape_str(data), " and ", shape_str(indices));
  if (batch_dims < 0 || batch_dims >= std::min(r, q))
    fail(op, ": batch_dims ", batch_dims, " must be in [0, ", std::min(r, q) - 1, "]");
  for (int64_t d = 0; d < batch_dims; ++d) {
    const int64_t a = data[static_cast<size_t>(d)], b = indices[static_cast<size_t>(d)];
    if (a != b && a != kUnknownDim && b != kUnknownDim)
      fail(op, ": batch dim ", d, " is ", a, " in data ", shape_str(data), " but ", b, " in indices ", shape_str(indices));
  }
  Shape out(indices.begin(), indices.end() - 1);
  const int64_t k = indices.back();
  if (k == kUnknownDim) {
    out.push_back(kUnknownDim);  // the rank is not known either: callers see an unknown trailing dim
    return out;
  }
  if (k < 1 || k > r - batch_dims)
    fail(op, ": the last indices dim ", k, " must be in [1, ", r - batch_dims, "] for data ", shape_str(data));
  out.insert(out.end(), data.begin() + batch_dims + k, data.end());
  return out;
}

std::vector<int64_t> nd_offsets(const char* op, const Tensor& indices, const Shape& data, int64_t batch_dims) {
  nd_output_shape(op, data, indices.shape(), batch_dims);
  const Shape& is = indices.shape();
  const int64_t k = is.back();
  const int64_t b = batch_dims;
  const int64_t tuples = k == 0 ? 0 : indices.numel() / k;
  int64_t batches = 1;
  for (int64_t d = 0; d < b; ++d) batches *= is[static_cast<size_t>(d)];
  const int64_t per_batch = batches == 0 ? 0 : tuples / batches;
  const std::vector<int64_t> strides = shape_strides(data);
  const int64_t batch_stride = b == 0 ? 0 : strides[static_cast<size_t>(b - 1)];
  std::vector<int64_t> offsets(static_cast<size_t>(tuples));
  std::atomic<int64_t> first_bad{INT64_MAX};
  for_each_index_type(indices, op, [&](const auto* idx) {
#pragma omp parallel for if (tuples > kParallelIndices) schedule(static)
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t off = b == 0 ? 0 : (t / per_batch) * batch_stride;
      for (int64_t j = 0; j < k; ++j) {
        int64_t v = static_cast<int64_t>(idx[t * k + j]);
        const int64_t dim = data[static_cast<size_t>(b + j)];
        if (v < -dim || v >= dim) { note_bad(first_bad, t * k + j); v = 0; }
        off += (v < 0 ? v + dim : v) * strides[static_cast<size_t>(b + j)];
      }
      offsets[static_cast<size_t>(t)] = off;
    }
    if (const int64_t at = first_bad.load(); at != INT64_MAX) {
      const int64_t j = at % k;
      resolve_index(op, static_cast<int64_t>(idx[at]), data[static_cast<size_t>(b + j)], b + j);
    }
  });
  return offsets;
}

void check_element_shapes(const char* op, const Shape& data, const Shape& indices, int64_t axis) {
  if (data.size() != indices.size())
    fail(op, ": indices ", shape_str(indices), " must have the rank of data ", shape_str(data));
  for (size_t d = 0; d < data.size(); ++d) {
    if (static_cast<int64_t>(d) == axis || data[d] == kUnknownDim || indices[d] == kUnknownDim) continue;
    if (indices[d] > data[d])
      fail(op, ": indices dim ", d, " is ", indices[d], ", larger than data's ", data[d], " (data ", shape_str(data),
           ", indices ", shape_str(indices), ")");
  }
}

std::vector<int64_t> element_offsets(const char* op, const Tensor& indices, const Shape& data, int64_t axis,
                                     bool negative_ok) {
  const Shape& is = indices.shape();
  check_element_shapes(op, data, is, axis);
  const int64_t n = indices.numel();
  std::vector<int64_t> offsets(static_cast<size_t>(n));
  if (n == 0) return offsets;
  const int64_t rank = static_cast<int64_t>(is.size());
  if (rank == 0) fail(op, ": data and indices need rank >= 1");
  const std::vector<int64_t> ds = shape_strides(data);
  const int64_t last = rank - 1, cols = is.back(), rows = n / cols, dim = data[static_cast<size_t>(axis)];
  const int64_t low = negative_ok ? -dim : 0;
  std::atomic<int64_t> first_bad{INT64_MAX};
  for_each_index_type(indices, op, [&](const auto* idx) {
#pragma omp parallel for if (n > kParallelIndices) schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      int64_t rem = r, base = 0;
      for (int64_t d = last - 1; d >= 0; --d) {
        const int64_t c = rem % is[static_cast<size_t>(d)];
        rem /= is[static_cast<size_t>(d)];
        if (d != axis) base += c * ds[static_cast<size_t>(d)];
      }
      for (int64_t j = 0; j < cols; ++j) {
        const int64_t e = r * cols + j;
        int64_t v = static_cast<int64_t>(idx[e]);
        if (v < low || v >= dim) { note_bad(first_bad, e); v = 0; }
        if (v < 0) v += dim;
        offsets[static_cast<size_t>(e)] = base + v * ds[static_cast<size_t>(axis)] + (axis == last ? 0 : j);
      }
    }
    if (const int64_t at = first_bad.load(); at != INT64_MAX)
      resolve_index(op, static_cast<int64_t>(idx[at]), dim, axis, negative_ok);
  });
  return offsets;
}

}  // namespace ssdx
