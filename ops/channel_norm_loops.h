#pragma once
// The loop of ops/channel_norm.h for one block of inner positions, included by each ISA's unit (internal linkage,
// so every unit compiles its own copy). The block length is a template constant for full blocks, so the compiler
// vectorises the inner loops at the unit's width.
#include <cmath>
#include <cstdint>

namespace ssdx {
namespace {

template <int64_t Len, int P>
inline void norm_block_fixed(const float* x, int64_t dim, int64_t stride, int64_t len, float* norms, float* y) {
  const int64_t n = Len > 0 ? Len : len;
  float acc[64];
  for (int64_t j = 0; j < n; ++j) acc[j] = 0.f;
  for (int64_t d = 0; d < dim; ++d) {
    const float* row = x + d * stride;
    for (int64_t j = 0; j < n; ++j) acc[j] += P == 2 ? row[j] * row[j] : std::fabs(row[j]);
  }
  if (P == 2)
    for (int64_t j = 0; j < n; ++j) acc[j] = std::sqrt(acc[j]);
  for (int64_t j = 0; j < n; ++j) norms[j] = acc[j];
  if (!y) return;
  for (int64_t d = 0; d < dim; ++d) {
    const float* row = x + d * stride;
    float* out = y + d * stride;
    for (int64_t j = 0; j < n; ++j) out[j] = acc[j] == 0.f ? 0.f : row[j] / acc[j];
  }
}

inline void norm_block(const float* x, int64_t dim, int64_t stride, int64_t len, int p, float* norms, float* y) {
  if (len == 64) {
    if (p == 2) norm_block_fixed<64, 2>(x, dim, stride, len, norms, y);
    else norm_block_fixed<64, 1>(x, dim, stride, len, norms, y);
  } else {
    if (p == 2) norm_block_fixed<0, 2>(x, dim, stride, len, norms, y);
    else norm_block_fixed<0, 1>(x, dim, stride, len, norms, y);
  }
}

}  // namespace
}  // namespace ssdx
