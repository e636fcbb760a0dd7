// Softmax (float32). Opset 1-12: the input is coerced to 2-D [prod(dims[:axis]), prod(dims[axis:])] and each row is
// normalized jointly over all trailing dims (default axis 1). Opset 13+: normalized along the single dim `axis`
// (default -1). Numerics are onnxruntime's (MLAS), see the kernels below.
#include "ops/softmax.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "ops/op_util.h"
#include "ops/registry.h"

// The lane types pass __m512 / __m256 by value between functions compiled for different ISAs; they are all inlined
// into the ISA's entry function (flatten), so the ABI note GCC gives for that does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
// GCC 12's own AVX-512 intrinsics fill unused operands with _mm512_undefined_ps(), which this warning flags.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ssdx {
namespace {

struct SoftmaxParams {
  int64_t axis = -1;        // as written in the model; normalized against the input rank at run time
  bool coerce_2d = false;   // opset < 13 semantics
};

SoftmaxParams parse_softmax(const OpContext& ctx) {
  SoftmaxParams p;
  p.coerce_2d = ctx.opset() < 13;
  p.axis = ctx.attrs().get_int("axis", p.coerce_2d ? 1 : -1);
  return p;
}

// The input viewed as [outer, dim, inner]; the softmax runs over `dim` for each (outer, inner) pair.
AxisSplit softmax_split(const SoftmaxParams& p, const Shape& shape) {
  const int64_t axis = normalize_axis(p.axis, static_cast<int64_t>(shape.size()), "Softmax");
  AxisSplit s = split_at_axis(shape, axis);
  if (p.coerce_2d) {  // the trailing dims form one row
    s.dim *= s.inner;
    s.inner = 1;
  }
  return s;
}

// ---- shape function ----

void infer_softmax(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, {DataType::Float});
  const SoftmaxParams p = parse_softmax(ctx);
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, DataType::Float);
    return;
  }
  const Shape& shape = ctx.input_shape(0);
  normalize_axis(p.axis, static_cast<int64_t>(shape.size()), "Softmax");  // validates the axis only
  ctx.set_output(0, DataType::Float, shape);
}

// ---- kernels ----
// onnxruntime's Softmax is MlasComputeSoftmax (onnxruntime/core/mlas/lib/compute.cpp): per row the maximum m, then
// e_j = exp(x_j + -m) summed into one vector accumulator (lane k gets elements k, k+W, k+2W... in order, the tail of
// the row through a mask), a fixed horizontal sum, ONE reciprocal of the sum, and y_j = e_j * (1/sum). The exp is a
// polynomial, not std::exp. On x86-64 the row kernels are AVX-512F or AVX2/FMA3 assembly, W = 16 or 8; each variant
// below mirrors one of them operation for operation, so our rows equal ORT's bit for bit on the same ISA.

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

// Lane types: the handful of vector operations the row kernel needs, one struct per ISA. Loads and stores take the
// number of valid lanes n (the tail of a row); invalid lanes read as 0 and are not written.
struct Avx512Lanes {
  using V = __m512;
  static constexpr int kWidth = 16;
  static constexpr float kLower = mlas::kLowerRange;
  SSDX_TARGET_AVX512 static __mmask16 first(int n) { return static_cast<__mmask16>((1u << n) - 1); }
  SSDX_TARGET_AVX512 static V set1(float v) { return _mm512_set1_ps(v); }
  SSDX_TARGET_AVX512 static V load(const float* p) { return _mm512_loadu_ps(p); }
  SSDX_TARGET_AVX512 static V load(const float* p, int n) { return _mm512_maskz_loadu_ps(first(n), p); }
  SSDX_TARGET_AVX512 static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  SSDX_TARGET_AVX512 static void store(float* p, V v, int n) { _mm512_mask_storeu_ps(p, first(n), v); }
  SSDX_TARGET_AVX512 static V keep_first(V v, int n) { return _mm512_maskz_mov_ps(first(n), v); }
  SSDX_TARGET_AVX512 static V add(V a, V b) { return _mm512_add_ps(a, b); }
  SSDX_TARGET_AVX512 static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  SSDX_TARGET_AVX512 static V max(V a, V b) { return _mm512_max_ps(a, b); }
  SSDX_TARGET_AVX512 static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  // p * 2^m with one rounding, as vscalefps does in ORT's kernel.
  SSDX_TARGET_AVX512 static V scale(V p, V m, V) { return _mm512_scalef_ps(p, m); }
  SSDX_TARGET_AVX512 static void to_array(V v, float* out) { _mm512_storeu_ps(out, v); }
};

struct Avx2Lanes {
  using V = __m256;
  static constexpr int kWidth = 8;
  static constexpr float kLower = mlas::kLowerRangeSumExp;
  SSDX_TARGET_AVX2 static __m256i first(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  SSDX_TARGET_AVX2 static V set1(float v) { return _mm256_set1_ps(v); }
  SSDX_TARGET_AVX2 static V load(const float* p) { return _mm256_loadu_ps(p); }
  SSDX_TARGET_AVX2 static V load(const float* p, int n) { return _mm256_maskload_ps(p, first(n)); }
  SSDX_TARGET_AVX2 static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  SSDX_TARGET_AVX2 static void store(float* p, V v, int n) { _mm256_maskstore_ps(p, first(n), v); }
  SSDX_TARGET_AVX2 static V keep_first(V v, int n) { return _mm256_and_ps(v, _mm256_castsi256_ps(first(n))); }
  SSDX_TARGET_AVX2 static V add(V a, V b) { return _mm256_add_ps(a, b); }
  SSDX_TARGET_AVX2 static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  SSDX_TARGET_AVX2 static V max(V a, V b) { return _mm256_max_ps(a, b); }
  SSDX_TARGET_AVX2 static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  // p * 2^m with 2^m assembled from the rounded value's low bits, as ORT's FMA3 kernel does.
  SSDX_TARGET_AVX2 static V scale(V p, V, V biased) {
    const __m256i bits = _mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(biased), 23),
                                          _mm256_set1_epi32(mlas::kExponentOne));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
  }
  SSDX_TARGET_AVX2 static void to_array(V v, float* out) { _mm256_storeu_ps(out, v); }
};

// For CPUs without AVX2: ORT's generic SSE2 kernel, whose multiply-adds are not fused. (That kernel also sums the
// tail and the lanes in another order, so this variant is close to ORT there, not identical.)
struct SseLanes {
  using V = __m128;
  static constexpr int kWidth = 4;
  static constexpr float kLower = mlas::kLowerRangeSumExp;
  static V set1(float v) { return _mm_set1_ps(v); }
  static V load(const float* p) { return _mm_loadu_ps(p); }
  static V load(const float* p, int n) {
    float t[kWidth] = {};
    std::memcpy(t, p, static_cast<size_t>(n) * sizeof(float));
    return _mm_loadu_ps(t);
  }
  static void store(float* p, V v) { _mm_storeu_ps(p, v); }
  static void store(float* p, V v, int n) {
    float t[kWidth];
    _mm_storeu_ps(t, v);
    std::memcpy(p, t, static_cast<size_t>(n) * sizeof(float));
  }
  static V keep_first(V v, int n) {
    return _mm_and_ps(v, _mm_castsi128_ps(_mm_cmpgt_epi32(_mm_set1_epi32(n), _mm_setr_epi32(0, 1, 2, 3))));
  }
  static V add(V a, V b) { return _mm_add_ps(a, b); }
  static V sub(V a, V b) { return _mm_sub_ps(a, b); }
  static V max(V a, V b) { return _mm_max_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static V scale(V p, V, V biased) {
    const __m128i bits =
        _mm_add_epi32(_mm_slli_epi32(_mm_castps_si128(biased), 23), _mm_set1_epi32(mlas::kExponentOne));
    return _mm_mul_ps(p, _mm_castsi128_ps(bits));
  }
  static void to_array(V v, float* out) { _mm_storeu_ps(out, v); }
};

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

SSDX_TARGET_AVX512 void softmax_rows_avx512(const float* x, float* y, int64_t rows, int64_t d) {
  softmax_rows_with<Avx512Lanes>(x, y, rows, d);
}
SSDX_TARGET_AVX2 void softmax_rows_avx2(const float* x, float* y, int64_t rows, int64_t d) {
  softmax_rows_with<Avx2Lanes>(x, y, rows, d);
}

constexpr int64_t kParallelMinElements = 1 << 15;
constexpr int64_t kRowsPerTask = 64;

// Softmax over `dim` with stride `inner` (opset 13, axis not last). Like ORT, which transposes the axis to the end:
// blocks of adjacent columns are gathered into contiguous rows (reading memory in rows), run through the row
// kernel, and scattered back.
void softmax_strided(const float* x, float* y, const AxisSplit& s, Isa isa) {
  constexpr int64_t kBlock = 16;
  const int64_t nblocks = (s.inner + kBlock - 1) / kBlock;
  const int64_t tasks = s.outer * nblocks;
#pragma omp parallel if (s.outer * s.dim * s.inner > kParallelMinElements)
  {
    std::vector<float> rows(static_cast<size_t>(kBlock * s.dim));
#pragma omp for schedule(static)
    for (int64_t t = 0; t < tasks; ++t) {
      const int64_t o = t / nblocks, j0 = (t % nblocks) * kBlock;
      const int64_t w = std::min(kBlock, s.inner - j0);
      const int64_t base = o * s.dim * s.inner + j0;
      for (int64_t i = 0; i < s.dim; ++i)
        for (int64_t j = 0; j < w; ++j) rows[static_cast<size_t>(j * s.dim + i)] = x[base + i * s.inner + j];
      softmax_rows(rows.data(), rows.data(), w, s.dim, isa);
      for (int64_t i = 0; i < s.dim; ++i)
        for (int64_t j = 0; j < w; ++j) y[base + i * s.inner + j] = rows[static_cast<size_t>(j * s.dim + i)];
    }
  }
}

void softmax_kernel(const SoftmaxParams& p, const Tensor& x, Tensor& y) {
  if (x.numel() == 0) return;
  const AxisSplit s = softmax_split(p, x.shape());
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  const Isa isa = host_isa();
  if (s.inner != 1) {
    softmax_strided(src, dst, s, isa);
    return;
  }
  // Threads split rows only, never a row, so results do not depend on the thread count (as in ORT).
  const int64_t tasks = (s.outer + kRowsPerTask - 1) / kRowsPerTask;
#pragma omp parallel for if (s.outer * s.dim > kParallelMinElements) schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t r0 = t * kRowsPerTask;
    softmax_rows(src + r0 * s.dim, dst + r0 * s.dim, std::min(kRowsPerTask, s.outer - r0), s.dim, isa);
  }
}

std::unique_ptr<Kernel> create_softmax(const OpContext& ctx) {
  return make_kernel([p = parse_softmax(ctx)](KernelContext& kc) { softmax_kernel(p, kc.input(0), kc.output(0)); },
                     std::string("simd:") + isa_name(host_isa()));
}

}  // namespace

void softmax_rows(const float* x, float* y, int64_t rows, int64_t d, Isa isa) {
  if (!isa_supported(isa)) fail("Softmax: this CPU cannot run the ", isa_name(isa), " kernel");
  switch (isa) {
    case Isa::Avx512: return softmax_rows_avx512(x, y, rows, d);
    case Isa::Avx2: return softmax_rows_avx2(x, y, rows, d);
    case Isa::Baseline: return softmax_rows_with<SseLanes>(x, y, rows, d);
  }
}

void register_softmax_ops(OpRegistry& r) {
  r.add({"", "Softmax", 1, 12, infer_softmax, create_softmax});
  r.add({"", "Softmax", 13, INT64_MAX, infer_softmax, create_softmax});
}

}  // namespace ssdx
