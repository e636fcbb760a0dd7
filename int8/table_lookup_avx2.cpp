// TableLookup's AVX2 loop, compiled with AVX2 flags (cmake/kernel_flags.cmake).
#include <immintrin.h>

#include "int8/table_lookup.h"

namespace ssdx::avx2 {

// pshufb looks up 16 entries: the table is 16 rows of 16, each row looked up by the low nibble, then the rows are
// merged as a tree on the high nibble's bits (blendv keys on each byte's top bit: bit b is shifted up to bit 7), so
// the dependency chain is 4 blends deep rather than 15.
void table_lookup(const uint8_t* t, const uint8_t* x, uint8_t* y, int64_t n) {
  __m256i rows[16];
  for (int r = 0; r < 16; ++r)
    rows[r] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t + 16 * r)));
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i lo = _mm256_and_si256(v, nibble);
    __m256i level[16];
    for (int r = 0; r < 16; ++r) level[r] = _mm256_shuffle_epi8(rows[r], lo);
    // 16-bit shifts: a byte's bit b reaches its own bit 7; what crosses from the lower byte lands below bit 3.
    const __m256i bit[4] = {_mm256_slli_epi16(v, 3), _mm256_slli_epi16(v, 2), _mm256_slli_epi16(v, 1), v};
    for (int b = 0, width = 16; b < 4; ++b, width /= 2)
      for (int r = 0; r < width / 2; ++r) level[r] = _mm256_blendv_epi8(level[2 * r], level[2 * r + 1], bit[b]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), level[0]);
  }
  for (; i < n; ++i) y[i] = t[x[i]];
}

}  // namespace ssdx::avx2
