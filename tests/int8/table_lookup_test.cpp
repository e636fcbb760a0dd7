// ssdx.TableLookup's element loops, every variant this CPU runs against the scalar one bit for bit (odd lengths,
// vector tails); the op on uint8 and int8 against the table applied by hand; and the per-tensor ops that run on the
// producer's blocked layout (TableLookup, QuantizeLinear, DequantizeLinear) against the same op on plain data.
#include <random>

#include "ops/evaluate.h"
#include "ops/layout_convert.h"
#include "ops/onednn_util.h"
#include "int8/table_lookup.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

TEST(TableLookup, EveryVariantMatchesScalarBitForBit) {
  const std::vector<uint8_t> table = random_bytes(256, 1), x = random_bytes(4999 + 7, 2);  // longest span at the largest offset
  int variants = 0;
  for (LookupVariant v : {LookupVariant::Avx2, LookupVariant::Avx512Vbmi}) {
    if (!lookup_variant_supported(v)) continue;
    ++variants;
    for (int64_t n : {0, 1, 15, 31, 32, 33, 63, 64, 65, 127, 129, 1001, 4999}) {
      for (int64_t offset : {0, 1, 7}) {  // unaligned starts
        std::vector<uint8_t> want(static_cast<size_t>(n) + 1, 0xAA), got(static_cast<size_t>(n) + 1, 0xAA);
        table_lookup_span(table.data(), x.data() + offset, want.data(), n, LookupVariant::Scalar);
        table_lookup_span(table.data(), x.data() + offset, got.data(), n, v);
        ASSERT_EQ(want, got) << lookup_variant_name(v) << " n=" << n << " offset=" << offset;  // the byte past n too
      }
    }
  }
  std::printf("[ lookup ] %d SIMD variant(s) checked; host runs %s\n", variants,
              lookup_variant_name(host_lookup_variant()));
  for (int64_t i = 0; i < 256; ++i) {  // scalar is the table itself
    uint8_t b = static_cast<uint8_t>(i), y = 0;
    table_lookup_span(table.data(), &b, &y, 1, LookupVariant::Scalar);
    ASSERT_EQ(y, table[static_cast<size_t>(i)]);
  }
}

template <typename T>
void check_op_applies_table(uint32_t seed) {
  const DataType t = DTypeOf<T>::value;
  const Shape shape = {1, 3, 17, 19};  // 969 elements, odd
  Tensor x(t, shape), table(t, {256});
  const std::vector<uint8_t> xb = random_bytes(static_cast<size_t>(x.numel()), seed), tb = random_bytes(256, seed + 1);
  std::copy(xb.begin(), xb.end(), static_cast<uint8_t*>(x.raw()));
  std::copy(tb.begin(), tb.end(), static_cast<uint8_t*>(table.raw()));
  for (const std::vector<int>& known : {std::vector<int>{1}, std::vector<int>{}}) {  // table constant or per run
    const auto [y, impl] = run_op_knowing("TableLookup", 1, {}, {&x, &table}, known, "ssdx");
    EXPECT_EQ(impl, std::string("lut:") + lookup_variant_name(host_lookup_variant()));
    ASSERT_EQ(y[0].dtype(), t);
    for (int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(y[0].data<T>()[i], static_cast<T>(tb[xb[static_cast<size_t>(i)]])) << i;
  }
}

TEST(TableLookup, OpAppliesTheTableOnUint8) { check_op_applies_table<uint8_t>(3); }
TEST(TableLookup, OpAppliesTheTableOnInt8) { check_op_applies_table<int8_t>(5); }

TEST(TableLookup, RejectsABadTable) {
  Tensor x(DataType::UInt8, {4}), table(DataType::UInt8, {255});
  EXPECT_THROW(run_op("TableLookup", 1, {}, {&x, &table}, 1, "ssdx"), Error);
}

// ---- blocked layouts ----

const Shape kBlockedShape = {1, 20, 5, 7};  // 20 channels: nChw16c pads the second block

LayoutPtr blocked(DataType t) {
  const dnnl::memory::dims dims(kBlockedShape.begin(), kBlockedShape.end());
  return std::make_shared<OnednnLayout>(dnnl::memory::desc(dims, onednn_dtype(t), dnnl::memory::format_tag::nChw16c));
}

Tensor to_layout(const Tensor& plain, const LayoutPtr& layout) {
  Tensor t(plain.dtype(), plain.shape(), layout);
  dnnl::memory from = onednn_memory(plain_desc(plain.shape(), plain.dtype()), plain.raw());
  dnnl::memory to = onednn_memory(desc_of(layout, plain.shape(), plain.dtype()), t.raw());
  dnnl::reorder(from, to).execute(onednn_stream(), from, to);
  onednn_stream().wait();
  return t;
}

// Runs `op` with input 0 in nChw16c (its readers taking blocked layouts too): the kernel must keep the layout, and
// its output, made plain, must equal the op's output on the plain input.
void check_keeps_blocked_layout(const std::string& op, const std::string& domain, const std::vector<const Tensor*>& in) {
  SCOPED_TRACE(op);
  const std::vector<Tensor> want = run_op(op, 13, {}, in, 1, domain);
  const Tensor x = to_layout(*in[0], blocked(in[0]->dtype()));
  std::vector<const Tensor*> inputs = in;
  inputs[0] = &x;
  std::vector<ValueInfo> infos = describe_inputs(inputs);
  infos[0].constant = nullptr;
  infos[0].layout = x.layout();  // what the engine passes: the producer's layout
  const Node node = make_test_node(op, domain, {}, in.size(), 1);
  OpContext ctx(node, 13, infos, 1);
  ctx.set_output_blocked_ok(0, true);
  const OpDef* def = find_op(op, 13, domain);
  def->infer(ctx);
  std::unique_ptr<Kernel> kernel = def->create(ctx);
  ASSERT_TRUE(kernel->reads_layout(0));
  ASSERT_TRUE(kernel->output_layout(0));
  EXPECT_EQ(kernel->output_layout(0)->name(), "nChw16c");
  KernelContext kc;
  kc.inputs = inputs;
  kc.outputs.emplace_back(ctx.outputs()[0].dtype, kBlockedShape, kernel->output_layout(0));
  kernel->run(kc);
  EXPECT_TRUE(tensors_close(want[0], to_plain(kc.outputs[0]))) << kernel->impl_name();
}

TEST(BlockedLayouts, PerTensorOpsKeepTheProducersLayout) {
  const Tensor f = random_tensor(kBlockedShape, 7, -3.f, 3.f);
  const Tensor scale = make_tensor<float>({}, {0.0213f});
  for (DataType t : {DataType::UInt8, DataType::Int8}) {
    const Tensor zp = t == DataType::UInt8 ? make_tensor<uint8_t>({}, {131}) : make_tensor<int8_t>({}, {-9});
    const Tensor q = run_op("QuantizeLinear", 13, {}, {&f, &scale, &zp})[0];
    check_keeps_blocked_layout("QuantizeLinear", "", {&f, &scale, &zp});
    check_keeps_blocked_layout("DequantizeLinear", "", {&q, &scale, &zp});
    Tensor table(t, {256});
    const std::vector<uint8_t> tb = random_bytes(256, 9);
    std::copy(tb.begin(), tb.end(), static_cast<uint8_t*>(table.raw()));
    check_keeps_blocked_layout("TableLookup", "ssdx", {&q, &table});
  }
}

TEST(BlockedLayouts, DequantizeForPlainReadersTakesAPlainInput) {
  const Tensor q = make_tensor<uint8_t>({2}, {1, 2}), scale = make_tensor<float>({}, {0.5f});
  std::vector<ValueInfo> infos = describe_inputs({&q, &scale});
  infos[0].layout = blocked(DataType::UInt8);  // only its layout matters here
  const Node node = make_test_node("DequantizeLinear", "", {}, 2, 1);
  OpContext ctx(node, 13, infos, 1);  // readers want plain (output_blocked_ok false)
  const OpDef* def = find_op("DequantizeLinear", 13, "");
  def->infer(ctx);
  const std::unique_ptr<Kernel> kernel = def->create(ctx);
  EXPECT_FALSE(kernel->reads_layout(0));
  EXPECT_FALSE(kernel->output_layout(0));
}

}  // namespace
}  // namespace ssdx::test
