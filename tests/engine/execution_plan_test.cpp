// Session::plan() (engine/execution_plan.h) on a small residual network: every step with its kernel, inputs and
// outputs; the fused residual sum written in place of its summand only when nothing else of the node reads it;
// arena places inside the arena, graph outputs allocated per run.
#include <map>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// Input x [1,16,8,8], 3x3 weights w1..wN, output y; returns the padding that keeps the size.
Attributes start_conv_model(ModelBuilder& m, int weights) {
  m.add_input("x", DataType::Float, {1, 16, 8, 8});
  m.add_output("y", DataType::Float, {1, 16, 8, 8});
  for (int i = 1; i <= weights; ++i) m.add_initializer("w" + std::to_string(i), random_tensor({16, 16, 3, 3}, i));
  Attributes pads;
  pads.set_ints("pads", {1, 1, 1, 1});
  return pads;
}

// x -> conv1 -> a -> conv2 -> b; s = b + a; s -> conv3 -> y. conv2 takes the Add as a sum post-op on a.
Graph residual_block() {
  ModelBuilder m(13);
  const Attributes pads = start_conv_model(m, 3);
  m.add_node("Conv", {"x", "w1"}, {"a"}, pads, "conv1");
  m.add_node("Conv", {"a", "w2"}, {"b"}, pads, "conv2");
  m.add_node("Add", {"b", "a"}, {"s"}, {}, "add");
  m.add_node("Conv", {"s", "w3"}, {"y"}, pads, "conv3");
  return load_onnx_bytes(m.serialize(), "residual.onnx", "");
}

TEST(ExecutionPlan, DescribesStepsArenaAndASumReadingItsSummandTwice) {
  const Session s(residual_block(), SessionOptions{});
  const ExecutionPlan& p = s.plan();
  ASSERT_EQ(p.steps.size(), 3u);
  EXPECT_EQ(p.steps[1].op_type, "FusedConv");
  EXPECT_EQ(p.steps[1].domain, "ssdx");
  EXPECT_EQ(p.steps[1].inputs, (std::vector<std::string>{"a", "w2", "", "a"}));
  ASSERT_EQ(p.steps[1].outputs.size(), 1u);
  const PlannedOutput &a = p.steps[0].outputs[0], &sum = p.steps[1].outputs[0], &y = p.steps[2].outputs[0];
  EXPECT_EQ(sum.name, "s");
  EXPECT_EQ(p.fused, 1);
  EXPECT_EQ(p.steps[1].origins.size(), 2u);  // Conv + Add
  for (const PlannedStep& step : p.steps) EXPECT_TRUE(step.shapes_static) << step.name;
  // conv2 reads a twice (activation and summand): it must not write over it while reading it.
  EXPECT_FALSE(sum.in_place);
  EXPECT_NE(sum.arena_offset, a.arena_offset);
  EXPECT_EQ(y.arena_offset, -1);  // a graph output: allocated per run, handed to the caller
  EXPECT_EQ(y.layout, "plain");
  for (const PlannedOutput* o : {&a, &sum}) {
    ASSERT_GE(o->arena_offset, 0);
    EXPECT_EQ(o->arena_offset % 64, 0);
    EXPECT_GE(o->bytes, 16u * 8 * 8 * 4);
    EXPECT_LE(static_cast<size_t>(o->arena_offset) + o->bytes, p.arena_bytes);
  }
  EXPECT_LE(p.workspace_bytes, p.arena_bytes);
  EXPECT_EQ(p.arena_bytes, s.arena_bytes());
}

// The summand read only as the summand: the sum takes its buffer over.
TEST(ExecutionPlan, SumWritesInPlaceOfASummandThatDiesThere) {
  ModelBuilder m(13);
  const Attributes pads = start_conv_model(m, 4);
  m.add_node("Conv", {"x", "w1"}, {"a"}, pads, "conv1");
  m.add_node("Conv", {"a", "w2"}, {"b"}, pads, "conv2");
  m.add_node("Conv", {"x", "w3"}, {"c"}, pads, "conv3");
  m.add_node("Add", {"c", "b"}, {"s"}, {}, "add");  // conv3 + b: b dies at the sum
  m.add_node("Conv", {"s", "w4"}, {"y"}, pads, "conv4");
  const Session s(load_onnx_bytes(m.serialize(), "residual.onnx", ""), SessionOptions{});
  std::map<std::string, PlannedOutput> out;
  for (const PlannedStep& step : s.plan().steps)
    for (const PlannedOutput& o : step.outputs) out[o.name] = o;
  ASSERT_TRUE(out.count("b") && out.count("s"));
  if (out["b"].layout != out["s"].layout) GTEST_SKIP() << "oneDNN chose different layouts: no handover possible";
  EXPECT_TRUE(out["s"].in_place);
  EXPECT_EQ(out["s"].arena_offset, out["b"].arena_offset);
  EXPECT_FALSE(out["b"].in_place);
  const Tensor x = random_tensor({1, 16, 8, 8}, 9);
  SessionOptions unfused;
  unfused.optimize = false;
  const Session reference(load_onnx_bytes(m.serialize(), "residual.onnx", ""), unfused);
  EXPECT_TRUE(tensors_close(reference.run({{"x", x}}).at("y"), s.run({{"x", x}}).at("y"), 1e-4, 1e-4));
}

}  // namespace
}  // namespace ssdx::test
