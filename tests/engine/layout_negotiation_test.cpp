// Layout negotiation (engine/layout_negotiation.h): a value may be blocked only when every reader declares it reads
// that input blocked. A conv chain's inner edge is blocked; a conv feeding a graph output, an op that reads plain
// tensors only, or both a conv and such an op, writes plain; the session's kernels follow the decision.
#include "engine/layout_negotiation.h"
#include "engine/session.h"
#include "engine/shape_inference.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "ops/registry.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// x -> conv1 -> a -> conv2 -> b, then whatever `tail` adds reading a and b.
template <typename Tail>
Graph conv_chain(Tail tail) {
  ModelBuilder m(13);
  m.add_input("x", DataType::Float, {1, 16, 6, 6});
  m.add_initializer("w1", random_tensor({16, 16, 3, 3}, 1));
  m.add_initializer("w2", random_tensor({16, 16, 3, 3}, 2));
  Attributes pads;
  pads.set_ints("pads", {1, 1, 1, 1});
  m.add_node("Conv", {"x", "w1"}, {"a"}, pads, "conv1");
  m.add_node("Conv", {"a", "w2"}, {"b"}, pads, "conv2");
  tail(m);
  Graph g = load_onnx_bytes(m.serialize(), "chain.onnx", "");
  g.topo_sort();
  infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::All);
  return g;
}

std::vector<bool> negotiated(const Graph& g) { return negotiate_layouts(g, resolve_ops(g, OpRegistry::global())); }
bool blocked_ok(const Graph& g, const std::vector<bool>& ok, const std::string& name) {
  return ok[static_cast<size_t>(g.find_value(name))];
}

TEST(LayoutNegotiation, ConvChainGetsABlockedEdgeAndAPlainOutput) {
  const Graph g = conv_chain([](ModelBuilder& m) { m.add_output("b", DataType::Float, {1, 16, 6, 6}); });
  const std::vector<bool> ok = negotiated(g);
  EXPECT_TRUE(blocked_ok(g, ok, "a"));   // conv2 reads it blocked
  EXPECT_FALSE(blocked_ok(g, ok, "b"));  // the caller gets plain tensors
  EXPECT_FALSE(blocked_ok(g, ok, "x"));  // a graph input: no producer to decide
  EXPECT_FALSE(blocked_ok(g, ok, "w1"));
}

TEST(LayoutNegotiation, AReaderOfPlainTensorsOnlyKeepsItsInputPlain) {
  // b feeds a Softmax, a feeds conv2 and a Relu: neither declares a blocked capability.
  const Graph g = conv_chain([](ModelBuilder& m) {
    m.add_node("Softmax", {"b"}, {"p"}, {}, "softmax");
    m.add_node("Relu", {"a"}, {"q"}, {}, "relu");
    m.add_output("p", DataType::Float, {1, 16, 6, 6});
    m.add_output("q", DataType::Float, {1, 16, 6, 6});
  });
  const std::vector<bool> ok = negotiated(g);
  EXPECT_FALSE(blocked_ok(g, ok, "a"));  // one reader that cannot read blocked is enough
  EXPECT_FALSE(blocked_ok(g, ok, "b"));
}

TEST(LayoutNegotiation, ConvFeedingMaxPoolStaysBlocked) {
  const Graph g = conv_chain([](ModelBuilder& m) {
    Attributes pool;
    pool.set_ints("kernel_shape", {2, 2});
    pool.set_ints("strides", {2, 2});
    m.add_node("MaxPool", {"b"}, {"p"}, pool, "pool");
    m.add_output("p", DataType::Float, {1, 16, 3, 3});
  });
  const std::vector<bool> ok = negotiated(g);
  EXPECT_TRUE(blocked_ok(g, ok, "a"));
  EXPECT_TRUE(blocked_ok(g, ok, "b"));
  EXPECT_FALSE(blocked_ok(g, ok, "p"));
}

// The session follows the negotiation: plain where it said plain, and the kernel's own blocked layout on the inner
// edge of the chain (oneDNN's choice for 16 channels on this CPU).
TEST(LayoutNegotiation, SessionLayoutsFollowTheDecision) {
  auto layouts = [](Graph g) {
    SessionOptions o;
    o.optimize = false;
    const Session s(std::move(g), o);
    std::map<std::string, std::string> by_name;
    for (const PlannedStep& step : s.plan().steps)
      for (const PlannedOutput& out : step.outputs) by_name[out.name] = out.layout;
    return by_name;
  };
  auto chain = layouts(conv_chain([](ModelBuilder& m) { m.add_output("b", DataType::Float, {1, 16, 6, 6}); }));
  EXPECT_NE(chain.at("a"), "plain");
  EXPECT_EQ(chain.at("b"), "plain");
  auto with_relu = layouts(conv_chain([](ModelBuilder& m) {
    m.add_node("Relu", {"a"}, {"q"}, {}, "relu");
    m.add_output("b", DataType::Float, {1, 16, 6, 6});
    m.add_output("q", DataType::Float, {1, 16, 6, 6});
  }));
  EXPECT_EQ(with_relu.at("a"), "plain");
}

}  // namespace
}  // namespace ssdx::test
