// The optimization pipeline (engine/pass_pipeline.h): its passes by name in the order the session has always run
// them, a pass that breaks the graph named in a one-line error, the per-pass counts, and the dump after each pass.
#include <sstream>

#include "engine/pass_pipeline.h"
#include "engine/session.h"
#include "engine/shape_inference.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "ops/registry.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

std::vector<std::string> names_of(const std::vector<Pass>& passes) {
  std::vector<std::string> names;
  for (const Pass& p : passes) names.push_back(p.name);
  return names;
}

// x -> Conv(w, b) -> BatchNormalization -> Add(x) -> Relu -> y: BN folds, the Add and Relu fuse into the Conv.
Graph conv_bn_add_relu() {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 4, 5, 5});
  b.add_initializer("w", random_tensor({4, 4, 3, 3}, 1));
  b.add_initializer("bias", random_tensor({4}, 2));
  b.add_initializer("scale", make_tensor<float>({4}, {1, 2, 0.5f, 1}));
  b.add_initializer("shift", make_tensor<float>({4}, {0, 1, -1, 0.25f}));
  b.add_initializer("mean", make_tensor<float>({4}, {0.1f, 0, 0, 0.2f}));
  b.add_initializer("var", make_tensor<float>({4}, {1, 1, 4, 0.5f}));
  Attributes pads;
  pads.set_ints("pads", {1, 1, 1, 1});
  b.add_node("Conv", {"x", "w", "bias"}, {"c"}, pads, "conv");
  b.add_node("BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"n"}, {}, "bn");
  b.add_node("Add", {"n", "x"}, {"s"}, {}, "add");
  b.add_node("Relu", {"s"}, {"y"}, {}, "relu");
  b.add_output("y", DataType::Float, {1, 4, 5, 5});
  Graph g = load_onnx_bytes(b.serialize(), "conv.onnx", "");
  g.topo_sort();
  infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::KeepDequantize);
  return g;
}

TEST(PassPipeline, PassesRunInTheSessionsOrder) {
  const std::vector<std::string> expected = {
      "remove_relu_before_quantize", "remove_clip_before_quantize", "fuse_qdq_conv", "fuse_qdq_add",
      "drop_qdq_around_data_movement", "drop_identity_requantize", "fuse_qdq_lookup", "eliminate_dead", "fold",
      "fold_batchnorm", "fuse_conv_add", "fuse_conv_relu", "fuse_conv_clip", "cast_to_own_type", "remove_identity", "eliminate_dead"};
  EXPECT_EQ(names_of(optimization_passes(SessionOptions{})), expected);
  // Without constant folding there is nothing to fold after the QDQ rewrites.
  SessionOptions no_folding;
  no_folding.constant_folding = false;
  std::vector<std::string> without_fold = expected;
  without_fold.erase(without_fold.begin() + 8);
  EXPECT_EQ(names_of(optimization_passes(no_folding)), without_fold);
}

TEST(PassPipeline, CountsEachPassAndTheSessionsTotals) {
  Graph g = conv_bn_add_relu();
  const PipelineResult r = run_pipeline(g, optimization_passes(SessionOptions{}));
  ASSERT_EQ(r.log.size(), 16u);
  auto count_of = [&](const std::string& name) {
    for (const PassRecord& p : r.log)
      if (p.name == name) return p.count;
    return -1;
  };
  EXPECT_EQ(count_of("fold_batchnorm"), 1);
  EXPECT_EQ(count_of("fuse_conv_add"), 1);
  EXPECT_EQ(count_of("fuse_conv_relu"), 1);
  EXPECT_EQ(count_of("fuse_qdq_conv"), 0);
  EXPECT_EQ(count_of("fuse_conv_clip"), 0);
  EXPECT_EQ(r.fused, 3);  // BN, Add and Relu merged into the Conv; dead-node removal is not fusion
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op_type, "FusedConv");
  // The session reports the same counts.
  const Session s(conv_bn_add_relu(), SessionOptions{});
  EXPECT_EQ(s.fused_nodes(), 3);
  EXPECT_EQ(s.plan().passes.size(), 16u);
}

TEST(PassPipeline, AGraphBreakingPassIsNamed) {
  Graph g = conv_bn_add_relu();
  std::vector<Pass> passes = optimization_passes(SessionOptions{});
  // Rewires the Relu to read a value nothing produces.
  passes.insert(passes.begin() + 2, Pass{"break_the_relu", [](Graph& graph) {
                                           for (Node& n : graph.nodes)
                                             if (n.op_type == "Relu") n.inputs[0] = graph.add_value("nowhere");
                                           return 1;
                                         }});
  try {
    run_pipeline(g, passes);
    FAIL() << "a broken graph passed verification";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("pass 'break_the_relu' left a broken graph"), std::string::npos) << msg;
    EXPECT_NE(msg.find("nowhere"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(PassPipeline, DumpShowsTheGraphAfterEveryPass) {
  std::ostringstream dump;
  SessionOptions opts;
  opts.dump_passes = &dump;
  const Session s(conv_bn_add_relu(), opts);
  const std::string text = dump.str();
  size_t at = 0;
  for (const Pass& p : optimization_passes(opts)) {  // each pass, in order
    const size_t found = text.find("== after " + p.name + " (", at);
    ASSERT_NE(found, std::string::npos) << p.name << " missing after offset " << at << ":\n" << text;
    at = found + 1;
  }
  EXPECT_NE(text.find("conv: Conv(x, w, bias) -> c\nbn: BatchNormalization(c, scale, shift, mean, var) -> n\n"),
            std::string::npos) << text;
  // The last dump is the graph the session runs: one fused node.
  EXPECT_EQ(text.substr(text.rfind("== after eliminate_dead")),
            "== after eliminate_dead (0)\nconv: ssdx.FusedConv(x, conv.folded_weight, conv.folded_bias, x) -> y\n");
}

}  // namespace
}  // namespace ssdx::test
