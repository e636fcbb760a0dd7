// Softmax (float32). Opset 1-12: the input is coerced to 2-D [prod(dims[:axis]), prod(dims[axis:])] and each row is
// normalized jointly over all trailing dims (default axis 1). Opset 13+: normalized along the single dim `axis`
// (default -1). Numerics are onnxruntime's (MLAS): the row kernel in softmax_rows.h, one variant per ISA chosen at
// creation ("softmax:avx512"); KernelHints::reference runs the plain definition instead.
#include "ops/softmax.h"

#include <cmath>
#include <vector>

#include "ops/op_util.h"
#include "ops/registry.h"
#include "ops/softmax_rows.h"

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
// The row kernel (softmax_rows.h) per ISA: SseLanes here, the AVX2 and AVX-512 lanes in their own files.

// onnxruntime's Softmax is MlasComputeSoftmax (onnxruntime/core/mlas/lib/compute.cpp): per row the maximum m, then
// e_j = exp(x_j + -m) summed into one vector accumulator (lane k gets elements k, k+W, k+2W... in order, the tail of
// the row through a mask), a fixed horizontal sum, ONE reciprocal of the sum, and y_j = e_j * (1/sum). The exp is a
// polynomial, not std::exp. On x86-64 the row kernels are AVX-512F or AVX2/FMA3 assembly, W = 16 or 8; each variant
// below mirrors one of them operation for operation, so our rows equal ORT's bit for bit on the same ISA.

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

// The reference kernel (KernelHints::reference): the definition, max-shifted, with std::exp and a division.
void softmax_ref(const float* x, float* y, const AxisSplit& s) {
#pragma omp parallel for collapse(2) if (s.outer * s.dim * s.inner > kParallelMinElements) schedule(static)
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t j = 0; j < s.inner; ++j) {
      const int64_t base = o * s.dim * s.inner + j;
      float m = x[base];
      for (int64_t i = 1; i < s.dim; ++i) m = std::max(m, x[base + i * s.inner]);
      float sum = 0.f;
      for (int64_t i = 0; i < s.dim; ++i) sum += (y[base + i * s.inner] = std::exp(x[base + i * s.inner] - m));
      for (int64_t i = 0; i < s.dim; ++i) y[base + i * s.inner] /= sum;
    }
}

void softmax_kernel(const SoftmaxParams& p, KernelIsa impl, const Tensor& x, Tensor& y) {
  if (x.numel() == 0) return;
  const AxisSplit s = softmax_split(p, x.shape());
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  if (impl.reference) return softmax_ref(src, dst, s);
  const Isa isa = impl.isa;
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
  const KernelIsa impl = choose_kernel_isa(ctx.hints().reference);
  return make_kernel([p = parse_softmax(ctx), impl](KernelContext& kc) { softmax_kernel(p, impl, kc.input(0), kc.output(0)); },
                     impl.impl_name("softmax"));
}

}  // namespace

void softmax_rows(const float* x, float* y, int64_t rows, int64_t d, Isa isa) {
  if (!isa_supported(isa)) fail("Softmax: this CPU cannot run the ", isa_name(isa), " kernel");
  switch (isa) {
    case Isa::Avx512: return avx512::softmax_rows(x, y, rows, d);
    case Isa::Avx2: return avx2::softmax_rows(x, y, rows, d);
    case Isa::Baseline: return softmax_rows_with<SseLanes>(x, y, rows, d);
  }
}

void register_softmax_ops(OpRegistry& r) {
  r.add({"", "Softmax", 1, 12, infer_softmax, create_softmax});
  r.add({"", "Softmax", 13, INT64_MAX, infer_softmax, create_softmax});
}

}  // namespace ssdx
