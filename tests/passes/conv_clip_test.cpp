// Conv -> Clip fused into the convolution as oneDNN's eltwise_clip post-op (passes/fuse_conv.h): on a MobileNetV1
// block the fused, unfused and reference-kernel sessions agree with onnxruntime, the Clips are gone from the plan,
// and the guards keep Clips the post-op cannot express.
#include <cmath>
#include <limits>
#include <map>

#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "tests/mobilenet_block.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Session load(const ModelBuilder& b, bool optimize, bool reference = false) {
  SessionOptions o;
  o.optimize = optimize;
  o.reference_kernels = reference;
  return Session(load_onnx_bytes(b.serialize(), "block.onnx", ""), o);
}

std::map<std::string, int> ops_of(const Session& s) {
  std::map<std::string, int> ops;
  for (const Node& n : s.graph().nodes) ++ops[n.op_type];
  return ops;
}

std::vector<std::string> origins(const Node& n) {
  std::vector<std::string> from;
  for (const NodeOrigin& o : n.fused_from) from.push_back(o.op_type + " " + o.name);
  return from;
}

int count_equal(const Tensor& t, float v) {
  int k = 0;
  for (int64_t i = 0; i < t.numel(); ++i) k += t.data<float>()[i] == v;
  return k;
}

// Fused (fast and reference kernels) and unfused sessions against onnxruntime, on the block in `opset`'s form.
void check_block_against_ort(int64_t opset) {
  ModelBuilder b(opset);
  build_mobilenet_block(b, opset);
  const TempModelFile file(b, "mobilenet_block_" + std::to_string(opset));
  const TensorMap feeds = {{"x", random_tensor({1, 8, 20, 20}, 5, -3.f, 3.f)}};
  const Tensor want = run_ort(file.path, feeds).at("y");
  ASSERT_GT(count_equal(want, 0.f), 0);  // both bounds are met
  ASSERT_GT(count_equal(want, 6.f), 0);
  const Session fused = load(b, true), unfused = load(b, false), reference = load(b, true, true);
  EXPECT_EQ(ops_of(fused), (std::map<std::string, int>{{"FusedConv", 2}}));
  EXPECT_EQ(ops_of(reference), (std::map<std::string, int>{{"FusedConv", 2}}));
  EXPECT_EQ(ops_of(unfused), (std::map<std::string, int>{{"Conv", 2}, {"Clip", 2}}));
  ASSERT_EQ(fused.graph().nodes.size(), 2u);
  EXPECT_EQ(origins(fused.graph().nodes[0]), (std::vector<std::string>{"Conv dw", "Clip dw_clip"}));
  EXPECT_EQ(origins(fused.graph().nodes[1]), (std::vector<std::string>{"Conv pw", "Clip pw_clip"}));
  EXPECT_EQ(fused.graph().nodes[1].attrs.get_string("activation", ""), "Clip");
  EXPECT_EQ(fused.graph().nodes[1].attrs.get_floats("activation_params"), (std::vector<float>{0.f, 6.f}));
  for (const Session* s : {&fused, &unfused, &reference}) {
    const Tensor got = s->run(feeds).at("y");
    EXPECT_LT(max_abs_diff(want, got), 1e-4);
    EXPECT_EQ(count_equal(got, 6.f), count_equal(want, 6.f));
  }
}

TEST(ConvClipFusion, MobileNetBlockOpset13MatchesOnnxruntime) {
  SSDX_NEED_ORT();
  check_block_against_ort(13);
}

TEST(ConvClipFusion, MobileNetBlockOpset10AttributesMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  check_block_against_ort(10);
}

// Clip(conv(x) + z): the residual Add joins the conv first, the Clip after it, as with Relu.
TEST(ConvClipFusion, ClipAfterFusedResidualAddAndOmittedMin) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 16, 9, 9});
  b.add_initializer("w", random_tensor({16, 16, 3, 3}, 3, -0.5f, 0.5f));
  Attributes a;
  a.set_ints("kernel_shape", {3, 3});
  a.set_ints("pads", {1, 1, 1, 1});
  b.add_node("Conv", {"x", "w"}, {"c"}, a, "conv");
  b.add_node("Add", {"c", "x"}, {"s"}, {}, "add");
  b.add_initializer("hi", make_tensor<float>({}, {1.5f}));
  b.add_node("Clip", {"s", "", "hi"}, {"y"}, {}, "clip");
  b.add_output("y", DataType::Float, {1, 16, 9, 9});
  const TempModelFile file(b, "conv_add_clip");
  const TensorMap feeds = {{"x", random_tensor({1, 16, 9, 9}, 8, -2.f, 2.f)}};
  const Tensor want = run_ort(file.path, feeds).at("y");
  const Session fused = load(b, true), reference = load(b, true, true);
  EXPECT_EQ(ops_of(fused), (std::map<std::string, int>{{"FusedConv", 1}}));
  EXPECT_EQ(origins(fused.graph().nodes[0]), (std::vector<std::string>{"Conv conv", "Add add", "Clip clip"}));
  for (const Session* s : {&fused, &reference}) EXPECT_LT(max_abs_diff(want, s->run(feeds).at("y")), 1e-4);
}

// Not fused: min > max (eltwise_clip refuses it; ONNX makes every value max), a bound computed at run time, and a
// conv output read by something else too.
TEST(ConvClipFusion, GuardsKeepInvertedRuntimeAndSharedClips) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 4, 6, 6});
  b.add_input("lo", DataType::Float, {});
  b.add_initializer("w", random_tensor({4, 4, 1, 1}, 3));
  b.add_initializer("w2", random_tensor({4, 4, 1, 1}, 4));
  b.add_initializer("w3", random_tensor({4, 4, 1, 1}, 5));
  const Attributes k1 = Attributes::ints("kernel_shape", {1, 1});
  b.add_node("Conv", {"x", "w"}, {"c"}, k1, "conv");
  b.add_initializer("five", make_tensor<float>({}, {5.f}));
  b.add_initializer("one", make_tensor<float>({}, {1.f}));
  b.add_node("Clip", {"c", "five", "one"}, {"inverted"}, {}, "inverted");
  b.add_node("Conv", {"x", "w2"}, {"c2"}, k1, "conv2");
  b.add_node("Clip", {"c2", "lo", "one"}, {"runtime"}, {}, "runtime");
  b.add_node("Conv", {"x", "w3"}, {"c3"}, k1, "conv3");
  b.add_node("Clip", {"c3", "", "one"}, {"shared"}, {}, "shared");
  b.add_output("inverted", DataType::Float, {1, 4, 6, 6});
  b.add_output("runtime", DataType::Float, {1, 4, 6, 6});
  b.add_output("shared", DataType::Float, {1, 4, 6, 6});
  b.add_output("c3", DataType::Float, {1, 4, 6, 6});
  const Session fused = load(b, true);
  EXPECT_EQ(ops_of(fused), (std::map<std::string, int>{{"Conv", 3}, {"Clip", 3}}));
  const TensorMap out = fused.run({{"x", random_tensor({1, 4, 6, 6}, 1)}, {"lo", make_tensor<float>({}, {-0.25f})}});
  EXPECT_EQ(count_equal(out.at("inverted"), 1.f), 4 * 36);  // min > max: every value is max
}

// A NaN reaching the fused clip becomes lo in the fast kernel (oneDNN's eltwise_clip) and in the reference kernel
// alike, while the unfused graph's Clip keeps it (ONNX): the one documented difference of the fusion.
TEST(ConvClipFusion, NanBecomesTheLowerBoundInBothFusedKernels) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 16, 4, 4});
  Tensor w(DataType::Float, {16, 16, 1, 1});
  for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = i % 17 == 0 ? 1.f : 0.f;  // identity
  b.add_initializer("w", w);
  b.add_node("Conv", {"x", "w"}, {"c"}, Attributes::ints("kernel_shape", {1, 1}), "conv");
  add_clip(b, 13, "c", "y", 0.5f, 6.f, "clip");
  b.add_output("y", DataType::Float, {1, 16, 4, 4});
  Tensor x = random_tensor({1, 16, 4, 4}, 2, 1.f, 5.f);
  x.data<float>()[5] = std::numeric_limits<float>::quiet_NaN();  // channel 0, pixel 5
  const TensorMap feeds = {{"x", x}};
  for (bool reference : {false, true}) {
    const Session fused = load(b, true, reference);
    ASSERT_EQ(ops_of(fused), (std::map<std::string, int>{{"FusedConv", 1}}));
    const Tensor y = fused.run(feeds).at("y");
    EXPECT_EQ(y.data<float>()[5], 0.5f) << (reference ? "reference" : "fast");
    EXPECT_EQ(y.data<float>()[6], x.data<float>()[6]);
  }
  EXPECT_TRUE(std::isnan(load(b, false).run(feeds).at("y").data<float>()[5]));
}

}  // namespace
}  // namespace ssdx::test
