#pragma once
// ssdx.TableLookup(X, Table): Y[i] = Table[byte of X[i]] for 8-bit X and a 256-entry 8-bit Table. The QDQ pass
// rewrites DequantizeLinear -> elementwise float ops -> QuantizeLinear chains into it (passes/fuse_qdq.h), the
// table being that chain folded on the 256 byte values. The element loops are exposed here so tests can hold every
// variant this CPU runs to the scalar one.
#include <cstdint>

namespace ssdx {

enum class LookupVariant { Scalar, Avx2, Avx512Vbmi };

bool lookup_variant_supported(LookupVariant v);
// The widest variant the CPU supports, capped by SSDX_MAX_ISA (ops/cpu_isa.h: avx512 allows VBMI).
LookupVariant host_lookup_variant();
const char* lookup_variant_name(LookupVariant v);  // "scalar", "avx2", "vbmi" (the op's impl_name: "lut:vbmi")

// y[i] = table[x[i]] for i < n, on one thread with variant v (which must be supported).
void table_lookup_span(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n, LookupVariant v);

// The per-ISA entry points (table_lookup_avx2.cpp, table_lookup_vbmi.cpp); call table_lookup_span.
namespace avx2 {
void table_lookup(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n);
}
namespace vbmi {
void table_lookup(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n);
}

}  // namespace ssdx
