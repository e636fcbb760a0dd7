// Softmax (float32). Opset 1-12: the input is coerced to 2-D [prod(dims[:axis]), prod(dims[axis:])] and each row is
// normalized jointly over all trailing dims (default axis 1). Opset 13+: normalized along the single dim `axis`
// (default -1). Numerics follow onnxruntime/MLAS: row max, exp(x + (-max)), ONE reciprocal of the sum, multiply.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/op_util.h"
#include "ops/registry.h"

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

// ---- reference kernels ----
// TODO: std::exp differs from MLAS's polynomial exp by a few ulps (ORT_SEMANTICS.md §3); port it for bit-exactness.

constexpr int64_t kParallelMinElements = 1 << 15;

// One contiguous row of length d.
void softmax_row(const float* x, float* y, int64_t d) {
  float m = std::numeric_limits<float>::lowest();  // MLAS starts from FLT_LOWEST, not -inf
  for (int64_t j = 0; j < d; ++j) m = x[j] > m ? x[j] : m;
  const float nm = -m;
  float sum = 0.f;
  for (int64_t j = 0; j < d; ++j) {
    const float e = std::exp(x[j] + nm);
    y[j] = e;
    sum += e;
  }
  const float r = 1.f / sum;
  for (int64_t j = 0; j < d; ++j) y[j] *= r;
}

// Softmax over `dim` with stride `inner` (opset 13, axis not last). Processes a block of adjacent columns at once so
// memory is read in rows, without transposing; per column the arithmetic is exactly that of softmax_row.
void softmax_strided(const float* x, float* y, const AxisSplit& s) {
  constexpr int64_t kBlock = 64;
  const int64_t nblocks = (s.inner + kBlock - 1) / kBlock;
  const int64_t tasks = s.outer * nblocks;
#pragma omp parallel for if (s.outer * s.dim * s.inner > kParallelMinElements) schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t o = t / nblocks;
    const int64_t j0 = (t % nblocks) * kBlock;
    const int64_t w = std::min(kBlock, s.inner - j0);
    const int64_t base = o * s.dim * s.inner + j0;
    float m[kBlock], sum[kBlock];
    for (int64_t j = 0; j < w; ++j) {
      m[j] = std::numeric_limits<float>::lowest();
      sum[j] = 0.f;
    }
    for (int64_t i = 0; i < s.dim; ++i) {
      const float* row = x + base + i * s.inner;
      for (int64_t j = 0; j < w; ++j) m[j] = row[j] > m[j] ? row[j] : m[j];
    }
    for (int64_t i = 0; i < s.dim; ++i) {
      const float* row = x + base + i * s.inner;
      float* out = y + base + i * s.inner;
      for (int64_t j = 0; j < w; ++j) {
        const float e = std::exp(row[j] + -m[j]);
        out[j] = e;
        sum[j] += e;
      }
    }
    for (int64_t j = 0; j < w; ++j) sum[j] = 1.f / sum[j];  // now the reciprocal
    for (int64_t i = 0; i < s.dim; ++i) {
      float* out = y + base + i * s.inner;
      for (int64_t j = 0; j < w; ++j) out[j] *= sum[j];
    }
  }
}

void softmax_kernel(const SoftmaxParams& p, const Tensor& x, Tensor& y) {
  if (x.numel() == 0) return;
  const AxisSplit s = softmax_split(p, x.shape());
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  if (s.inner != 1) {
    softmax_strided(src, dst, s);
    return;
  }
  // Threads split rows only, never a row, so results do not depend on the thread count (as in ORT).
#pragma omp parallel for if (s.outer * s.dim > kParallelMinElements) schedule(static)
  for (int64_t r = 0; r < s.outer; ++r) softmax_row(src + r * s.dim, dst + r * s.dim, s.dim);
}

std::unique_ptr<Kernel> create_softmax(const OpContext& ctx) {
  return make_kernel([p = parse_softmax(ctx)](KernelContext& kc) { softmax_kernel(p, kc.input(0), kc.output(0)); });
}

}  // namespace

void register_softmax_ops(OpRegistry& r) {
  r.add({"", "Softmax", 1, 12, infer_softmax, create_softmax});
  r.add({"", "Softmax", 13, INT64_MAX, infer_softmax, create_softmax});
}

}  // namespace ssdx
