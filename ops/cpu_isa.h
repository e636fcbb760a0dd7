#pragma once
// Run-time choice of SIMD kernel variants. The kernel libraries are compiled for x86-64-v2 so they run on any x86-64
// server; the few kernels that gain from wider vectors also exist as AVX2 (with FMA) and AVX-512 variants, chosen once
// when the kernel is created from what the CPU supports (KernelIsa below).
//
// A variant lives in its own translation unit, <family>_avx2.cpp / <family>_avx512.cpp (_vbmi.cpp for AVX-512 VBMI),
// compiled with that ISA's flags (cmake/kernel_flags.cmake), the same with GCC and Clang. It defines entry points in
// namespace ssdx::avx2 / ssdx::avx512 that call the family's generic code, kept in a header with internal linkage
// (<family>_loops.h and the like) so every unit compiles its own copy for its own ISA. scripts/check_isa_units.sh
// (a test) checks that those units export nothing else.
#include <string>

namespace ssdx {

enum class Isa { Baseline, Avx2, Avx512 };  // Avx2 includes FMA; Avx512 means AVX-512F on top of that

// Whether this CPU (and OS) can run code built for `isa`.
bool isa_supported(Isa isa);

// The widest supported ISA, capped by the environment variable SSDX_MAX_ISA (baseline, avx2 or avx512) when set,
// so the narrower variants can be timed and checked end to end on a wide machine.
Isa host_isa();

const char* isa_name(Isa isa);

// Whether oneDNN runs bfloat16 convolutions natively here: its effective ISA (capped by ONEDNN_MAX_CPU_ISA when
// set) has AVX512_BF16, alone or with AMX. Without it oneDNN would emulate bf16 (slower than fp32) or decline.
bool bf16_convolutions_supported();

// What a vectorised kernel runs, chosen once when it is created and kept in the kernel: its reference loop
// (KernelHints::reference) or the variant for host_isa(). Each family dispatches through one free function taking
// the Isa (softmax_rows(..., isa), nms_fast(p, isa), quantize_span(..., isa)...), whose switch calls the per-ISA
// entry points; tests call those functions with every Isa the CPU supports.
struct KernelIsa {
  bool reference = false;
  Isa isa = Isa::Baseline;
  // "ref", or "<family>:<isa>" ("softmax:avx512"), for profiles.
  std::string impl_name(const char* family) const {
    return reference ? std::string("ref") : std::string(family) + ":" + isa_name(isa);
  }
};
inline KernelIsa choose_kernel_isa(bool reference) { return {reference, host_isa()}; }

}  // namespace ssdx
