#pragma once
// Shared by the QLinearAdd reference kernel (qlinear_binary.cpp) and its fast same-shape kernel (qlinear_add_fast.cpp).
#include <cmath>
#include <memory>

#include "ops/cpu_isa.h"
#include "ops/op.h"

namespace ssdx {

// Inputs of QLinearAdd / QLinearMul: A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp (zero points optional).
constexpr int kQBinaryA = 0, kQBinaryAScale = 1, kQBinaryAZp = 2, kQBinaryB = 3, kQBinaryBScale = 4, kQBinaryBZp = 5,
              kQBinaryCScale = 6, kQBinaryCZp = 7;

// One operand's (or the output's) quantization.
struct QParam {
  float scale;
  int32_t zp;
};

// MLAS's QLinearAdd kernel (qladd_avx2.cpp, used on every AVX2 host) for one element; the scalar operand, if any,
// sits in slot b. Every fused multiply-add below is one in ORT's code: rounding the products separately moves F or
// F' by an ulp for some parameters, and a sum within that ulp of a .5 tie then rounds the other way.
struct QAddKernel {
  float ra, rb, f;
  QAddKernel(QParam a, QParam b, QParam c)
      : ra(a.scale / c.scale), rb(b.scale / c.scale),
        f(static_cast<float>(c.zp) - std::fma(ra, static_cast<float>(a.zp), rb * static_cast<float>(b.zp))) {}
  // t = fma(a, rA, fma(b, rB, F)). With the fused F' of a scalar span (F' = fma(b, rB, F) once per span) this is
  // the same arithmetic, so all three span cases share it; only the operand order of a scalar A differs.
  float operator()(int32_t a, int32_t b) const {
    return std::fma(static_cast<float>(a), ra, std::fma(static_cast<float>(b), rb, f));
  }
};

// c = QLinearAdd(a, b) over n elements of `dtype` (uint8/int8) with the `isa` variant (fails if the CPU lacks it).
void qlinear_add_same_shape(DataType dtype, const void* a, const void* b, void* c, int64_t n, const QAddKernel& k,
                            Isa isa);

// Whether the fast kernel takes this QLinearAdd: constant quantization parameters, A and B of one static shape.
bool fast_qlinear_add_applies(const OpContext& ctx);
// The fast kernel, or null when fast_qlinear_add_applies is false.
std::unique_ptr<Kernel> create_fast_qlinear_add(const OpContext& ctx);

}  // namespace ssdx
