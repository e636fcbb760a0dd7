// Small int8 networks shaped like the quantized SSD backbone (stem conv, max pooling, a residual block, a head), in
// both forms the model zoo ships: QDQ (fp32 ops between QuantizeLinear/DequantizeLinear, opset 12 per-tensor or
// opset 13 per-channel weights) and QOperator (QLinearConv, com.microsoft QLinearAdd, uint8 MaxPool). Checks that
// the QDQ form is rewritten into the same int8 kernels the QOperator form runs, and both agree with onnxruntime.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <random>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

enum class Form { QdqPerTensor, QdqPerChannel, QOperator };
const char* form_name(Form f) {
  return f == Form::QdqPerTensor ? "qdq_per_tensor" : f == Form::QdqPerChannel ? "qdq_per_channel" : "qoperator";
}

struct QuantParam {
  float scale;
  uint8_t zp;
};

// Builds the network: one helper per node family, writing either form.
class Int8NetBuilder {
 public:
  explicit Int8NetBuilder(Form f) : form_(f), b_(f == Form::QdqPerChannel ? 13 : 12, 7), rng_(5) {
    if (f == Form::QOperator) b_.set_opset("com.microsoft", 1);
  }
  ModelBuilder& builder() { return b_; }

  // fp32 `x` -> quantized tensor name (QDQ: the DQ output; QOperator: the uint8 tensor).
  std::string quantize_input(const std::string& x, QuantParam q) {
    const std::string qx = node("QuantizeLinear", {x, scale(q), zero(q)});
    return form_ == Form::QOperator ? qx : node("DequantizeLinear", {qx, scale(q), zero(q)});
  }

  // Conv (+ Relu when `relu`) with random int8 weights and int32 bias, output quantized with `out`.
  std::string conv(const std::string& x, QuantParam in, int64_t c, int64_t m, int64_t k, int64_t stride, bool relu,
                   QuantParam out) {
    const bool per_channel = form_ != Form::QdqPerTensor;
    std::uniform_int_distribution<int> wd(-127, 127), bd(-3000, 3000);
    std::uniform_real_distribution<float> sd(0.002f, 0.006f);
    std::vector<int8_t> w(static_cast<size_t>(m * c * k * k));
    for (auto& v : w) v = static_cast<int8_t>(wd(rng_));
    std::vector<float> ws(per_channel ? static_cast<size_t>(m) : 1);
    for (auto& s : ws) s = sd(rng_);
    std::vector<int32_t> bias(static_cast<size_t>(m));
    for (auto& v : bias) v = bd(rng_);
    const std::string id = std::to_string(++count_);
    b_.add_initializer("w" + id, make_tensor<int8_t>({m, c, k, k}, w));
    b_.add_initializer("ws" + id, per_channel ? make_tensor<float>({m}, ws) : make_tensor<float>({}, ws));
    b_.add_initializer("wz" + id, per_channel ? make_tensor<int8_t>({m}, std::vector<int8_t>(static_cast<size_t>(m), 0))
                                              : make_tensor<int8_t>({}, {0}));
    b_.add_initializer("b" + id, make_tensor<int32_t>({m}, bias));
    Attributes a = Attributes::ints("kernel_shape", {k, k});
    a.set_ints("pads", {k / 2, k / 2, k / 2, k / 2});
    a.set_ints("strides", {stride, stride});
    if (form_ == Form::QOperator)  // Relu is the clamp at zero point 0
      return node("QLinearConv", {x, scale(in), zero(in), "w" + id, "ws" + id, "wz" + id, scale(out), zero(out), "b" + id}, a);
    Attributes axis0 = Attributes::integer("axis", 0);
    const std::string wdq = node("DequantizeLinear", {"w" + id, "ws" + id, "wz" + id}, per_channel ? axis0 : Attributes{});
    // The bias scale is x_scale * w_scale: a per-channel constant the way onnxruntime's quantizer writes it.
    std::vector<float> bs(static_cast<size_t>(m));
    for (int64_t i = 0; i < m; ++i) bs[static_cast<size_t>(i)] = in.scale * ws[per_channel ? static_cast<size_t>(i) : 0];
    b_.add_initializer("bs" + id, per_channel ? make_tensor<float>({m}, bs) : make_tensor<float>({}, {bs[0]}));
    b_.add_initializer("bz" + id, per_channel ? make_tensor<int32_t>({m}, std::vector<int32_t>(static_cast<size_t>(m), 0))
                                              : make_tensor<int32_t>({}, {0}));
    const std::string bdq = node("DequantizeLinear", {"b" + id, "bs" + id, "bz" + id}, per_channel ? axis0 : Attributes{});
    std::string y = node("Conv", {x, wdq, bdq}, a);
    if (relu) y = node("Relu", {y});
    return requantize(y, out);
  }

  std::string maxpool(const std::string& x, QuantParam q) {
    Attributes a = Attributes::ints("kernel_shape", {3, 3});
    a.set_ints("pads", {1, 1, 1, 1});
    a.set_ints("strides", {2, 2});
    const std::string y = node("MaxPool", {x}, a);
    return form_ == Form::QOperator ? y : requantize(y, q);
  }

  std::string add_relu(const std::string& a, QuantParam qa, const std::string& b, QuantParam qb, QuantParam out) {
    if (form_ == Form::QOperator)
      return node("QLinearAdd", {a, scale(qa), zero(qa), b, scale(qb), zero(qb), scale(out), zero(out)}, {}, "com.microsoft");
    return requantize(node("Relu", {node("Add", {a, b})}), out);
  }

  // The quantized tensor back to fp32 (QDQ: already fp32 after its DQ).
  std::string dequantize(const std::string& x, QuantParam q) {
    return form_ == Form::QOperator ? node("DequantizeLinear", {x, scale(q), zero(q)}) : x;
  }

  std::string node(const std::string& op, const std::vector<std::string>& in, const Attributes& a = {},
                   const std::string& domain = "") {
    const std::string out = op + "_" + std::to_string(++count_);
    b_.add_node(op, in, {out}, a, out, domain);
    return out;
  }

 private:
  std::string requantize(const std::string& y, QuantParam q) {
    return node("DequantizeLinear", {node("QuantizeLinear", {y, scale(q), zero(q)}), scale(q), zero(q)});
  }
  std::string scale(QuantParam q) { return constant("s", make_tensor<float>({}, {q.scale})); }
  std::string zero(QuantParam q) { return constant("z", make_tensor<uint8_t>({}, {q.zp})); }
  std::string constant(const std::string& prefix, const Tensor& t) {
    const std::string name = prefix + std::to_string(++count_);
    b_.add_initializer(name, t);
    return name;
  }

  Form form_;
  ModelBuilder b_;
  std::mt19937 rng_;
  int count_ = 0;
};

// image -> stem conv 5x5/2 + relu -> maxpool -> [conv 3x3 + relu -> conv 3x3] + identity -> relu -> head conv 3x3
// (no relu, zero point 120) -> fp32 Reshape.
// With `dynamic_batch` the image's batch dim is free ("batch") and the view keeps it (0).
std::string build_net(Int8NetBuilder& n, bool dynamic_batch = false) {
  ModelBuilder& b = n.builder();
  if (dynamic_batch) b.add_input("image", DataType::Float, {-1, 3, 40, 40}, {"batch", "", "", ""});
  else b.add_input("image", DataType::Float, {1, 3, 40, 40});
  const QuantParam qin{0.018f, 128}, q1{0.05f, 0}, q2{0.06f, 0}, q3{0.07f, 131}, q4{0.08f, 0}, q5{0.09f, 120};
  const std::string x = n.quantize_input("image", qin);
  const std::string stem = n.conv(x, qin, 3, 32, 5, 2, true, q1);
  const std::string pool = n.maxpool(stem, q1);
  const std::string c2 = n.conv(pool, q1, 32, 32, 3, 1, true, q2);
  const std::string c3 = n.conv(c2, q2, 32, 32, 3, 1, false, q3);
  const std::string sum = n.add_relu(c3, q3, pool, q1, q4);
  const std::string head = n.conv(sum, q4, 32, 24, 3, 1, false, q5);
  b.add_initializer("view", make_tensor<int64_t>({3}, {dynamic_batch ? 0 : 1, 6, -1}));
  const std::string out = n.node("Reshape", {n.dequantize(head, q5), "view"});
  b.add_output(out, DataType::Float, {dynamic_batch ? -1 : 1, 6, 400});
  return out;
}


TensorMap image_feed() { return {{"image", random_tensor({1, 3, 40, 40}, 3, -2.2f, 2.6f)}}; }

class Int8Graph : public ::testing::TestWithParam<Form> {};

TEST_P(Int8Graph, RunsAsInt8KernelsWithTheModelsScales) {
  Int8NetBuilder n(GetParam());
  build_net(n);
  TempModelFile file(n.builder(), std::string("int8_") + form_name(GetParam()));
  auto s = Session::load(file.path);
  std::map<std::string, int> ops;
  for (const Node& node : s->graph().nodes) ++ops[node.op_type];
  EXPECT_EQ(ops["QLinearConv"], 4);
  EXPECT_EQ(ops["QLinearAdd"], 1);
  EXPECT_EQ(ops["QuantizeLinear"], 1);    // the image
  EXPECT_EQ(ops["DequantizeLinear"], 1);  // the head, where fp32 post-processing starts
  EXPECT_EQ(ops["Conv"] + ops["FusedConv"] + ops["Relu"] + ops["Add"], 0);
  for (const Node& node : s->graph().nodes) {
    if (node.op_type == "MaxPool") {
      EXPECT_EQ(s->graph().value(node.inputs[0]).dtype, DataType::UInt8);
    }
    if (node.op_type != "QLinearConv") continue;
    // The stem's parameters survive the rewrite: x scale/zp of the image, y scale/zp of its (Relu) output.
    if (s->graph().value(node.inputs[0]).producer >= 0 &&
        s->graph().nodes[static_cast<size_t>(s->graph().value(node.inputs[0]).producer)].op_type == "QuantizeLinear") {
      EXPECT_FLOAT_EQ(s->graph().constant(node.inputs[1])->data<float>()[0], 0.018f);
      EXPECT_EQ(s->graph().constant(node.inputs[2])->int_at(0), 128);
      EXPECT_FLOAT_EQ(s->graph().constant(node.inputs[6])->data<float>()[0], 0.05f);
      EXPECT_EQ(s->graph().constant(node.inputs[7])->int_at(0), 0);
    }
  }
  int onednn_int8 = 0;
  for (const PlannedStep& step : s->plan().steps) onednn_int8 += step.impl.find("onednn:") == 0 && step.impl.find("int8") != std::string::npos;
  EXPECT_GE(onednn_int8, 1);
}

TEST_P(Int8Graph, MatchesOnnxruntimeWithinOneStepOfTheLastQuantization) {
  SSDX_NEED_ORT();
  Int8NetBuilder n(GetParam());
  const std::string out = build_net(n);
  TempModelFile file(n.builder(), std::string("int8_") + form_name(GetParam()));
  const TensorMap feeds = image_feed();
  const Tensor ours = Session::load(file.path)->run(feeds).at(out);
  const Tensor ref = run_ort(file.path, feeds).at(out);
  ASSERT_EQ(shape_str(ours.shape()), shape_str(ref.shape()));
  const float lsb = 0.09f;
  int64_t differ = 0;
  for (int64_t i = 0; i < ref.numel(); ++i) {
    const float d = std::fabs(ours.data<float>()[i] - ref.data<float>()[i]);
    ASSERT_LE(d, lsb * 1.01f) << "element " << i;  // at most one step of the head's quantization
    differ += d > 0;
  }
  std::printf("[ int8 parity ] %s: %lld of %lld outputs differ (by one step)\n", form_name(GetParam()),
              static_cast<long long>(differ), static_cast<long long>(ref.numel()));
  EXPECT_LE(differ, ref.numel() / 100);
}

// A free batch dim: each batch runs on the plan compiled for it, with the int8 kernels of the static model, and
// every image of the batch gets onnxruntime's result (the fast kernels' batch > 1 paths).
TEST_P(Int8Graph, DynamicBatchRunsTheStaticKernelsAndMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  Int8NetBuilder n(GetParam());
  const std::string out = build_net(n, true);
  TempModelFile file(n.builder(), std::string("int8_dyn_") + form_name(GetParam()));
  const auto dynamic = Session::load(file.path);
  for (int64_t batch : {1, 2, 32}) {
    SessionOptions fixed;
    fixed.input_shapes["image"] = {batch, 3, 40, 40};
    const auto static_model = Session::load(file.path, fixed);
    std::vector<std::string> static_impls;
    for (const PlannedStep& step : static_model->plan().steps)
      static_impls.push_back(step.op_type + " " + step.impl);
    const TensorMap feeds = {{"image", random_tensor({batch, 3, 40, 40}, static_cast<uint32_t>(batch), -2.2f, 2.6f)}};
    const Tensor ours = dynamic->run(feeds).at(out);
    const Tensor ref = run_ort(file.path, feeds).at(out);
    ASSERT_EQ(shape_str(ours.shape()), shape_str(ref.shape())) << "batch " << batch;
    int64_t differ = 0;
    for (int64_t i = 0; i < ref.numel(); ++i) {
      const float d = std::fabs(ours.data<float>()[i] - ref.data<float>()[i]);
      ASSERT_LE(d, 0.09f * 1.01f) << "batch " << batch << ", element " << i;
      differ += d > 0;
    }
    EXPECT_LE(differ, ref.numel() / 100) << "batch " << batch;
    const auto compiled = dynamic->compiled_for(feeds);
    std::vector<std::string> impls;
    for (const PlannedStep& step : compiled->plan().steps) {
      EXPECT_TRUE(step.shapes_static) << "batch " << batch << ": " << step.name;
      impls.push_back(step.op_type + " " + step.impl);
    }
    EXPECT_EQ(impls, static_impls) << "batch " << batch;
  }
}

INSTANTIATE_TEST_SUITE_P(Forms, Int8Graph, ::testing::Values(Form::QdqPerTensor, Form::QdqPerChannel, Form::QOperator),
                         [](const auto& info) { return std::string(form_name(info.param)); });

}  // namespace
}  // namespace ssdx::test
