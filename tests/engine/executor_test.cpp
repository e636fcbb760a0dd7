// The executor's observer hook (engine/executor.h): it sees every step in order with the tensors as computed, in the
// session's own layouts (plain copies on demand), and observing changes neither the plan nor the results.
#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// x -> conv1 (1x1, weights 2 * identity, bias 1) -> a -> conv2 (the same) -> b: a = 2x + 1, b = 4x + 3, exact in
// float for small integers. `a_is_output` makes a a graph output as well.
Graph doubling_chain(bool a_is_output) {
  const int64_t c = 16;
  std::vector<float> w(static_cast<size_t>(c * c), 0.f);
  for (int64_t i = 0; i < c; ++i) w[static_cast<size_t>(i * c + i)] = 2;
  ModelBuilder m(13);
  m.add_input("x", DataType::Float, {1, c, 4, 4});
  m.add_initializer("w", make_tensor<float>({c, c, 1, 1}, w));
  m.add_initializer("bias", make_tensor<float>({c}, std::vector<float>(static_cast<size_t>(c), 1.f)));
  m.add_node("Conv", {"x", "w", "bias"}, {"a"}, {}, "conv1");
  m.add_node("Conv", {"a", "w", "bias"}, {"b"}, {}, "conv2");
  m.add_output("b", DataType::Float, {1, c, 4, 4});
  if (a_is_output) m.add_output("a", DataType::Float, {1, c, 4, 4});
  return load_onnx_bytes(m.serialize(), "chain.onnx", "");
}

Tensor small_integers(const Shape& shape) {
  Tensor t(DataType::Float, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i % 7 - 3);
  return t;
}

class Recorder : public RunObserver {
 public:
  void on_step(const StepView& step, const std::vector<const Tensor*>& inputs,
               const std::vector<Tensor>& outputs) override {
    names.push_back(step.node.name);
    impls.push_back(step.impl);
    layouts.push_back(layout_name(outputs[0].layout()));
    input_counts.push_back(inputs.size());
    for (size_t o = 0; o < outputs.size(); ++o) seen[step.output_name(o)] = plain_copy(outputs[o]);
  }
  std::vector<std::string> names, impls, layouts;
  std::vector<size_t> input_counts;
  TensorMap seen;
};

TEST(Executor, ObserverSeesEveryStepWithItsTensorsInPlainCopies) {
  const Session s(doubling_chain(false), SessionOptions{});
  const Tensor x = small_integers({1, 16, 4, 4});
  Recorder r;
  const TensorMap out = s.run({{"x", x}}, nullptr, &r);
  ASSERT_EQ(r.names, (std::vector<std::string>{"conv1", "conv2"}));
  ASSERT_EQ(s.plan().steps.size(), 2u);
  EXPECT_EQ(r.impls[0], s.plan().steps[0].impl);
  EXPECT_EQ(r.input_counts[0], 3u);
  // a stays in the kernel's blocked layout inside the session; the observer got it as plain values 2x + 1.
  EXPECT_NE(r.layouts[0], "plain");
  EXPECT_EQ(r.layouts[0], s.plan().steps[0].outputs[0].layout);
  const Tensor& a = r.seen.at("a");
  ASSERT_TRUE(a.is_plain());
  ASSERT_EQ(a.shape(), x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(a.data<float>()[i], 2 * x.data<float>()[i] + 1) << i;
  const Tensor& b = out.at("b");
  for (int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(b.data<float>()[i], 4 * x.data<float>()[i] + 3) << i;
  EXPECT_TRUE(tensors_close(r.seen.at("b"), b, 0, 0));
}

// What `ssdx compare` and calibration rely on: watching a session is the same session, and what it shows is what a
// graph-output version of the tensor holds.
TEST(Executor, ObservingKeepsKernelsLayoutsAndArena) {
  SessionOptions watched_options;
  watched_options.keep_values = {"a"};  // already computed: keeping it changes nothing
  const Session plain_session(doubling_chain(false), SessionOptions{});
  const Session watched(doubling_chain(false), watched_options);
  const Session exposed(doubling_chain(true), SessionOptions{});
  ASSERT_EQ(watched.plan().steps.size(), plain_session.plan().steps.size());
  for (size_t i = 0; i < watched.plan().steps.size(); ++i) {
    EXPECT_EQ(watched.plan().steps[i].impl, plain_session.plan().steps[i].impl);
    EXPECT_EQ(watched.plan().steps[i].outputs[0].layout, plain_session.plan().steps[i].outputs[0].layout);
    EXPECT_EQ(watched.plan().steps[i].outputs[0].arena_offset, plain_session.plan().steps[i].outputs[0].arena_offset);
  }
  EXPECT_EQ(watched.arena_bytes(), plain_session.arena_bytes());
  EXPECT_EQ(exposed.plan().steps[0].outputs[0].layout, "plain");  // a graph output changes the layout...
  EXPECT_EQ(exposed.plan().steps[0].outputs[0].arena_offset, -1);  // ...and the memory plan

  const Tensor x = small_integers({1, 16, 4, 4});
  Recorder r;
  const TensorMap out = watched.run({{"x", x}}, nullptr, &r);
  const TensorMap reference = exposed.run({{"x", x}});
  EXPECT_TRUE(tensors_close(r.seen.at("a"), reference.at("a"), 0, 0));
  EXPECT_TRUE(tensors_close(out.at("b"), plain_session.run({{"x", x}}).at("b"), 0, 0));
}

// A value a fusion would swallow (the Conv before a residual Add) stays computed when kept, still as an inner value.
TEST(Executor, KeptValuesSurviveFusion) {
  auto model = [] {
    ModelBuilder m(13);
    m.add_input("x", DataType::Float, {1, 16, 4, 4});
    m.add_initializer("w", random_tensor({16, 16, 1, 1}, 3));
    m.add_node("Conv", {"x", "w"}, {"c"}, {}, "conv");
    m.add_node("Add", {"c", "x"}, {"y"}, {}, "add");
    m.add_output("y", DataType::Float, {1, 16, 4, 4});
    return load_onnx_bytes(m.serialize(), "residual.onnx", "");
  };
  const Session fused(model(), SessionOptions{});
  ASSERT_EQ(fused.plan().steps.size(), 1u);
  SessionOptions keep;
  keep.keep_values = {"c"};
  const Session kept(model(), keep);
  ASSERT_EQ(kept.plan().steps.size(), 2u);
  EXPECT_GE(kept.plan().steps[0].outputs[0].arena_offset, 0);  // in the arena, not a graph output
  EXPECT_EQ(kept.outputs().size(), 1u);
  const Tensor x = random_tensor({1, 16, 4, 4}, 4);
  Recorder r;
  const TensorMap out = kept.run({{"x", x}}, nullptr, &r);
  EXPECT_TRUE(tensors_close(out.at("y"), fused.run({{"x", x}}).at("y"), 1e-6f, 1e-6f));
  EXPECT_TRUE(r.seen.count("c"));
}

}  // namespace
}  // namespace ssdx::test
