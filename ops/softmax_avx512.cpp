// The AVX-512F Softmax row kernel: softmax_rows.h compiled with AVX-512F flags (cmake/kernel_flags.cmake).
#include "ops/softmax.h"
#include "ops/softmax_rows.h"

// GCC 12's own AVX-512 intrinsics fill unused operands with _mm512_undefined_ps(), which this warning flags.
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ssdx {
namespace {

// Lane types: the handful of vector operations the row kernel needs, one struct per ISA. Loads and stores take the
// number of valid lanes n (the tail of a row); invalid lanes read as 0 and are not written.
struct Avx512Lanes {
  using V = __m512;
  static constexpr int kWidth = 16;
  static constexpr float kLower = mlas::kLowerRange;
  static __mmask16 first(int n) { return static_cast<__mmask16>((1u << n) - 1); }
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V load(const float* p, int n) { return _mm512_maskz_loadu_ps(first(n), p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static void store(float* p, V v, int n) { _mm512_mask_storeu_ps(p, first(n), v); }
  static V keep_first(V v, int n) { return _mm512_maskz_mov_ps(first(n), v); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  // p * 2^m with one rounding, as vscalefps does in ORT's kernel.
  static V scale(V p, V m, V) { return _mm512_scalef_ps(p, m); }
  static void to_array(V v, float* out) { _mm512_storeu_ps(out, v); }
};

}  // namespace

namespace avx512 {
void softmax_rows(const float* x, float* y, int64_t rows, int64_t d) { softmax_rows_with<Avx512Lanes>(x, y, rows, d); }
}  // namespace avx512

}  // namespace ssdx
