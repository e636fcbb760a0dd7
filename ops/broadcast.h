#pragma once
// Numpy-style multidirectional broadcasting shared by the binary element-wise ops.
#include <vector>

#include "graph/tensor.h"

namespace ssdx {

// Output shape of broadcasting a with b; unknown dims stay unknown unless the other side fixes them.
// Fails naming both shapes when they are incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// Element strides of `in` (rank <= out rank) when read at the coordinates of `out`: 0 on broadcast dims.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Calls f(dst_index, a_index, b_index) for every element of `out`, innermost dimension in a tight loop.
template <typename F>
void for_each_broadcast(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, F&& f) {
  const int64_t rank = static_cast<int64_t>(out.size());
  const int64_t total = shape_numel(out);
  if (total == 0) return;
  if (rank == 0) { f(0, 0, 0); return; }
  const int64_t inner = out[static_cast<size_t>(rank - 1)];
  const int64_t ia = sa[static_cast<size_t>(rank - 1)], ib = sb[static_cast<size_t>(rank - 1)];
  const int64_t rows = total / inner;
#pragma omp parallel for if (total > (1 << 16)) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, oa = 0, ob = 0;
    for (int64_t d = rank - 2; d >= 0; --d) {
      int64_t c = rem % out[static_cast<size_t>(d)];
      rem /= out[static_cast<size_t>(d)];
      oa += c * sa[static_cast<size_t>(d)];
      ob += c * sb[static_cast<size_t>(d)];
    }
    const int64_t base = r * inner;
    for (int64_t j = 0; j < inner; ++j) f(base + j, oa + j * ia, ob + j * ib);
  }
}

}  // namespace ssdx
