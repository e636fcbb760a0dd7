// QuantizeLinear / DequantizeLinear element loops (quantize_loops.h) compiled with AVX2/FMA3 flags
// (cmake/kernel_flags.cmake).
#include "int8/quantize_loops.h"
#include "int8/quantize_span.h"

namespace ssdx::avx2 {

void quantize_span(const float* x, uint8_t* y, int64_t n, float scale, int32_t zp) { quantize_run(x, y, n, scale, zp); }
void quantize_span(const float* x, int8_t* y, int64_t n, float scale, int32_t zp) { quantize_run(x, y, n, scale, zp); }
void dequantize_span(const uint8_t* x, float* y, int64_t n, float scale, int32_t zp) { dequantize_run(x, y, n, scale, zp); }
void dequantize_span(const int8_t* x, float* y, int64_t n, float scale, int32_t zp) { dequantize_run(x, y, n, scale, zp); }
void dequantize_span(const int32_t* x, float* y, int64_t n, float scale, int32_t zp) { dequantize_run(x, y, n, scale, zp); }

}  // namespace ssdx::avx2
