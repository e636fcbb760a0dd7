// `ssdx inspect` as a user runs it: the model as written (op histogram, parameters, GMAC checked by hand on a tiny
// model and against the shapes on the generated SSD) and the plan (QDQ groups shown as one int8 kernel carrying the
// QDQ file's scales), the JSON form, the Graphviz picture, and one-line errors.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/pass_pipeline.h"
#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "graph/tensor_io.h"
#include "tests/photos.h"
#include "tests/test_util.h"
#include "tests/tools/cli_runner.h"
#include "tests/tools/json_value.h"
#include "tests/tools/ssd480_models.h"

namespace ssdx::test {
namespace {

// x[1,4,10,10] -> grouped Conv (2 groups, 3x3, stride 2, pad 1, bias) -> Relu -> 1x1 Conv -> y[1,4,5,5].
// Multiply-adds by hand: 6 outputs x 5x5 x (4/2 channels x 3x3) = 2700, then 4 x 5x5 x 6 = 600.
std::string save_tiny(const std::string& dir) {
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 4, 10, 10});
  b.add_initializer("wg", random_tensor({6, 2, 3, 3}, 1));
  b.add_initializer("bg", random_tensor({6}, 2));
  b.add_initializer("w1", random_tensor({4, 6, 1, 1}, 3));
  Attributes grouped;
  grouped.set_ints("kernel_shape", {3, 3});
  grouped.set_ints("strides", {2, 2});
  grouped.set_ints("pads", {1, 1, 1, 1});
  grouped.set_int("group", 2);
  b.add_node("Conv", {"x", "wg", "bg"}, {"c"}, grouped, "conv_grouped");
  b.add_node("Relu", {"c"}, {"r"}, {}, "relu");
  b.add_node("Conv", {"r", "w1"}, {"y"}, Attributes::ints("kernel_shape", {1, 1}), "conv_1x1");
  b.add_output("y", DataType::Float, {1, 4, 5, 5});
  const std::string path = dir + "/tiny.onnx";
  b.save(path);
  return path;
}

TEST(InspectCli, TinyModelCountsByHand) {
  const std::string model = save_tiny(temp_dir());
  const CommandResult text = run_command("inspect " + model);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("nodes: 3 (Conv 2, Relu 1)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("parameters: 138 in 3 initializers"), std::string::npos) << text.out;  // 108 + 6 + 24
  EXPECT_NE(text.out.find("inputs:  x float32 [1,4,10,10]"), std::string::npos) << text.out;

  const CommandResult r = run_command("inspect " + model + " --json --plan");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = parse_json(r.out);
  EXPECT_NEAR(j["total_gmac"].num, 3300e-9, 1e-15);
  ASSERT_EQ(j["node_costs"].size(), 2u);
  EXPECT_EQ(j["node_costs"][0]["name"].str, "conv_grouped");
  EXPECT_NEAR(j["node_costs"][0]["gmac"].num, 2700e-9, 1e-15);
  EXPECT_NEAR(j["node_costs"][1]["gmac"].num, 600e-9, 1e-15);
  EXPECT_EQ(j["op_histogram"]["Conv"].num, 2);
  EXPECT_EQ(j["opsets"]["ai.onnx"].num, 12);
  // The plan: Conv + Relu became one FusedConv that says so; every tensor has a precision and a layout.
  const Json& kernels = j["plan"]["kernels"];
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[0]["op_type"].str, "ssdx.FusedConv");
  EXPECT_EQ(kernels[0]["precision"].str, "fp32");
  ASSERT_EQ(kernels[0]["fused_from"].size(), 2u);
  EXPECT_EQ(kernels[0]["fused_from"][0]["name"].str, "conv_grouped");
  EXPECT_EQ(kernels[0]["fused_from"][1]["op_type"].str, "Relu");
  EXPECT_EQ(kernels[0]["outputs"][0]["name"].str, "r");
  EXPECT_EQ(kernels[0]["outputs"][0]["precision"].str, "fp32");
  EXPECT_FALSE(kernels[0]["outputs"][0]["layout"].str.empty());
  EXPECT_FALSE(kernels[0]["impl"].str.empty());
  EXPECT_EQ(kernels[1]["fused_from"].size(), 0u);
  EXPECT_GT(j["plan"]["arena_bytes"].num, 0);
}

// The tiny model with a free batch: no cost until --input-shape gives the batch; then the hand count times the batch.
TEST(InspectCli, FreeInputDimsNeedAnInputShapeForTheCost) {
  const std::string dir = temp_dir(), model = dir + "/tiny_dynamic.onnx";
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {-1, 4, 10, 10}, {"batch", "", "", ""});
  b.add_initializer("w1", random_tensor({4, 4, 1, 1}, 3));
  b.add_node("Conv", {"x", "w1"}, {"y"}, Attributes::ints("kernel_shape", {1, 1}), "conv_1x1");
  b.add_output("y", DataType::Float, {-1, 4, 10, 10}, {"batch", "", "", ""});
  b.save(model);
  const CommandResult free = run_command("inspect " + model);
  ASSERT_EQ(free.exit_code, 0) << free.err;
  EXPECT_NE(free.out.find("cost: unknown (shapes could not be inferred: the model's inputs have dims known only at run "
                          "time; give them with --input-shape NAME=D0xD1x...)"), std::string::npos) << free.out;
  const CommandResult fixed = run_command("inspect " + model + " --input-shape x=3x4x10x10 --json");
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_NEAR(parse_json(fixed.out)["total_gmac"].num, 3 * 4 * 100 * 4 * 1e-9, 1e-15);  // 3 x 4 out x 10x10 x 4 in
}

TEST(InspectCli, GeneratedSsdHistogramAndCost) {
  const std::string& model = ssd480_fp32();
  const CommandResult r = run_command("inspect " + model + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = parse_json(r.out);
  const Json& h = j["op_histogram"];
  EXPECT_EQ(h["Conv"].num, 51);
  EXPECT_EQ(h["BatchNormalization"].num, 29);
  EXPECT_EQ(h["Relu"].num, 37);
  EXPECT_EQ(h["MaxPool"].num, 1);
  EXPECT_EQ(h["NonMaxSuppression"].num, 1);
  EXPECT_EQ(j["node_costs"].size(), 51u);
  // The same sum from the shapes a plain session infers (SsdModel checks 216.4 GMAC at 1200 this way).
  SessionOptions as_written;
  as_written.optimize = false;
  const auto s = Session::load(model, as_written);
  double macs = 0;
  for (const Node& n : s->graph().nodes) {
    if (n.op_type != "Conv") continue;
    const Shape& w = s->graph().value(n.inputs[1]).shape;
    macs += static_cast<double>(shape_numel(s->graph().value(n.outputs[0]).shape)) * w[1] * w[2] * w[3];
  }
  EXPECT_NEAR(j["total_gmac"].num, macs / 1e9, 1e-5);
  EXPECT_NEAR(j["total_gmac"].num, 216.4 * 0.4 * 0.4, 0.1);  // 480 = 0.4 x 1200: cost scales with the area
  EXPECT_EQ(j["inputs"][0]["shape"][2].num, 480);
  EXPECT_GT(j["parameters_by_dtype"]["float32"].num, 19.9e6);
}

// Per-tensor or per-channel scale of a (De)QuantizeLinear initializer, as inspect summarizes it.
void expect_scale(const Json& q, const Tensor& scale, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(q["count"].num, scale.numel());
  float lo = 1e30f, hi = 0;
  for (int64_t i = 0; i < scale.numel(); ++i) {
    lo = std::min(lo, static_cast<float>(scale.float_at(i)));
    hi = std::max(hi, static_cast<float>(scale.float_at(i)));
  }
  EXPECT_NEAR(q["scale_min"].num, lo, 1e-6 * lo);
  EXPECT_NEAR(q["scale_max"].num, hi, 1e-6 * hi);
}

TEST(InspectCli, QdqGroupsBecomeOneInt8KernelWithTheirScales) {
  SSDX_NEED_PHOTOS(photos);
  const std::string& model = ssd480_int8(photos).qdq;
  const CommandResult r = run_command("inspect " + model + " --plan --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = parse_json(r.out);
  EXPECT_EQ(j["op_histogram"]["QuantizeLinear"].num, 66);  // the file: QDQ pairs around float Convs
  EXPECT_EQ(j["op_histogram"]["Conv"].num, 51);
  const Graph file = load_onnx(model);
  auto producer = [&](int v) { return &file.nodes[static_cast<size_t>(file.value(v).producer)]; };
  int qlinear_convs = 0, float_convs = 0;
  for (const Json& k : j["plan"]["kernels"].items) {
    if (k["op_type"].str == "Conv" || k["op_type"].str == "ssdx.FusedConv") ++float_convs;
    if (k["op_type"].str != "QLinearConv") continue;
    ++qlinear_convs;
    SCOPED_TRACE(k["name"].str);
    EXPECT_EQ(k["precision"].str, "int8");
    EXPECT_EQ(k["outputs"][0]["precision"].str, "int8");
    // One kernel for the whole group: the Conv, the DequantizeLinear of input, weight and bias, the QuantizeLinear.
    std::map<std::string, int> ops;
    for (const Json& o : k["fused_from"].items) ++ops[o["op_type"].str];
    EXPECT_EQ(ops, (std::map<std::string, int>{{"Conv", 1}, {"DequantizeLinear", 3}, {"QuantizeLinear", 1}}));
    // Its scales are the QDQ initializers around that Conv in the file.
    const Node* conv = nullptr;
    for (const Node& n : file.nodes)
      if (n.name == k["name"].str) conv = &n;
    ASSERT_TRUE(conv);
    const Node* x_dq = producer(conv->inputs[0]);
    const Node* w_dq = producer(conv->inputs[1]);
    const Node& y_q = file.nodes[static_cast<size_t>(file.value(conv->outputs[0]).consumers.at(0))];
    ASSERT_EQ(y_q.op_type, "QuantizeLinear");
    ASSERT_EQ(k["quant"].size(), 3u);
    expect_scale(k["quant"][0], *file.value(x_dq->inputs[1]).constant, "x");
    expect_scale(k["quant"][1], *file.value(w_dq->inputs[1]).constant, "w");
    expect_scale(k["quant"][2], *file.value(y_q.inputs[1]).constant, "y");
    EXPECT_TRUE(k["quant"][1]["per_channel"].b);
    EXPECT_EQ(k["quant"][2]["zero_point_min"].num, file.value(y_q.inputs[2]).constant->int_at(0));
  }
  EXPECT_EQ(qlinear_convs, 51);
  EXPECT_EQ(float_convs, 0);

  const CommandResult text = run_command("inspect " + model + " --plan");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("fused from: Conv Conv_0, DequantizeLinear"), std::string::npos);
  EXPECT_NE(text.out.find("w Conv_0.folded_weight_quantized: 64 scales"), std::string::npos);
  EXPECT_NE(text.out.find("arena "), std::string::npos);
}

TEST(InspectCli, DotPictureOfThePlan) {
  SSDX_NEED_PHOTOS(photos);
  const std::string& model = ssd480_int8(photos).qdq;
  const std::string dir = temp_dir();
  const CommandResult r = run_command("inspect " + model + " --dot " + dir + "/plan.dot --collapse-post");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string dot = read_file_bytes(dir + "/plan.dot");
  EXPECT_EQ(dot.rfind("digraph plan {", 0), 0u);
  EXPECT_EQ(count_of(dot, "QLinearConv · int8"), 51u);          // each QDQ conv group is one box...
  EXPECT_EQ(count_of(dot, "= Conv + DequantizeLinear x3 + QuantizeLinear"), 51u);  // ...saying what it absorbed
  EXPECT_EQ(count_of(dot, "fillcolor=\"#E69F00\""), 51u + 13 + 1);  // int8: convs, adds, the max pool
  EXPECT_EQ(count_of(dot, "post [label=\"post-processing"), 1u);
  EXPECT_EQ(count_of(dot, "QuantizeLinear · fp32->int8"), 1u);  // only the image is quantized on its own

  // --svg renders with Graphviz when present; without it, one clear line.
  const CommandResult missing = run_command("inspect " + model + " --svg " + dir + "/p.svg", "PATH=/nonexistent");
  expect_one_line_error(missing, "--svg needs Graphviz's 'dot'");
  if (std::system("command -v dot >/dev/null 2>&1") == 0) {
    const CommandResult svg = run_command("inspect " + model + " --svg " + dir + "/plan.svg --collapse-post");
    ASSERT_EQ(svg.exit_code, 0) << svg.err;
    const std::string text = read_file_bytes(dir + "/plan.svg");
    EXPECT_NE(text.find("<svg"), std::string::npos);
    EXPECT_GE(count_of(text, "class=\"node\""), 51u);
  }
}

// --dump-passes: the graph after each pass on stderr, the report on stdout unchanged.
TEST(InspectCli, DumpPassesShowsEveryPass) {
  const std::string model = save_tiny(temp_dir());
  const CommandResult plain = run_command("inspect " + model + " --plan");
  const CommandResult r = run_command("inspect " + model + " --plan --dump-passes");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, plain.out);
  size_t at = 0;
  for (const Pass& p : optimization_passes(SessionOptions{})) {
    const size_t found = r.err.find("== after " + p.name + " (", at);
    ASSERT_NE(found, std::string::npos) << p.name << ":\n" << r.err;
    at = found + 1;
  }
  EXPECT_NE(r.err.find("== after fuse_conv_relu (1)\nconv_grouped: ssdx.FusedConv(x, wg, bg) -> r\n"), std::string::npos)
      << r.err;
}

TEST(InspectCli, Errors) {
  expect_one_line_error(run_command("inspect"), "inspect: no model given");
  expect_one_line_error(run_command("inspect /nonexistent/m.onnx"), "/nonexistent/m.onnx");
  expect_one_line_error(run_command("inspect " + save_tiny(temp_dir()) + " --frobnicate"), "unknown option '--frobnicate'");
}

}  // namespace
}  // namespace ssdx::test
