#pragma once
// Helpers shared by the int8 families: reading scales and zero points, and onnxruntime's (MLAS) rounding of a float
// to uint8/int8. The formulas reproduced here: docs/ort_arithmetic.md §4-§6.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ops/op.h"
#include "ops/op_util.h"

namespace ssdx {

template <typename T>
constexpr int32_t qmin() { return std::numeric_limits<T>::min(); }
template <typename T>
constexpr int32_t qmax() { return std::numeric_limits<T>::max(); }

// MLAS's requantization tail: clamp in float to [qmin - zp, qmax - zp] (maxps first, so NaN becomes the lower
// bound), round half to even (cvtps2dq under the default MXCSR; nearbyint under the default rounding mode), add zp.
// Clamping before rounding equals rounding then saturating, because the bounds are integers.
template <typename T>
inline T requantize(float v, int32_t zp) {
  const float lo = static_cast<float>(qmin<T>() - zp), hi = static_cast<float>(qmax<T>() - zp);
  v = v > lo ? v : lo;  // maxps(v, lo): NaN -> lo
  v = v < hi ? v : hi;  // minps(v, hi)
  return static_cast<T>(static_cast<int32_t>(std::nearbyint(v)) + zp);
}

// QuantizeLinear of one value: true division by the scale (divps), not a multiply by its reciprocal.
template <typename T>
inline T quantize_value(float x, float scale, int32_t zp) { return requantize<T>(x / scale, zp); }

// DequantizeLinear of one value: one exact int subtraction, one float multiply.
inline float dequantize_value(int32_t q, float scale, int32_t zp) { return static_cast<float>(q - zp) * scale; }

// Whether a scale / zero-point tensor holds one value (scalar or 1-element 1-D): per-tensor quantization.
inline bool is_per_tensor(const Shape& s) { return s.empty() || (s.size() == 1 && s[0] == 1); }

// The scale(s) of a float scale input, checked positive-count.
inline std::vector<float> read_scales(const Tensor& t, const char* what) {
  if (t.dtype() != DataType::Float) fail(what, " must be float32, got ", dtype_name(t.dtype()));
  if (t.rank() > 1) fail(what, " must be a scalar or 1-D, got shape ", shape_str(t.shape()));
  const float* p = t.data<float>();
  return std::vector<float>(p, p + t.numel());
}

// The zero point(s) of an optional u8/s8/int32 input; an absent input means `count` zeros.
inline std::vector<int32_t> read_zero_points(const Tensor* t, int64_t count, const char* what) {
  if (!t) return std::vector<int32_t>(static_cast<size_t>(count), 0);
  if (t->dtype() != DataType::UInt8 && t->dtype() != DataType::Int8 && t->dtype() != DataType::Int32)
    fail(what, " must be uint8, int8 or int32, got ", dtype_name(t->dtype()));
  if (t->rank() > 1) fail(what, " must be a scalar or 1-D, got shape ", shape_str(t->shape()));
  std::vector<int32_t> v(static_cast<size_t>(t->numel()));
  for (int64_t i = 0; i < t->numel(); ++i) v[static_cast<size_t>(i)] = static_cast<int32_t>(t->int_at(i));
  return v;
}

// A per-tensor scale and zero point (QLinearConv's x/y, the QLinear* binary ops): one value each.
inline float scalar_scale(const Tensor& t, const char* what) {
  std::vector<float> v = read_scales(t, what);
  if (v.size() != 1) fail(what, " must hold one value, got shape ", shape_str(t.shape()));
  return v[0];
}
inline int32_t scalar_zero_point(const Tensor* t, const char* what) {
  std::vector<int32_t> v = read_zero_points(t, 1, what);
  if (v.size() != 1) fail(what, " must hold one value, got shape ", shape_str(t->shape()));
  return v[0];
}

// Fails unless input i, when present, is a per-tensor quantization parameter (shape known to be one element).
inline void require_per_tensor(const OpContext& ctx, int i, const char* what) {
  if (ctx.input_shape_known(i) && !is_per_tensor(ctx.input_shape(i)))
    fail(what, " must be a scalar or hold one value, got shape ", shape_str(ctx.input_shape(i)));
}

// The inputs of onnxruntime's unary QLinear ops (QLinearLeakyRelu, QLinearSigmoid, QLinearAveragePool,
// QLinearGlobalAveragePool): X (uint8/int8), X_scale, X_zero_point, Y_scale, Y_zero_point, all per-tensor.
constexpr int kUnaryX = 0, kUnaryXScale = 1, kUnaryXZp = 2, kUnaryYScale = 3, kUnaryYZp = 4;
inline void check_unary_qlinear_inputs(const OpContext& ctx) {
  ctx.require_dtype(kUnaryX, {DataType::UInt8, DataType::Int8});
  const DataType t = ctx.input_dtype(kUnaryX);
  for (int i : {kUnaryXZp, kUnaryYZp}) {
    if (ctx.has_input(i) && ctx.input_dtype(i) != t)
      fail("zero point ", i, " is ", dtype_name(ctx.input_dtype(i)), ", X is ", dtype_name(t));
    require_per_tensor(ctx, i, "zero point");
  }
  for (int i : {kUnaryXScale, kUnaryYScale}) {
    ctx.require_dtype(i, {DataType::Float});
    require_per_tensor(ctx, i, "scale");
  }
}

// Calls f(T{}) for the 8-bit quantized types.
template <typename F>
decltype(auto) dispatch_q8(DataType dtype, F&& f) {
  switch (dtype) {
    case DataType::UInt8: return f(uint8_t{});
    case DataType::Int8: return f(int8_t{});
    default: fail("expected uint8 or int8, got ", dtype_name(dtype));
  }
}

}  // namespace ssdx
