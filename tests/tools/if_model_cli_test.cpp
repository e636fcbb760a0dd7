// The CLI on a model with an If: `ssdx inspect` shows it as one node with its branches counted, `ssdx quantize`
// quantizes the convolutions in front of it and writes the If back with its branches, and `ssdx run` runs both the
// original and the quantized model.
#include <gtest/gtest.h>

#include "app/image.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "tests/quantize_models.h"
#include "tests/tools/cli_runner.h"

namespace ssdx::test {
namespace {

// The tiny quantizable model, its pooled y then through If(flag): then Relu(y) + 1, else Sigmoid(y). The flag is
// computed from the image (max(x) != 0), so the If stays an If in every tool.
std::string save_if_model(const std::string& dir) {
  ModelBuilder b(12);
  build_tiny_quant_model(b, 8);
  b.add_node("ReduceMax", {"x"}, {"x_max"}, Attributes::integer("keepdims", 0), "x_max");
  b.add_node("Cast", {"x_max"}, {"flag"}, Attributes::integer("to", static_cast<int64_t>(DataType::Bool)), "flag");
  ModelBuilder then_b(12), else_b(12);
  then_b.add_initializer("one", make_tensor<float>({}, {1}));
  then_b.add_node("Relu", {"y"}, {"ry"}, {}, "then_relu");
  then_b.add_node("Add", {"ry", "one"}, {"then_out"}, {}, "then_add");
  then_b.add_output("then_out", DataType::Float, {1, 3, 4, 4});
  else_b.add_node("Sigmoid", {"y"}, {"else_out"}, {}, "else_sigmoid");
  else_b.add_output("else_out", DataType::Float, {1, 3, 4, 4});
  b.add_if("flag", {"out"}, then_b, else_b, "if_post");
  b.add_output("out", DataType::Float, {1, 3, 4, 4});
  const std::string path = dir + "/if_model.onnx";
  b.save(path);
  return path;
}

TEST(IfModelCli, InspectShowsTheIfAndItsBranches) {
  const std::string dir = temp_dir();
  const CommandResult r = run_command("inspect " + save_if_model(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("subgraphs: If 'if_post' (2 branches, 3 nodes)"), std::string::npos) << r.out;
  const CommandResult plan = run_command("inspect " + dir + "/if_model.onnx --plan");
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("if:2+1 steps"), std::string::npos) << plan.out;
}

TEST(IfModelCli, QuantizeWritesTheIfBack) {
  const std::string dir = temp_dir();
  const std::string model = save_if_model(dir);
  app::Image im;
  im.width = im.height = 12;
  for (int i = 0; i < im.width * im.height * 3; ++i) im.rgb.push_back(static_cast<uint8_t>(i * 7));
  app::save_png(im, dir + "/calib.png");
  const std::string out = dir + "/q.onnx";
  const CommandResult r = run_command("quantize " + model + " --calib " + dir + "/calib.png --format qdq -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Graph g = load_onnx(out);
  int ifs = 0;
  for (const Node& n : g.nodes)
    if (n.op_type == "If") {
      ++ifs;
      EXPECT_EQ(n.attrs.get_graph("then_branch").nodes.size(), 2u);
      EXPECT_EQ(n.attrs.get_graph("else_branch").nodes.size(), 1u);
    }
  EXPECT_EQ(ifs, 1);
  for (const std::string& m : {model, out}) {
    const CommandResult run = run_command("run " + m + " --random-inputs --output-dir " + dir + "/run");
    EXPECT_EQ(run.exit_code, 0) << run.err;
  }
}

}  // namespace
}  // namespace ssdx::test
