// Element-wise math beyond the four arithmetic ops: Pow, Sqrt, Ceil, Floor, and the variadic Max and Min.
//   Pow 7-11:  float32 base and exponent.  Pow 12+: base float32/int32/int64, exponent float32/int32/int64 (13 and
//              15 add only bfloat16, which the engine does not compute in). numpy broadcasting in every form.
//   Sqrt, Ceil, Floor 6+: float32 (13 adds bfloat16).
//   Max, Min 6-7: 1..N float32 inputs of one shape; 8-11: numpy broadcasting across all inputs, float32;
//              12+: float32, int32, int64, int8, uint8.
// onnxruntime's arithmetic, which the tests check bit for bit: Pow is std::pow (powf for a float exponent, the
// double pow rounded for an integer one), except where the exponent is one value across a run of base elements (a
// one-element exponent, or one broadcast along the innermost dimension): 2 is x*x and 3 is x*x*x there.
// Max and Min propagate NaN; between -0 and +0 they return the later input's zero.
#include <immintrin.h>

#include <cmath>
#include <limits>

#include "ops/broadcast.h"
#include "ops/int_arith.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

// ---- Pow ----

// std::pow's result in T: integer results as x86's truncating conversion gives them (out of range or NaN: the
// type's lowest value), as onnxruntime's static_cast does on this CPU.
template <typename T, typename E>
T pow_value(T x, E y) {
  if constexpr (std::is_same_v<T, float> && std::is_same_v<E, float>) {
    return std::pow(x, y);  // powf
  } else {
    const double r = std::pow(static_cast<double>(x), static_cast<double>(y));
    if constexpr (std::is_same_v<T, float>) {
      return static_cast<float>(r);
    } else {
      constexpr double lim = -static_cast<double>(std::numeric_limits<T>::min());  // 2^31 or 2^63
      if (!(r >= -lim && r < lim)) return std::numeric_limits<T>::min();
      return static_cast<T>(r);
    }
  }
}

// A pow costs tens of cycles: threads pay off from a few thousand elements.
constexpr int64_t kPowParallelMin = int64_t{1} << 13;

// out[j] = x[j]^y for one exponent over a run of bases (onnxruntime's scalar-exponent loop).
template <typename T, typename E>
void pow_run_scalar_exponent(const T* x, E y, T* out, int64_t len, bool threaded) {
  // Products are one instruction a vector: threads only from large maps; a pow costs tens of cycles.
  if (y == E(2)) {
#pragma omp parallel for if (threaded && len > (int64_t{1} << 16)) schedule(static)
    for (int64_t j = 0; j < len; ++j) out[j] = wrapping_mul(x[j], x[j]);
  } else if (y == E(3)) {
#pragma omp parallel for if (threaded && len > (int64_t{1} << 16)) schedule(static)
    for (int64_t j = 0; j < len; ++j) out[j] = wrapping_mul(wrapping_mul(x[j], x[j]), x[j]);
  } else {
#pragma omp parallel for if (threaded && len > kPowParallelMin) schedule(static)
    for (int64_t j = 0; j < len; ++j) out[j] = pow_value(x[j], y);
  }
}

template <typename T, typename E>
void pow_kernel(const Tensor& xt, const Tensor& yt, Tensor& zt, bool reference) {
  const T* x = xt.data<T>();
  const E* y = yt.data<E>();
  T* z = zt.data<T>();
  const int64_t n = zt.numel();
  if (n == 0) return;
  // onnxruntime looks at a one-element base first: then every element is std::pow, whatever the exponent.
  if (xt.numel() != 1 && yt.numel() == 1 && !reference) {
    pow_run_scalar_exponent(x, y[0], z, n, true);
    return;
  }
  const BroadcastLoops loops = coalesce_broadcast(
      zt.shape(), {broadcast_strides(xt.shape(), zt.shape()), broadcast_strides(yt.shape(), zt.shape())});
  const bool base_scalar = xt.numel() == 1;
  for_each_broadcast_row<2>(loops, [&](int64_t d, const std::array<int64_t, 2>& o, int64_t len,
                                       const std::array<int64_t, 2>& s) {
    // One exponent along a run of distinct bases: the scalar-exponent loop (x*x, x*x*x), as onnxruntime.
    if (!base_scalar && s[1] == 0) {
      const E e = y[o[1]];
      if (reference) {
        for (int64_t j = 0; j < len; ++j) {
          const T v = x[o[0] + j * s[0]];
          z[d + j] = e == E(2) ? wrapping_mul(v, v) : e == E(3) ? wrapping_mul(wrapping_mul(v, v), v) : pow_value(v, e);
        }
      } else {
        pow_run_scalar_exponent(x + o[0], e, z + d, len, false);  // rows are already threaded
      }
      return;
    }
    for (int64_t j = 0; j < len; ++j) z[d + j] = pow_value(x[o[0] + j * s[0]], y[o[1] + j * s[1]]);
  }, kPowParallelMin);
}

void infer_pow(OpContext& ctx, bool mixed_types) {
  ctx.require_inputs(2, 2);
  if (mixed_types) {
    ctx.require_dtype(0, {DataType::Float, DataType::Int32, DataType::Int64});
    ctx.require_dtype(1, {DataType::Float, DataType::Int32, DataType::Int64});
  } else {
    ctx.require_dtype(0, {DataType::Float});
    ctx.require_dtype(1, {DataType::Float});
  }
  const DataType t = ctx.input_dtype(0);
  if (ctx.input_shape_known(0) && ctx.input_shape_known(1))
    ctx.set_output(0, t, broadcast_shapes(ctx.input_shape(0), ctx.input_shape(1)));
  else
    ctx.set_output_dtype(0, t);
}

template <typename T>
void pow_dispatch_exponent(const Tensor& x, const Tensor& y, Tensor& z, bool reference) {
  switch (y.dtype()) {
    case DataType::Float: return pow_kernel<T, float>(x, y, z, reference);
    case DataType::Int32: return pow_kernel<T, int32_t>(x, y, z, reference);
    case DataType::Int64: return pow_kernel<T, int64_t>(x, y, z, reference);
    default: fail("Pow exponent of dtype ", dtype_name(y.dtype()), " is not supported (float32, int32, int64)");
  }
}

std::unique_ptr<Kernel> create_pow(const OpContext& ctx) {
  const bool reference = ctx.hints().reference;
  return make_kernel([reference](KernelContext& kc) {
    const Tensor& x = kc.input(0);
    const Tensor& y = kc.input(1);
    switch (x.dtype()) {
      case DataType::Float: return pow_dispatch_exponent<float>(x, y, kc.output(0), reference);
      case DataType::Int32: return pow_dispatch_exponent<int32_t>(x, y, kc.output(0), reference);
      case DataType::Int64: return pow_dispatch_exponent<int64_t>(x, y, kc.output(0), reference);
      default: fail("Pow base of dtype ", dtype_name(x.dtype()), " is not supported (float32, int32, int64)");
    }
  }, reference ? "ref" : "elementwise");
}

// ---- Sqrt, Ceil, Floor ----

void infer_float_unary(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, {DataType::Float});
  if (ctx.input_shape_known(0)) ctx.set_output(0, DataType::Float, ctx.input_shape(0));
  else ctx.set_output_dtype(0, DataType::Float);
}

// sqrtps, written out: std::sqrt in a loop keeps a scalar call for errno, which blocks vectorisation.
void sqrt_kernel(const Tensor& x, Tensor& y) {
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  const int64_t n = x.numel(), vec = n / 4 * 4;
#pragma omp parallel for if (n > (int64_t{1} << 16)) schedule(static)
  for (int64_t i = 0; i < vec; i += 4) _mm_storeu_ps(dst + i, _mm_sqrt_ps(_mm_loadu_ps(src + i)));
  for (int64_t i = vec; i < n; ++i) dst[i] = _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(src[i])));
}

// roundps: one instruction per vector, so threads only from large maps.
template <typename F>
CreateFn float_unary(F f) {
  return [f](const OpContext& ctx) {
    return make_kernel([f](KernelContext& kc) { map_elements<float, float>(kc.input(0), kc.output(0), f); },
                       ctx.hints().reference ? "ref" : "elementwise");
  };
}

// ---- Max, Min ----

enum class Extremum { Max, Min };

// max/min of two values as onnxruntime gives them: a NaN on either side wins (the first one when both are), and
// ties (-0 against +0) give b, as x86's maxps/minps do. One compare pair and a blend: vectorisable.
template <Extremum Op, typename T>
T extremum(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    const bool take_a = (Op == Extremum::Max ? a > b : a < b) || a != a;
    return take_a ? a : b;
  } else {
    return Op == Extremum::Max ? (a > b ? a : b) : (a < b ? a : b);
  }
}

struct ExtremumForm {
  bool broadcast;  // opset 8+
  bool all_types;  // opset 12+
};

void infer_extremum(OpContext& ctx, ExtremumForm form) {
  if (ctx.num_inputs() < 1) fail("needs at least one input");
  const DataType t = ctx.input_dtype(0);
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (form.all_types)
      ctx.require_dtype(i, {DataType::Float, DataType::Int32, DataType::Int64, DataType::Int8, DataType::UInt8});
    else
      ctx.require_dtype(i, {DataType::Float});
    if (ctx.input_dtype(i) != t)
      fail("input ", i, " is ", dtype_name(ctx.input_dtype(i)), " but input 0 is ", dtype_name(t));
  }
  std::vector<Shape> shapes;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.input_shape_known(i)) {
      ctx.set_output_dtype(0, t);
      return;
    }
    shapes.push_back(ctx.input_shape(i));
  }
  if (!form.broadcast)
    for (size_t i = 1; i < shapes.size(); ++i)
      if (!shapes_agree(shapes[i], shapes[0]))
        fail("input ", i, " has shape ", shape_str(shapes[i]), " but input 0 ", shape_str(shapes[0]),
             ": this opset does not broadcast (opset 8 does)");
  ctx.set_output(0, t, broadcast_all(shapes));
}

// out = op(in_0, ..., in_{n-1}) element-wise, folded left to right as onnxruntime does.
template <Extremum Op, typename T>
void extremum_kernel(const KernelContext& kc, Tensor& out, bool reference) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const size_t count = kc.inputs.size();
  std::vector<std::vector<int64_t>> strides;
  std::vector<const T*> src;
  for (size_t k = 0; k < count; ++k) {
    const Tensor& t = kc.input(static_cast<int>(k));
    if (t.shape() != out.shape() && out.shape() != broadcast_shapes(t.shape(), out.shape()))
      fail("input ", k, " of shape ", shape_str(t.shape()), " does not broadcast to ", shape_str(out.shape()));
    strides.push_back(broadcast_strides(t.shape(), out.shape()));
    src.push_back(t.data<T>());
  }
  T* dst = out.data<T>();
  if (reference) {
    const std::vector<int64_t> out_strides = shape_strides(out.shape());
    for (int64_t i = 0; i < n; ++i) {
      T v{};
      for (size_t k = 0; k < count; ++k) {
        int64_t off = 0, rem = i;
        for (size_t d = 0; d < out_strides.size(); ++d) {
          off += rem / out_strides[d] * strides[k][d];
          rem %= out_strides[d];
        }
        v = k == 0 ? src[k][off] : extremum<Op>(v, src[k][off]);
      }
      dst[i] = v;
    }
    return;
  }
  // Input 0 broadcast into the output, then each further input folded in: every pass is a unit- or zero-stride loop.
  for (size_t k = 0; k < count; ++k) {
    const BroadcastLoops loops = coalesce_broadcast(out.shape(), {strides[k]});
    const T* s = src[k];
    for_each_broadcast_row<1>(loops, [&](int64_t d, const std::array<int64_t, 1>& o, int64_t len,
                                         const std::array<int64_t, 1>& st) {
      T* row = dst + d;
      const T* in = s + o[0];
      if (k == 0) {
        if (st[0] == 1) for (int64_t j = 0; j < len; ++j) row[j] = in[j];
        else for (int64_t j = 0; j < len; ++j) row[j] = in[0];
      } else if (st[0] == 1) {
        for (int64_t j = 0; j < len; ++j) row[j] = extremum<Op>(row[j], in[j]);
      } else {
        const T v = in[0];
        for (int64_t j = 0; j < len; ++j) row[j] = extremum<Op>(row[j], v);
      }
    });
  }
}

template <Extremum Op>
std::unique_ptr<Kernel> create_extremum(const OpContext& ctx) {
  const bool reference = ctx.hints().reference;
  return make_kernel([reference](KernelContext& kc) {
    dispatch_dtype(kc.input(0).dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, bool>) fail("Max/Min do not take bool");
      else extremum_kernel<Op, T>(kc, kc.output(0), reference);
    });
  }, reference ? "ref" : "elementwise");
}

void add_extremum(OpRegistry& r, const char* name, CreateFn create) {
  r.add({"", name, 6, 7, [](OpContext& c) { infer_extremum(c, {false, false}); }, create});
  r.add({"", name, 8, 11, [](OpContext& c) { infer_extremum(c, {true, false}); }, create});
  r.add({"", name, 12, INT64_MAX, [](OpContext& c) { infer_extremum(c, {true, true}); }, create});
}

}  // namespace

void register_elementwise_math_ops(OpRegistry& r) {
  r.add({"", "Pow", 7, 11, [](OpContext& c) { infer_pow(c, false); }, create_pow});
  r.add({"", "Pow", 12, INT64_MAX, [](OpContext& c) { infer_pow(c, true); }, create_pow});
  r.add({"", "Sqrt", 6, INT64_MAX, infer_float_unary, [](const OpContext& ctx) {
           if (ctx.hints().reference)
             return make_kernel([](KernelContext& kc) {
               map_elements<float, float>(kc.input(0), kc.output(0), [](float v) { return std::sqrt(v); });
             }, "ref");
           return make_kernel([](KernelContext& kc) { sqrt_kernel(kc.input(0), kc.output(0)); }, "elementwise");
         }});
  r.add({"", "Ceil", 6, INT64_MAX, infer_float_unary, float_unary([](float v) { return std::ceil(v); })});
  r.add({"", "Floor", 6, INT64_MAX, infer_float_unary, float_unary([](float v) { return std::floor(v); })});
  add_extremum(r, "Max", create_extremum<Extremum::Max>);
  add_extremum(r, "Min", create_extremum<Extremum::Min>);
}

}  // namespace ssdx
