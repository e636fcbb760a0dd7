#pragma once
// The fast QLinearAdd's element loop, shared by the per-ISA translation units (qlinear_add_fast.cpp for the baseline,
// qlinear_add_avx2.cpp, qlinear_add_avx512.cpp), each compiling it with its own flags. The loop has internal
// linkage, so each unit keeps its own copy, compiled for its ISA.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "int8/qlinear_binary.h"
#include "int8/quant_util.h"

namespace ssdx {

// The per-ISA entry points (qlinear_add_same_shape dispatches to them).
#define SSDX_QADD_VARIANT_ENTRIES                                                          \
  void qadd_span(const uint8_t* a, const uint8_t* b, uint8_t* c, int64_t n, const QAddKernel& k); \
  void qadd_span(const int8_t* a, const int8_t* b, int8_t* c, int64_t n, const QAddKernel& k);
namespace avx2 {
SSDX_QADD_VARIANT_ENTRIES
}
namespace avx512 {
SSDX_QADD_VARIANT_ENTRIES
}
#undef SSDX_QADD_VARIANT_ENTRIES

namespace {

template <typename T>
void qadd_span(const T* a, const T* b, T* c, int64_t n, const QAddKernel& k) {
  // The reference kernel's requantization (MLAS's clamp: a NaN from a hostile scale becomes the lower bound).
  for (int64_t i = 0; i < n; ++i) c[i] = requantize<T>(k(a[i], b[i]), 0);
}

}  // namespace
}  // namespace ssdx
