// The fast QLinearAdd's element loop (qlinear_add_span.h) compiled with AVX-512F flags (cmake/kernel_flags.cmake).
#include "int8/qlinear_add_span.h"

namespace ssdx::avx512 {

void qadd_span(const uint8_t* a, const uint8_t* b, uint8_t* c, int64_t n, const QAddKernel& k) {
  ssdx::qadd_span(a, b, c, n, k);
}
void qadd_span(const int8_t* a, const int8_t* b, int8_t* c, int64_t n, const QAddKernel& k) {
  ssdx::qadd_span(a, b, c, n, k);
}

}  // namespace ssdx::avx512
