// LpNormalization (opset 1): y = x / ||x||_p along `axis` (default -1), p = 1 or 2, float32. No epsilon; a zero
// vector stays zero (onnxruntime 1.30 gives 0 there, not 0/0 = NaN). Over a middle axis with at least one vector block of trailing positions
// (SSD's conv4_3: axis 1 of [N, 512, 38, 38]) the vectorised channel kernel runs (ops/channel_norm.h); the plain
// loop below is the reference and serves the last axis.
#include <cmath>

#include "ops/channel_norm.h"
#include "ops/op_util.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

struct LpNormParams {
  int64_t axis = -1;
  int p = 2;
};

LpNormParams read_lpnorm(const OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, {DataType::Float});
  LpNormParams lp;
  lp.axis = ctx.attrs().get_int("axis", -1);
  const int64_t p = ctx.attrs().get_int("p", 2);
  if (p != 1 && p != 2) fail("LpNormalization p must be 1 or 2, got ", p);
  lp.p = static_cast<int>(p);
  return lp;
}

// Each vector x[o, :, i] on its own, channels summed in increasing order.
void lpnorm_ref(const float* x, const AxisSplit& s, int p, float* y) {
#pragma omp parallel for if (s.outer * s.dim * s.inner > (1 << 15)) schedule(static)
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      const float* v = x + o * s.dim * s.inner + i;
      float sum = 0.f;
      for (int64_t d = 0; d < s.dim; ++d) sum += p == 2 ? v[d * s.inner] * v[d * s.inner] : std::fabs(v[d * s.inner]);
      const float norm = p == 2 ? std::sqrt(sum) : sum;
      float* out = y + o * s.dim * s.inner + i;
      for (int64_t d = 0; d < s.dim; ++d) out[d * s.inner] = norm == 0.f ? 0.f : v[d * s.inner] / norm;
    }
}

void infer_lpnorm(OpContext& ctx) {
  read_lpnorm(ctx);
  if (!ctx.input_shape_known(0)) return ctx.set_output_dtype(0, DataType::Float);
  const Shape& x = ctx.input_shape(0);
  normalize_axis(ctx.attrs().get_int("axis", -1), static_cast<int64_t>(x.size()), "LpNormalization");
  ctx.set_output(0, DataType::Float, x);
}

std::unique_ptr<Kernel> create_lpnorm(const OpContext& ctx) {
  const LpNormParams lp = read_lpnorm(ctx);
  const KernelIsa impl = choose_kernel_isa(ctx.hints().reference);
  // The channel kernel for a middle axis whose trailing block is at least one vector wide.
  const auto use_channel = [impl](const AxisSplit& s) { return !impl.reference && s.inner >= 16; };
  bool channel = false;
  if (ctx.input_shape_known(0) && shape_is_static(ctx.input_shape(0))) {
    const Shape& x = ctx.input_shape(0);
    channel = use_channel(split_at_axis(x, normalize_axis(lp.axis, static_cast<int64_t>(x.size()), "LpNormalization")));
  }
  return make_kernel(
      [lp, impl, use_channel](KernelContext& kc) {
        const Tensor& x = kc.input(0);
        Tensor& y = kc.output(0);
        if (x.numel() == 0) return;
        const AxisSplit s = split_at_axis(x.shape(), normalize_axis(lp.axis, x.rank(), "LpNormalization"));
        if (use_channel(s)) channel_normalize(x.data<float>(), s, lp.p, y.data<float>(), impl.isa);
        else lpnorm_ref(x.data<float>(), s, lp.p, y.data<float>());
      },
      channel ? impl.impl_name("lpnorm") : "ref");
}

}  // namespace

void register_normalize_ops(OpRegistry& r) {
  r.add({"", "LpNormalization", 1, INT64_MAX, infer_lpnorm, create_lpnorm});
}

}  // namespace ssdx
