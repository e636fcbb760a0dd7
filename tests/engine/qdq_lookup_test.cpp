// The QDQ pass's requantization rewrites (passes/fuse_qdq.h): DequantizeLinear -> elementwise float ops ->
// QuantizeLinear becomes one ssdx.TableLookup, an identity DQ -> Q pair goes, and chains the table cannot stand for
// stay as written. Each case runs the graph as written (no passes) and optimized on inputs holding every byte value,
// compares them bit for bit, and checks the rewritten chains against onnxruntime too.
#include <unistd.h>

#include <map>
#include <random>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

const Shape kShape = {1, 5, 13, 11};  // 715 elements: every byte value several times, an odd length

// Every byte value, then random ones, as `dtype`.
Tensor all_bytes(DataType dtype, uint32_t seed) {
  Tensor t(dtype, kShape);
  auto* p = static_cast<uint8_t*>(t.raw());
  std::mt19937 rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<uint8_t>(i < 256 ? i : rng());
  return t;
}

Tensor scalar_zp(DataType dtype, int v) {
  return dtype == DataType::UInt8 ? make_tensor<uint8_t>({}, {static_cast<uint8_t>(v)})
                                  : make_tensor<int8_t>({}, {static_cast<int8_t>(v)});
}

// x (8-bit) -> DequantizeLinear(s_in, z_in) -> `ops` -> QuantizeLinear(s_out, z_out) -> y.
struct ChainModel {
  DataType in = DataType::UInt8, out = DataType::UInt8;
  float s_in = 0.05f, s_out = 0.03f;
  int z_in = 100, z_out = 7;
};

void add_chain_params(ModelBuilder& b, const ChainModel& m) {
  b.add_initializer("s_in", make_tensor<float>({}, {m.s_in}));
  b.add_initializer("z_in", scalar_zp(m.in, m.z_in));
  b.add_initializer("s_out", make_tensor<float>({}, {m.s_out}));
  b.add_initializer("z_out", scalar_zp(m.out, m.z_out));
}

struct Outcome {
  std::map<std::string, int> ops;  // op types of the optimized graph
  TensorMap written, optimized;
};

Outcome run_both(const ModelBuilder& b, DataType in, SessionOptions fast = {}) {
  const std::string bytes = b.serialize();
  SessionOptions as_written;
  as_written.optimize = false;
  Session plain(load_onnx_bytes(bytes, "plain.onnx", ""), as_written);
  Session optimized(load_onnx_bytes(bytes, "fast.onnx", ""), fast);
  const TensorMap feeds = {{"x", all_bytes(in, 3)}};
  Outcome r;
  for (const Node& n : optimized.graph().nodes) ++r.ops[n.op_type];
  r.written = plain.run(feeds);
  r.optimized = optimized.run(feeds);
  return r;
}

void expect_same_bytes(const TensorMap& a, const TensorMap& b) {
  for (const auto& [name, t] : a) {
    SCOPED_TRACE(name);
    const Tensor& u = b.at(name);
    ASSERT_EQ(t.dtype(), u.dtype());
    ASSERT_EQ(shape_str(t.shape()), shape_str(u.shape()));
    for (int64_t i = 0; i < t.numel(); ++i) ASSERT_EQ(t.float_at(i), u.float_at(i)) << "element " << i;
  }
}

// Builds x -> DQ -> ops -> Q -> y with `add_ops(builder, input name) -> output name`.
template <typename AddOps>
void build_chain(ModelBuilder& b, const ChainModel& m, AddOps add_ops) {
  b.add_input("x", m.in, kShape);
  add_chain_params(b, m);
  b.add_node("DequantizeLinear", {"x", "s_in", "z_in"}, {"d"}, {}, "dq");
  const std::string f = add_ops(b, std::string("d"));
  b.add_node("QuantizeLinear", {f, "s_out", "z_out"}, {"y"}, {}, "q");
  b.add_output("y", m.out, kShape);
}

std::string add_relu(ModelBuilder& b, const std::string& x) {
  b.add_node("Relu", {x}, {"r"}, {}, "relu");
  return "r";
}

// The chain became one lookup (its table chain folded away), computes what it computed, and agrees with ORT.
void expect_lookup(const ModelBuilder& b, const ChainModel& m) {
  const Outcome r = run_both(b, m.in);
  EXPECT_EQ(r.ops.size(), 1u);
  EXPECT_EQ(r.ops.count("TableLookup"), 1u);
  expect_same_bytes(r.written, r.optimized);
  SessionOptions no_folding;  // the table is then computed by the chain at every run
  no_folding.constant_folding = false;
  const Outcome unfolded = run_both(b, m.in, no_folding);
  EXPECT_EQ(unfolded.ops.count("TableLookup"), 1u);
  expect_same_bytes(r.written, unfolded.optimized);
  if (!ort_available()) return;
  const std::string path = ::testing::TempDir() + "ssdx_qdq_lookup_" + std::to_string(getpid()) + ".onnx";
  b.save(path);
  expect_same_bytes(run_ort(path, {{"x", all_bytes(m.in, 3)}}), r.optimized);
  std::remove(path.c_str());
}

TEST(QdqLookup, ReluChainBecomesOneLookup) {
  // z_out 7 is not the type minimum, so the Relu is not removed first: the table holds it.
  ChainModel m;
  ModelBuilder b(13);
  build_chain(b, m, add_relu);
  expect_lookup(b, m);
}

TEST(QdqLookup, ReluRemovedFirstLeavesARequantizationLookup) {
  ChainModel m;
  m.z_out = 0;  // Relu then Q at the minimum: remove_relu_before_quantize leaves DQ -> Q
  ModelBuilder b(13);
  build_chain(b, m, add_relu);
  expect_lookup(b, m);
}

TEST(QdqLookup, ClipChainOnInt8BecomesOneLookup) {
  ChainModel m;
  m.in = m.out = DataType::Int8;
  m.z_in = -3;
  m.z_out = 5;
  ModelBuilder b(13);
  build_chain(b, m, [](ModelBuilder& mb, const std::string& x) {
    mb.add_initializer("lo", make_tensor<float>({}, {-1.5f}));
    mb.add_initializer("hi", make_tensor<float>({}, {2.25f}));
    mb.add_node("Clip", {x, "lo", "hi"}, {"c"}, {}, "clip");
    return std::string("c");
  });
  expect_lookup(b, m);
}

TEST(QdqLookup, TwoOpsAndATypeChangeBecomeOneLookup) {
  ChainModel m;
  m.out = DataType::Int8;
  m.z_out = -20;
  ModelBuilder b(13);
  build_chain(b, m, [](ModelBuilder& mb, const std::string& x) {
    Attributes a;
    a.set_float("alpha", 0.2f);
    mb.add_node("LeakyRelu", {x}, {"l"}, a, "leaky");
    mb.add_initializer("hi", make_tensor<float>({}, {3.f}));
    mb.add_node("Clip", {"l", "", "hi"}, {"c"}, {}, "clip");
    return std::string("c");
  });
  expect_lookup(b, m);
}

TEST(QdqLookup, LookupRecordsTheChainItReplaced) {
  ChainModel m;
  ModelBuilder b(13);
  build_chain(b, m, add_relu);
  Session s(load_onnx_bytes(b.serialize(), "m.onnx", ""), SessionOptions{});
  ASSERT_EQ(s.graph().nodes.size(), 1u);
  std::vector<std::string> from;
  for (const NodeOrigin& o : s.graph().nodes[0].fused_from) from.push_back(o.op_type + " " + o.name);
  EXPECT_EQ(from, (std::vector<std::string>{"DequantizeLinear dq", "Relu relu", "QuantizeLinear q"}));
}

TEST(QdqLookup, IdentityPairIsDropped) {
  // x -> DQ -> Q (same parameters) -> DQ2 -> y: the pair goes, DQ2 reads x.
  ChainModel m;
  ModelBuilder b(13);
  b.add_input("x", m.in, kShape);
  add_chain_params(b, m);
  b.add_node("DequantizeLinear", {"x", "s_in", "z_in"}, {"d"}, {}, "dq");
  b.add_node("QuantizeLinear", {"d", "s_in", "z_in"}, {"q"}, {}, "q");
  b.add_node("DequantizeLinear", {"q", "s_out", "z_out"}, {"y"}, {}, "dq2");
  b.add_output("y", DataType::Float, kShape);
  const Outcome r = run_both(b, m.in);
  EXPECT_EQ(r.ops, (std::map<std::string, int>{{"DequantizeLinear", 1}}));
  expect_same_bytes(r.written, r.optimized);
  // Hand-worked: y = (x - z_out) * s_out, as if the pair were not there.
  const Tensor x = all_bytes(m.in, 3);
  const Tensor& y = r.optimized.at("y");
  for (int64_t i = 0; i < x.numel(); ++i)
    ASSERT_EQ(y.float_at(i), static_cast<float>(x.int_at(i) - m.z_out) * m.s_out) << i;
}

TEST(QdqLookup, DifferentParametersAreNotAnIdentity) {
  ChainModel m;
  ModelBuilder b(13);
  build_chain(b, m, [](ModelBuilder&, const std::string& x) { return x; });
  expect_lookup(b, m);
}

// Chains the table cannot stand for keep their Q/DQ nodes.
void expect_untouched(const ModelBuilder& b, DataType in) {
  const Outcome r = run_both(b, in);
  EXPECT_EQ(r.ops.count("TableLookup"), 0u);
  EXPECT_EQ(r.ops.count("DequantizeLinear"), 1u);
  EXPECT_EQ(r.ops.count("QuantizeLinear"), 1u);
  expect_same_bytes(r.written, r.optimized);
}

TEST(QdqLookup, PerChannelChainIsNotRewritten) {
  ChainModel m;
  ModelBuilder b(13);
  b.add_input("x", m.in, kShape);
  add_chain_params(b, m);
  b.add_initializer("s_c", make_tensor<float>({5}, {0.01f, 0.02f, 0.03f, 0.04f, 0.05f}));
  b.add_initializer("z_c", make_tensor<uint8_t>({5}, {1, 2, 3, 4, 5}));
  Attributes axis;
  axis.set_int("axis", 1);
  b.add_node("DequantizeLinear", {"x", "s_c", "z_c"}, {"d"}, axis, "dq");
  b.add_node("Relu", {"d"}, {"r"}, {}, "relu");
  b.add_node("QuantizeLinear", {"r", "s_out", "z_out"}, {"y"}, {}, "q");
  b.add_output("y", m.out, kShape);
  expect_untouched(b, m.in);
}

TEST(QdqLookup, ChainValueReadOutsideTheChainIsNotRewritten) {
  ChainModel m;
  ModelBuilder b(13);
  build_chain(b, m, [](ModelBuilder& mb, const std::string& x) {
    mb.add_node("Relu", {x}, {"r"}, {}, "relu");
    mb.add_node("Exp", {"r"}, {"e"}, {}, "exp");  // a second reader of the Relu's output
    mb.add_output("e", DataType::Float, kShape);
    return std::string("r");
  });
  const Outcome r = run_both(b, m.in);
  EXPECT_EQ(r.ops.count("TableLookup"), 0u);
  EXPECT_EQ(r.ops.count("QuantizeLinear"), 1u);
  expect_same_bytes(r.written, r.optimized);
}

TEST(QdqLookup, Int32ChainIsNotRewritten) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Int32, kShape);
  b.add_initializer("s_in", make_tensor<float>({}, {0.001f}));
  b.add_initializer("z_in", make_tensor<int32_t>({}, {0}));
  b.add_initializer("s_out", make_tensor<float>({}, {0.03f}));
  b.add_initializer("z_out", make_tensor<uint8_t>({}, {7}));
  b.add_node("DequantizeLinear", {"x", "s_in", "z_in"}, {"d"}, {}, "dq");
  b.add_node("Relu", {"d"}, {"r"}, {}, "relu");
  b.add_node("QuantizeLinear", {"r", "s_out", "z_out"}, {"y"}, {}, "q");
  b.add_output("y", DataType::UInt8, kShape);
  const std::string bytes = b.serialize();
  SessionOptions as_written;
  as_written.optimize = false;
  Session plain(load_onnx_bytes(bytes, "plain.onnx", ""), as_written), optimized(load_onnx_bytes(bytes, "f.onnx", ""), SessionOptions{});
  std::map<std::string, int> ops;
  for (const Node& n : optimized.graph().nodes) ++ops[n.op_type];
  EXPECT_EQ(ops, (std::map<std::string, int>{{"DequantizeLinear", 1}, {"QuantizeLinear", 1}, {"Relu", 1}}));
  Tensor x(DataType::Int32, kShape);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<int32_t>()[i] = static_cast<int32_t>(i * 37 % 5000) - 2000;
  expect_same_bytes(plain.run({{"x", x}}), optimized.run({{"x", x}}));
}

}  // namespace
}  // namespace ssdx::test
