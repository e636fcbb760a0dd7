// SessionOptions::reference_kernels: every op family with a fast kernel runs its reference loop instead (impl "ref"),
// and the two sessions agree on the same inputs: bit for bit for the int8 families (their fast kernels reproduce the
// reference's integer arithmetic exactly) and for selections (NMS, TopK), within float rounding for fp32.
#include <cstring>
#include <random>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "ops/cpu_isa.h"
#include "int8/table_lookup.h"
#include "tests/dynamic_models.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// The fast and the reference session of one model: per node (the same graph in both), its op and each's kernel.
struct Pair {
  std::vector<std::string> ops, fast, ref;
  std::string fast_of(const std::string& op) const { return of(op, fast); }
  std::string ref_of(const std::string& op) const { return of(op, ref); }

 private:
  std::string of(const std::string& op, const std::vector<std::string>& names) const {
    for (size_t i = 0; i < ops.size(); ++i)
      if (ops[i] == op) return names[i];
    ADD_FAILURE() << "no " << op << " node";
    return "";
  }
};

// Runs both sessions on `feeds` and expects every output to agree: bit for bit when `exact`, else within
// 1e-5 absolute + 1e-4 relative (fp32 kernels that sum in another order).
Pair expect_reference_agrees(const ModelBuilder& b, const TensorMap& feeds, bool exact) {
  const std::string bytes = b.serialize();
  SessionOptions reference;
  reference.reference_kernels = true;
  Session fast(load_onnx_bytes(bytes, "fast.onnx", ""), SessionOptions{});
  Session ref(load_onnx_bytes(bytes, "ref.onnx", ""), reference);
  Pair p;
  for (const Node& n : fast.graph().nodes) p.ops.push_back(n.op_type);
  std::vector<std::string> ref_ops;
  for (const Node& n : ref.graph().nodes) ref_ops.push_back(n.op_type);
  EXPECT_EQ(p.ops, ref_ops) << "the passes do not depend on the kernels";
  p.fast = fast.kernel_names();
  p.ref = ref.kernel_names();
  const TensorMap a = fast.run(feeds), r = ref.run(feeds);
  for (const auto& [name, want] : r) {
    SCOPED_TRACE(name);
    const Tensor& got = a.at(name);
    if (exact) {
      EXPECT_EQ(got.dtype(), want.dtype());
      EXPECT_EQ(shape_str(got.shape()), shape_str(want.shape()));
      EXPECT_TRUE(tensors_close(want, got, 0, 0));
    } else {
      EXPECT_TRUE(tensors_close(want, got, 1e-5, 1e-4));
    }
  }
  for (const std::string& name : p.ref) {
    // Only data movement (copies, transposes) has no separate reference: it is its own.
    EXPECT_TRUE(name == "ref" || name == "copy" || name == "tiled") << name;
  }
  return p;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
std::string isa() { return isa_name(host_isa()); }

TEST(ReferenceKernels, Fp32ConvPoolSoftmaxAgree) {
  // Conv + residual Add + Relu (one FusedConv after the passes), MaxPool, a 1x1 Conv, Softmax over channels.
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 16, 14, 14});
  b.add_initializer("w1", random_tensor({16, 16, 3, 3}, 1, -0.2f, 0.2f));
  b.add_initializer("b1", random_tensor({16}, 2));
  b.add_initializer("w2", random_tensor({10, 16, 1, 1}, 3, -0.3f, 0.3f));
  b.add_initializer("b2", random_tensor({10}, 4));
  Attributes pad;
  pad.set_ints("pads", {1, 1, 1, 1});
  b.add_node("Conv", {"x", "w1", "b1"}, {"c1"}, pad);
  b.add_node("Add", {"c1", "x"}, {"s"});
  b.add_node("Relu", {"s"}, {"r"});
  Attributes pool;
  pool.set_ints("kernel_shape", {2, 2});
  pool.set_ints("strides", {2, 2});
  b.add_node("MaxPool", {"r"}, {"p"}, pool);
  b.add_node("Conv", {"p", "w2", "b2"}, {"c2"});
  Attributes axis;
  axis.set_int("axis", 1);
  b.add_node("Softmax", {"c2"}, {"y"}, axis);
  b.add_output("y", DataType::Float, {1, 10, 7, 7});
  const Pair p = expect_reference_agrees(b, {{"x", random_tensor({1, 16, 14, 14}, 5)}}, false);
  EXPECT_TRUE(starts_with(p.fast_of("FusedConv"), "onednn:")) << p.fast_of("FusedConv");
  EXPECT_TRUE(starts_with(p.fast_of("MaxPool"), "onednn:")) << p.fast_of("MaxPool");
  EXPECT_TRUE(starts_with(p.fast_of("Conv"), "onednn:")) << p.fast_of("Conv");
  EXPECT_EQ(p.fast_of("Softmax"), "softmax:" + isa());
  for (const char* op : {"FusedConv", "MaxPool", "Conv", "Softmax"}) EXPECT_EQ(p.ref_of(op), "ref") << op;
}

TEST(ReferenceKernels, RunTimeShapeConvAndPoolAgree) {
  ModelBuilder b(12);
  add_dynamic_conv_pool(b, 4, 8, 3, 11);
  const Pair p = expect_reference_agrees(b, {{"x", random_tensor({1, 4, 17, 23}, 13)}}, false);
  EXPECT_TRUE(starts_with(p.fast_of("Conv"), "onednn:")) << p.fast_of("Conv");
  EXPECT_TRUE(starts_with(p.fast_of("MaxPool"), "onednn:")) << p.fast_of("MaxPool");
  EXPECT_EQ(p.ref_of("Conv"), "ref");
  EXPECT_EQ(p.ref_of("MaxPool"), "ref");
}

TEST(ReferenceKernels, NmsAndTopKSelectTheSame) {
  ModelBuilder b(11);
  constexpr int64_t kBoxes = 300;
  b.add_input("boxes", DataType::Float, {1, kBoxes, 4});
  b.add_input("scores", DataType::Float, {1, 3, kBoxes});
  b.add_initializer("max_out", make_tensor<int64_t>({1}, {20}));
  b.add_initializer("iou", make_tensor<float>({1}, {0.4f}));
  b.add_initializer("score_th", make_tensor<float>({1}, {0.3f}));
  b.add_node("NonMaxSuppression", {"boxes", "scores", "max_out", "iou", "score_th"}, {"selected"});
  b.add_output("selected", DataType::Int64, {-1, 3});
  b.add_initializer("k", make_tensor<int64_t>({1}, {25}));
  b.add_node("TopK", {"scores", "k"}, {"top", "top_idx"});
  b.add_output("top", DataType::Float, {1, 3, 25});
  b.add_output("top_idx", DataType::Int64, {1, 3, 25});
  // Boxes as corners around random centres (many overlaps), scores with ties.
  Tensor boxes = random_tensor({1, kBoxes, 4}, 21, 0.f, 1.f);
  for (int64_t i = 0; i < kBoxes; ++i) {
    float* bx = boxes.data<float>() + i * 4;
    bx[2] = bx[0] + 0.2f * bx[2];
    bx[3] = bx[1] + 0.2f * bx[3];
  }
  Tensor scores = random_tensor({1, 3, kBoxes}, 22, 0.f, 1.f);
  for (int64_t i = 0; i < scores.numel(); i += 7) scores.data<float>()[i] = 0.5f;
  const Pair p = expect_reference_agrees(b, {{"boxes", boxes}, {"scores", scores}}, true);
  EXPECT_EQ(p.fast_of("NonMaxSuppression"), "nms:" + isa());
  EXPECT_EQ(p.fast_of("TopK"), "topk:keys");
  EXPECT_EQ(p.ref_of("NonMaxSuppression"), "ref");
  EXPECT_EQ(p.ref_of("TopK"), "ref");
}

// Every byte value, then random ones.
Tensor all_bytes(DataType dtype, const Shape& shape, uint32_t seed) {
  Tensor t(dtype, shape);
  auto* q = static_cast<uint8_t*>(t.raw());
  std::mt19937 rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i) q[i] = static_cast<uint8_t>(i < 256 ? i : rng());
  return t;
}

TEST(ReferenceKernels, QuantizeDequantizeAndTableLookupAreBitExact) {
  // float -> Q -> DQ (the Q/DQ kernels), and u8 -> DQ -> Exp -> Q (one TableLookup after the QDQ pass).
  ModelBuilder b(13);
  const Shape shape = {1, 6, 13, 11};
  b.add_input("f", DataType::Float, shape);
  b.add_input("x", DataType::UInt8, shape);
  b.add_initializer("s", make_tensor<float>({}, {0.0213f}));
  b.add_initializer("z", make_tensor<uint8_t>({}, {131}));
  b.add_initializer("s2", make_tensor<float>({}, {0.5f}));
  b.add_initializer("z2", make_tensor<uint8_t>({}, {3}));
  b.add_node("QuantizeLinear", {"f", "s", "z"}, {"q"});
  b.add_node("DequantizeLinear", {"q", "s", "z"}, {"fq"});
  b.add_output("fq", DataType::Float, shape);
  b.add_node("DequantizeLinear", {"x", "s", "z"}, {"d"});
  b.add_node("Exp", {"d"}, {"sg"});
  b.add_node("QuantizeLinear", {"sg", "s2", "z2"}, {"y"});
  b.add_output("y", DataType::UInt8, shape);
  const Pair p = expect_reference_agrees(
      b, {{"f", random_tensor(shape, 31, -3.f, 3.f)}, {"x", all_bytes(DataType::UInt8, shape, 32)}}, true);
  EXPECT_EQ(p.fast_of("QuantizeLinear"), "qdq:" + isa());
  EXPECT_EQ(p.fast_of("DequantizeLinear"), "qdq:" + isa());
  EXPECT_EQ(p.fast_of("TableLookup"), std::string("lut:") + lookup_variant_name(host_lookup_variant()));
  for (const char* op : {"QuantizeLinear", "DequantizeLinear", "TableLookup"}) EXPECT_EQ(p.ref_of(op), "ref") << op;
}

TEST(ReferenceKernels, QLinearConvAndAddAreBitExact) {
  ModelBuilder b(13);
  b.set_opset("com.microsoft", 1);
  const Shape shape = {1, 16, 12, 12};
  b.add_input("x", DataType::UInt8, shape);
  b.add_input("r", DataType::UInt8, shape);
  std::mt19937 rng(41);
  b.add_initializer("w", random_ints<int8_t>({16, 16, 3, 3}, rng, -127, 127));
  b.add_initializer("bias", random_ints<int32_t>({16}, rng, -2000, 2000));
  b.add_initializer("xs", make_tensor<float>({}, {0.02f}));
  b.add_initializer("xz", make_tensor<uint8_t>({}, {120}));
  b.add_initializer("ws", make_tensor<float>({16}, std::vector<float>(16, 0.004f)));
  b.add_initializer("wz", make_tensor<int8_t>({16}, std::vector<int8_t>(16, 0)));
  b.add_initializer("ys", make_tensor<float>({}, {0.05f}));
  b.add_initializer("yz", make_tensor<uint8_t>({}, {128}));
  b.add_initializer("rs", make_tensor<float>({}, {0.03f}));
  b.add_initializer("rz", make_tensor<uint8_t>({}, {100}));
  b.add_initializer("os", make_tensor<float>({}, {0.06f}));
  b.add_initializer("oz", make_tensor<uint8_t>({}, {110}));
  Attributes pad;
  pad.set_ints("pads", {1, 1, 1, 1});
  b.add_node("QLinearConv", {"x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "bias"}, {"c"}, pad);
  b.add_node("QLinearAdd", {"c", "ys", "yz", "r", "rs", "rz", "os", "oz"}, {"y"}, {}, "", "com.microsoft");
  b.add_output("y", DataType::UInt8, shape);  // c stays internal: the convolution writes it blocked
  const Pair p = expect_reference_agrees(
      b, {{"x", all_bytes(DataType::UInt8, shape, 42)}, {"r", all_bytes(DataType::UInt8, shape, 43)}}, true);
  EXPECT_TRUE(starts_with(p.fast_of("QLinearConv"), "onednn:")) << p.fast_of("QLinearConv");
  EXPECT_EQ(p.fast_of("QLinearAdd"), "qadd:" + isa());
  EXPECT_EQ(p.ref_of("QLinearConv"), "ref");
  EXPECT_EQ(p.ref_of("QLinearAdd"), "ref");
}

}  // namespace
}  // namespace ssdx::test
