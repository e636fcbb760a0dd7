// Float activations with parameters: Clip (opset 6: min/max attributes; 11+: optional scalar inputs) and LeakyRelu.
// onnxruntime's arithmetic: Clip is max then min with NaN passing through, LeakyRelu is x >= 0 ? x : alpha * x.
#include <cfloat>

#include "ops/registry.h"

namespace ssdx {
namespace {

void infer_float_unary(OpContext& ctx, int max_inputs) {
  ctx.require_inputs(1, max_inputs);
  for (int i = 0; i < max_inputs; ++i) ctx.require_dtype(i, {DataType::Float});
  if (ctx.input_shape_known(0)) ctx.set_output(0, DataType::Float, ctx.input_shape(0));
  else ctx.set_output_dtype(0, DataType::Float);
}

template <typename F>
void map_floats(const Tensor& x, Tensor& y, F f) {
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  const int64_t n = x.numel();
#pragma omp parallel for if (n > (1 << 16)) schedule(static)
  for (int64_t i = 0; i < n; ++i) dst[i] = f(src[i]);
}

// A Clip bound from input i (opset 11+), or `fallback` when omitted.
float clip_bound(const KernelContext& kc, int i, float fallback) {
  const Tensor* t = kc.optional_input(i);
  if (!t) return fallback;
  if (t->numel() != 1) fail("Clip bound ", i == 1 ? "min" : "max", " must be a scalar, got shape ", shape_str(t->shape()));
  return static_cast<float>(t->float_at(0));
}

std::unique_ptr<Kernel> create_clip(const OpContext& ctx) {
  const bool from_inputs = ctx.opset() >= 11;
  const float attr_lo = ctx.attrs().get_float("min", -FLT_MAX), attr_hi = ctx.attrs().get_float("max", FLT_MAX);
  return make_kernel([=](KernelContext& kc) {
    const float lo = from_inputs ? clip_bound(kc, 1, -FLT_MAX) : attr_lo;
    const float hi = from_inputs ? clip_bound(kc, 2, FLT_MAX) : attr_hi;
    map_floats(kc.input(0), kc.output(0), [lo, hi](float v) {
      v = v < lo ? lo : v;
      return hi < v ? hi : v;
    });
  }, "ref");
}

std::unique_ptr<Kernel> create_leaky_relu(const OpContext& ctx) {
  const float alpha = ctx.attrs().get_float("alpha", 0.01f);
  return make_kernel([alpha](KernelContext& kc) {
    map_floats(kc.input(0), kc.output(0), [alpha](float v) { return v >= 0.f ? v : alpha * v; });
  }, "ref");
}

}  // namespace

void register_activation_ops(OpRegistry& r) {
  r.add({"", "Clip", 6, 10, [](OpContext& c) { infer_float_unary(c, 1); }, create_clip});
  r.add({"", "Clip", 11, INT64_MAX, [](OpContext& c) { infer_float_unary(c, 3); }, create_clip});
  r.add({"", "LeakyRelu", 6, INT64_MAX, [](OpContext& c) { infer_float_unary(c, 1); }, create_leaky_relu});
}

}  // namespace ssdx
