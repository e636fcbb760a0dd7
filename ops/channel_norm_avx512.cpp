// The AVX-512F channel-norm block: channel_norm_loops.h compiled with AVX-512F flags (cmake/kernel_flags.cmake).
#include "ops/channel_norm.h"
#include "ops/channel_norm_loops.h"

namespace ssdx::avx512 {
void channel_norm_block(const float* x, int64_t dim, int64_t stride, int64_t len, int p, float* norms, float* y) {
  norm_block(x, dim, stride, len, p, norms, y);
}
}  // namespace ssdx::avx512
