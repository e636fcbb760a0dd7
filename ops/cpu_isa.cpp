#include "ops/cpu_isa.h"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include <dnnl.hpp>

namespace ssdx {

bool isa_supported(Isa isa) {
  // libgcc's checks include the OS saving the wide registers (XGETBV), not only the CPUID bits.
  switch (isa) {
    case Isa::Baseline: return true;
    case Isa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512: return isa_supported(Isa::Avx2) && __builtin_cpu_supports("avx512f");
  }
  return false;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Baseline: return "baseline";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "?";
}

Isa host_isa() {
  static const Isa isa = [] {
    Isa cap = Isa::Avx512;
    if (const char* env = std::getenv("SSDX_MAX_ISA")) {
      for (Isa i : {Isa::Baseline, Isa::Avx2, Isa::Avx512})
        if (std::strcmp(env, isa_name(i)) == 0) cap = i;
    }
    for (Isa i : {Isa::Avx512, Isa::Avx2})
      if (i <= cap && isa_supported(i)) return i;
    return Isa::Baseline;
  }();
  return isa;
}

bool bf16_convolutions_supported() {
  // oneDNN's ISA values are bit sets, each including the ones below it: AMX's includes AVX512_CORE_BF16's bits.
  const auto bits = [](dnnl::cpu_isa i) { return static_cast<unsigned>(i); };
  const unsigned bf16 = bits(dnnl::cpu_isa::avx512_core_bf16);
  return (bits(dnnl::get_effective_cpu_isa()) & bf16) == bf16;
}

}  // namespace ssdx
