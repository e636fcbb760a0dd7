// Each rewrite pass: the optimized session computes what the graph as written computes (random inputs), the
// rewrite really happened, and its guards keep it away from graphs it must not touch.
#include <map>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Attributes conv3x3() {
  Attributes a;
  a.set_ints("kernel_shape", {3, 3});
  a.set_ints("pads", {1, 1, 1, 1});
  return a;
}

void add_conv(ModelBuilder& b, const std::string& x, const std::string& y, int cin, int cout, uint32_t seed,
              bool bias = true) {
  b.add_initializer(y + ".w", random_tensor({cout, cin, 3, 3}, seed, -0.3f, 0.3f));
  std::vector<std::string> in = {x, y + ".w"};
  if (bias) {
    b.add_initializer(y + ".b", random_tensor({cout}, seed + 1));
    in.push_back(y + ".b");
  }
  b.add_node("Conv", in, {y}, conv3x3(), y);
}

void add_batchnorm(ModelBuilder& b, const std::string& x, const std::string& y, int c, uint32_t seed) {
  b.add_initializer(y + ".scale", random_tensor({c}, seed, 0.5f, 1.5f));
  b.add_initializer(y + ".bias", random_tensor({c}, seed + 1));
  b.add_initializer(y + ".mean", random_tensor({c}, seed + 2));
  b.add_initializer(y + ".var", random_tensor({c}, seed + 3, 0.5f, 2.f));
  Attributes eps;
  eps.set_float("epsilon", 1e-3f);
  b.add_node("BatchNormalization", {x, y + ".scale", y + ".bias", y + ".mean", y + ".var"}, {y}, eps, y);
}

struct Compared {
  std::map<std::string, int> optimized_ops;
  double max_diff = 0;
};

// Runs the model with and without the passes on the same random input.
Compared compare_optimized(const ModelBuilder& b, const Shape& input_shape, bool winograd = true) {
  const std::string bytes = b.serialize();
  SessionOptions plain_opts, fast_opts;
  plain_opts.optimize = false;
  fast_opts.winograd = winograd;
  Session plain(load_onnx_bytes(bytes, "plain.onnx", ""), plain_opts);
  Session fast(load_onnx_bytes(bytes, "fast.onnx", ""), fast_opts);
  const Tensor x = random_tensor(input_shape, 42);
  const TensorMap a = plain.run({{"x", x}}), c = fast.run({{"x", x}});
  Compared r;
  for (const Node& n : fast.graph().nodes) ++r.optimized_ops[n.op_type];
  for (const auto& [name, t] : a) r.max_diff = std::max(r.max_diff, max_abs_diff(t, c.at(name)));
  return r;
}

TEST(Passes, FoldBatchNormalization) {
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 5, 9, 9});
  add_conv(b, "x", "c", 5, 13, 1, false);  // bias-free, as torchvision's backbone
  add_batchnorm(b, "c", "y", 13, 10);
  b.add_output("y", DataType::Float, {1, 13, 9, 9});
  const Compared r = compare_optimized(b, {1, 5, 9, 9});
  EXPECT_EQ(r.optimized_ops, (std::map<std::string, int>{{"Conv", 1}}));
  EXPECT_LT(r.max_diff, 1e-5);
}

TEST(Passes, FuseResidualAddAndRelu) {
  // y = relu(conv2(relu(conv1(x))) + x): a BasicBlock without BN
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 16, 12, 12});
  add_conv(b, "x", "c1", 16, 16, 1);
  b.add_node("Relu", {"c1"}, {"r1"});
  add_conv(b, "r1", "c2", 16, 16, 3);
  b.add_node("Add", {"c2", "x"}, {"s"});
  b.add_node("Relu", {"s"}, {"y"});
  b.add_output("y", DataType::Float, {1, 16, 12, 12});
  const Compared r = compare_optimized(b, {1, 16, 12, 12});
  EXPECT_EQ(r.optimized_ops, (std::map<std::string, int>{{"FusedConv", 2}}));
  EXPECT_LT(r.max_diff, 1e-5);
}

// Provenance for `ssdx inspect --plan`: each fused kernel lists the ONNX nodes it computes, itself first.
TEST(Passes, FusedKernelsRecordWhatTheyAbsorbed) {
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 8, 6, 6});
  add_conv(b, "x", "c1", 8, 8, 1, false);
  add_batchnorm(b, "c1", "n1", 8, 20);
  b.add_node("Add", {"n1", "x"}, {"s"}, {}, "add");
  b.add_node("Relu", {"s"}, {"y"}, {}, "relu");
  b.add_output("y", DataType::Float, {1, 8, 6, 6});
  Session s(load_onnx_bytes(b.serialize(), "m.onnx", ""), SessionOptions{});
  ASSERT_EQ(s.graph().nodes.size(), 1u);
  std::vector<std::string> from;
  for (const NodeOrigin& o : s.graph().nodes[0].fused_from) from.push_back(o.op_type + " " + o.name);
  EXPECT_EQ(from, (std::vector<std::string>{"Conv c1", "BatchNormalization n1", "Add add", "Relu relu"}));
  SessionOptions plain;
  plain.optimize = false;
  Session unfused(load_onnx_bytes(b.serialize(), "m.onnx", ""), plain);
  for (const Node& n : unfused.graph().nodes) EXPECT_TRUE(n.fused_from.empty()) << n.name;
}

TEST(Passes, ResidualThatIsAlsoTheConvInput) {
  // relu(conv2(r) + r) with r = relu(conv1(x)): the fused sum's summand is the conv's own input, so its buffer must
  // not become the output buffer while the conv reads it (it did: wrong, run-to-run varying results).
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 3, 8, 8});
  add_conv(b, "x", "c1", 3, 4, 1);
  b.add_node("Relu", {"c1"}, {"r"});
  add_conv(b, "r", "c2", 4, 4, 3);
  b.add_node("Add", {"c2", "r"}, {"s"});
  b.add_node("Relu", {"s"}, {"t"});
  Attributes pool = Attributes::ints("kernel_shape", {2, 2});
  pool.set_ints("strides", {2, 2});
  b.add_node("MaxPool", {"t"}, {"y"}, pool);  // the sum stays in the arena, in the summand's (blocked) layout
  b.add_output("y", DataType::Float, {1, 4, 4, 4});
  for (bool winograd : {false, true}) {  // Winograd copies its input first; direct convolution reads it in place
    const Compared r = compare_optimized(b, {1, 3, 8, 8}, winograd);
    EXPECT_EQ(r.optimized_ops, (std::map<std::string, int>{{"FusedConv", 2}, {"MaxPool", 1}}));
    EXPECT_LT(r.max_diff, 1e-4);
  }
}

TEST(Passes, DownsampleBlockFusesIntoTheLaterConv) {
  // relu(bn(conv_a(x)) + bn(conv_b(x))): both Add operands are convolutions
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 8, 10, 10});
  add_conv(b, "x", "ca", 8, 16, 1, false);
  add_batchnorm(b, "ca", "ba", 16, 20);
  add_conv(b, "x", "cb", 8, 16, 5, false);
  add_batchnorm(b, "cb", "bb", 16, 30);
  b.add_node("Add", {"ba", "bb"}, {"s"});
  b.add_node("Relu", {"s"}, {"y"});
  b.add_output("y", DataType::Float, {1, 16, 10, 10});
  const Compared r = compare_optimized(b, {1, 8, 10, 10});
  EXPECT_EQ(r.optimized_ops, (std::map<std::string, int>{{"Conv", 1}, {"FusedConv", 1}}));
  EXPECT_LT(r.max_diff, 1e-5);
}

TEST(Passes, GuardsKeepSharedAndBroadcastEdges) {
  // conv output also a graph output (no Relu fusion); broadcast Add (no sum fusion); Identity removed.
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 4, 6, 6});
  add_conv(b, "x", "c", 4, 4, 1);
  b.add_node("Relu", {"c"}, {"r"});
  b.add_initializer("per_channel", random_tensor({1, 4, 1, 1}, 9));
  add_conv(b, "r", "d", 4, 4, 2);
  b.add_node("Add", {"d", "per_channel"}, {"e"});
  b.add_node("Identity", {"e"}, {"f"});
  b.add_node("Relu", {"f"}, {"y"});
  b.add_output("c", DataType::Float, {1, 4, 6, 6});
  b.add_output("y", DataType::Float, {1, 4, 6, 6});
  const Compared r = compare_optimized(b, {1, 4, 6, 6});
  EXPECT_EQ(r.optimized_ops, (std::map<std::string, int>{{"Conv", 2}, {"Relu", 2}, {"Add", 1}}));
  EXPECT_LT(r.max_diff, 1e-5);
}

}  // namespace
}  // namespace ssdx::test
