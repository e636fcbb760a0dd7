#pragma once
// The Softmax row kernel, exposed so tests can check every ISA variant (ops/cpu_isa.h) on one machine.
// The op (softmax.cpp) chooses its variant once at creation and names it in impl_name ("softmax:avx512").
#include <cstdint>

#include "ops/cpu_isa.h"

namespace ssdx {

// y = softmax(x) for each of `rows` contiguous rows of length d (y may alias x), with onnxruntime's MLAS arithmetic
// for `isa`: its polynomial exp, its lane layout for the sum, one reciprocal of the sum. Bit-identical to
// onnxruntime on a CPU where ORT picks the same ISA (AVX-512F or AVX2+FMA); the Baseline variant follows ORT's
// SSE2 kernel closely but not bit for bit. Single-threaded.
void softmax_rows(const float* x, float* y, int64_t rows, int64_t d, Isa isa);

// The per-ISA entry points softmax_rows dispatches to (softmax_avx2.cpp, softmax_avx512.cpp); call softmax_rows.
namespace avx2 {
void softmax_rows(const float* x, float* y, int64_t rows, int64_t d);
}
namespace avx512 {
void softmax_rows(const float* x, float* y, int64_t rows, int64_t d);
}

}  // namespace ssdx
