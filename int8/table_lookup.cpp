// ssdx.TableLookup (int8/table_lookup.h): one byte-to-byte table applied over the whole buffer, so it runs on
// whatever layout its producer wrote (padded blocks included) and writes that same layout.
#include "int8/table_lookup.h"

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
  TableLookupKernel(const Tensor* table, LayoutPtr layout, bool reference)
      : fixed_(table != nullptr), layout_(std::move(layout)), reference_(reference),
        variant_(reference ? LookupVariant::Scalar : host_lookup_variant()) {
    if (table) table_ = read_table(*table);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(kX);
    Tensor& y = ctx.output(0);
    if (!same_layout(x.layout(), layout_) || !same_layout(y.layout(), layout_))
      fail("input in layout ", layout_name(x.layout()), ", the kernel was built for ", layout_name(layout_));
    const Table table = fixed_ ? table_ : read_table(ctx.input(kTable));
    // Elementwise over the whole buffer (padding too): any layout works as long as output and input share it.
    lookup_parallel(table.data(), static_cast<const uint8_t*>(x.raw()), static_cast<uint8_t*>(y.raw()),
                    static_cast<int64_t>(x.nbytes()), variant_);
  }

  std::string impl_name() const override { return reference_ ? "ref" : std::string("lut:") + lookup_variant_name(variant_); }
  LayoutPtr output_layout(int i) const override { return i == 0 ? layout_ : nullptr; }
  bool reads_layout(int i) const override { return i == kX; }
  int inplace_input() const override { return kX; }

 private:
  bool fixed_;
  Table table_{};
  LayoutPtr layout_;
  bool reference_;  // KernelHints::reference: the scalar loop
  LookupVariant variant_;
};

std::unique_ptr<Kernel> create_table_lookup(const OpContext& ctx) {
  const Tensor* table = ctx.input_constant(kTable);
  if (table) read_table(*table);  // a bad constant fails at load, not at the first run
  return std::make_unique<TableLookupKernel>(table, ctx.input(kX).layout, ctx.hints().reference);
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
    switch (host_isa()) {
      case Isa::Avx512: return widest;
      case Isa::Avx2: return LookupVariant::Avx2;
      case Isa::Baseline: break;
    }
    return LookupVariant::Scalar;
  }();
  return v;
}

const char* lookup_variant_name(LookupVariant v) {
  switch (v) {
    case LookupVariant::Scalar: return "scalar";
    case LookupVariant::Avx2: return "avx2";
    case LookupVariant::Avx512Vbmi: return "vbmi";
  }
  return "?";
}

void table_lookup_span(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n, LookupVariant v) {
  if (!lookup_variant_supported(v)) fail("TableLookup: this CPU cannot run the ", lookup_variant_name(v), " kernel");
  switch (v) {
    case LookupVariant::Scalar: return lookup_scalar(table, x, y, n);
    case LookupVariant::Avx2: return avx2::table_lookup(table, x, y, n);
    case LookupVariant::Avx512Vbmi: return vbmi::table_lookup(table, x, y, n);
  }
}

void register_table_lookup_ops(OpRegistry& r) {
  // A byte-to-byte table runs over the whole buffer, whatever its layout.
  auto reads_blocked = [](const Graph&, const Node&, size_t input) { return input == 0; };
  r.add({kInternalDomain, "TableLookup", 1, INT64_MAX, infer_table_lookup, create_table_lookup,
         OpTraits{{}, -1, false, reads_blocked}});
}

}  // namespace ssdx
