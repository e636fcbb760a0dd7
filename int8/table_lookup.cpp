// ssdx.TableLookup (int8/table_lookup.h): one byte-to-byte table applied over the whole buffer, so it runs on
// whatever layout its producer wrote (padded blocks included) and writes that same layout.
#include "int8/table_lookup.h"

#include <immintrin.h>

#include <algorithm>
#include <array>

#include "ops/cpu_isa.h"
#include "ops/onednn_util.h"
#include "int8/quant_util.h"
#include "int8/register_quant.h"

namespace ssdx {
namespace {

constexpr int kX = 0, kTable = 1;
constexpr int kEntries = 256;
using Table = std::array<uint8_t, kEntries>;

void lookup_scalar(const uint8_t* t, const uint8_t* x, uint8_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = t[x[i]];
}

// pshufb looks up 16 entries: the table is 16 rows of 16, each row looked up by the low nibble, then the rows are
// merged as a tree on the high nibble's bits (blendv keys on each byte's top bit: bit b is shifted up to bit 7), so
// the dependency chain is 4 blends deep rather than 15.
__attribute__((target("avx2"))) void lookup_avx2(const uint8_t* t, const uint8_t* x, uint8_t* y, int64_t n) {
  __m256i rows[16];
  for (int r = 0; r < 16; ++r)
    rows[r] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t + 16 * r)));
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i lo = _mm256_and_si256(v, nibble);
    __m256i level[16];
    for (int r = 0; r < 16; ++r) level[r] = _mm256_shuffle_epi8(rows[r], lo);
    // 16-bit shifts: a byte's bit b reaches its own bit 7; what crosses from the lower byte lands below bit 3.
    const __m256i bit[4] = {_mm256_slli_epi16(v, 3), _mm256_slli_epi16(v, 2), _mm256_slli_epi16(v, 1), v};
    for (int b = 0, width = 16; b < 4; ++b, width /= 2)
      for (int r = 0; r < width / 2; ++r) level[r] = _mm256_blendv_epi8(level[2 * r], level[2 * r + 1], bit[b]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), level[0]);
  }
  lookup_scalar(t, x + i, y + i, n - i);
}

// vpermi2b looks up 128 entries from two registers by an index's low 7 bits: one lookup per table half, the
// index's top bit picks between them.
#define SSDX_TARGET_VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))
SSDX_TARGET_VBMI inline __m512i lookup64(const __m512i t[4], __m512i v) {
  const __m512i low_half = _mm512_permutex2var_epi8(t[0], v, t[1]), high_half = _mm512_permutex2var_epi8(t[2], v, t[3]);
  return _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low_half, high_half);
}

SSDX_TARGET_VBMI void lookup_avx512_vbmi(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n) {
  __m512i t[4];
  for (int k = 0; k < 4; ++k) t[k] = _mm512_loadu_si512(table + 64 * k);
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(y + i, lookup64(t, _mm512_loadu_si512(x + i)));
  if (i < n) {
    const __mmask64 k = (~__mmask64{0}) >> (64 - (n - i));
    _mm512_mask_storeu_epi8(y + i, k, lookup64(t, _mm512_maskz_loadu_epi8(k, x + i)));
  }
}

void lookup_parallel(const uint8_t* t, const uint8_t* x, uint8_t* y, int64_t n, LookupVariant v) {
  constexpr int64_t kChunk = 1 << 16;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for if (chunks > 1) schedule(static)
  for (int64_t c = 0; c < chunks; ++c)
    table_lookup_span(t, x + c * kChunk, y + c * kChunk, std::min(kChunk, n - c * kChunk), v);
}

// ---- shape function ----

void infer_table_lookup(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  ctx.require_dtype(kX, {DataType::UInt8, DataType::Int8});
  ctx.require_dtype(kTable, {DataType::UInt8, DataType::Int8});
  if (ctx.input_shape_known(kTable) && ctx.input_shape(kTable) != Shape{kEntries})
    fail("Table must have shape [256], got ", shape_str(ctx.input_shape(kTable)));
  const DataType t = ctx.input_dtype(kTable);
  if (ctx.input_shape_known(kX)) ctx.set_output(0, t, ctx.input_shape(kX));
  else ctx.set_output_dtype(0, t);
}

Table read_table(const Tensor& t) {
  if (!t.is_plain() || t.shape() != Shape{kEntries} || dtype_size(t.dtype()) != 1)
    fail("Table must be a plain 8-bit tensor of shape [256], got ", dtype_name(t.dtype()), " ", shape_str(t.shape()));
  Table table;
  std::copy_n(static_cast<const uint8_t*>(t.raw()), kEntries, table.begin());
  return table;
}

// The table is read once at creation when it is a constant (always, after constant folding), else per run.
class TableLookupKernel : public Kernel {
 public:
  TableLookupKernel(const Tensor* table, LayoutPtr layout)
      : fixed_(table != nullptr), layout_(std::move(layout)), variant_(host_lookup_variant()) {
    if (table) table_ = read_table(*table);
  }

  void run(KernelContext& ctx) override {
    const Tensor& x = ctx.input(kX);
    Tensor& y = ctx.output(0);
    if (!same_layout(x.layout(), layout_) || !same_layout(y.layout(), layout_))
      fail("input in layout ", layout_name(x.layout()), ", the kernel was built for ", layout_name(layout_));
    const Table table = fixed_ ? table_ : read_table(ctx.input(kTable));
    // Elementwise over the whole buffer (padding too): any layout works as long as output and input share it.
    lookup_parallel(table.data(), static_cast<const uint8_t*>(x.raw()), static_cast<uint8_t*>(y.raw()),
                    static_cast<int64_t>(x.nbytes()), variant_);
  }

  std::string impl_name() const override { return std::string("simd:") + lookup_variant_name(variant_); }
  LayoutPtr output_layout(int i) const override { return i == 0 ? layout_ : nullptr; }
  bool reads_layout(int i) const override { return i == kX; }
  int inplace_input() const override { return kX; }

 private:
  bool fixed_;
  Table table_{};
  LayoutPtr layout_;
  LookupVariant variant_;
};

std::unique_ptr<Kernel> create_table_lookup(const OpContext& ctx) {
  const Tensor* table = ctx.input_constant(kTable);
  if (table) read_table(*table);  // a bad constant fails at load, not at the first run
  return std::make_unique<TableLookupKernel>(table, ctx.input(kX).layout);
}

}  // namespace

bool lookup_variant_supported(LookupVariant v) {
  switch (v) {
    case LookupVariant::Scalar: return true;
    case LookupVariant::Avx2: return isa_supported(Isa::Avx2);
    case LookupVariant::Avx512Vbmi:
      return isa_supported(Isa::Avx512) && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi");
  }
  return false;
}

LookupVariant host_lookup_variant() {
  static const LookupVariant v = [] {
    // An AVX-512 CPU without VBMI (Skylake-X) runs the AVX2 variant.
    const LookupVariant widest =
        lookup_variant_supported(LookupVariant::Avx512Vbmi) ? LookupVariant::Avx512Vbmi : LookupVariant::Avx2;
    return isa_variant(host_isa(), widest, LookupVariant::Avx2, LookupVariant::Scalar);
  }();
  return v;
}

const char* lookup_variant_name(LookupVariant v) {
  switch (v) {
    case LookupVariant::Scalar: return "scalar";
    case LookupVariant::Avx2: return "avx2";
    case LookupVariant::Avx512Vbmi: return "avx512_vbmi";
  }
  return "?";
}

void table_lookup_span(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n, LookupVariant v) {
  if (!lookup_variant_supported(v)) fail("TableLookup: this CPU cannot run the ", lookup_variant_name(v), " kernel");
  switch (v) {
    case LookupVariant::Scalar: return lookup_scalar(table, x, y, n);
    case LookupVariant::Avx2: return lookup_avx2(table, x, y, n);
    case LookupVariant::Avx512Vbmi: return lookup_avx512_vbmi(table, x, y, n);
  }
}

void register_table_lookup_ops(OpRegistry& r) {
  // A byte-to-byte table runs over the whole buffer, whatever its layout.
  auto reads_blocked = [](const Graph&, const Node&, size_t input) { return input == 0; };
  r.add({kInternalDomain, "TableLookup", 1, INT64_MAX, infer_table_lookup, create_table_lookup,
         OpTraits{{}, -1, false, reads_blocked}});
}

}  // namespace ssdx
