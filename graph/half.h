#pragma once
// IEEE float16 and bfloat16 as the bits ONNX stores them, and their exact conversions to and from float32.
// float32 -> 16 bits rounds to nearest, ties to even (what onnxruntime's MLFloat16/BFloat16 constructors and the
// x86 F16C instruction do); docs/float16_models.md has the rules worked through.
#include <cstdint>
#include <cstring>

#include "graph/tensor.h"

namespace ssdx {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float float_from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// float16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. Exact: every float16 is a float32.
inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return float_from_bits(sign | 0x7f800000u | (mantissa << 13));  // inf, NaN (payload kept)
  if (exponent != 0) return float_from_bits(sign | ((exponent + 112) << 23) | (mantissa << 13));
  // Zero or subnormal, mantissa * 2^-24: exact in float32, and the multiplication by a power of two is exact too.
  const float v = static_cast<float>(mantissa) * float_from_bits(0x33800000u);  // 2^-24
  return sign ? -v : v;
}

// Rounds to nearest, ties to even. Beyond the largest float16 (65504) by half a unit or more (>= 65520) gives inf;
// below 2^-14 gives subnormals down to 2^-24 (2^-25 exactly is a tie and goes to 0); NaN stays NaN (quiet, sign and
// the top payload bits kept, as F16C does).
inline uint16_t float_to_half(float f) {
  const uint32_t x = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t a = x & 0x7fffffffu;
  if (a > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00 | ((a >> 13) & 0x3ff));
  if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00);  // >= 65520 (and inf)
  if (a >= 0x38800000u) {                                           // a normal float16: rebias, round 13 bits off
    const uint32_t odd = (a >> 13) & 1;
    return static_cast<uint16_t>(sign | ((a - (112u << 23) + 0xfffu + odd) >> 13));
  }
  if (a < 0x33000000u) return sign;  // below 2^-25 (float32 subnormals too): 0
  // A float16 subnormal: the 24-bit significand m times 2^(e-150) is m >> (126-e) units of 2^-24, rounded.
  const uint32_t e = a >> 23, m = (a & 0x7fffffu) | 0x800000u, shift = 126 - e;  // shift in 14..24
  const uint32_t rest = m & ((1u << shift) - 1), half_unit = 1u << (shift - 1);
  uint32_t r = m >> shift;
  if (rest > half_unit || (rest == half_unit && (r & 1))) ++r;  // may carry into 0x400, the smallest normal
  return static_cast<uint16_t>(sign | r);
}

// bfloat16: the top 16 bits of a float32 (1 sign, 8 exponent, 7 mantissa bits).
inline float bfloat16_to_float(uint16_t b) { return float_from_bits(static_cast<uint32_t>(b) << 16); }

// Rounds to nearest, ties to even (overflow to inf comes from the carry into the exponent); NaN stays a quiet NaN
// with its sign and top payload bits (the canonical 0x7fc00000 gives 0x7fc0).
inline uint16_t float_to_bfloat16(float f) {
  const uint32_t x = float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x0040);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}

// Whole tensors (plain row-major): a float16/bfloat16 tensor widened to float32, and a float32 tensor rounded to
// float16 or bfloat16 (`to`). Fail on other dtypes.
inline Tensor widen_to_float32(const Tensor& t) {
  if (t.dtype() != DataType::Float16 && t.dtype() != DataType::BFloat16)
    fail("widen_to_float32: tensor of ", dtype_name(t.dtype()), " is not float16 or bfloat16");
  if (t.empty_storage() || !t.is_plain()) fail("widen_to_float32: tensor ", shape_str(t.shape()), " has no plain data");
  Tensor out(DataType::Float, t.shape());
  const auto* src = static_cast<const uint16_t*>(t.raw());
  float* dst = out.data<float>();
  const bool bf16 = t.dtype() == DataType::BFloat16;
  for (int64_t i = 0; i < t.numel(); ++i) dst[i] = bf16 ? bfloat16_to_float(src[i]) : half_to_float(src[i]);
  return out;
}

inline Tensor round_to_half(const Tensor& t, DataType to) {
  if (to != DataType::Float16 && to != DataType::BFloat16) fail("round_to_half: ", dtype_name(to), " is not float16 or bfloat16");
  Tensor out(to, t.shape());
  const float* src = t.data<float>();
  auto* dst = static_cast<uint16_t*>(out.raw());
  for (int64_t i = 0; i < t.numel(); ++i) dst[i] = to == DataType::BFloat16 ? float_to_bfloat16(src[i]) : float_to_half(src[i]);
  return out;
}

inline bool is_half_type(DataType t) { return t == DataType::Float16 || t == DataType::BFloat16; }

}  // namespace ssdx
