#pragma once
// QuantizeLinear / DequantizeLinear element loops on raw arrays, exposed so tests can hold every ISA variant this CPU
// runs to the reference (quantize_value / dequantize_value). The op (quantize_linear.cpp) chooses its variant once
// at creation and names it in impl_name ("qdq:avx512").
#include <cstdint>

#include "ops/cpu_isa.h"

namespace ssdx {

// y[i] = QuantizeLinear(x[i]) / DequantizeLinear(x[i]) for i < n, one thread, with the `isa` variant (fails if the
// CPU lacks it). Bit-identical to the reference on every ISA.
void quantize_span(const float* x, uint8_t* y, int64_t n, float scale, int32_t zp, Isa isa);
void quantize_span(const float* x, int8_t* y, int64_t n, float scale, int32_t zp, Isa isa);
void dequantize_span(const uint8_t* x, float* y, int64_t n, float scale, int32_t zp, Isa isa);
void dequantize_span(const int8_t* x, float* y, int64_t n, float scale, int32_t zp, Isa isa);
void dequantize_span(const int32_t* x, float* y, int64_t n, float scale, int32_t zp, Isa isa);

// The per-ISA entry points (quantize_span_avx2.cpp, quantize_span_avx512.cpp); call the functions above.
#define SSDX_QDQ_VARIANT_ENTRIES                                                    \
  void quantize_span(const float* x, uint8_t* y, int64_t n, float scale, int32_t zp); \
  void quantize_span(const float* x, int8_t* y, int64_t n, float scale, int32_t zp);  \
  void dequantize_span(const uint8_t* x, float* y, int64_t n, float scale, int32_t zp); \
  void dequantize_span(const int8_t* x, float* y, int64_t n, float scale, int32_t zp);  \
  void dequantize_span(const int32_t* x, float* y, int64_t n, float scale, int32_t zp);
namespace avx2 {
SSDX_QDQ_VARIANT_ENTRIES
}
namespace avx512 {
SSDX_QDQ_VARIANT_ENTRIES
}
#undef SSDX_QDQ_VARIANT_ENTRIES

}  // namespace ssdx
