#pragma once
// Lp norms over the middle dim of [outer, dim, inner] float tensors, vectorised over `inner`: SSD's conv4_3 L2
// normalisation (LpNormalization axis=1 p=2 on [N, 512, 38, 38]) and ReduceL2 over axis 1 (mmdeploy's form).
// Each (outer, block of inner) is one OpenMP task; channels are summed in increasing order from 0, so the norms
// equal the reference loops' bit for bit (no FMA: cmake/kernel_flags.cmake).
#include <cstdint>

#include "ops/cpu_isa.h"
#include "ops/op_util.h"

namespace ssdx {

// norms[o, i] = (sum_d |x[o, d, i]|^p)^(1/p) for p = 1 or 2; norms has outer * inner elements.
void channel_norms(const float* x, const AxisSplit& s, int p, float* norms, Isa isa);
// y[o, d, i] = x[o, d, i] / norms[o, i], 0 where the norm is 0 (as onnxruntime's LpNormalization); y may alias x.
void channel_normalize(const float* x, const AxisSplit& s, int p, float* y, Isa isa);

// Entry points of the per-ISA units (channel_norm_avx512.cpp); call the functions above. One block of at most
// kChannelNormBlock consecutive inner positions: `norms` gets the block's norms and, when y is not null, y the
// normalised values.
constexpr int64_t kChannelNormBlock = 64;
namespace avx512 {
void channel_norm_block(const float* x, int64_t dim, int64_t stride, int64_t len, int p, float* norms, float* y);
}

}  // namespace ssdx
