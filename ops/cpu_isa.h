#pragma once
// Run-time choice of SIMD kernel variants. The ops library is compiled for x86-64-v2 so it runs on any x86-64 server;
// the few kernels that gain from wider vectors also exist as AVX2 (with FMA) and AVX-512 variants, built with GCC
// target attributes and chosen per call from what the CPU supports.
//
// A variant is a small entry function marked SSDX_TARGET_AVX2 / SSDX_TARGET_AVX512 that calls shared generic code:
// `flatten` inlines that code into the entry, so it is compiled (and auto-vectorized) for the variant's ISA.
namespace ssdx {

enum class Isa { Baseline, Avx2, Avx512 };  // Avx2 includes FMA; Avx512 means AVX-512F on top of that

// Whether this CPU (and OS) can run code built for `isa`.
bool isa_supported(Isa isa);

// The widest supported ISA, capped by the environment variable SSDX_MAX_ISA (baseline, avx2 or avx512) when set,
// so the narrower variants can be timed and checked end to end on a wide machine.
Isa host_isa();

const char* isa_name(Isa isa);

// The variant of a kernel for `isa` (one function pointer per ISA, all of the same type).
template <typename F>
F isa_variant(Isa isa, F avx512, F avx2, F baseline) {
  return isa == Isa::Avx512 ? avx512 : isa == Isa::Avx2 ? avx2 : baseline;
}

}  // namespace ssdx

#define SSDX_TARGET_AVX2 __attribute__((target("avx2,fma"), flatten))
#if defined(__clang__)  // Clang has no prefer-vector-width target option (and ignores an attribute naming it)
#define SSDX_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma"), flatten))
#else
#define SSDX_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma,prefer-vector-width=512"), flatten))
#endif
