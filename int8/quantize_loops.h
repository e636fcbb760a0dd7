#pragma once
// QuantizeLinear / DequantizeLinear element loops, shared by the per-ISA translation units (quantize_linear.cpp for
// the baseline, quantize_span_avx2.cpp, quantize_span_avx512.cpp), each compiling them with its own flags. Internal
// linkage, so each unit keeps its own copy, compiled for its ISA.
#include <cmath>
#include <cstdint>

#include "int8/quant_util.h"

namespace ssdx {
namespace {

// The element loops, written so the compiler vectorizes them. The same steps as quantize_value / dequantize_value: true division, clamp with NaN -> lower bound, round half to even.
template <typename T>
void quantize_run(const float* x, T* y, int64_t n, float scale, int32_t zp) {
  const float lo = static_cast<float>(qmin<T>() - zp), hi = static_cast<float>(qmax<T>() - zp);
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i] / scale;
    v = v > lo ? v : lo;
    v = v < hi ? v : hi;
    y[i] = static_cast<T>(static_cast<int32_t>(std::nearbyint(v)) + zp);
  }
}
template <typename T>
void dequantize_run(const T* x, float* y, int64_t n, float scale, int32_t zp) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(static_cast<int32_t>(x[i]) - zp) * scale;
}

}  // namespace
}  // namespace ssdx
