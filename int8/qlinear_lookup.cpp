// onnxruntime's contrib ops QLinearLeakyRelu and QLinearSigmoid (com.microsoft, opset 1), uint8/int8 with per-tensor
// scales and zero points. ORT maps every input byte through a 256-entry table
// (contrib_ops/cpu/quantization/qlinear_lookup_table.cc, qlinear_activations.cc):
//   table[v] = QuantizeLinear(f(x_scale * (v - x_zp)), y_scale, y_zp)
// with f evaluated in float exactly as ORT does, and MlasQuantizeLinear's rounding (docs/ort_arithmetic.md §7, §4).
#include <algorithm>
#include <array>
#include <cmath>

#include "ops/cpu_isa.h"
#include "int8/quant_util.h"
#include "int8/register_quant.h"

namespace ssdx {
namespace {

constexpr int kX = kUnaryX, kXScale = kUnaryXScale, kXZp = kUnaryXZp, kYScale = kUnaryYScale, kYZp = kUnaryYZp;

enum class Activation { LeakyRelu, Sigmoid };

struct LookupParams {
  Activation act;
  float alpha = 0.01f;  // LeakyRelu's slope (ORT's default)
  bool fma = true;      // Sigmoid: ORT's FMA3 kernel (AVX2 hosts) rather than its SSE2 one
};

// ---- the activations, in ORT's float arithmetic ----

// MlasComputeLogistic (core/mlas/lib/logistic.cpp, x86_64/LogisticKernelFma3.S): Eigen's rational approximation
// p(x) / q(x) + 0.5 on x clamped to [-18, 18]. On AVX2 hosts (ORT's LogisticKernelRoutine) the polynomials are FMA
// chains and only the lower bound 0 is clamped; the SSE2 kernel multiplies and adds separately and clamps to [0, 1].
float mlas_logistic(float v, bool fma) {
  constexpr float a9 = 4.37031012579801e-11f, a7 = 1.15627324459942e-07f, a5 = 6.08574864600143e-05f,
                  a3 = 8.51377133304701e-03f, a1 = 2.48287947061529e-01f;
  constexpr float b10 = 6.10247389755681e-13f, b8 = 5.76102136993427e-09f, b6 = 6.29106785017040e-06f,
                  b4 = 1.70198817374094e-03f, b2 = 1.16817656904453e-01f, b0 = 9.93151921023180e-01f;
  auto madd = [fma](float x, float y, float z) { return fma ? std::fma(x, y, z) : x * y + z; };
  float x = -18.f > v ? -18.f : v;  // maxps(lower, v), then minps(upper, v)
  x = 18.f < x ? 18.f : x;
  const float x2 = x * x;
  float p = madd(x2, a9, a7);
  p = madd(x2, p, a5);
  p = madd(x2, p, a3);
  p = madd(x2, p, a1);
  p = x * p;
  float q = madd(x2, b10, b8);
  q = madd(x2, q, b6);
  q = madd(x2, q, b4);
  q = madd(x2, q, b2);
  q = madd(x2, q, b0);
  const float r = p / q + 0.5f;
  if (fma) return r > 0.f ? r : 0.f;
  return std::min(std::max(r, 0.f), 1.f);
}

float activation(const LookupParams& p, float v) {
  if (p.act == Activation::LeakyRelu) return v >= 0.f ? v : p.alpha * v;  // qlinear_activations.cc
  return mlas_logistic(v, p.fma);
}

// ---- shape function ----

LookupParams read_lookup_params(const OpContext& ctx, Activation act) {
  ctx.require_inputs(4, 5);
  LookupParams p{act};
  if (act == Activation::LeakyRelu) p.alpha = ctx.attrs().get_float("alpha", 0.01f);
  // What ORT's MLAS picks from CPUID on this machine (not capped by SSDX_MAX_ISA: this is about matching ORT here).
  p.fma = isa_supported(Isa::Avx2);
  return p;
}

void infer_lookup(OpContext& ctx, Activation act) {
  read_lookup_params(ctx, act);
  check_unary_qlinear_inputs(ctx);
  const DataType t = ctx.input_dtype(kX);
  if (ctx.input_shape_known(kX)) ctx.set_output(0, t, ctx.input_shape(kX));
  else ctx.set_output_dtype(0, t);
}

// ---- reference kernel ----

using Table = std::array<uint8_t, 256>;  // output bytes, indexed by the input byte

// ORT's QlinearBuildLookupTable: dequantize every byte value, apply f, quantize.
template <typename T>
Table build_table(const LookupParams& p, float x_scale, int32_t x_zp, float y_scale, int32_t y_zp) {
  Table table;
  for (int i = 0; i < 256; ++i) {
    const T v = static_cast<T>(static_cast<uint8_t>(i));
    const T y = quantize_value<T>(activation(p, dequantize_value(v, x_scale, x_zp)), y_scale, y_zp);
    table[static_cast<size_t>(i)] = static_cast<uint8_t>(y);
  }
  return table;
}

Table table_from(const LookupParams& p, DataType t, const Tensor& xs, const Tensor* xz, const Tensor& ys, const Tensor* yz) {
  const float x_scale = scalar_scale(xs, "X_scale"), y_scale = scalar_scale(ys, "Y_scale");
  const int32_t x_zp = scalar_zero_point(xz, "X_zero_point"), y_zp = scalar_zero_point(yz, "Y_zero_point");
  return dispatch_q8(t, [&](auto tag) { return build_table<decltype(tag)>(p, x_scale, x_zp, y_scale, y_zp); });
}

void apply_table(const Table& table, const Tensor& x, Tensor& y) {
  const auto* src = static_cast<const uint8_t*>(x.raw());
  auto* dst = static_cast<uint8_t*>(y.raw());
  const int64_t n = x.numel();
#pragma omp parallel for if (n > (1 << 16)) schedule(static)
  for (int64_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

// The table is built once at creation when the scales and zero points are constants (as ORT does), else per run.
std::unique_ptr<Kernel> create_lookup(const OpContext& ctx, Activation act) {
  const LookupParams p = read_lookup_params(ctx, act);
  const bool fixed = ctx.input_constant(kXScale) && ctx.input_constant(kYScale) &&
                     (!ctx.has_input(kXZp) || ctx.input_constant(kXZp)) && (!ctx.has_input(kYZp) || ctx.input_constant(kYZp));
  if (fixed) {
    const Table table = table_from(p, ctx.input_dtype(kX), *ctx.input_constant(kXScale), ctx.input_constant(kXZp),
                                   *ctx.input_constant(kYScale), ctx.input_constant(kYZp));
    return make_kernel([table](KernelContext& kc) { apply_table(table, kc.input(kX), kc.output(0)); }, "ref");
  }
  return make_kernel([p](KernelContext& kc) {
    const Tensor& x = kc.input(kX);
    const Table table = table_from(p, x.dtype(), kc.input(kXScale), kc.optional_input(kXZp), kc.input(kYScale),
                                   kc.optional_input(kYZp));
    apply_table(table, x, kc.output(0));
  }, "ref");
}

}  // namespace

void register_qlinear_lookup_ops(OpRegistry& r) {
  r.add({kMicrosoftDomain, "QLinearLeakyRelu", 1, INT64_MAX, [](OpContext& c) { infer_lookup(c, Activation::LeakyRelu); },
         [](const OpContext& c) { return create_lookup(c, Activation::LeakyRelu); }});
  r.add({kMicrosoftDomain, "QLinearSigmoid", 1, INT64_MAX, [](OpContext& c) { infer_lookup(c, Activation::Sigmoid); },
         [](const OpContext& c) { return create_lookup(c, Activation::Sigmoid); }});
}

}  // namespace ssdx
