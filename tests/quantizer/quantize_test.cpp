// `ssdx quantize`'s library parts on hand-made graphs and histograms: the ONNX writer (round trip), calibration
// (min/max of known inputs, percentiles and KL thresholds of constructed histograms), the opset upgrade, and the
// quantizer's rewrite of the tiny Conv->Relu->Conv->Add->Relu->MaxPool model, with every expected number computed
// here from the float weights and the chosen ranges.
#include <cmath>
#include <map>

#include "engine/session.h"
#include "graph/graph_writer.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "tests/ort_oracle.h"
#include "tests/quantize_models.h"
#include "tests/test_util.h"
#include "tests/tools/cli_runner.h"
#include "quantizer/calibration.h"
#include "passes/opset_upgrade.h"
#include "quantizer/quantizer.h"

namespace ssdx::test {
namespace {

// "op" for the default domain, "domain.op" otherwise.
std::map<std::string, int> op_histogram(const Graph& g) {
  std::map<std::string, int> h;
  for (const Node& n : g.nodes)
    if (!n.dead) ++h[n.domain.empty() ? n.op_type : n.domain + "." + n.op_type];
  return h;
}

const Tensor& constant_named(const Graph& g, const std::string& name) {
  const int id = g.find_value(name);
  if (id < 0 || !g.value(id).constant) fail("no constant named '", name, "'");
  return *g.value(id).constant;
}

const Node& producer_of(const Graph& g, int value) {
  const int p = g.value(value).producer;
  if (p < 0) fail("'", g.value(value).name, "' has no producer");
  return g.nodes[static_cast<size_t>(p)];
}

const Node& node_of_type(const Graph& g, const std::string& op, int which = 0) {
  for (const Node& n : g.nodes)
    if (n.op_type == op && which-- == 0) return n;
  fail("no ", op, " node #", which);
}

// Round-trips through the writer and the parser, so every check below reads what a file holds.
Graph reload(const Graph& g) { return load_onnx_bytes(serialize_graph(g), "reloaded.onnx", ""); }

std::string tiny_model_path(int opset = 12) {
  const std::string path = temp_dir() + "/tiny.onnx";
  save_tiny_quant_model(path, opset);
  return path;
}

// Hand-picked ranges with round scales: x [-1.28, 1.27] -> 0.01 / 128, r1 [0, 2.55] -> 0.01 / 0,
// c2 [-0.51, 2.04] -> 0.01 / 51, r2 [0, 5.1] -> 0.02 / 0.
quantizer::RangeMap tiny_ranges() {
  return {{"x", {-1.28f, 1.27f}}, {"r1", {0, 2.55f}}, {"c2", {-0.51f, 2.04f}}, {"r2", {0, 5.1f}}};
}

Graph quantized_tiny(quantizer::QuantFormat format, bool per_channel, quantizer::QuantizeReport* report = nullptr) {
  Graph g = quantizer::load_for_quantization(tiny_model_path());
  quantizer::QuantizeOptions o;
  o.format = format;
  o.per_channel = per_channel;
  const quantizer::QuantizeReport r = quantize_graph(g, tiny_ranges(), o);
  if (report) *report = r;
  return reload(g);
}

float max_abs(const float* p, int64_t n) {
  float m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(p[i]));
  return m;
}

// ---- graph_writer ----

TEST(GraphWriter, RoundTripKeepsNodesAttributesAndInitializers) {
  ModelBuilder b(12, 7);
  b.set_opset("com.microsoft", 1);
  b.add_input("x", DataType::Float, {1, 3, -1, -1}, {"", "", "h", "w"});
  b.add_initializer("w", random_tensor({2, 3, 1, 1}, 1));
  b.add_initializer("shape", make_tensor<int64_t>({2}, {1, -1}));
  Attributes conv;
  conv.set_ints("kernel_shape", {1, 1});
  conv.set_string("auto_pad", "NOTSET");
  b.add_node("Conv", {"x", "w", ""}, {"c"}, conv, "conv");  // omitted optional bias
  Attributes leaky;
  leaky.set_float("alpha", 0.25f);
  b.add_node("LeakyRelu", {"c"}, {"l"}, leaky, "leaky");
  b.add_node("Reshape", {"l", "shape"}, {"y"}, {}, "flat");
  b.add_output("y", DataType::Float, {1, -1});
  const Graph g = load_onnx_bytes(b.serialize(), "m.onnx", "");
  const Graph r = reload(g);

  EXPECT_EQ(r.ir_version, 7);
  EXPECT_EQ(r.opsets, (std::map<std::string, int64_t>{{"", 12}, {"com.microsoft", 1}}));
  ASSERT_EQ(r.nodes.size(), g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &a = g.nodes[i], &c = r.nodes[i];
    EXPECT_EQ(a.name, c.name);
    EXPECT_EQ(a.op_type, c.op_type);
    EXPECT_EQ(a.domain, c.domain);
    ASSERT_EQ(a.inputs.size(), c.inputs.size()) << a.name;
    for (size_t k = 0; k < a.inputs.size(); ++k)
      EXPECT_EQ(a.inputs[k] == kNoValue ? "" : g.value(a.inputs[k]).name,
                c.inputs[k] == kNoValue ? "" : r.value(c.inputs[k]).name);
    ASSERT_EQ(a.outputs.size(), c.outputs.size());
    EXPECT_EQ(g.value(a.outputs[0]).name, r.value(c.outputs[0]).name);
    EXPECT_EQ(a.attrs.all().size(), c.attrs.all().size()) << a.name;
  }
  EXPECT_EQ(r.nodes[0].attrs.get_ints("kernel_shape"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(r.nodes[0].attrs.get_string("auto_pad", ""), "NOTSET");
  EXPECT_EQ(r.nodes[1].attrs.get_float("alpha", 0), 0.25f);
  EXPECT_TRUE(tensors_close(constant_named(g, "w"), constant_named(r, "w"), 0, 0));
  EXPECT_TRUE(tensors_close(constant_named(g, "shape"), constant_named(r, "shape"), 0, 0));
  const Value& x = r.value(r.inputs.at(0));
  EXPECT_EQ(x.dtype, DataType::Float);
  EXPECT_EQ(shape_str(x.shape), "[1,3,?,?]");
  EXPECT_EQ(shape_str(r.value(r.outputs.at(0)).shape), "[1,?]");
  EXPECT_EQ(serialize_graph(r), serialize_graph(reload(r)));  // a fixed point after one trip
}

TEST(GraphWriter, SkipsDeadNodesAndConstantsOnlyTheyRead) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_initializer("one", make_tensor<float>({2}, {1, 1}));
  b.add_initializer("two", make_tensor<float>({2}, {2, 2}));
  b.add_node("Add", {"x", "one"}, {"a"}, {}, "add_one");
  b.add_node("Mul", {"a", "two"}, {"y"}, {}, "mul_two");
  b.add_output("y", DataType::Float, {2});
  Graph g = load_onnx_bytes(b.serialize(), "m.onnx", "");
  // Bypass the Mul: the Add writes y, the Mul dies and "two" is read by nobody.
  g.nodes[1].dead = true;
  g.nodes[0].outputs[0] = g.find_value("y");
  const Graph r = reload(g);
  ASSERT_EQ(r.nodes.size(), 1u);
  EXPECT_EQ(r.nodes[0].name, "add_one");
  EXPECT_GE(r.find_value("one"), 0);
  EXPECT_LT(r.find_value("two"), 0);
  const TensorMap out = Session(r, {}).run({{"x", make_tensor<float>({2}, {3, 4})}});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {4, 5}), out.at("y")));
}

TEST(GraphWriter, UnknownRankStaysUnknownAndNamelessValuesFail) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2, 3});
  b.add_node("Relu", {"x"}, {"y"}, {}, "relu");
  b.add_output("y", DataType::Float, {2, 3});
  Graph g = load_onnx_bytes(b.serialize(), "m.onnx", "");
  g.value(g.outputs[0]).shape_known = false;
  g.value(g.outputs[0]).shape.clear();
  const Graph r = reload(g);
  EXPECT_FALSE(r.value(r.outputs[0]).shape_known);  // not a scalar
  g.nodes[0].outputs[0] = g.add_value("");
  EXPECT_THROW(serialize_graph(g), Error);
}

// ---- calibration ----

TEST(Calibration, MinMaxOfKnownInputsIncludesZero) {
  // x -> Mul(2) -> m -> Relu -> r -> Add(1) -> p
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 4});
  b.add_initializer("two", make_tensor<float>({}, {2}));
  b.add_initializer("one", make_tensor<float>({}, {1}));
  b.add_node("Mul", {"x", "two"}, {"m"});
  b.add_node("Relu", {"m"}, {"r"});
  b.add_node("Add", {"r", "one"}, {"p"});
  b.add_output("p", DataType::Float, {1, 4});
  const Graph g = load_onnx_bytes(b.serialize(), "m.onnx", "");
  const std::vector<Tensor> inputs = {make_tensor<float>({1, 4}, {-1, 3, 0.5f, 2}),
                                      make_tensor<float>({1, 4}, {-2, 1, 0, 0})};
  const quantizer::RangeMap r = quantizer::calibrate(g, {"x", "m", "r", "p"}, inputs, {});
  EXPECT_EQ(r.at("x").rmin, -2);
  EXPECT_EQ(r.at("x").rmax, 3);
  EXPECT_EQ(r.at("m").rmin, -4);
  EXPECT_EQ(r.at("m").rmax, 6);
  EXPECT_EQ(r.at("r").rmin, 0);
  EXPECT_EQ(r.at("r").rmax, 6);
  EXPECT_EQ(r.at("p").rmin, 0);  // observed [1, 7]: 0 is included
  EXPECT_EQ(r.at("p").rmax, 7);
  EXPECT_THROW(quantizer::calibrate(g, {"nope"}, inputs, {}), Error);
}

TEST(Calibration, HistogramMethodsOnKnownInputs) {
  // Identity-like graph: the histogram of x is what we feed. 1000 values in [0, 1) and one at -10, one at 50.
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 1002});
  b.add_node("Relu", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {1, 1002});
  const Graph g = load_onnx_bytes(b.serialize(), "m.onnx", "");
  std::vector<float> v;
  for (int i = 0; i < 1000; ++i) v.push_back(static_cast<float>(i) / 1000.f);
  v.push_back(-10);
  v.push_back(50);
  quantizer::CalibrationOptions o;
  o.method = quantizer::CalibrationMethod::Percentile;
  o.percentile = 99.8;  // clips 2 values on each side
  const quantizer::Range p = calibrate(g, {"x"}, {make_tensor<float>({1, 1002}, v)}, o).at("x");
  EXPECT_EQ(p.rmin, 0);  // -10 clipped: the lower edge of the first positive bin
  EXPECT_GT(p.rmax, 0.99f);
  EXPECT_LT(p.rmax, 1.05f);  // 50 clipped; the bin width is 50 / 2048
  o.percentile = 100;
  const quantizer::Range full = calibrate(g, {"x"}, {make_tensor<float>({1, 1002}, v)}, o).at("x");
  EXPECT_EQ(full.rmin, -10);
  EXPECT_EQ(full.rmax, 50);
  // A Relu-like tensor: as many exact zeros as exponentially distributed positive values (the quantiles of exp(1),
  // up to ~10.6). The zeros stay out of the KL search (0 is exact under any threshold): the threshold is the one
  // the positive values alone give (here the whole range). In the first bin they would outweigh it ~200 to 1 and,
  // once the search merges that bin with the next (past 510 of 2048 bins), make every wider range look costly: the
  // threshold then drops to about 2.6.
  const int64_t half = 20000;
  std::vector<float> positive;
  for (int64_t i = 0; i < half; ++i) positive.push_back(static_cast<float>(-std::log(1 - (i + 0.5) / half)));
  std::vector<float> relu(static_cast<size_t>(half), 0.f);
  relu.insert(relu.end(), positive.begin(), positive.end());
  auto entropy_of = [&](const std::vector<float>& values) {
    ModelBuilder m(13);
    const int64_t n = static_cast<int64_t>(values.size());
    m.add_input("x", DataType::Float, {1, n});
    m.add_node("Relu", {"x"}, {"y"});
    m.add_output("y", DataType::Float, {1, n});
    quantizer::CalibrationOptions eo;
    eo.method = quantizer::CalibrationMethod::Entropy;
    return quantizer::calibrate(load_onnx_bytes(m.serialize(), "m.onnx", ""), {"x"}, {make_tensor<float>({1, n}, values)}, eo)
        .at("x");
  };
  const quantizer::Range with_zeros = entropy_of(relu), without = entropy_of(positive);
  std::printf("[entropy] exp(1) quantiles up to %.2f: threshold %.3f with as many zeros, %.3f without\n",
              positive.back(), with_zeros.rmax, without.rmax);
  EXPECT_EQ(with_zeros.rmin, 0);
  EXPECT_FLOAT_EQ(with_zeros.rmax, without.rmax);
  EXPECT_GT(with_zeros.rmax, 0.5f * positive.back());
  EXPECT_LE(with_zeros.rmax, positive.back());
}

TEST(Calibration, PercentileOfConstructedHistogram) {
  // 100 bins a side, one value per bin: negative side over [-1, 0), positive side over [0, 2]. 200 values.
  quantizer::TensorHistogram h;
  h.neg = {1.0, std::vector<double>(100, 1)};
  h.pos = {2.0, std::vector<double>(100, 1)};
  // P = 99: 2 values clipped at each end, i.e. the two outermost bins on each side.
  quantizer::Range r = percentile_range(h, 99);
  EXPECT_NEAR(r.rmin, -0.98, 1e-6);
  EXPECT_NEAR(r.rmax, 1.96, 1e-6);
  r = quantizer::percentile_range(h, 100);
  EXPECT_NEAR(r.rmin, -1.0, 1e-6);
  EXPECT_NEAR(r.rmax, 2.0, 1e-6);
  // Only positive values: rmin is 0, not the first bin's edge.
  h.neg.counts.assign(100, 0);
  r = percentile_range(h, 99);
  EXPECT_EQ(r.rmin, 0);
  EXPECT_NEAR(r.rmax, 1.98, 1e-6);  // 1 value of 100 clipped
  EXPECT_THROW(percentile_range(h, 20), Error);
  // Exact zeros count at 0: half the values are zeros, one value per 0.02-bin up to 2 -> P = 99.5 clips one value.
  h.zeros = 100;
  r = percentile_range(h, 99.5);
  EXPECT_EQ(r.rmin, 0);
  EXPECT_NEAR(r.rmax, 1.98, 1e-6);
}

TEST(Calibration, EntropyKeepsAUniformDistributionWhole) {
  quantizer::Histogram h{4.0, std::vector<double>(2048, 1000)};
  EXPECT_DOUBLE_EQ(quantizer::entropy_threshold(h, 255), 4.0);  // KL is 0 only with nothing clipped
}

TEST(Calibration, EntropyClipsFarOutliers) {
  // A decaying bulk (exp(-k/100) over bins 0..999, 1% of it beyond bin 461) over [0, 20.48], and 3 values in the
  // last bin.
  quantizer::Histogram h{20.48, std::vector<double>(2048, 0)};
  for (int k = 0; k < 1000; ++k) h.counts[static_cast<size_t>(k)] = std::round(1e6 * std::exp(-k / 100.0));
  h.counts[2047] = 3;
  const double t = quantizer::entropy_threshold(h, 255);
  // The outliers at 20.47 are clipped: the threshold lands in the bulk's tail, past where 99% of it lies
  // (bin 461 = 4.61) and at most at its end (bin 1000 = 10.0).
  EXPECT_GT(t, 4.61);
  EXPECT_LE(t, 10.0);
  std::printf("[entropy] decaying bulk + 3 outliers at 20.47: threshold %.3f\n", t);
}

TEST(Calibration, EntropyEdgeCases) {
  EXPECT_EQ(quantizer::entropy_threshold(quantizer::Histogram{}, 255), 0);                                  // no values
  EXPECT_EQ(quantizer::entropy_threshold(quantizer::Histogram{3.0, std::vector<double>(100, 0)}, 255), 0);  // empty side
  quantizer::Histogram coarse{3.0, std::vector<double>(100, 0)};
  coarse.counts[99] = 1;
  coarse.counts[0] = 1000;
  EXPECT_EQ(quantizer::entropy_threshold(coarse, 255), 3.0);  // fewer bins than levels: nothing to gain by clipping
  // Two sides: a post-Relu tensor (empty negative side) keeps rmin at 0.
  quantizer::TensorHistogram two{{1.0, std::vector<double>(2048, 0)}, {2.0, std::vector<double>(2048, 5)}};
  const quantizer::Range r = entropy_range(two, 255);
  EXPECT_EQ(r.rmin, 0);
  EXPECT_FLOAT_EQ(r.rmax, 2.0f);
}

TEST(OpsetUpgrade, ConvertsAxesAttributesAndLastAxisSoftmax) {
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {2, 1, 3});
  b.add_node("Squeeze", {"x"}, {"s"}, Attributes::ints("axes", {1}), "squeeze");
  b.add_node("Softmax", {"s"}, {"p"}, Attributes::integer("axis", 1), "softmax");  // rank 2: axis 1 is the last
  b.add_node("ReduceSum", {"p"}, {"r"}, Attributes::ints("axes", {1}), "sum");
  b.add_node("Unsqueeze", {"r"}, {"y"}, Attributes::ints("axes", {0}), "unsqueeze");
  b.add_output("y", DataType::Float, {1, 2, 1});
  Graph g = load_onnx_bytes(b.serialize(), "m.onnx", "");
  quantizer::prepare_for_quantization(g);  // infers the ranks the Softmax check needs
  const Graph before = g;
  upgrade_opset(g, 13);
  const Graph r = reload(g);
  EXPECT_EQ(r.opset(""), 13);
  for (const char* op : {"Squeeze", "ReduceSum", "Unsqueeze"}) {
    const Node& n = node_of_type(r, op);
    EXPECT_FALSE(n.attrs.has("axes")) << op;
    ASSERT_EQ(n.inputs.size(), 2u) << op;
    ASSERT_NE(r.constant(n.inputs[1]), nullptr) << op;
    EXPECT_EQ(r.constant(n.inputs[1])->dtype(), DataType::Int64);
  }
  EXPECT_EQ(r.constant(node_of_type(r, "Squeeze").inputs[1])->to_int_vector(), (std::vector<int64_t>{1}));
  EXPECT_EQ(r.constant(node_of_type(r, "Unsqueeze").inputs[1])->to_int_vector(), (std::vector<int64_t>{0}));
  EXPECT_EQ(node_of_type(r, "Softmax").attrs.get_int("axis", -7), 1);
  // Same numbers in both versions.
  const Tensor x = random_tensor({2, 1, 3}, 5);
  const TensorMap a = Session(before, {}).run({{"x", x}}), c = Session(r, {}).run({{"x", x}});
  EXPECT_TRUE(tensors_close(a.at("y"), c.at("y"), 0, 0));
}

TEST(OpsetUpgrade, RefusesWhatItDoesNotConvert) {
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {2, 3, 4});
  b.add_node("Softmax", {"x"}, {"y"}, Attributes::integer("axis", 1), "inner_softmax");  // flattens [2, 12]
  b.add_output("y", DataType::Float, {2, 3, 4});
  Graph g = load_onnx_bytes(b.serialize(), "m.onnx", "");
  quantizer::prepare_for_quantization(g);
  try {
    upgrade_opset(g, 13);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not the last axis"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("inner_softmax"), std::string::npos) << e.what();
  }
  EXPECT_THROW(upgrade_opset(g, 11), Error);                    // lowering
  EXPECT_THROW(upgrade_opset(g, kMaxUpgradeOpset + 1), Error);  // beyond what we know
  ModelBuilder p(10);
  p.add_input("x", DataType::Float, {2});
  Attributes pads;
  pads.set_ints("pads", {1, 1});
  p.add_node("Pad", {"x"}, {"y"}, pads, "pad");
  p.add_output("y", DataType::Float, {4});
  Graph pg = load_onnx_bytes(p.serialize(), "m.onnx", "");
  EXPECT_THROW(upgrade_opset(pg, 13), Error);  // Pad's pads became an input at 11: not converted
  EXPECT_NO_THROW(upgrade_opset(pg, 10));
}

// ---- quantizer ----

TEST(Quantizer, ActivationParams) {
  quantizer::ActivationParams p = quantizer::activation_params({-1.28f, 1.27f});
  EXPECT_FLOAT_EQ(p.scale, 0.01f);
  EXPECT_EQ(p.zero_point, 128);
  p = quantizer::activation_params({0, 5.1f});  // a post-Relu range
  EXPECT_FLOAT_EQ(p.scale, 0.02f);
  EXPECT_EQ(p.zero_point, 0);
  p = quantizer::activation_params({0.5f, 2.55f});  // 0 is always representable: [0, 2.55]
  EXPECT_FLOAT_EQ(p.scale, 0.01f);
  EXPECT_EQ(p.zero_point, 0);
  p = quantizer::activation_params({-2.55f, -1});  // all negative: [-2.55, 0]
  EXPECT_EQ(p.zero_point, 255);
  p = quantizer::activation_params({0, 0});
  EXPECT_EQ(p.scale, 1.f);
  EXPECT_EQ(p.zero_point, 0);
}

TEST(Quantizer, WeightsAndBias) {
  // Two output channels: max |w| 2.54 and 0.127.
  const Tensor w = make_tensor<float>({2, 2, 1, 1}, {2.54f, -1.f, 0.05f, -0.127f});
  const std::vector<float> per_tensor = quantizer::weight_scales(w, false), per_channel = quantizer::weight_scales(w, true);
  ASSERT_EQ(per_tensor.size(), 1u);
  EXPECT_FLOAT_EQ(per_tensor[0], 2.54f / 127);
  ASSERT_EQ(per_channel.size(), 2u);
  EXPECT_FLOAT_EQ(per_channel[0], 2.54f / 127);
  EXPECT_FLOAT_EQ(per_channel[1], 0.127f / 127);
  // -1 / 0.02 = -50; 0.05 / 0.02 = 2.5 -> 2 (half to even); -0.127 / 0.02 = -6.35 -> -6.
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2, 2, 1, 1}, {127, -50, 2, -6}), quantizer::quantize_weights(w, per_tensor)));
  // Per channel: 0.05 / 0.001 = 50, -0.127 / 0.001 = -127.
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2, 2, 1, 1}, {127, -50, 50, -127}), quantizer::quantize_weights(w, per_channel)));
  // Bias scale x_scale * w_scale: 0.5 * 0.02 = 0.01 -> 0.123 / 0.01 = 12.3 -> 12, -0.025 / 0.01 = -2.5 -> -2.
  const Tensor b = make_tensor<float>({2}, {0.123f, -0.025f});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2}, {12, -2}), quantizer::quantize_bias(b, 0.5f, per_tensor)));
  // Per channel: scales 0.01 and 0.0005: -0.025 / 0.0005 = -50.
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2}, {12, -50}), quantizer::quantize_bias(b, 0.5f, per_channel)));
  // An all-zero channel gets scale 1 (not 0), and quantizes to 0.
  EXPECT_EQ(quantizer::weight_scales(make_tensor<float>({1, 1, 1, 1}, {0}), true)[0], 1.f);
}

TEST(Quantizer, CalibratesTheInputsAndOutputsOfQuantizedNodes) {
  const Graph g = quantizer::load_for_quantization(tiny_model_path());
  // x (conv1's input), r1 (conv1 through its Relu), c2 (conv2; feeds the Add with x), r2 (the Add through its Relu);
  // y, the MaxPool's output, inherits r2's parameters.
  EXPECT_EQ(quantizer::tensors_to_calibrate(g), (std::vector<std::string>{"x", "r1", "c2", "r2"}));
}

TEST(Quantizer, QdqPerTensor) {
  quantizer::QuantizeReport rep;
  const Graph g = quantized_tiny(quantizer::QuantFormat::QDQ, false, &rep);
  EXPECT_EQ(rep.convs, 2);
  EXPECT_EQ(rep.adds, 1);
  EXPECT_EQ(rep.maxpools, 1);
  EXPECT_EQ(rep.relus_removed, 2);
  // Q/DQ pairs on x, r1, c2, r2 (y is a graph output); DQ on two weights and two biases.
  EXPECT_EQ(op_histogram(g),
            (std::map<std::string, int>{
                {"QuantizeLinear", 4}, {"DequantizeLinear", 8}, {"Conv", 2}, {"Add", 1}, {"MaxPool", 1}}));
  EXPECT_EQ(g.opset(""), 12);
  EXPECT_EQ(g.opsets.size(), 1u);

  EXPECT_FLOAT_EQ(constant_named(g, "x_scale").float_at(0), 0.01f);
  EXPECT_EQ(constant_named(g, "x_zero_point").dtype(), DataType::UInt8);
  EXPECT_EQ(constant_named(g, "x_zero_point").int_at(0), 128);
  EXPECT_EQ(constant_named(g, "r1_zero_point").int_at(0), 0);  // post-Relu: the clamp at 0 is the Relu
  EXPECT_EQ(constant_named(g, "c2_zero_point").int_at(0), 51);
  EXPECT_EQ(constant_named(g, "r2_zero_point").int_at(0), 0);

  // Weights: one scale max|w| / 127; bias at x_scale * w_scale.
  const Tensor w1 = random_tensor({4, 3, 3, 3}, 11, -0.5f, 0.5f), b1 = random_tensor({4}, 12, -0.2f, 0.2f);
  const float ws = max_abs(w1.data<float>(), w1.numel()) / 127;
  const Tensor& w1s = constant_named(g, "w1_scale");
  EXPECT_TRUE(w1s.shape().empty());
  EXPECT_FLOAT_EQ(w1s.float_at(0), ws);
  const Tensor& w1q = constant_named(g, "w1_quantized");
  ASSERT_EQ(w1q.dtype(), DataType::Int8);
  for (int64_t i = 0; i < w1.numel(); ++i)
    ASSERT_EQ(w1q.int_at(i), static_cast<int64_t>(std::nearbyint(w1.data<float>()[i] / ws))) << i;
  const Tensor& b1q = constant_named(g, "b1_quantized");
  ASSERT_EQ(b1q.dtype(), DataType::Int32);
  for (int64_t m = 0; m < 4; ++m)
    EXPECT_EQ(b1q.int_at(m), static_cast<int64_t>(std::nearbyint(b1.data<float>()[m] / (0.01f * ws)))) << m;

  // conv1 reads x through Q/DQ and its weights through DQ; the Add reads both operands dequantized.
  const Node& conv1 = node_of_type(g, "Conv", 0);
  EXPECT_EQ(producer_of(g, conv1.inputs[0]).op_type, "DequantizeLinear");
  EXPECT_EQ(g.value(producer_of(g, producer_of(g, conv1.inputs[0]).inputs[0]).inputs[0]).name, "x");
  const Node& wdq = producer_of(g, conv1.inputs[1]);
  EXPECT_EQ(wdq.op_type, "DequantizeLinear");
  EXPECT_EQ(g.value(wdq.inputs[0]).name, "w1_quantized");
  EXPECT_FALSE(wdq.attrs.has("axis"));
  EXPECT_EQ(g.value(producer_of(g, conv1.inputs[2]).inputs[0]).name, "b1_quantized");
  EXPECT_EQ(g.value(conv1.outputs[0]).name, "r1");  // took over the removed Relu's output
  for (int in : node_of_type(g, "Add").inputs) EXPECT_EQ(producer_of(g, in).op_type, "DequantizeLinear");
  EXPECT_EQ(g.value(node_of_type(g, "MaxPool").outputs[0]).name, "y");
}

TEST(Quantizer, QdqOrtStyleKeepsTheReluAfterTheAddBetweenTwoPairs) {
  Graph g = quantizer::load_for_quantization(tiny_model_path());
  // The Add's output a gets its own range; r2 (its Relu's) too. relu1 after conv1 is still absorbed.
  EXPECT_EQ(quantizer::tensors_to_calibrate(g, quantizer::QdqStyle::Ort), (std::vector<std::string>{"x", "r1", "c2", "a", "r2"}));
  quantizer::RangeMap ranges = tiny_ranges();
  ranges["a"] = {-1.f, 4.1f};  // scale 0.02, zero point 50
  quantizer::QuantizeOptions o;
  o.qdq_style = quantizer::QdqStyle::Ort;
  const quantizer::QuantizeReport rep = quantize_graph(g, ranges, o);
  EXPECT_EQ(rep.relus_removed, 1);
  EXPECT_EQ(rep.relus_kept, 1);
  const Graph q = reload(g);
  EXPECT_EQ(op_histogram(q), (std::map<std::string, int>{{"QuantizeLinear", 5},
                                                         {"DequantizeLinear", 9},
                                                         {"Conv", 2},
                                                         {"Add", 1},
                                                         {"Relu", 1},
                                                         {"MaxPool", 1}}));
  // Add -> Q(a) -> DQ -> Relu -> Q(r2) -> DQ -> MaxPool, with a's parameters before the Relu and r2's after it.
  const Node& relu = node_of_type(q, "Relu");
  const Node& dq_a = producer_of(q, relu.inputs[0]);
  ASSERT_EQ(dq_a.op_type, "DequantizeLinear");
  const Node& q_a = producer_of(q, dq_a.inputs[0]);
  ASSERT_EQ(q_a.op_type, "QuantizeLinear");
  EXPECT_EQ(producer_of(q, q_a.inputs[0]).op_type, "Add");
  EXPECT_EQ(q.value(q_a.inputs[2]).name, "a_zero_point");
  EXPECT_EQ(constant_named(q, "a_zero_point").int_at(0), 50);
  EXPECT_EQ(q.value(relu.outputs[0]).name, "r2");
  EXPECT_EQ(constant_named(q, "r2_zero_point").int_at(0), 0);
  // QOperator has no place for a float Relu between pairs.
  Graph g2 = quantizer::load_for_quantization(tiny_model_path());
  o.format = quantizer::QuantFormat::QOperator;
  EXPECT_THROW(quantizer::quantize_graph(g2, ranges, o), Error);
}

TEST(Quantizer, QdqPerChannelNeedsOpset13AndAxis0) {
  const Graph g = quantized_tiny(quantizer::QuantFormat::QDQ, true);
  EXPECT_EQ(g.opset(""), 13);
  EXPECT_GE(g.ir_version, 7);
  const Tensor w2 = random_tensor({3, 4, 3, 3}, 13, -0.4f, 0.4f), b2 = random_tensor({3}, 14, -0.2f, 0.2f);
  const Tensor& s = constant_named(g, "w2_scale");
  ASSERT_EQ(shape_str(s.shape()), "[3]");
  const Tensor& bq = constant_named(g, "b2_quantized");
  for (int64_t m = 0; m < 3; ++m) {
    const float ws = max_abs(w2.data<float>() + m * 36, 36) / 127;
    EXPECT_FLOAT_EQ(s.float_at(m), ws) << m;
    EXPECT_EQ(bq.int_at(m), static_cast<int64_t>(std::nearbyint(b2.data<float>()[m] / (0.01f * ws)))) << m;  // x = r1
  }
  int axis0 = 0;
  for (const Node& n : g.nodes) {
    if (n.op_type != "DequantizeLinear") continue;
    const DataType t = g.value(n.inputs[0]).dtype;
    if (t == DataType::Int8 || t == DataType::Int32) {
      EXPECT_EQ(n.attrs.get_int("axis", -1), 0) << n.name;
      ++axis0;
    } else {
      EXPECT_FALSE(n.attrs.has("axis")) << n.name;  // activations stay per tensor
    }
  }
  EXPECT_EQ(axis0, 4);
}

TEST(Quantizer, QOperator) {
  for (bool per_channel : {false, true}) {
    SCOPED_TRACE(per_channel ? "per-channel" : "per-tensor");
    const Graph g = quantized_tiny(quantizer::QuantFormat::QOperator, per_channel);
    EXPECT_EQ(op_histogram(g), (std::map<std::string, int>{{"QuantizeLinear", 1},
                                                           {"QLinearConv", 2},
                                                           {"com.microsoft.QLinearAdd", 1},
                                                           {"MaxPool", 1},
                                                           {"DequantizeLinear", 1}}));
    EXPECT_EQ(g.opsets, (std::map<std::string, int64_t>{{"", 12}, {"com.microsoft", 1}}));
    // The border: x is quantized once; y is dequantized from the MaxPool's uint8 output, under its own name.
    const Node& q = node_of_type(g, "QuantizeLinear");
    EXPECT_EQ(g.value(q.inputs[0]).name, "x");
    EXPECT_EQ(g.value(q.outputs[0]).name, "x_quantized");
    const Node& pool = node_of_type(g, "MaxPool");
    EXPECT_EQ(g.value(pool.inputs[0]).name, "r2_quantized");  // uint8 straight from the QLinearAdd
    EXPECT_EQ(producer_of(g, pool.inputs[0]).op_type, "QLinearAdd");
    const Node& dq = node_of_type(g, "DequantizeLinear");
    EXPECT_EQ(g.value(dq.inputs[0]).name, "y_quantized");
    EXPECT_EQ(g.value(dq.outputs[0]).name, "y");
    EXPECT_FLOAT_EQ(constant_named(g, "y_scale").float_at(0), 0.02f);  // r2's, inherited
    // QLinearConv(x, x_s, x_zp, w, w_s, w_zp, y_s, y_zp, bias) with conv1's attributes.
    const Node& conv1 = node_of_type(g, "QLinearConv", 0);
    ASSERT_EQ(conv1.inputs.size(), 9u);
    const char* expected[9] = {"x_quantized",   "x_scale",  "x_zero_point",  "w1_quantized", "w1_scale",
                               "w1_zero_point", "r1_scale", "r1_zero_point", "b1_quantized"};
    for (size_t k = 0; k < 9; ++k) EXPECT_EQ(g.value(conv1.inputs[k]).name, expected[k]) << k;
    EXPECT_EQ(conv1.attrs.get_ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
    EXPECT_EQ(constant_named(g, "w1_zero_point").dtype(), DataType::Int8);
    EXPECT_EQ(constant_named(g, "w1_scale").numel(), per_channel ? 4 : 1);
    const Node& add = node_of_type(g, "QLinearAdd");
    const char* add_in[8] = {"c2_quantized", "c2_scale",     "c2_zero_point", "x_quantized",
                             "x_scale",      "x_zero_point", "r2_scale",      "r2_zero_point"};
    ASSERT_EQ(add.inputs.size(), 8u);
    for (size_t k = 0; k < 8; ++k) EXPECT_EQ(g.value(add.inputs[k]).name, add_in[k]) << k;
  }
}

// Below opset 12 MaxPool takes floats only: QOperator dequantizes its input and leaves it float.
TEST(Quantizer, QOperatorKeepsMaxPoolFloatBeforeOpset12) {
  const std::string path = temp_dir() + "/tiny10.onnx";
  save_tiny_quant_model(path, 10);
  Graph g = quantizer::load_for_quantization(path);
  quantizer::QuantizeOptions o;
  o.format = quantizer::QuantFormat::QOperator;
  quantizer::quantize_graph(g, tiny_ranges(), o);
  const Graph r = reload(g);
  EXPECT_EQ(r.opset(""), 10);
  const Node& pool = node_of_type(r, "MaxPool");
  EXPECT_EQ(producer_of(r, pool.inputs[0]).op_type, "DequantizeLinear");
  EXPECT_EQ(r.value(pool.inputs[0]).name, "r2");
  EXPECT_EQ(r.value(pool.outputs[0]).name, "y");  // the graph output, float: nothing to quantize after it
  EXPECT_EQ(op_histogram(r)["QuantizeLinear"], 1);
}

// Calibrated on random images, every variant runs in ssdx and stays within a few quantization steps of the float
// model.
TEST(Quantizer, QuantizedModelsTrackTheFloatModel) {
  const std::string path = tiny_model_path();
  const Graph prepared = quantizer::load_for_quantization(path);
  std::vector<Tensor> calib;
  for (uint32_t seed = 1; seed <= 4; ++seed) calib.push_back(random_tensor({1, 3, 8, 8}, seed, -2.f, 2.f));
  const quantizer::RangeMap ranges = quantizer::calibrate(prepared, quantizer::tensors_to_calibrate(prepared), calib, {});
  const Tensor x = random_tensor({1, 3, 8, 8}, 99, -2.f, 2.f);
  const Tensor ref = Session::load(path)->run({{"x", x}}).at("y");
  const float y_step = quantizer::activation_params(ranges.at("r2")).scale;
  for (quantizer::QuantFormat f : {quantizer::QuantFormat::QDQ, quantizer::QuantFormat::QOperator})
    for (bool per_channel : {false, true}) {
      SCOPED_TRACE(std::string(f == quantizer::QuantFormat::QDQ ? "qdq" : "qoperator") + (per_channel ? " per-channel" : ""));
      Graph g = prepared;
      quantizer::QuantizeOptions o;
      o.format = f;
      o.per_channel = per_channel;
      quantizer::quantize_graph(g, ranges, o);
      const Tensor y = Session(reload(g), {}).run({{"x", x}}).at("y");
      const double diff = max_abs_diff(ref, y);
      EXPECT_LT(diff, 4 * y_step);
      std::printf("[quantize] tiny %s%s: max |int8 - fp32| %.4f (y step %.4f)\n",
                  f == quantizer::QuantFormat::QDQ ? "qdq" : "qoperator", per_channel ? " per-channel" : "", diff, y_step);
    }
}

TEST(Quantizer, Errors) {
  // Nothing to quantize.
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 3, 4, 4});
  b.add_node("Relu", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {1, 3, 4, 4});
  Graph g = load_onnx_bytes(b.serialize(), "relu.onnx", "");
  quantizer::prepare_for_quantization(g);
  try {
    quantizer::quantize_graph(g, {}, {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no convolution with constant weights"), std::string::npos) << e.what();
  }
  const Graph tiny = quantizer::load_for_quantization(tiny_model_path());
  quantizer::QuantizeOptions o;
  o.per_channel = true;
  o.opset = 12;  // per-channel QDQ needs DequantizeLinear's axis
  Graph t = tiny;
  EXPECT_THROW(quantizer::quantize_graph(t, tiny_ranges(), o), Error);
  o.per_channel = false;
  o.opset = 11;  // below the model's
  t = tiny;
  EXPECT_THROW(quantizer::quantize_graph(t, tiny_ranges(), o), Error);
  t = tiny;  // a range missing
  quantizer::RangeMap partial = tiny_ranges();
  partial.erase("c2");
  EXPECT_THROW(quantizer::quantize_graph(t, partial, {}), Error);
  o.opset = 13;  // forced upgrade of a per-tensor model is fine
  t = tiny;
  EXPECT_EQ(quantizer::quantize_graph(t, tiny_ranges(), o).opset, 13);
  EXPECT_EQ(t.opset(""), 13);
}

// Whether an Add or MaxPool is quantized can depend on a later node: here the Exp output e becomes a quantized
// tensor only because conv_b (last in the file) reads it, which then qualifies the MaxPool before conv_a and the Add.
TEST(Quantizer, QuantizesWhatALaterNodeMakesEligible) {
  ModelBuilder b(12);
  Attributes k1;
  k1.set_ints("kernel_shape", {1, 1});
  b.add_input("x", DataType::Float, {1, 2, 4, 4});
  b.add_initializer("wa", random_tensor({2, 2, 1, 1}, 1));
  b.add_initializer("wb", random_tensor({2, 2, 1, 1}, 2));
  b.add_node("Exp", {"x"}, {"e"}, {}, "exp");
  b.add_node("MaxPool", {"e"}, {"m"}, k1, "pool");
  b.add_node("Conv", {"m", "wa"}, {"ca"}, k1, "conv_a");
  b.add_node("Add", {"ca", "e"}, {"s"}, {}, "add");
  b.add_node("Conv", {"e", "wb"}, {"cb"}, k1, "conv_b");
  b.add_output("s", DataType::Float, {1, 2, 4, 4});
  b.add_output("cb", DataType::Float, {1, 2, 4, 4});
  Graph g = load_onnx_bytes(b.serialize(), "late.onnx", "");
  quantizer::prepare_for_quantization(g);
  EXPECT_EQ(quantizer::tensors_to_calibrate(g), (std::vector<std::string>{"e", "ca", "s", "cb"}));  // m inherits e's
  quantizer::QuantizeOptions o;
  o.format = quantizer::QuantFormat::QOperator;
  const quantizer::QuantizeReport r = quantize_graph(g, {{"e", {0, 2.55f}}, {"ca", {-1, 1}}, {"s", {-1, 3}}, {"cb", {-2, 2}}}, o);
  EXPECT_EQ(r.adds, 1);
  EXPECT_EQ(r.maxpools, 1);
  EXPECT_EQ(op_histogram(g), (std::map<std::string, int>{{"Exp", 1},
                                                         {"QuantizeLinear", 1},
                                                         {"MaxPool", 1},
                                                         {"QLinearConv", 2},
                                                         {"com.microsoft.QLinearAdd", 1},
                                                         {"DequantizeLinear", 2}}));
  EXPECT_EQ(g.value(node_of_type(g, "MaxPool").outputs[0]).name, "m_quantized");
  EXPECT_FLOAT_EQ(constant_named(g, "m_scale").float_at(0), 0.01f);  // e's
}

// BatchNormalization folds into the conv before quantization; the folded conv is quantized with the BN output's name.
TEST(Quantizer, FoldsBatchNormalizationFirst) {
  ModelBuilder b(12);
  Attributes conv;
  conv.set_ints("kernel_shape", {1, 1});
  b.add_input("x", DataType::Float, {1, 2, 4, 4});
  b.add_initializer("w", random_tensor({2, 2, 1, 1}, 1));
  for (const char* p : {"scale", "bias", "mean"}) b.add_initializer(p, random_tensor({2}, 2));
  b.add_initializer("var", random_tensor({2}, 3, 0.5f, 1.5f));
  b.add_node("Conv", {"x", "w"}, {"c"}, conv, "conv");
  b.add_node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"bn"}, {}, "bn");
  b.add_node("Relu", {"bn"}, {"y"}, {}, "relu");
  b.add_node("Exp", {"y"}, {"out"}, {}, "float_tail");
  b.add_output("out", DataType::Float, {1, 2, 4, 4});
  Graph g = load_onnx_bytes(b.serialize(), "bn.onnx", "");
  quantizer::prepare_for_quantization(g);
  EXPECT_EQ(op_histogram(g), (std::map<std::string, int>{{"Conv", 1}, {"Relu", 1}, {"Exp", 1}}));
  EXPECT_EQ(quantizer::tensors_to_calibrate(g), (std::vector<std::string>{"x", "y"}));
  quantizer::QuantizeOptions o;
  o.format = quantizer::QuantFormat::QOperator;
  quantizer::quantize_graph(g, {{"x", {-1, 1}}, {"y", {0, 2}}}, o);
  // The float tail reads y, dequantized from the QLinearConv's output.
  EXPECT_EQ(op_histogram(g), (std::map<std::string, int>{
                                 {"QuantizeLinear", 1}, {"QLinearConv", 1}, {"DequantizeLinear", 1}, {"Exp", 1}}));
  EXPECT_EQ(g.value(node_of_type(g, "Exp").inputs[0]).name, "y");
  EXPECT_EQ(producer_of(g, node_of_type(g, "Exp").inputs[0]).op_type, "DequantizeLinear");
}

// A detection head: a Conv whose output is a graph output. QDQ writes it as onnxruntime's quantizer does (the Conv
// writes "<output>_QuantizeLinear_Input", a Q/DQ pair writes the output), so both engines run it as an int8 conv;
// both give the same result.
TEST(Quantizer, QdqQuantizesAConvThatWritesAGraphOutput) {
  ModelBuilder b(13);
  Attributes k3;
  k3.set_ints("kernel_shape", {3, 3});
  k3.set_ints("pads", {1, 1, 1, 1});
  b.add_input("x", DataType::Float, {1, 3, 8, 8});
  b.add_initializer("w1", random_tensor({4, 3, 3, 3}, 21, -0.5f, 0.5f));
  b.add_initializer("w2", random_tensor({6, 4, 3, 3}, 22, -0.4f, 0.4f));
  b.add_initializer("b2", random_tensor({6}, 23, -0.2f, 0.2f));
  b.add_node("Conv", {"x", "w1"}, {"c1"}, k3, "conv1");
  b.add_node("Relu", {"c1"}, {"r1"}, {}, "relu1");
  b.add_node("Conv", {"r1", "w2", "b2"}, {"head"}, k3, "head_conv");
  b.add_output("head", DataType::Float, {1, 6, 8, 8});
  Graph g = load_onnx_bytes(b.serialize(), "head.onnx", "");
  quantizer::prepare_for_quantization(g);
  EXPECT_EQ(quantizer::tensors_to_calibrate(g), (std::vector<std::string>{"x", "r1", "head"}));
  quantizer::QuantizeOptions o;
  o.format = quantizer::QuantFormat::QDQ;
  quantizer::quantize_graph(g, {{"x", {-1.28f, 1.27f}}, {"r1", {0, 2.55f}}, {"head", {-2.56f, 2.54f}}}, o);
  g = reload(g);
  EXPECT_EQ(op_histogram(g),
            (std::map<std::string, int>{{"QuantizeLinear", 3}, {"DequantizeLinear", 6}, {"Conv", 2}}));
  const Node& head = node_of_type(g, "Conv", 1);
  EXPECT_EQ(g.value(head.outputs[0]).name, "head_QuantizeLinear_Input");
  const Node& dq = producer_of(g, g.find_value("head"));
  EXPECT_EQ(dq.op_type, "DequantizeLinear");
  EXPECT_EQ(producer_of(g, dq.inputs[0]).op_type, "QuantizeLinear");
  EXPECT_FLOAT_EQ(constant_named(g, "head_scale").float_at(0), 0.02f);
  EXPECT_EQ(constant_named(g, "head_zero_point").int_at(0), 128);

  // ssdx fuses it into a QLinearConv (no float Conv is left) and agrees with onnxruntime.
  const std::string path = temp_dir() + "/head_qdq.onnx";
  save_graph(g, path);
  const auto s = Session::load(path);
  for (const PlannedStep& step : s->plan().steps) EXPECT_NE(step.op_type, "Conv") << step.name;
  SSDX_NEED_ORT();
  const TensorMap feeds = {{"x", random_tensor({1, 3, 8, 8}, 24, -1.f, 1.f)}};
  const Tensor ours = s->run(feeds).at("head"), theirs = run_ort(path, feeds).at("head");
  ASSERT_EQ(ours.shape(), theirs.shape());
  for (int64_t i = 0; i < ours.numel(); ++i) ASSERT_EQ(ours.float_at(i), theirs.float_at(i)) << i;
}

}  // namespace
}  // namespace ssdx::test
