// TableLookup's AVX-512 VBMI loop, compiled with AVX-512 VBMI flags (cmake/kernel_flags.cmake).
#include <immintrin.h>

#include "int8/table_lookup.h"

namespace ssdx::vbmi {
namespace {

// vpermi2b looks up 128 entries from two registers by an index's low 7 bits: one lookup per table half, the
// index's top bit picks between them.
__m512i lookup64(const __m512i t[4], __m512i v) {
  const __m512i low_half = _mm512_permutex2var_epi8(t[0], v, t[1]), high_half = _mm512_permutex2var_epi8(t[2], v, t[3]);
  return _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low_half, high_half);
}

}  // namespace

void table_lookup(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n) {
  __m512i t[4];
  for (int k = 0; k < 4; ++k) t[k] = _mm512_loadu_si512(table + 64 * k);
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(y + i, lookup64(t, _mm512_loadu_si512(x + i)));
  if (i < n) {
    const __mmask64 k = (~__mmask64{0}) >> (64 - (n - i));
    _mm512_mask_storeu_epi8(y + i, k, lookup64(t, _mm512_maskz_loadu_epi8(k, x + i)));
  }
}

}  // namespace ssdx::vbmi
