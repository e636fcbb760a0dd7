// Activations with parameters: Clip in all its ONNX forms, LeakyRelu, HardSigmoid and HardSwish (float32).
//   Clip 6-10: bounds in the min/max attributes (float32).
//   Clip 11:   bounds as optional scalar inputs 1 and 2 (float32 here; ONNX also lists float16 and double).
//   Clip 12+:  the same inputs for every numeric dtype the engine computes in (float32, int8, uint8, int32, int64);
//              a bound has the input's dtype, an omitted one is the dtype's lowest / highest value.
// onnxruntime's arithmetic: Clip is max(x, lo) then min(., hi), so NaN passes through and min > max makes every value
// max; LeakyRelu is x >= 0 ? x : alpha * x; HardSigmoid (6+) is max(0, min(1, alpha * x + beta)), alpha 0.2 and
// beta 0.5 by default; HardSwish (14+) is x * HardSigmoid(x) with alpha = 1/6 rounded to float32 and beta 0.5, as
// ONNX's function body for it says (x * (1/6), not x / 6).
#include <immintrin.h>

#include <cfloat>
#include <limits>

#include "ops/broadcast.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

void infer_float_unary(OpContext& ctx, int max_inputs) {
  ctx.require_inputs(1, max_inputs);
  for (int i = 0; i < max_inputs; ++i) ctx.require_dtype(i, {DataType::Float});
  if (ctx.input_shape_known(0)) ctx.set_output(0, DataType::Float, ctx.input_shape(0));
  else ctx.set_output_dtype(0, DataType::Float);
}

// Clip 11+: input 0 of one of `dtypes`, bounds (when given) of the same dtype.
void infer_clip_inputs(OpContext& ctx, std::initializer_list<DataType> dtypes) {
  ctx.require_inputs(1, 3);
  ctx.require_dtype(0, dtypes);
  const DataType t = ctx.input_dtype(0);
  for (int i = 1; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i) && ctx.input_dtype(i) != t)
      fail("Clip ", i == 1 ? "min" : "max", " is ", dtype_name(ctx.input_dtype(i)), " but the input is ", dtype_name(t));
  if (ctx.input_shape_known(0)) ctx.set_output(0, t, ctx.input_shape(0));
  else ctx.set_output_dtype(0, t);
}

template <typename F>
void map_floats(const Tensor& x, Tensor& y, F f) {
  map_elements<float, float>(x, y, f);
}

// y = min(max(x, lo), hi), written as the two compares maxps/minps make (the compiler vectorises the loop): a NaN x
// fails both compares and is kept.
template <typename T>
void clip_values(const Tensor& x, Tensor& y, T lo, T hi) {
  const T* src = x.data<T>();
  T* dst = y.data<T>();
  const int64_t n = x.numel();
#pragma omp parallel for if (n > (1 << 18)) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const T v = src[i] < lo ? lo : src[i];
    dst[i] = hi < v ? hi : v;
  }
}

// A Clip bound from input i (opset 11+), or `fallback` when omitted.
template <typename T>
T clip_bound(const KernelContext& kc, int i, T fallback) {
  const Tensor* t = kc.optional_input(i);
  if (!t) return fallback;
  if (t->numel() != 1) fail("Clip bound ", i == 1 ? "min" : "max", " must be a scalar, got shape ", shape_str(t->shape()));
  if (t->dtype() != DTypeOf<T>::value)
    fail("Clip bound ", i == 1 ? "min" : "max", " is ", dtype_name(t->dtype()), ", the input ", dtype_name(DTypeOf<T>::value));
  return t->data<T>()[0];
}

std::unique_ptr<Kernel> create_clip_attrs(const OpContext& ctx) {
  const float lo = ctx.attrs().get_float("min", -FLT_MAX), hi = ctx.attrs().get_float("max", FLT_MAX);
  return make_kernel([=](KernelContext& kc) { clip_values(kc.input(0), kc.output(0), lo, hi); }, "ref");
}

std::unique_ptr<Kernel> create_clip_inputs(const OpContext&) {
  return make_kernel([](KernelContext& kc) {
    dispatch_dtype(kc.input(0).dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, bool>) {
        fail("Clip does not take bool");
      } else {
        const T lo = clip_bound(kc, 1, std::numeric_limits<T>::lowest());
        const T hi = clip_bound(kc, 2, std::numeric_limits<T>::max());
        clip_values(kc.input(0), kc.output(0), lo, hi);
      }
    });
  }, "ref");
}

std::unique_ptr<Kernel> create_leaky_relu(const OpContext& ctx) {
  const float alpha = ctx.attrs().get_float("alpha", 0.01f);
  return make_kernel([alpha](KernelContext& kc) {
    map_floats(kc.input(0), kc.output(0), [alpha](float v) { return v >= 0.f ? v : alpha * v; });
  }, "ref");
}

// max(0, min(1, alpha * x + beta)) as two compares written so a NaN fails both and passes through, as in
// onnxruntime (checked against it with NaN at vector and tail positions).
inline float hard_sigmoid_value(float x, float alpha, float beta) {
  const float v = alpha * x + beta;
  const float hi = 1.f < v ? 1.f : v;
  return hi < 0.f ? 0.f : hi;
}

// y = HardSigmoid(x), or x * HardSigmoid(x) (HardSwish), four at a time: minps(1, v) is 1 < v ? 1 : v and
// maxps(0, h) is 0 > h ? 0 : h, hard_sigmoid_value's compares exactly (NaN passes). Written out because GCC keeps
// the multiply after a select as control flow under -ftrapping-math and would not vectorise the loop.
template <bool Swish>
void hard_sigmoid_kernel(const Tensor& x, Tensor& y, float alpha, float beta) {
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  const int64_t n = x.numel(), vec = n / 4 * 4;
  const __m128 a = _mm_set1_ps(alpha), b = _mm_set1_ps(beta), one = _mm_set1_ps(1.f), zero = _mm_setzero_ps();
#pragma omp parallel for if (n > (int64_t{1} << 16)) schedule(static)
  for (int64_t i = 0; i < vec; i += 4) {
    const __m128 v = _mm_loadu_ps(src + i);
    const __m128 h = _mm_max_ps(zero, _mm_min_ps(one, _mm_add_ps(_mm_mul_ps(a, v), b)));
    _mm_storeu_ps(dst + i, Swish ? _mm_mul_ps(v, h) : h);
  }
  for (int64_t i = vec; i < n; ++i) {
    const float h = hard_sigmoid_value(src[i], alpha, beta);
    dst[i] = Swish ? src[i] * h : h;
  }
}

std::unique_ptr<Kernel> create_hard_sigmoid(const OpContext& ctx) {
  const float alpha = ctx.attrs().get_float("alpha", 0.2f), beta = ctx.attrs().get_float("beta", 0.5f);
  if (ctx.hints().reference)
    return make_kernel([alpha, beta](KernelContext& kc) {
      map_floats(kc.input(0), kc.output(0), [alpha, beta](float v) { return hard_sigmoid_value(v, alpha, beta); });
    }, "ref");
  return make_kernel([alpha, beta](KernelContext& kc) {
    hard_sigmoid_kernel<false>(kc.input(0), kc.output(0), alpha, beta);
  }, "elementwise");
}

std::unique_ptr<Kernel> create_hard_swish(const OpContext& ctx) {
  constexpr float kSixth = 1.f / 6.f;
  if (ctx.hints().reference)
    return make_kernel([](KernelContext& kc) {
      map_floats(kc.input(0), kc.output(0), [](float v) { return v * hard_sigmoid_value(v, kSixth, 0.5f); });
    }, "ref");
  return make_kernel([](KernelContext& kc) { hard_sigmoid_kernel<true>(kc.input(0), kc.output(0), kSixth, 0.5f); },
                     "elementwise");
}

}  // namespace

void register_activation_ops(OpRegistry& r) {
  r.add({"", "Clip", 6, 10, [](OpContext& c) { infer_float_unary(c, 1); }, create_clip_attrs});
  r.add({"", "Clip", 11, 11, [](OpContext& c) { infer_clip_inputs(c, {DataType::Float}); }, create_clip_inputs});
  r.add({"", "Clip", 12, INT64_MAX,
         [](OpContext& c) {
           infer_clip_inputs(c, {DataType::Float, DataType::Int8, DataType::UInt8, DataType::Int32, DataType::Int64});
         },
         create_clip_inputs});
  r.add({"", "LeakyRelu", 6, INT64_MAX, [](OpContext& c) { infer_float_unary(c, 1); }, create_leaky_relu});
  r.add({"", "HardSigmoid", 6, INT64_MAX, [](OpContext& c) { infer_float_unary(c, 1); }, create_hard_sigmoid});
  r.add({"", "HardSwish", 14, INT64_MAX, [](OpContext& c) { infer_float_unary(c, 1); }, create_hard_swish});
}

}  // namespace ssdx
