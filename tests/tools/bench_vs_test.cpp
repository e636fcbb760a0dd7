// `ssdx bench A --vs B`: the layer matching on hand-made profiles (fused fp32 kernel against the int8 kernels of the
// same ONNX nodes, "_quant" names, order), the real command on the generated SSD and its QDQ form, and errors.
#include <gtest/gtest.h>

#include "graph/onnx_builder.h"
#include "tests/photos.h"
#include "tests/test_util.h"
#include "tests/tools/cli_runner.h"
#include "tests/tools/json_value.h"
#include "tests/tools/ssd480_models.h"
#include "study/bench_vs.h"

namespace ssdx::test {
namespace {

void add_kernel(study::Measurement& m, const std::string& name, const std::string& op, double ms,
                std::vector<NodeOrigin> origins) {
  m.nodes.push_back({name, op, "impl", "plain", ms, 0});
  m.origins.push_back(origins.empty() ? std::vector<NodeOrigin>{{op, name}} : std::move(origins));
}

TEST(BenchVs, MatchesLayersByOnnxNodeNameSuffixAndOrder) {
  study::Measurement a, b;
  add_kernel(a, "conv1", "FusedConv", 4.0, {{"Conv", "conv1"}, {"BatchNormalization", "bn1"}, {"Add", "add1"}, {"Relu", "relu1"}});
  add_kernel(a, "conv2", "Conv", 2.0, {});
  add_kernel(a, "convA", "Conv", 3.0, {});
  add_kernel(a, "reshape", "Reshape", 0.5, {});
  // B: the int8 kernels of conv1 and add1 (sharing a DequantizeLinear, which must not join them to conv2's group),
  // conv2 renamed by a QOperator quantizer, a conv named differently, a QuantizeLinear of its own.
  add_kernel(b, "q_in", "QuantizeLinear", 0.2, {});
  add_kernel(b, "conv1", "QLinearConv", 1.0, {{"Conv", "conv1"}, {"DequantizeLinear", "dq_x"}, {"QuantizeLinear", "q1"}});
  add_kernel(b, "add1", "QLinearAdd", 0.5, {{"Add", "add1"}, {"DequantizeLinear", "dq_x"}});
  add_kernel(b, "conv2_quant", "QLinearConv", 1.0, {{"Conv", "conv2_quant"}, {"DequantizeLinear", "dq_x"}});
  add_kernel(b, "convB", "QLinearConv", 1.5, {});
  add_kernel(b, "reshape", "Reshape", 0.5, {});
  const std::vector<study::LayerTimes> layers = study::match_layers(a, b);
  ASSERT_EQ(layers.size(), 5u);
  EXPECT_EQ(layers[0].a, (std::vector<size_t>{0}));
  EXPECT_EQ(layers[0].b, (std::vector<size_t>{1, 2}));
  EXPECT_DOUBLE_EQ(layers[0].speedup(), 4.0 / 1.5);
  EXPECT_EQ(layers[0].matched_by, "name");
  EXPECT_EQ(layers[1].b, (std::vector<size_t>{3}));  // conv2_quant is conv2
  EXPECT_EQ(layers[1].matched_by, "name");
  EXPECT_EQ(layers[2].b, (std::vector<size_t>{4}));  // the only convolutions left: paired in order
  EXPECT_EQ(layers[2].matched_by, "order");
  EXPECT_EQ(layers[3].b, (std::vector<size_t>{5}));
  EXPECT_TRUE(layers[4].a.empty());                   // B's own QuantizeLinear
  EXPECT_EQ(layers[4].b, (std::vector<size_t>{0}));
}

TEST(BenchVs, Fp32AgainstQdqSideBySide) {
  SSDX_NEED_PHOTOS(photos);
  const std::string cmd = "bench " + ssd480_fp32() + " --vs " + ssd480_int8(photos).qdq + " --runs 1 --warmup 0 --threads 2";
  const CommandResult r = run_command(cmd + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = parse_json(r.out);
  EXPECT_GT(j["a"]["latency_ms"]["median"].num, 0);
  EXPECT_GT(j["b"]["latency_ms"]["median"].num, 0);
  int conv_layers = 0, residual_layers = 0;
  for (const Json& l : j["layers"].items) {
    if (l["kernels_a"].size() == 0 || l["kernels_b"].size() == 0) continue;
    bool conv = false;
    for (const Json& k : l["kernels_b"].items) conv = conv || k["op_type"].str == "QLinearConv";
    if (!conv) continue;
    ++conv_layers;
    EXPECT_EQ(l["matched_by"].str, "name");
    EXPECT_NEAR(l["speedup"].num, l["ms_a"].num / l["ms_b"].num, 1e-3 * l["speedup"].num);
    // A residual block's fused fp32 kernel stands against two int8 ones.
    residual_layers += l["kernels_b"].size() == 2 && l["kernels_b"][1]["op_type"].str == "QLinearAdd";
  }
  EXPECT_EQ(conv_layers, 51);
  EXPECT_EQ(residual_layers, 13);
  EXPECT_EQ(j["only_a"]["kernels"].num, 0);

  const CommandResult text = run_command(cmd);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("speed-up A/B (medians): "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Conv_7    FusedConv  QLinearConv+QLinearAdd"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("convolution layers: A "), std::string::npos) << text.out;
}

TEST(BenchVs, Errors) {
  const std::string dir = temp_dir();
  for (int size : {8, 10}) {
    ModelBuilder b(12);
    b.add_input("x", DataType::Float, {1, 2, size, size});
    b.add_node("Relu", {"x"}, {"y"});
    b.add_output("y", DataType::Float, {1, 2, size, size});
    b.save(dir + "/m" + std::to_string(size) + ".onnx");
  }
  const std::string m8 = dir + "/m8.onnx";
  expect_one_line_error(run_command("bench " + m8 + " --vs"), "--vs needs a value");
  expect_one_line_error(run_command("bench " + m8 + " --vs /nonexistent/b.onnx"), "/nonexistent/b.onnx");
  expect_one_line_error(run_command("bench " + m8 + " --vs " + dir + "/m10.onnx"),
                        "input 'x' is float32 [1,2,8,8] but " + dir + "/m10.onnx's 'x' is float32 [1,2,10,10]");
  expect_one_line_error(run_command("bench " + m8 + " --vs " + m8 + " --profile " + dir + "/t.json"), "--profile");
}

}  // namespace
}  // namespace ssdx::test
