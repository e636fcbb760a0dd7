// The AVX2/FMA3 Softmax row kernel: softmax_rows.h compiled with AVX2/FMA3 flags (cmake/kernel_flags.cmake).
#include "ops/softmax.h"
#include "ops/softmax_rows.h"

namespace ssdx {
namespace {

struct Avx2Lanes {
  using V = __m256;
  static constexpr int kWidth = 8;
  static constexpr float kLower = mlas::kLowerRangeSumExp;
  static __m256i first(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V load(const float* p, int n) { return _mm256_maskload_ps(p, first(n)); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static void store(float* p, V v, int n) { _mm256_maskstore_ps(p, first(n), v); }
  static V keep_first(V v, int n) { return _mm256_and_ps(v, _mm256_castsi256_ps(first(n))); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  // p * 2^m with 2^m assembled from the rounded value's low bits, as ORT's FMA3 kernel does.
  static V scale(V p, V, V biased) {
    const __m256i bits = _mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(biased), 23),
                                          _mm256_set1_epi32(mlas::kExponentOne));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
  }
  static void to_array(V v, float* out) { _mm256_storeu_ps(out, v); }
};

}  // namespace

namespace avx2 {
void softmax_rows(const float* x, float* y, int64_t rows, int64_t d) { softmax_rows_with<Avx2Lanes>(x, y, rows, d); }
}  // namespace avx2

}  // namespace ssdx
