// Threading and ISA dispatch of the channel-norm blocks (ops/channel_norm.h).
#include "ops/channel_norm.h"

#include <vector>

#include "ops/channel_norm_loops.h"

namespace ssdx {
namespace {

void run_blocks(const float* x, const AxisSplit& s, int p, float* norms, float* y, Isa isa) {
  if (p != 1 && p != 2) fail("channel norms need p = 1 or 2, got ", p);
  if (!isa_supported(isa)) fail("channel norms: this CPU cannot run the ", isa_name(isa), " kernel");
  const int64_t blocks = (s.inner + kChannelNormBlock - 1) / kChannelNormBlock;
  const int64_t tasks = s.outer * blocks;
  const int64_t plane = s.dim * s.inner;
#pragma omp parallel for if (tasks > 1 && plane * s.outer > (1 << 14)) schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t o = t / blocks, j0 = (t % blocks) * kChannelNormBlock;
    const int64_t len = std::min(kChannelNormBlock, s.inner - j0);
    const float* xb = x + o * plane + j0;
    float* yb = y ? y + o * plane + j0 : nullptr;
    float local[kChannelNormBlock];
    float* nb = norms ? norms + o * s.inner + j0 : local;
    if (isa == Isa::Avx512) avx512::channel_norm_block(xb, s.dim, s.inner, len, p, nb, yb);
    else norm_block(xb, s.dim, s.inner, len, p, nb, yb);
  }
}

}  // namespace

void channel_norms(const float* x, const AxisSplit& s, int p, float* norms, Isa isa) {
  run_blocks(x, s, p, norms, nullptr, isa);
}

void channel_normalize(const float* x, const AxisSplit& s, int p, float* y, Isa isa) {
  run_blocks(x, s, p, nullptr, y, isa);
}

}  // namespace ssdx
