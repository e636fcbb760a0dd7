#pragma once
// Numpy-style multidirectional broadcasting shared by the element-wise ops (binary arithmetic, compares, Pow,
// Where's three inputs, Max/Min's N inputs).
#include <algorithm>
#include <array>
#include <vector>

#include "graph/tensor.h"

namespace ssdx {

// Output shape of broadcasting a with b; unknown dims stay unknown unless the other side fixes them.
// Fails naming both shapes when they are incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);
// The same over any number of shapes (Where, Max, Min); fails naming the first pair that cannot be broadcast.
Shape broadcast_all(const std::vector<Shape>& shapes);

// Element strides of `in` (rank <= out rank) when read at the coordinates of `out`: 0 on broadcast dims.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Output dims and per-input strides with size-1 dims dropped and neighbouring dims merged wherever every input
// reads them alike (contiguous on both, or broadcast on both): [2,512,38,38] / [2,1,38,38] becomes [2,512,1444] /
// [2,1,1444], so the innermost loop runs over 1444 elements instead of 38.
struct BroadcastLoops {
  Shape dims;                                 // never empty: a scalar output is one dim of 1
  std::vector<std::vector<int64_t>> strides;  // strides[k][d]: input k's element stride along dims[d]
};
// `strides` are each input's broadcast_strides against `out`.
BroadcastLoops coalesce_broadcast(const Shape& out, const std::vector<std::vector<int64_t>>& strides);

// Calls row(dst_offset, offsets, len, inner_strides) for every innermost row of `loops`: `len` output elements
// from dst_offset, input k read from offsets[k] in steps of inner_strides[k] (0 on a broadcast dim, else 1). N is
// the number of inputs. Above `parallel_min` elements the rows are split over OpenMP threads, long rows in pieces
// (a [1,698560] score row is one row).
template <size_t N, typename Row>
void for_each_broadcast_row(const BroadcastLoops& loops, Row&& row, int64_t parallel_min = int64_t{1} << 16) {
  const Shape& dims = loops.dims;
  const int64_t rank = static_cast<int64_t>(dims.size());
  int64_t total = 1;
  for (int64_t d : dims) total *= d;
  if (total == 0) return;
  const int64_t inner = dims[static_cast<size_t>(rank - 1)];
  std::array<int64_t, N> inner_strides{};
  for (size_t k = 0; k < N; ++k) inner_strides[k] = loops.strides[k][static_cast<size_t>(rank - 1)];
  const int64_t rows = total / inner;
  const bool threaded = total > parallel_min;
  const int64_t piece = threaded ? std::min<int64_t>(inner, int64_t{1} << 14) : inner;
  const int64_t pieces = (inner + piece - 1) / piece;
#pragma omp parallel for if (threaded) schedule(static)
  for (int64_t task = 0; task < rows * pieces; ++task) {
    const int64_t r = task / pieces, begin = task % pieces * piece;
    std::array<int64_t, N> offs{};
    int64_t rem = r;
    for (int64_t d = rank - 2; d >= 0; --d) {
      const int64_t c = rem % dims[static_cast<size_t>(d)];
      rem /= dims[static_cast<size_t>(d)];
      for (size_t k = 0; k < N; ++k) offs[k] += c * loops.strides[k][static_cast<size_t>(d)];
    }
    for (size_t k = 0; k < N; ++k) offs[k] += begin * inner_strides[k];
    row(r * inner + begin, offs, std::min(piece, inner - begin), inner_strides);
  }
}

// Calls f(dst_index, a_index, b_index) for every element of `out`, innermost (merged) dimension in a tight loop;
// sa, sb are broadcast_strides of the inputs.
template <typename F>
void for_each_broadcast(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, F&& f) {
  const BroadcastLoops loops = coalesce_broadcast(out, {sa, sb});
  for_each_broadcast_row<2>(loops, [&](int64_t dst, const std::array<int64_t, 2>& o, int64_t len,
                                       const std::array<int64_t, 2>& s) {
    for (int64_t j = 0; j < len; ++j) f(dst + j, o[0] + j * s[0], o[1] + j * s[1]);
  });
}

// Calls f(dst_index, a_index, b_index, c_index) for every element of `out` (Where).
template <typename F>
void for_each_broadcast(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb,
                        const std::vector<int64_t>& sc, F&& f) {
  const BroadcastLoops loops = coalesce_broadcast(out, {sa, sb, sc});
  for_each_broadcast_row<3>(loops, [&](int64_t dst, const std::array<int64_t, 3>& o, int64_t len,
                                       const std::array<int64_t, 3>& s) {
    for (int64_t j = 0; j < len; ++j) f(dst + j, o[0] + j * s[0], o[1] + j * s[1], o[2] + j * s[2]);
  });
}

// dst[i] = f(a[ia], b[ib]) over the broadcast of a and b to dst's shape. The same-shape, scalar and row-broadcast
// cases are loops with unit or zero strides the compiler vectorises, split over OpenMP threads above
// `parallel_min` elements (lower it for costly f: a pow costs tens of cycles).
template <typename TA, typename TB, typename TO, typename F>
void broadcast_binary_map(const Tensor& a, const Tensor& b, Tensor& dst, F f, int64_t parallel_min = int64_t{1} << 16) {
  const TA* pa = a.data<TA>();
  const TB* pb = b.data<TB>();
  TO* pd = dst.data<TO>();
  const int64_t n = dst.numel();
  if (n == 0) return;
  const bool a_full = a.numel() == n, b_full = b.numel() == n;
  if (a_full && b_full) {
#pragma omp parallel for if (n > parallel_min) schedule(static)
    for (int64_t i = 0; i < n; ++i) pd[i] = f(pa[i], pb[i]);
    return;
  }
  if (a_full && b.numel() == 1) {
    const TB s = pb[0];
#pragma omp parallel for if (n > parallel_min) schedule(static)
    for (int64_t i = 0; i < n; ++i) pd[i] = f(pa[i], s);
    return;
  }
  if (b_full && a.numel() == 1) {
    const TA s = pa[0];
#pragma omp parallel for if (n > parallel_min) schedule(static)
    for (int64_t i = 0; i < n; ++i) pd[i] = f(s, pb[i]);
    return;
  }
  const BroadcastLoops loops = coalesce_broadcast(
      dst.shape(), {broadcast_strides(a.shape(), dst.shape()), broadcast_strides(b.shape(), dst.shape())});
  for_each_broadcast_row<2>(loops, [&](int64_t d, const std::array<int64_t, 2>& o, int64_t len,
                                       const std::array<int64_t, 2>& s) {
    TO* out = pd + d;
    const TA* ra = pa + o[0];
    const TB* rb = pb + o[1];
    // After coalescing an inner stride is 0 (broadcast) or 1 (contiguous): one loop per case, each vectorisable.
    if (s[0] == 1 && s[1] == 1) for (int64_t j = 0; j < len; ++j) out[j] = f(ra[j], rb[j]);
    else if (s[0] == 1 && s[1] == 0) for (int64_t j = 0; j < len; ++j) out[j] = f(ra[j], rb[0]);
    else if (s[0] == 0 && s[1] == 1) for (int64_t j = 0; j < len; ++j) out[j] = f(ra[0], rb[j]);
    else for (int64_t j = 0; j < len; ++j) out[j] = f(ra[j * s[0]], rb[j * s[1]]);
  }, parallel_min);
}

// The reference form of broadcast_binary_map: one element at a time through for_each_broadcast, no special cases
// (KernelHints::reference, and the oracle the fast loops are tested against).
template <typename TA, typename TB, typename TO, typename F>
void broadcast_binary_map_ref(const Tensor& a, const Tensor& b, Tensor& dst, F f) {
  const TA* pa = a.data<TA>();
  const TB* pb = b.data<TB>();
  TO* pd = dst.data<TO>();
  for_each_broadcast(dst.shape(), broadcast_strides(a.shape(), dst.shape()), broadcast_strides(b.shape(), dst.shape()),
                     [&](int64_t d, int64_t ia, int64_t ib) { pd[d] = f(pa[ia], pb[ib]); });
}

// y[i] = f(x[i]) over a whole tensor, vectorisable, threaded above `parallel_min` elements.
template <typename TI, typename TO, typename F>
void map_elements(const Tensor& x, Tensor& y, F f, int64_t parallel_min = int64_t{1} << 16) {
  const TI* src = x.data<TI>();
  TO* dst = y.data<TO>();
  const int64_t n = x.numel();
#pragma omp parallel for if (n > parallel_min) schedule(static)
  for (int64_t i = 0; i < n; ++i) dst[i] = f(src[i]);
}

}  // namespace ssdx
