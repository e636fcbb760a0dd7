// After load a session keeps no graph copy of a constant that every reader packed (convolution weights and bias,
// fp32 and int8): its value stays a constant of the same dtype and shape with no data, the constants some other
// kernel reads keep theirs, and results still equal reference kernels run on the original tensors.
#include "engine/session.h"
#include "engine/shape_inference.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

const Tensor& constant_named(const Session& s, const std::string& name) {
  const int id = s.graph().find_value(name);
  if (id < 0 || !s.graph().value(id).constant) fail("no constant '", name, "' in the session's graph");
  return *s.graph().value(id).constant;
}

// Plain loops: NCHW, stride 1, symmetric padding `pad`, one group.
Tensor reference_conv(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad) {
  const int64_t c = x.dim(1), h = x.dim(2), wd = x.dim(3), m = w.dim(0), k = w.dim(2);
  const int64_t oh = h + 2 * pad - k + 1, ow = wd + 2 * pad - k + 1;
  Tensor y(DataType::Float, {1, m, oh, ow});
  for (int64_t o = 0; o < m; ++o)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double acc = b.data<float>()[o];
        for (int64_t ci = 0; ci < c; ++ci)
          for (int64_t u = 0; u < k; ++u)
            for (int64_t v = 0; v < k; ++v) {
              const int64_t r = i + u - pad, q = j + v - pad;
              if (r < 0 || r >= h || q < 0 || q >= wd) continue;
              acc += static_cast<double>(x.data<float>()[(ci * h + r) * wd + q]) *
                     w.data<float>()[((o * c + ci) * k + u) * k + v];
            }
        y.data<float>()[(o * oh + i) * ow + j] = static_cast<float>(acc);
      }
  return y;
}

Tensor add_last_axis(Tensor y, const Tensor& s) {  // y + s broadcast along the last axis (ONNX Add of [W])
  const int64_t w = s.numel();
  for (int64_t i = 0; i < y.numel(); ++i) y.data<float>()[i] += s.data<float>()[i % w];
  return y;
}

// x[1,4,8,8] -> Conv(w1, b1, pad 1) -> c1 -> Add(c1, s) -> a -> Conv(w2, s, 1x1) -> y. `s` is both the second
// convolution's bias (packed) and the Add's operand (read at run time): it must stay; w1, b1 and w2 must go.
TEST(ConstantRelease, PackedConvolutionConstantsAreReleasedAfterLoad) {
  const Tensor w1 = random_tensor({8, 4, 3, 3}, 21, -0.5f, 0.5f), b1 = random_tensor({8}, 22);
  const Tensor w2 = random_tensor({8, 8, 1, 1}, 23, -0.5f, 0.5f), s = random_tensor({8}, 24);
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 4, 8, 8});
  b.add_initializer("w1", w1);
  b.add_initializer("b1", b1);
  b.add_initializer("w2", w2);
  b.add_initializer("s", s);
  Attributes pad1;
  pad1.set_ints("kernel_shape", {3, 3});
  pad1.set_ints("pads", {1, 1, 1, 1});
  Attributes one;
  one.set_ints("kernel_shape", {1, 1});
  b.add_node("Conv", {"x", "w1", "b1"}, {"c1"}, pad1, "conv1");
  b.add_node("Add", {"c1", "s"}, {"a"}, {}, "add");
  b.add_node("Conv", {"a", "w2", "s"}, {"y"}, one, "conv2");
  b.add_output("y", DataType::Float, {1, 8, 8, 8});
  const std::string bytes = b.serialize();
  const uint64_t all = constant_bytes(load_onnx_bytes(bytes, "m.onnx", ""));
  ASSERT_EQ(all, w1.nbytes() + b1.nbytes() + w2.nbytes() + s.nbytes());

  Session session(load_onnx_bytes(bytes, "m.onnx", ""), SessionOptions{});
  const std::vector<std::string> kernels = session.kernel_names();
  ASSERT_EQ(kernels.size(), 3u);  // conv1, add, conv2: the two convolutions on their packed oneDNN kernels
  EXPECT_EQ(kernels[0].find("onednn:"), 0u) << kernels[0];
  EXPECT_EQ(kernels[2].find("onednn:"), 0u) << kernels[2];
  for (const char* name : {"w1", "b1", "w2"}) {
    const Tensor& t = constant_named(session, name);
    EXPECT_TRUE(t.empty_storage()) << name << " is still held by the graph";
    EXPECT_EQ(t.dtype(), DataType::Float) << name;
  }
  EXPECT_EQ(constant_named(session, "w1").shape(), (Shape{8, 4, 3, 3}));
  const Tensor& kept = constant_named(session, "s");
  ASSERT_FALSE(kept.empty_storage());
  EXPECT_TRUE(tensors_close(s, kept, 0, 0));
  // What the graph still holds: the one constant a kernel reads at run time.
  EXPECT_LE(constant_bytes(session.graph()), s.nbytes());

  const Tensor x = random_tensor({1, 4, 8, 8}, 25);
  const Tensor expected = reference_conv(add_last_axis(reference_conv(x, w1, b1, 1), s), w2, s, 0);
  for (int run = 0; run < 2; ++run) EXPECT_TRUE(tensors_close(expected, session.run({{"x", x}}).at("y"), 1e-4, 1e-4));
}

// QLinearConv with constant int8 weights and int32 bias: both released, the scales and zero points (read by the
// study tools) kept; the output equals the reference kernel's bit for bit.
TEST(ConstantRelease, PackedQLinearConvReleasesWeightsAndBiasOnly) {
  std::mt19937 rng(5);
  const Tensor w = random_ints<int8_t>({16, 8, 3, 3}, rng, -127, 127);
  const Tensor bias = random_ints<int32_t>({16}, rng, -2000, 2000);
  const Tensor x_scale = make_tensor<float>({}, {0.05f}), w_scale = make_tensor<float>({}, {0.01f});
  const Tensor y_scale = make_tensor<float>({}, {0.6f});
  const Tensor x_zp = make_tensor<uint8_t>({}, {3}), w_zp = make_tensor<int8_t>({}, {0}), y_zp = make_tensor<uint8_t>({}, {120});
  ModelBuilder b(12);
  b.add_input("x", DataType::UInt8, {1, 8, 10, 10});
  const std::vector<std::pair<const char*, const Tensor*>> inits = {
      {"x_scale", &x_scale}, {"x_zp", &x_zp}, {"w", &w}, {"w_scale", &w_scale},
      {"w_zp", &w_zp}, {"y_scale", &y_scale}, {"y_zp", &y_zp}, {"bias", &bias}};
  std::vector<std::string> inputs = {"x"};
  for (const auto& [name, t] : inits) {
    b.add_initializer(name, *t);
    inputs.push_back(name);
  }
  Attributes attrs;
  attrs.set_ints("kernel_shape", {3, 3});
  attrs.set_ints("pads", {1, 1, 1, 1});
  b.add_node("QLinearConv", inputs, {"y"}, attrs, "qconv");
  b.add_output("y", DataType::UInt8, {1, 16, 10, 10});
  Session session(load_onnx_bytes(b.serialize(), "q.onnx", ""), SessionOptions{});
  ASSERT_EQ(session.kernel_names().size(), 1u);
  ASSERT_EQ(session.kernel_names()[0].find("onednn:"), 0u) << session.kernel_names()[0];

  EXPECT_TRUE(constant_named(session, "w").empty_storage());
  EXPECT_TRUE(constant_named(session, "bias").empty_storage());
  EXPECT_EQ(constant_named(session, "w").shape(), w.shape());
  EXPECT_EQ(constant_named(session, "bias").dtype(), DataType::Int32);
  uint64_t small = 0;
  for (const auto& [name, t] : inits) {
    if (t == &w || t == &bias) continue;
    EXPECT_TRUE(tensors_close(*t, constant_named(session, name), 0, 0)) << name;
    small += t->nbytes();
  }
  EXPECT_LE(constant_bytes(session.graph()), small);

  const Tensor x = random_ints<uint8_t>({1, 8, 10, 10}, rng);
  const std::vector<const Tensor*> in = {&x, &x_scale, &x_zp, &w, &w_scale, &w_zp, &y_scale, &y_zp, &bias};
  const auto [ref, ref_impl] = run_op_knowing("QLinearConv", 10, attrs, in, {});
  ASSERT_EQ(ref_impl, "ref");
  EXPECT_TRUE(tensors_close(ref[0], session.run({{"x", x}}).at("y"), 0, 0));
}

// A released constant keeps its dtype and shape; any read of its elements fails with one line, never a crash.
TEST(ConstantRelease, ReadingAReleasedTensorFailsCleanly) {
  const Tensor released = Tensor::wrap(DataType::Float, {2, 3}, nullptr, nullptr);
  ASSERT_TRUE(released.empty_storage());
  EXPECT_EQ(released.shape(), (Shape{2, 3}));
  EXPECT_THROW(released.data<float>(), Error);
  EXPECT_THROW(released.float_at(0), Error);
  EXPECT_THROW(released.int_at(0), Error);
  EXPECT_THROW(released.clone(), Error);
}

}  // namespace
}  // namespace ssdx::test
