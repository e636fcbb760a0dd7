// Session-level behaviour: constant folding of shape subgraphs, dynamic dims, dead nodes, unsupported ops, feeds.
#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

std::unique_ptr<Session> session_of(const ModelBuilder& b) {
  return std::make_unique<Session>(load_onnx_bytes(b.serialize(), "test.onnx", ""), SessionOptions{});
}

// The head-view pattern of the SSD graph: y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [4], [-1])).
void add_view_pattern(ModelBuilder& b, const Shape& input_shape, int64_t opset) {
  b.add_input("x", DataType::Float, input_shape, {"batch"});
  b.add_initializer("zero", make_tensor<int64_t>({}, {0}));
  b.add_initializer("four", make_tensor<int64_t>({1}, {4}));
  b.add_initializer("minus_one", make_tensor<int64_t>({1}, {-1}));
  b.add_node("Shape", {"x"}, {"shape"});
  Attributes gather_axis;
  gather_axis.set_int("axis", 0);
  b.add_node("Gather", {"shape", "zero"}, {"n"}, gather_axis);
  if (opset >= 13) {
    b.add_initializer("axes0", make_tensor<int64_t>({1}, {0}));
    b.add_node("Unsqueeze", {"n", "axes0"}, {"n1"});
  } else {
    Attributes axes;
    axes.set_ints("axes", {0});
    b.add_node("Unsqueeze", {"n"}, {"n1"}, axes);
  }
  Attributes concat_axis;
  concat_axis.set_int("axis", 0);
  b.add_node("Concat", {"n1", "four", "minus_one"}, {"target"}, concat_axis);
  b.add_node("Reshape", {"x", "target"}, {"y"});
  b.add_output("y", DataType::Float, {-1, 4, -1});
}

TEST(Session, FoldsShapeChainsOfStaticInputs) {
  for (int64_t opset : {10, 12, 13}) {
    ModelBuilder b(opset);
    add_view_pattern(b, {1, 8, 3, 3}, opset);
    auto s = session_of(b);
    ASSERT_EQ(s->graph().nodes.size(), 1u) << "opset " << opset;
    EXPECT_EQ(s->graph().nodes[0].op_type, "Reshape");
    EXPECT_EQ(s->folded_nodes(), 4);
    Tensor x = random_tensor({1, 8, 3, 3}, 1);
    Tensor y = s->run({{"x", x}}).at("y");
    EXPECT_EQ(y.shape(), (Shape{1, 4, 18}));
    EXPECT_TRUE(tensors_close(x.reshaped({1, 4, 18}), y, 0, 0));
  }
}

TEST(Session, KeepsShapeChainsOfDynamicInputsAndRunsThem) {
  ModelBuilder b(12);
  add_view_pattern(b, {-1, 8, 3, 3}, 12);
  auto s = session_of(b);
  EXPECT_EQ(s->graph().nodes.size(), 5u);
  for (int64_t batch : {1, 3}) {
    Tensor x = random_tensor({batch, 8, 3, 3}, 2);
    Tensor y = s->run({{"x", x}}).at("y");
    EXPECT_EQ(y.shape(), (Shape{batch, 4, 18}));
  }
}

TEST(Session, FoldsConstantNodesAndDropsDeadOnes) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {3});
  Attributes value;
  value.set_tensor("value", make_tensor<float>({3}, {1, 2, 3}));
  b.add_node("Constant", {}, {"c"}, value);
  b.add_node("Exp", {"c"}, {"exp_c"});          // constant subgraph: folded
  b.add_node("Add", {"x", "exp_c"}, {"y"});
  b.add_node("Relu", {"x"}, {"unused"});         // feeds nothing: removed
  b.add_output("y", DataType::Float, {3});
  auto s = session_of(b);
  ASSERT_EQ(s->graph().nodes.size(), 1u);
  EXPECT_EQ(s->graph().nodes[0].op_type, "Add");
  Tensor y = s->run({{"x", make_tensor<float>({3}, {0, 0, 0})}}).at("y");
  EXPECT_TRUE(tensors_close(make_tensor<float>({3}, {2.7182817f, 7.389056f, 20.085537f}), y));
}

TEST(Session, ReportsEveryUnsupportedOpAtOnce) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {3});
  b.add_node("Frobnicate", {"x"}, {"a"}, {}, "frob_1");
  b.add_node("Relu", {"a"}, {"b"});
  b.add_node("Wobble", {"b"}, {"y"}, {}, "wob_2", "com.example");
  b.add_output("y", DataType::Float, {3});
  try {
    session_of(b);
    FAIL() << "unsupported ops accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("2 unsupported ops"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Frobnicate (domain 'ai.onnx', opset 13) in node 'frob_1'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Wobble (domain 'com.example', opset 0 [domain not imported]) in node 'wob_2'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
  }
}

TEST(Session, ChecksFeeds) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2, 3});
  b.add_node("Relu", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {2, 3});
  auto s = session_of(b);
  EXPECT_THROW(s->run({}), Error);
  EXPECT_THROW(s->run({{"x", random_tensor({3, 2}, 1)}}), Error);
  EXPECT_THROW(s->run({{"x", make_tensor<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6})}}), Error);
  EXPECT_THROW(s->run({{"x", random_tensor({2, 3}, 1)}, {"extra", random_tensor({1}, 1)}}), Error);
  EXPECT_NO_THROW(s->run({{"x", random_tensor({2, 3}, 1)}}));
}

TEST(Session, ShapeErrorsNameTheNode) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2, 3});
  b.add_input("z", DataType::Float, {4});
  b.add_node("Add", {"x", "z"}, {"y"}, {}, "bad_add");
  b.add_output("y", DataType::Float, {2, 3});
  try {
    session_of(b);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Add node 'bad_add'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ssdx::test
