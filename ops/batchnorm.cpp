// BatchNormalization, inference form (opset 7, 9, 14, 15): y = (x - mean) / sqrt(var + eps) * scale + bias.
// Folded into the preceding Conv by a graph pass when possible; this kernel runs the rest.
#include <cmath>

#include "ops/registry.h"

namespace ssdx {
namespace {

struct BatchNormParams {
  float epsilon = 1e-5f;
};

BatchNormParams read_batchnorm_params(const OpContext& ctx) {
  ctx.require_inputs(5, 5);
  for (int i = 0; i < 5; ++i) ctx.require_dtype(i, {DataType::Float});
  if (ctx.attrs().get_int("training_mode", 0) != 0) fail("training_mode=1 is not supported (inference engine)");
  if (ctx.opset() < 9 && ctx.attrs().get_int("spatial", 1) != 1) fail("spatial=0 is not supported");
  if (ctx.num_outputs() > 1) fail("the training outputs (running mean/var) are not supported");
  BatchNormParams p;
  p.epsilon = ctx.attrs().get_float("epsilon", 1e-5f);
  if (!(p.epsilon >= 0)) fail("epsilon ", p.epsilon, " must be non-negative");
  return p;
}

void infer_batchnorm(OpContext& ctx) {
  read_batchnorm_params(ctx);
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 2) fail("input ", shape_str(x), " needs at least 2 dims (N, C, ...)");
  for (int i = 1; i < 5; ++i) {
    const Shape& s = ctx.input_shape(i);
    if (s.size() != 1 || (s[0] >= 0 && x[1] >= 0 && s[0] != x[1]))
      fail("input ", i, " ", shape_str(s), " must be 1-D with ", x[1], " channels");
  }
  ctx.set_output(0, DataType::Float, x);
}

// y = a[c] * x + b[c] with a = scale / sqrt(var + eps), b = bias - mean * a
void batchnorm_kernel(const BatchNormParams& p, const KernelContext& ctx, Tensor& y) {
  const Tensor& x = ctx.input(0);
  const int64_t batch = x.dim(0), channels = x.dim(1);
  const int64_t plane = channels ? x.numel() / std::max<int64_t>(1, batch * channels) : 0;
  const float* scale = ctx.input(1).data<float>();
  const float* bias = ctx.input(2).data<float>();
  const float* mean = ctx.input(3).data<float>();
  const float* var = ctx.input(4).data<float>();
  const float* src = x.data<float>();
  float* dst = y.data<float>();
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const float a = scale[c] / std::sqrt(var[c] + p.epsilon);
      const float b = bias[c] - mean[c] * a;
      const float* in = src + (n * channels + c) * plane;
      float* out = dst + (n * channels + c) * plane;
      for (int64_t i = 0; i < plane; ++i) out[i] = a * in[i] + b;
    }
}

}  // namespace

void register_batchnorm_ops(OpRegistry& r) {
  r.add({"", "BatchNormalization", 7, INT64_MAX, infer_batchnorm, [](const OpContext& ctx) {
           BatchNormParams p = read_batchnorm_params(ctx);
           return make_kernel([p](KernelContext& kc) { batchnorm_kernel(p, kc, kc.output(0)); }, "ref");
         }});
}

}  // namespace ssdx
