// ReLU6 (Clip(0, 6)) and 8-bit quantization (docs/clip_quantization.md): `ssdx quantize` absorbs a Conv's Clip as it
// absorbs a Relu, in QDQ and QOperator form, and every int8 tensor of the quantized MobileNet block matches
// onnxruntime; the QDQ rewrite removes a Clip before a QuantizeLinear exactly under onnxruntime 1.30's rule.
#include <unistd.h>

#include <cstdio>
#include <map>

#include "engine/session.h"
#include "graph/graph_writer.h"
#include "graph/onnx_parser.h"
#include "passes/opset_upgrade.h"
#include "quantizer/calibration.h"
#include "quantizer/quantizer.h"
#include "tests/mobilenet_block.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

std::map<std::string, int> ops_of(const Graph& g) {
  std::map<std::string, int> h;
  for (const Node& n : g.nodes)
    if (!n.dead) ++h[n.op_type];
  return h;
}

const Tensor& constant_named(const Graph& g, const std::string& name) {
  const int id = g.find_value(name);
  if (id < 0 || !g.value(id).constant) fail("no constant named '", name, "'");
  return *g.value(id).constant;
}

// The block with a box head after it (so both Clips feed a quantized node), quantized per channel in `format`,
// calibrated on two random inputs.
Graph quantized_block(quantizer::QuantFormat format, quantizer::QuantizeReport* rep = nullptr,
                      std::vector<std::string>* calibrated = nullptr) {
  ModelBuilder b(13);
  build_mobilenet_block(b, 13, 8, 20, true);
  Graph g = load_onnx_bytes(b.serialize(), "block.onnx", "");
  quantizer::prepare_for_quantization(g);
  const std::vector<std::string> tensors = quantizer::tensors_to_calibrate(g);
  if (calibrated) *calibrated = tensors;
  const std::vector<Tensor> inputs = {random_tensor({1, 8, 20, 20}, 31, -3.f, 3.f),
                                      random_tensor({1, 8, 20, 20}, 32, -3.f, 3.f)};
  const quantizer::RangeMap ranges = quantizer::calibrate(g, tensors, inputs, {});
  quantizer::QuantizeOptions o;
  o.format = format;
  o.per_channel = true;
  const quantizer::QuantizeReport r = quantizer::quantize_graph(g, ranges, o);
  if (rep) *rep = r;
  return g;
}

TEST(ClipQuantize, ConvClipIsAbsorbedAsConvReluIsInBothFormats) {
  for (quantizer::QuantFormat format : {quantizer::QuantFormat::QDQ, quantizer::QuantFormat::QOperator}) {
    quantizer::QuantizeReport rep;
    std::vector<std::string> calibrated;
    const Graph g = quantized_block(format, &rep, &calibrated);
    // The Clips' outputs stand for the convolutions' (dw, pw are not calibrated); y is the head's output.
    EXPECT_EQ(calibrated, (std::vector<std::string>{"x", "dw6", "pw6", "y"}));
    EXPECT_EQ(rep.convs, 3);
    EXPECT_EQ(rep.clips_removed, 2);
    EXPECT_EQ(rep.clips_kept, 0);
    EXPECT_EQ(ops_of(g).count("Clip"), 0u);
    for (const char* v : {"dw6", "pw6"}) {
      SCOPED_TRACE(v);
      // Zero point 0 and a scale at most 6/255: the uint8 grid saturates where ReLU6 clips.
      EXPECT_EQ(constant_named(g, std::string(v) + "_zero_point").int_at(0), 0);
      const double s = constant_named(g, std::string(v) + "_scale").float_at(0);
      EXPECT_GT(s, 0.0);
      EXPECT_LE(s * 255, 6.0 * (1 + 1e-7));
    }
  }
}

// Per-channel QDQ needs opset 13: an opset-10 ReLU6 (min/max attributes) moves its bounds to constant inputs at 11.
TEST(ClipQuantize, OpsetUpgradeMovesClipBoundsToInputs) {
  ModelBuilder b(10);
  build_mobilenet_block(b, 10);
  Graph g = load_onnx_bytes(b.serialize(), "block10.onnx", "");
  upgrade_opset(g, 13);
  int clips = 0;
  for (const Node& n : g.nodes) {
    if (n.op_type != "Clip") continue;
    ++clips;
    EXPECT_FALSE(n.attrs.has("min") || n.attrs.has("max")) << n.name;
    ASSERT_EQ(n.inputs.size(), 3u) << n.name;
    EXPECT_EQ(g.constant(n.inputs[1])->float_at(0), 0.0);
    EXPECT_EQ(g.constant(n.inputs[2])->float_at(0), 6.0);
    EXPECT_EQ(g.constant(n.inputs[2])->rank(), 0);
  }
  EXPECT_EQ(clips, 2);
  // The same numbers before and after.
  SessionOptions plain;
  plain.optimize = false;
  const TensorMap feeds = {{"x", random_tensor({1, 8, 20, 20}, 9, -3.f, 3.f)}};
  const Tensor before = Session(load_onnx_bytes(b.serialize(), "b.onnx", ""), plain).run(feeds).at("y");
  EXPECT_EQ(max_abs_diff(before, Session(std::move(g), plain).run(feeds).at("y")), 0.0);
  // Only max given: min stays omitted.
  ModelBuilder m(10);
  m.add_input("x", DataType::Float, {4});
  m.add_node("Clip", {"x"}, {"y"}, Attributes(), "clip");
  m.add_output("y", DataType::Float, {4});
  Graph only_max = load_onnx_bytes(m.serialize(), "m.onnx", "");
  only_max.nodes[0].attrs.set_float("max", 1.f);
  upgrade_opset(only_max, 11);
  ASSERT_EQ(only_max.nodes[0].inputs.size(), 3u);
  EXPECT_EQ(only_max.nodes[0].inputs[1], kNoValue);
  EXPECT_EQ(only_max.constant(only_max.nodes[0].inputs[2])->float_at(0), 1.0);
}

// Every int8 tensor of the quantized block, exposed as a graph output for onnxruntime and watched in ssdx's own run.
void expect_int8_tensors_match_ort(quantizer::QuantFormat format, const std::vector<std::string>& exposed_ops) {
  Graph g = quantized_block(format);
  g.link();
  std::vector<std::string> names;
  for (const Node& n : g.nodes) {
    if (n.dead || std::find(exposed_ops.begin(), exposed_ops.end(), n.op_type) == exposed_ops.end()) continue;
    Value& v = g.value(n.outputs[0]);
    if (v.is_graph_output) continue;
    v.is_graph_output = true;
    g.outputs.push_back(n.outputs[0]);
    names.push_back(v.name);
  }
  ASSERT_GE(names.size(), 3u);
  const std::string path = ::testing::TempDir() + "ssdx_clip_block_" + std::to_string(getpid()) + ".onnx";
  save_graph(g, path);
  const TensorMap feeds = {{"x", random_tensor({1, 8, 20, 20}, 33, -3.f, 3.f)}};
  SessionOptions watching;
  watching.keep_values = names;
  const auto session = Session::load(path, watching);
  struct Collect : RunObserver {
    TensorMap seen;
    void on_step(const StepView& step, const std::vector<const Tensor*>&, const std::vector<Tensor>& outputs) override {
      for (size_t o = 0; o < outputs.size(); ++o) seen[step.output_name(o)] = plain_copy(outputs[o]);
    }
  } collect;
  const TensorMap ours_out = session->run(feeds, nullptr, &collect);
  const TensorMap ref = run_ort(path, feeds);
  std::remove(path.c_str());
  int64_t values = 0, differ = 0;
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const Tensor &a = collect.seen.at(name), &b = ref.at(name);
    ASSERT_EQ(a.dtype(), b.dtype());
    ASSERT_EQ(shape_str(a.shape()), shape_str(b.shape()));
    for (int64_t i = 0; i < a.numel(); ++i) {
      const int64_t d = std::abs(a.int_at(i) - b.int_at(i));
      ASSERT_LE(d, 1) << "element " << i << ": " << a.int_at(i) << " vs ORT " << b.int_at(i);
      differ += d;
    }
    values += a.numel();
  }
  std::printf("[ clip block ] %zu int8 tensors, %lld values, %lld differ by 1 LSB\n", names.size(),
              static_cast<long long>(values), static_cast<long long>(differ));
  EXPECT_EQ(differ, 0) << "integer kernels on both sides: no rounding may differ";
  EXPECT_LT(max_abs_diff(ours_out.at("y"), ref.at("y")), 1e-4);
}

TEST(ClipQuantize, QdqBlockEveryInt8TensorMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_int8_tensors_match_ort(quantizer::QuantFormat::QDQ, {"QuantizeLinear"});
}

TEST(ClipQuantize, QOperatorBlockEveryInt8TensorMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_int8_tensors_match_ort(quantizer::QuantFormat::QOperator, {"QuantizeLinear", "QLinearConv"});
}

// ---- the QDQ rewrite: Clip -> QuantizeLinear ----

struct ClipCase {
  const char* name;
  float lo, hi, scale;
  DataType zp_type;  // Undefined: the QuantizeLinear has no zero point input
  int zp;
  int64_t opset;
  bool removed;          // onnxruntime's ClipQuantFusion removes the Clip
  bool ort_loads = true;  // onnxruntime 1.30 refuses the model (docs/clip_quantization.md: the band it breaks in)
};

DataType activation_type(const ClipCase& c) { return c.zp_type == DataType::Int8 ? DataType::Int8 : DataType::UInt8; }

// DQ(x) and DQ(w s8) -> Conv -> Clip(lo, hi) -> Q(scale, zp) -> DQ -> y, x of the output's 8-bit type (so the Conv can
// become one QLinearConv).
void build_qdq_conv_clip(ModelBuilder& b, const ClipCase& c) {
  const bool s8 = activation_type(c) == DataType::Int8;
  b.add_input("x", activation_type(c), {1, 4, 6, 6});
  b.add_initializer("x_scale", make_tensor<float>({}, {0.05f}));
  if (s8) b.add_initializer("x_zp", make_tensor<int8_t>({}, {0}));
  else b.add_initializer("x_zp", make_tensor<uint8_t>({}, {128}));
  b.add_node("DequantizeLinear", {"x", "x_scale", "x_zp"}, {"xf"}, {}, "dq_x");
  Tensor w(DataType::Int8, {8, 4, 3, 3});
  for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  b.add_initializer("w", w);
  b.add_initializer("w_scale", make_tensor<float>({}, {0.004f}));
  b.add_initializer("w_zp", make_tensor<int8_t>({}, {0}));
  b.add_node("DequantizeLinear", {"w", "w_scale", "w_zp"}, {"wf"}, {}, "dq_w");
  Attributes a = Attributes::ints("kernel_shape", {3, 3});
  a.set_ints("pads", {1, 1, 1, 1});
  b.add_node("Conv", {"xf", "wf"}, {"c"}, a, "conv");
  add_clip(b, c.opset, "c", "r", c.lo, c.hi, "clip");
  b.add_initializer("y_scale", make_tensor<float>({}, {c.scale}));
  std::vector<std::string> q_in = {"r", "y_scale"};
  if (c.zp_type == DataType::UInt8) b.add_initializer("y_zp", make_tensor<uint8_t>({}, {static_cast<uint8_t>(c.zp)}));
  if (c.zp_type == DataType::Int8) b.add_initializer("y_zp", make_tensor<int8_t>({}, {static_cast<int8_t>(c.zp)}));
  if (c.zp_type != DataType::Undefined) q_in.push_back("y_zp");
  b.add_node("QuantizeLinear", q_in, {"q"}, {}, "q");
  std::vector<std::string> dq_in = q_in;
  dq_in[0] = "q";
  b.add_node("DequantizeLinear", dq_in, {"y"}, {}, "dq_y");
  b.add_output("y", DataType::Float, {1, 8, 6, 6});
}

class QdqClipBeforeQuantize : public ::testing::TestWithParam<ClipCase> {};

TEST_P(QdqClipBeforeQuantize, RemovedExactlyWhereOnnxruntimeRemovesIt) {
  const ClipCase& c = GetParam();
  ModelBuilder b(c.opset);
  build_qdq_conv_clip(b, c);
  const Session s(load_onnx_bytes(b.serialize(), "qdq_clip.onnx", ""), SessionOptions{});
  const std::map<std::string, int> ops = ops_of(s.graph());
  // Removed: the Conv fuses into QLinearConv; kept: the Conv stays float (fused with its Clip).
  EXPECT_EQ(ops.count("QLinearConv"), c.removed ? 1u : 0u);
  bool clip_left = ops.count("Clip") > 0;
  for (const Node& n : s.graph().nodes) clip_left = clip_left || n.attrs.get_string("activation", "") == "Clip";
  EXPECT_EQ(clip_left, !c.removed);
  if (!c.ort_loads || !ort_available()) return;
  const TempModelFile file(b, std::string("qdq_clip_") + c.name);
  Tensor x(activation_type(c), {1, 4, 6, 6});
  for (int64_t i = 0; i < x.numel(); ++i) static_cast<uint8_t*>(x.raw())[i] = static_cast<uint8_t>((i * 91 + 7) % 256);
  const TensorMap feeds = {{"x", x}};
  const Tensor want = run_ort(file.path, feeds).at("y"), got = s.run(feeds).at("y");
  // Removed: integer kernels on both sides, equal bytes. Kept: a float Conv in each engine, one step at most.
  EXPECT_LE(max_abs_diff(want, got), c.removed ? 0.0 : c.scale * 1.0001);
}

INSTANTIATE_TEST_SUITE_P(
    OrtRule, QdqClipBeforeQuantize,
    ::testing::Values(
        ClipCase{"relu6_u8_scale_6_over_255", 0.f, 6.f, 6.f / 255, DataType::UInt8, 0, 13, true},
        // 255 * scale = 6.0000225: beyond ClipQuantFusion's FLT_EPSILON, kept (onnxruntime 1.30 fails to load it).
        ClipCase{"relu6_u8_scale_just_above_6_over_255", 0.f, 6.f, 0.0235295f, DataType::UInt8, 0, 13, false, false},
        ClipCase{"relu6_u8_scale_above_half_a_step", 0.f, 6.f, 0.0236f, DataType::UInt8, 0, 13, false},
        ClipCase{"min_within_epsilon", 1e-7f, 6.f, 6.f / 255, DataType::UInt8, 0, 13, true},
        ClipCase{"relu6_s8_zero_point_minus_128", 0.f, 6.f, 6.f / 255, DataType::Int8, -128, 13, true},
        ClipCase{"relu6_u8_zero_point_3", 0.f, 6.f, 6.f / 255, DataType::UInt8, 3, 13, false},
        ClipCase{"min_above_half_a_step", 0.5f, 6.f, 6.f / 255, DataType::UInt8, 0, 13, false},
        // Kept (ClipQuantFusion needs the zero point input); onnxruntime 1.30 fails to load this one too.
        ClipCase{"no_zero_point_input", 0.f, 6.f, 6.f / 255, DataType::Undefined, 0, 13, false, false},
        ClipCase{"opset10_attributes", 0.f, 6.f, 6.f / 255, DataType::UInt8, 0, 10, true},
        ClipCase{"wide_clip_u8_zero_point_128", -10.f, 10.f, 0.05f, DataType::UInt8, 128, 13, true}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ssdx::test
