#pragma once
// The Softmax row kernel's generic code, shared by the per-ISA translation units (softmax.cpp for the baseline,
// softmax_avx2.cpp, softmax_avx512.cpp): each includes it with its own lane type and compiler flags. Everything here
// has internal linkage, so each unit keeps its own copy, compiled for its ISA (one shared copy could be the AVX-512
// one, run on a CPU without it).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace ssdx {
namespace {

// onnxruntime's Softmax is MlasComputeSoftmax (onnxruntime/core/mlas/lib/compute.cpp): per row the maximum m, then
// e_j = exp(x_j + -m) summed into one vector accumulator (lane k gets elements k, k+W, k+2W... in order, the tail of
// the row through a mask), a fixed horizontal sum, ONE reciprocal of the sum, and y_j = e_j * (1/sum). The exp is a
// polynomial, not std::exp. On x86-64 the row kernels are AVX-512F or AVX2/FMA3 assembly, W = 16 or 8; each lane
// type mirrors one of them operation for operation, so our rows equal ORT's bit for bit on the same ISA.
//
// A lane type L has: V (the vector), kWidth, kLower (the exp's clamp), set1, load/store (whole or the first n
// lanes; invalid lanes read as 0 and are not written), keep_first, add, sub, max, fmadd, scale(p, m, biased) = p * 2^m,
// to_array.

// MlasExpConstants.
namespace mlas {
constexpr float kLowerRange = -103.9720840454f;          // AVX-512 kernel clamp: vscalefps reaches the denormals
constexpr float kLowerRangeSumExp = -88.3762626647949f;  // other kernels: 2^m is built from bits, so must be normal
constexpr float kRoundingBias = 12582912.f;              // 1.5 * 2^23: adding it rounds to an integer
constexpr float kLog2Reciprocal = 1.44269504088896341f;
constexpr float kLog2High = -6.93145752e-1f;  // -ln 2 in two parts, so the range reduction loses nothing
constexpr float kLog2Low = -1.42860677e-6f;
constexpr float kPoly[6] = {0x1.694000p-10f, 0x1.125edcp-7f, 0x1.555b5ap-5f, 0x1.555450p-3f, 0x1.fffff6p-2f, 1.f};
constexpr int32_t kExponentOne = 0x3F800000;  // bits of 1.0f: adding it to m << 23 gives 2^m
}  // namespace mlas

// e^(x + neg_max) per lane, in the operation order of MLAS's sum-exp kernels. The clamp is max(lower, v), which
// keeps a NaN v, as vmaxps does with these operands.
template <class L>
typename L::V exp_shifted(typename L::V x, typename L::V neg_max) {
  using V = typename L::V;
  V v = L::max(L::set1(L::kLower), L::add(neg_max, x));
  const V biased = L::fmadd(v, L::set1(mlas::kLog2Reciprocal), L::set1(mlas::kRoundingBias));
  const V m = L::sub(biased, L::set1(mlas::kRoundingBias));
  v = L::fmadd(m, L::set1(mlas::kLog2High), v);
  v = L::fmadd(m, L::set1(mlas::kLog2Low), v);
  V p = L::set1(mlas::kPoly[0]);
  for (int i = 1; i < 6; ++i) p = L::fmadd(p, v, L::set1(mlas::kPoly[i]));
  p = L::fmadd(p, v, L::set1(mlas::kPoly[5]));  // MLAS applies its last coefficient, 1, twice (poly_5, poly_6)
  return L::scale(p, m, biased);
}

// The horizontal sum of ORT's kernels: AVX-512 first adds the upper 8 lanes onto the lower 8; then
// ((a0+a1)+(a2+a3)) + ((a4+a5)+(a6+a7)) (vhaddps twice, then the two 128-bit halves).
float reduce_lanes(const float* a, int width) {
  float b[8];
  for (int i = 0; i < 8 && i < width; ++i) b[i] = width == 16 ? a[i] + a[i + 8] : a[i];
  const float low = (b[0] + b[1]) + (b[2] + b[3]);
  return width == 4 ? low : low + ((b[4] + b[5]) + (b[6] + b[7]));
}

// Writes e^(x_j - max) to y and returns their sum.
template <class L>
float sum_exp(const float* x, float* y, int64_t d, float neg_max) {
  using V = typename L::V;
  const V nm = L::set1(neg_max);
  V acc = L::set1(0.f);
  int64_t j = 0;
  for (; j + L::kWidth <= d; j += L::kWidth) {
    const V e = exp_shifted<L>(L::load(x + j), nm);
    L::store(y + j, e);
    acc = L::add(acc, e);
  }
  if (j < d) {
    const int n = static_cast<int>(d - j);
    const V e = exp_shifted<L>(L::load(x + j, n), nm);
    L::store(y + j, e, n);
    acc = L::add(acc, L::keep_first(e, n));
  }
  float lanes[L::kWidth];
  L::to_array(acc, lanes);
  return reduce_lanes(lanes, L::kWidth);
}

// Any evaluation order gives the same maximum (a row holding a NaN ends all-NaN whichever way).
template <class L>
float row_max(const float* x, int64_t d) {
  constexpr float kLowest = std::numeric_limits<float>::lowest();  // MLAS starts from FLT_LOWEST, not -inf
  typename L::V mv = L::set1(kLowest);
  int64_t j = 0;
  for (; j + L::kWidth <= d; j += L::kWidth) mv = L::max(mv, L::load(x + j));
  float lanes[L::kWidth];
  L::to_array(mv, lanes);
  for (int w = L::kWidth / 2; w > 0; w /= 2)  // a tree: 4 dependent steps, not 16
    for (int i = 0; i < w; ++i) lanes[i] = lanes[i + w] > lanes[i] ? lanes[i + w] : lanes[i];
  float m = lanes[0];
  for (; j < d; ++j) m = x[j] > m ? x[j] : m;
  return m;
}

// Rows go through each step a few at a time: a row's steps form one long dependency chain (max, exps, sum, division,
// scaling), while the rows of a block are independent, so the CPU overlaps them.
template <class L>
void softmax_rows_with(const float* x, float* y, int64_t rows, int64_t d) {
  constexpr int64_t kBlock = 8;
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t n = std::min(kBlock, rows - r0);
    const float* xb = x + r0 * d;
    float* yb = y + r0 * d;
    float v[kBlock];  // each row's maximum, then the reciprocal of its sum
    for (int64_t i = 0; i < n; ++i) v[i] = row_max<L>(xb + i * d, d);
    for (int64_t i = 0; i < n; ++i) v[i] = 1.f / sum_exp<L>(xb + i * d, yb + i * d, d, -v[i]);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j) yb[i * d + j] *= v[i];
  }
}

}  // namespace
}  // namespace ssdx
