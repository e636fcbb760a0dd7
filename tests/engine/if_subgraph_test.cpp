// ONNX If with subgraphs: branches reading outer-scope values, branch-dependent output shapes, nesting, constant
// conditions inlined and folded at load, an If around NonMaxSuppression (torchvision's empty-input guard), against
// onnxruntime and hand-worked values; and the one-line errors (output counts, depth bombs, Loop, Scan, unknown names).
#include "engine/session.h"
#include "engine/shape_inference.h"
#include "graph/graph_writer.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

std::unique_ptr<Session> session_of(const ModelBuilder& b, const SessionOptions& opts = {}) {
  return std::make_unique<Session>(load_onnx_bytes(b.serialize(), "test.onnx", ""), opts);
}

std::string load_error(const ModelBuilder& b) {
  try {
    session_of(b);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_one_line(const std::string& msg, const std::string& part) {
  EXPECT_NE(msg.find(part), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

Tensor bool_scalar(bool v) { return make_tensor<bool>({}, {v}); }

int count_steps(const Session& s, const std::string& op) {
  int n = 0;
  for (const PlannedStep& p : s.plan().steps) n += p.op_type == op;
  return n;
}

// y = If(cond) then x + k (k an initializer of the branch) else x * w (w an initializer of the main graph):
// both branches read the outer x, the else branch also the outer w.
void outer_scope_model(ModelBuilder& b) {
  b.add_input("x", DataType::Float, {2, 3});
  b.add_input("cond", DataType::Bool, {});
  b.add_initializer("w", make_tensor<float>({3}, {2, -1, 0.5f}));
  ModelBuilder then_b, else_b;
  then_b.add_initializer("k", make_tensor<float>({}, {10}));
  then_b.add_node("Add", {"x", "k"}, {"then_y"}, {}, "then_add");
  then_b.add_output("then_y", DataType::Float, {2, 3});
  else_b.add_node("Mul", {"x", "w"}, {"else_y"}, {}, "else_mul");
  else_b.add_output("else_y", DataType::Float, {2, 3});
  b.add_if("cond", {"y"}, then_b, else_b, "if1");
  b.add_output("y", DataType::Float, {2, 3});
}

TEST(IfSubgraph, BranchesReadOuterScopeValues) {
  ModelBuilder b(13);
  outer_scope_model(b);
  auto s = session_of(b);
  ASSERT_EQ(count_steps(*s, "If"), 1);
  const Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 3}, {11, 12, 13, 14, 15, 16}),
                            s->run({{"x", x}, {"cond", bool_scalar(true)}}).at("y")));
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 3}, {2, -2, 1.5f, 8, -5, 3}),
                            s->run({{"x", x}, {"cond", bool_scalar(false)}}).at("y")));
}

TEST(IfSubgraph, ParsedBranchesCaptureOuterValuesAsImplicitInputs) {
  ModelBuilder b(13);
  outer_scope_model(b);
  const Graph g = load_onnx_bytes(b.serialize(), "test.onnx", "");
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& n = g.nodes[0];
  EXPECT_EQ(n.explicit_inputs(), 1);
  // Attributes in name order: else_branch (x, w) first, then then_branch (x again).
  EXPECT_EQ(n.implicit_names, (std::vector<std::string>{"x", "w"}));
  ASSERT_EQ(n.inputs.size(), 3u);
  EXPECT_EQ(g.value(n.inputs[1]).name, "x");
  EXPECT_EQ(g.value(n.inputs[2]).name, "w");
  const Graph& then_g = n.attrs.get_graph("then_branch");
  ASSERT_EQ(then_g.captured.size(), 1u);
  EXPECT_EQ(then_g.value(then_g.captured[0]).name, "x");
  EXPECT_TRUE(then_g.inputs.empty());
  EXPECT_TRUE(then_g.value(then_g.find_value("k")).constant);
}

TEST(IfSubgraph, OuterScopeParityWithOnnxruntime) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  outer_scope_model(b);
  for (bool c : {true, false})
    expect_same_as_ort(b, "if_outer", {{"x", random_tensor({2, 3}, 7)}, {"cond", bool_scalar(c)}}, 1e-6, 1e-6);
}

// then returns a [0,4] slice of x, else Relu(x), [3,4]: the If's output shape is [?,4] until it runs.
void different_shapes_model(ModelBuilder& b) {
  b.add_input("x", DataType::Float, {3, 4});
  b.add_input("cond", DataType::Bool, {1});
  ModelBuilder then_b, else_b;
  then_b.add_initializer("starts", make_tensor<int64_t>({1}, {0}));
  then_b.add_initializer("ends", make_tensor<int64_t>({1}, {0}));
  then_b.add_initializer("axes", make_tensor<int64_t>({1}, {0}));
  then_b.add_node("Slice", {"x", "starts", "ends", "axes"}, {"none"}, {}, "take_none");
  then_b.add_output("none", DataType::Float, {0, 4});
  else_b.add_node("Relu", {"x"}, {"all"}, {}, "relu");
  else_b.add_output("all", DataType::Float, {3, 4});
  b.add_if("cond", {"y"}, then_b, else_b, "if_shapes");
  b.add_node("Sigmoid", {"y"}, {"z"}, {}, "after");  // a consumer of the run-time shape
  b.add_output("z", DataType::Float, {-1, 4});
}

TEST(IfSubgraph, BranchesWithDifferentOutputShapes) {
  ModelBuilder b(13);
  different_shapes_model(b);
  auto s = session_of(b);
  const Value& y = s->graph().value(s->graph().find_value("y"));
  EXPECT_EQ(y.shape, (Shape{kUnknownDim, 4}));
  const Tensor x = random_tensor({3, 4}, 3);
  EXPECT_EQ(s->run({{"x", x}, {"cond", make_tensor<bool>({1}, {true})}}).at("z").shape(), (Shape{0, 4}));
  const Tensor z = s->run({{"x", x}, {"cond", make_tensor<bool>({1}, {false})}}).at("z");
  ASSERT_EQ(z.shape(), (Shape{3, 4}));
  for (int64_t i = 0; i < 12; ++i)
    EXPECT_NEAR(z.data<float>()[i], 1 / (1 + std::exp(-std::max(0.f, x.data<float>()[i]))), 1e-6);
}

TEST(IfSubgraph, DifferentOutputShapesParityWithOnnxruntime) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  different_shapes_model(b);
  for (bool c : {true, false})
    expect_same_as_ort(b, "if_shapes", {{"x", random_tensor({3, 4}, 5)}, {"cond", make_tensor<bool>({1}, {c})}}, 1e-6, 1e-6);
}

// Three nested Ifs. a = Relu(x) in the main graph; If1's then branch makes m = a * 2 and holds If2, whose then
// branch holds If3, which reads m (defined two levels up) and a and x (three levels up). If1's else branch returns
// the outer a as it is, which onnxruntime refuses (it wants an Identity there), and If2's else branch negates m,
// with Neg for onnxruntime and Mul by -1 for ssdx (which has no Neg).
void nested_model(ModelBuilder& b, bool for_ort = false) {
  b.add_input("x", DataType::Float, {4});
  for (const char* c : {"c1", "c2", "c3"}) b.add_input(c, DataType::Bool, {});
  b.add_node("Relu", {"x"}, {"a"}, {}, "relu");
  ModelBuilder if3_then, if3_else, if2_then, if2_else, if1_then, if1_else;
  if3_then.add_node("Add", {"m", "a"}, {"r3t"}, {}, "add_m_a");
  if3_then.add_output("r3t", DataType::Float, {4});
  if3_else.add_node("Sub", {"m", "x"}, {"r3e"}, {}, "sub_m_x");
  if3_else.add_output("r3e", DataType::Float, {4});
  if2_then.add_if("c3", {"r2t"}, if3_then, if3_else, "if3");
  if2_then.add_output("r2t", DataType::Float, {4});
  if (for_ort) {
    if2_else.add_node("Neg", {"m"}, {"r2e"}, {}, "neg_m");
  } else {
    if2_else.add_initializer("minus_one", make_tensor<float>({}, {-1}));
    if2_else.add_node("Mul", {"m", "minus_one"}, {"r2e"}, {}, "neg_m");
  }
  if2_else.add_output("r2e", DataType::Float, {4});
  if1_then.add_initializer("two", make_tensor<float>({}, {2}));
  if1_then.add_node("Mul", {"a", "two"}, {"m"}, {}, "mul_two");
  if1_then.add_if("c2", {"r1t"}, if2_then, if2_else, "if2");
  if1_then.add_output("r1t", DataType::Float, {4});
  if (for_ort) {
    if1_else.add_node("Identity", {"a"}, {"a_again"});
    if1_else.add_output("a_again", DataType::Float, {4});
  } else {
    if1_else.add_output("a", DataType::Float, {4});
  }
  b.add_if("c1", {"y"}, if1_then, if1_else, "if1");
  b.add_output("y", DataType::Float, {4});
}

TEST(IfSubgraph, NestedThreeDeepReadsValuesFromLevelsUp) {
  ModelBuilder b(13);
  nested_model(b);
  auto s = session_of(b);
  const std::vector<float> x = {-1, 0.5f, 2, -3};
  const Tensor xt = make_tensor<float>({4}, x);
  for (int bits = 0; bits < 8; ++bits) {
    const bool c1 = bits & 1, c2 = bits & 2, c3 = bits & 4;
    SCOPED_TRACE("c1 " + std::to_string(c1) + " c2 " + std::to_string(c2) + " c3 " + std::to_string(c3));
    std::vector<float> want(4);
    for (size_t i = 0; i < 4; ++i) {
      const float a = std::max(0.f, x[i]), m = 2 * a;
      want[i] = !c1 ? a : !c2 ? -m : c3 ? m + a : m - x[i];
    }
    const Tensor y = s->run({{"x", xt}, {"c1", bool_scalar(c1)}, {"c2", bool_scalar(c2)}, {"c3", bool_scalar(c3)}}).at("y");
    EXPECT_TRUE(tensors_close(make_tensor<float>({4}, want), y));
  }
}

TEST(IfSubgraph, NestedParityWithOnnxruntime) {
  SSDX_NEED_ORT();
  ModelBuilder ours(13), theirs(13);
  nested_model(ours);
  nested_model(theirs, /*for_ort=*/true);
  const TempModelFile ours_file(ours, "if_nested_ssdx"), theirs_file(theirs, "if_nested_ort");
  auto s = Session::load(ours_file.path);
  for (int bits = 0; bits < 8; ++bits) {
    const TensorMap feeds = {{"x", random_tensor({4}, 11)},
                             {"c1", bool_scalar(bits & 1)},
                             {"c2", bool_scalar(bits & 2)},
                             {"c3", bool_scalar(bits & 4)}};
    EXPECT_TRUE(tensors_close(run_ort(theirs_file.path, feeds).at("y"), s->run(feeds).at("y"))) << bits;
  }
}

// cond = Cast(Gather(Shape(x), 0) -> bool): 2 != 0, true once folded. The then branch computes x * (k + k); the else
// branch holds a Loop, which ssdx does not run and never needs to.
void constant_condition_model(ModelBuilder& b) {
  b.add_input("x", DataType::Float, {2, 2});
  b.add_initializer("zero", make_tensor<int64_t>({}, {0}));
  b.add_node("Shape", {"x"}, {"shape"});
  b.add_node("Gather", {"shape", "zero"}, {"rows"});
  b.add_node("Cast", {"rows"}, {"cond"}, Attributes::integer("to", static_cast<int64_t>(DataType::Bool)));
  ModelBuilder then_b, else_b, body;
  then_b.add_initializer("k", make_tensor<float>({}, {1.5f}));
  then_b.add_node("Add", {"k", "k"}, {"kk"}, {}, "constant_add");  // folds once inlined
  then_b.add_node("Mul", {"x", "kk"}, {"then_y"}, {}, "scale");
  then_b.add_output("then_y", DataType::Float, {2, 2});
  body.add_input("i", DataType::Int64, {});
  body.add_input("keep_going", DataType::Bool, {});
  body.add_input("v", DataType::Float, {2, 2});
  body.add_node("Identity", {"keep_going"}, {"keep_going_out"});
  body.add_node("Relu", {"v"}, {"v_out"});
  body.add_output("keep_going_out", DataType::Bool, {});
  body.add_output("v_out", DataType::Float, {2, 2});
  b.add_initializer("trips", make_tensor<int64_t>({}, {3}));
  else_b.add_node("Loop", {"trips", "", "x"}, {"else_y"}, {}, "never_run", "", {{"body", &body}});
  else_b.add_output("else_y", DataType::Float, {2, 2});
  b.add_if("cond", {"y"}, then_b, else_b, "if_const");
  b.add_output("y", DataType::Float, {2, 2});
}

TEST(IfSubgraph, ConstantConditionIsInlinedAndFolded) {
  ModelBuilder b(13);
  constant_condition_model(b);
  auto s = session_of(b);
  EXPECT_EQ(count_steps(*s, "If"), 0);
  ASSERT_EQ(s->plan().steps.size(), 1u);  // only the Mul: Shape, Gather, Cast and k + k folded
  EXPECT_EQ(s->plan().steps[0].op_type, "Mul");
  EXPECT_EQ(s->plan().steps[0].name, "if_const/scale");
  EXPECT_GE(s->folded_nodes(), 4);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {3, -3, 6, 0}),
                            s->run({{"x", make_tensor<float>({2, 2}, {1, -1, 2, 0})}}).at("y")));
  // Without folding the condition is unknown at load: both branches must run, and the Loop is reported.
  SessionOptions no_fold;
  no_fold.constant_folding = false;
  try {
    session_of(b, no_fold);
    FAIL() << "a Loop was accepted";
  } catch (const Error& e) {
    expect_one_line(e.what(), "Loop (node 'if_const/else_branch/never_run') is not supported");
  }
}

TEST(IfSubgraph, RunTimeConditionStaysAnIfStep) {
  ModelBuilder b(13);
  outer_scope_model(b);
  auto s = session_of(b);
  ASSERT_EQ(s->plan().steps.size(), 1u);
  EXPECT_EQ(s->plan().steps[0].op_type, "If");
  EXPECT_EQ(s->plan().steps[0].impl, "if:1+1 steps");
}

// torchvision's guard around batched NMS, `if boxes.numel() == 0: return empty`, here If(N != 0) with N the box
// count (Cast of the dim to bool: ssdx has no Equal): then NonMaxSuppression, else an empty [0,3] selection.
void nms_guard_model(ModelBuilder& b) {
  b.add_input("boxes", DataType::Float, {1, -1, 4}, {"b", "n", "c"});
  b.add_input("scores", DataType::Float, {1, 1, -1}, {"b", "k", "n"});
  b.add_initializer("one", make_tensor<int64_t>({}, {1}));
  b.add_node("Shape", {"boxes"}, {"boxes_shape"});
  b.add_node("Gather", {"boxes_shape", "one"}, {"count"});
  b.add_node("Cast", {"count"}, {"any"}, Attributes::integer("to", static_cast<int64_t>(DataType::Bool)));
  ModelBuilder then_b, else_b;
  then_b.add_initializer("max_out", make_tensor<int64_t>({1}, {5}));
  then_b.add_initializer("iou", make_tensor<float>({1}, {0.5f}));
  then_b.add_initializer("score_min", make_tensor<float>({1}, {0.1f}));
  then_b.add_node("NonMaxSuppression", {"boxes", "scores", "max_out", "iou", "score_min"}, {"kept"}, {}, "nms");
  then_b.add_output("kept", DataType::Int64, {-1, 3});
  else_b.add_initializer("empty", Tensor(DataType::Int64, {0, 3}));
  else_b.add_node("Identity", {"empty"}, {"none"});
  else_b.add_output("none", DataType::Int64, {0, 3});
  b.add_if("any", {"selected"}, then_b, else_b, "if_nonempty");
  b.add_output("selected", DataType::Int64, {-1, 3});
}

// n boxes in a row, overlapping in pairs, with descending scores.
TensorMap nms_feeds(int64_t n) {
  Tensor boxes(DataType::Float, {1, n, 4}), scores(DataType::Float, {1, 1, n});
  for (int64_t i = 0; i < n; ++i) {
    const float x = static_cast<float>(i / 2) * 3 + static_cast<float>(i % 2) * 0.2f;
    float* box = boxes.data<float>() + 4 * i;
    box[0] = 0, box[1] = x, box[2] = 1, box[3] = x + 2;
    scores.data<float>()[i] = 1.f - 0.04f * static_cast<float>(i);
  }
  return {{"boxes", boxes}, {"scores", scores}};
}

TEST(IfSubgraph, GuardAroundNonMaxSuppression) {
  ModelBuilder b(13);
  nms_guard_model(b);
  auto s = session_of(b);
  EXPECT_EQ(count_steps(*s, "If"), 1);
  const Tensor none = s->run(nms_feeds(0)).at("selected");
  EXPECT_EQ(none.shape(), (Shape{0, 3}));
  const Tensor some = s->run(nms_feeds(6)).at("selected");
  // Pairs (0,1), (2,3), (4,5) overlap with IoU 1.8/2.2 > 0.5: the first of each pair is kept.
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3, 3}, {0, 0, 0, 0, 0, 2, 0, 0, 4}), some));
}

TEST(IfSubgraph, GuardAroundNonMaxSuppressionParityWithOnnxruntime) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  nms_guard_model(b);
  for (int64_t n : {0, 1, 20}) expect_same_as_ort(b, "if_nms", nms_feeds(n), 1e-6, 1e-6);
}

TEST(IfSubgraph, WrittenModelReadsBackTheSame) {
  ModelBuilder b(13);
  nested_model(b);
  const Graph g = load_onnx_bytes(b.serialize(), "test.onnx", "");
  const Graph back = load_onnx_bytes(serialize_graph(g), "written.onnx", "");
  Session s1(Graph(g), {}), s2(Graph(back), {});
  for (int bits = 0; bits < 8; ++bits) {
    const TensorMap feeds = {{"x", random_tensor({4}, 2)},
                             {"c1", bool_scalar(bits & 1)},
                             {"c2", bool_scalar(bits & 2)},
                             {"c3", bool_scalar(bits & 4)}};
    EXPECT_TRUE(tensors_close(s1.run(feeds).at("y"), s2.run(feeds).at("y")));
  }
  ASSERT_EQ(back.nodes.size(), 2u);
  EXPECT_EQ(back.nodes[1].implicit_names, g.nodes[1].implicit_names);
}

// ---- errors: one line each ----

TEST(IfSubgraph, MismatchedOutputCountsFail) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_input("cond", DataType::Bool, {});
  ModelBuilder then_b, else_b;
  then_b.add_node("Relu", {"x"}, {"t1"});
  then_b.add_node("Relu", {"t1"}, {"t2"});
  then_b.add_output("t1", DataType::Float, {2});
  then_b.add_output("t2", DataType::Float, {2});
  else_b.add_node("Relu", {"x"}, {"e1"});
  else_b.add_node("Relu", {"e1"}, {"e2"});
  else_b.add_node("Relu", {"e2"}, {"e3"});
  else_b.add_output("e1", DataType::Float, {2});
  else_b.add_output("e2", DataType::Float, {2});
  else_b.add_output("e3", DataType::Float, {2});
  b.add_if("cond", {"y1", "y2"}, then_b, else_b, "if_counts");
  b.add_output("y1", DataType::Float, {2});
  b.add_output("y2", DataType::Float, {2});
  expect_one_line(load_error(b), "If 'if_counts': then_branch has 2 outputs, else_branch 3, node 2");
}

TEST(IfSubgraph, MismatchedOutputDtypesFail) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_input("cond", DataType::Bool, {});
  ModelBuilder then_b, else_b;
  then_b.add_node("Relu", {"x"}, {"t"});
  then_b.add_output("t", DataType::Float, {2});
  else_b.add_node("Shape", {"x"}, {"e"});
  else_b.add_output("e", DataType::Int64, {1});
  b.add_if("cond", {"y"}, then_b, else_b, "if_types");
  b.add_output("y", DataType::Float, {2});
  expect_one_line(load_error(b), "If 'if_types': output 0 is float32 in then_branch but int64 in else_branch");
}

TEST(IfSubgraph, ConditionMustBeOneBool) {
  ModelBuilder b(13);
  outer_scope_model(b);
  auto s = session_of(b);
  const Tensor x = random_tensor({2, 3}, 1);
  EXPECT_THROW(s->run({{"x", x}, {"cond", make_tensor<float>({}, {1})}}), Error);
  ModelBuilder two(13);
  two.add_input("x", DataType::Float, {2});
  two.add_input("cond", DataType::Bool, {2});
  ModelBuilder then_b, else_b;
  then_b.add_node("Relu", {"x"}, {"t"});
  then_b.add_output("t", DataType::Float, {2});
  else_b.add_node("Sigmoid", {"x"}, {"e"});
  else_b.add_output("e", DataType::Float, {2});
  two.add_if("cond", {"y"}, then_b, else_b, "if_two");
  two.add_output("y", DataType::Float, {2});
  expect_one_line(load_error(two), "If 'if_two': cond must hold one element, has shape [2]");
}

// Builds If(cond) nested `depth` deep, the innermost then branch returning Relu(x).
void nested_bomb(ModelBuilder& b, int depth) {
  b.add_input("x", DataType::Float, {2});
  b.add_input("cond", DataType::Bool, {});
  std::vector<std::unique_ptr<ModelBuilder>> levels;
  auto inner = std::make_unique<ModelBuilder>(13);
  inner->add_node("Relu", {"x"}, {"r0"});
  inner->add_output("r0", DataType::Float, {2});
  for (int d = 1; d < depth; ++d) {
    auto other = std::make_unique<ModelBuilder>(13);
    other->add_node("Sigmoid", {"x"}, {"s" + std::to_string(d)});
    other->add_output("s" + std::to_string(d), DataType::Float, {2});
    auto level = std::make_unique<ModelBuilder>(13);
    level->add_if("cond", {"r" + std::to_string(d)}, *inner, *other, "if" + std::to_string(d));
    level->add_output("r" + std::to_string(d), DataType::Float, {2});
    levels.push_back(std::move(inner));
    levels.push_back(std::move(other));
    inner = std::move(level);
  }
  ModelBuilder last_else(13);
  last_else.add_node("Relu", {"x"}, {"e"});
  last_else.add_output("e", DataType::Float, {2});
  b.add_if("cond", {"y"}, *inner, last_else, "if_top");
  b.add_output("y", DataType::Float, {2});
}

// The same, `depth` Ifs deep, written directly in protobuf's wire format: ModelBuilder copies each level into the
// next, quadratic in the depth (seconds at 1000).
std::string wire_varint(uint64_t v) {
  std::string s;
  for (; v >= 0x80; v >>= 7) s += static_cast<char>((v & 0x7f) | 0x80);
  return s + static_cast<char>(v);
}
std::string wire_bytes(uint32_t field, const std::string& payload) {
  return wire_varint(uint64_t{field} << 3 | 2) + wire_varint(payload.size()) + payload;
}
std::string wire_int(uint32_t field, uint64_t v) { return wire_varint(uint64_t{field} << 3) + wire_varint(v); }

std::string wire_bomb(int depth) {
  // GraphProto: node = 1, output = 12; NodeProto: input = 1, output = 2, op_type = 4, attribute = 5;
  // AttributeProto: name = 1, g = 6, type = 20 (GRAPH = 5); ValueInfoProto: name = 1, type = 2.
  auto graph = [](const std::string& node, const std::string& out) { return wire_bytes(1, node) + wire_bytes(12, wire_bytes(1, out)); };
  auto attr = [](const std::string& name, const std::string& g) { return wire_bytes(1, name) + wire_int(20, 5) + wire_bytes(6, g); };
  const std::string leaf = graph(wire_bytes(1, "x") + wire_bytes(2, "r") + wire_bytes(4, "Relu"), "r");
  std::string g = leaf;
  for (int d = 0; d < depth; ++d) {
    const std::string out = "r" + std::to_string(d);
    g = graph(wire_bytes(1, "cond") + wire_bytes(2, out) + wire_bytes(4, "If") + wire_bytes(5, attr("then_branch", g)) +
                  wire_bytes(5, attr("else_branch", leaf)),
              out);
  }
  // The main graph is the last level, with typed inputs x (float [2]) and cond (bool scalar): TypeProto.tensor_type = 1
  // {elem_type = 1, shape = 2 {dim = 1 {dim_value = 1}}}; GraphProto.input = 11.
  auto typed = [](const std::string& name, int elem, const std::string& dims) {
    return wire_bytes(1, name) + wire_bytes(2, wire_bytes(1, wire_int(1, elem) + wire_bytes(2, dims)));
  };
  g += wire_bytes(11, typed("x", 1, wire_bytes(1, wire_int(1, 2)))) + wire_bytes(11, typed("cond", 9, ""));
  // ModelProto: ir_version = 1, graph = 7, opset_import = 8 {version = 2}.
  return wire_int(1, 7) + wire_bytes(8, wire_int(2, 13)) + wire_bytes(7, g);
}

TEST(IfSubgraph, DepthBombsFailWithOneLine) {
  try {
    load_onnx_bytes(wire_bomb(1000), "bomb.onnx", "");
    FAIL() << "a bomb loaded";
  } catch (const Error& e) {
    expect_one_line(e.what(), "bomb.onnx: subgraphs nested 1000 deep, over the limit of 32");
  }
  {
    // The hand-written encoding is a real model: three deep, it runs.
    Session s(load_onnx_bytes(wire_bomb(3), "small_bomb.onnx", ""), {});
    for (bool c : {true, false})
      EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {0, 2}),
                                s.run({{"x", make_tensor<float>({2}, {-1, 2})}, {"cond", bool_scalar(c)}}).at("r2")));
  }
  {
    ModelBuilder b(13);
    nested_bomb(b, 33);  // within protobuf's recursion limit: the parser's own check
    expect_one_line(load_error(b), "subgraphs nested more than 32 deep");
  }
  {
    ModelBuilder b(13);
    nested_bomb(b, 32);
    auto s = session_of(b);
    EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {0, 2}),
                              s->run({{"x", make_tensor<float>({2}, {-1, 2})}, {"cond", bool_scalar(true)}}).at("y")));
  }
}

TEST(IfSubgraph, LoopAndScanFailWithOneLine) {
  for (const char* op : {"Loop", "Scan"}) {
    ModelBuilder b(13), body(13);
    b.add_input("x", DataType::Float, {2});
    body.add_input("v", DataType::Float, {2});
    body.add_node("Relu", {"v"}, {"w"});
    body.add_output("w", DataType::Float, {2});
    b.add_node(op, {"x"}, {"y"}, op == std::string("Scan") ? Attributes::integer("num_scan_inputs", 1) : Attributes{},
               "cf", "", {{"body", &body}});
    b.add_output("y", DataType::Float, {2});
    expect_one_line(load_error(b), std::string(op) + " (node 'cf') is not supported: ssdx runs If but not Loop or Scan subgraphs");
  }
}

TEST(IfSubgraph, LoopInARunTimeBranchFailsWithItsPath) {
  ModelBuilder b(13), then_b(13), else_b(13), body(13);
  b.add_input("x", DataType::Float, {2});
  b.add_input("cond", DataType::Bool, {});
  body.add_input("v", DataType::Float, {2});
  body.add_node("Relu", {"v"}, {"w"});
  body.add_output("w", DataType::Float, {2});
  then_b.add_node("Loop", {"", "", "x"}, {"t"}, {}, "loop_here", "", {{"body", &body}});
  then_b.add_output("t", DataType::Float, {2});
  else_b.add_node("Frobnicate", {"x"}, {"e"}, {}, "frob");
  else_b.add_output("e", DataType::Float, {2});
  b.add_if("cond", {"y"}, then_b, else_b, "if1");
  b.add_node("Wobble", {"y"}, {"z"}, {}, "wob");
  b.add_output("z", DataType::Float, {2});
  const std::string msg = load_error(b);
  expect_one_line(msg, "Loop (node 'if1/then_branch/loop_here') is not supported: ssdx runs If but not Loop or Scan subgraphs");
  // Every unsupported op at once, the branches' with the main graph's.
  EXPECT_NE(msg.find("also 2 unsupported ops of 2 types"), std::string::npos) << msg;
  EXPECT_NE(msg.find("in node 'if1/else_branch/frob'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("in node 'wob'"), std::string::npos) << msg;
}

TEST(IfSubgraph, NameDefinedNowhereFailsNamingSubgraphAndNode) {
  ModelBuilder b(13), then_b(13), else_b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_input("cond", DataType::Bool, {});
  then_b.add_node("Add", {"x", "ghost"}, {"t"}, {}, "haunted");
  then_b.add_output("t", DataType::Float, {2});
  else_b.add_node("Relu", {"x"}, {"e"});
  else_b.add_output("e", DataType::Float, {2});
  b.add_if("cond", {"y"}, then_b, else_b, "if1");
  b.add_output("y", DataType::Float, {2});
  expect_one_line(load_error(b),
                  "node 'if1' (If) attribute 'then_branch': node 'haunted' (Add) reads 'ghost', which neither the "
                  "subgraph nor an enclosing graph defines");
}

// ---- constant folding before the support check ----

TEST(FoldBeforeSupportCheck, DeadUnsupportedNodesAreDropped) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {3});
  b.add_node("Frobnicate", {"x"}, {"unused"}, {}, "frob");  // feeds nothing
  b.add_node("Relu", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {3});
  auto s = session_of(b);
  EXPECT_EQ(s->plan().steps.size(), 1u);
}

TEST(FoldBeforeSupportCheck, UnsupportedOpsInTheUntakenBranchOfAConstantIfDoNotMatter) {
  ModelBuilder b(13);
  constant_condition_model(b);  // its else branch holds a Loop
  EXPECT_NO_THROW(session_of(b));
}

// A fold evaluates with the reference kernels: an op whose fast kernel cannot be made still folds.
TEST(FoldBeforeSupportCheck, FoldingUsesTheReferenceKernels) {
  const OpDef* relu = OpRegistry::global().find("", "Relu", 13);
  ASSERT_NE(relu, nullptr);
  OpDef picky = *relu;
  picky.create = [relu](const OpContext& ctx) -> std::unique_ptr<Kernel> {
    if (!ctx.hints().reference) fail("no fast kernel here");
    return relu->create(ctx);
  };
  Graph g;
  g.opsets[""] = 13;
  const int c = g.add_constant("c", make_tensor<float>({2}, {-1, 3}));
  const int y = g.add_value("y");
  Node n;
  n.name = "picky";
  n.op_type = "Relu";
  n.inputs = {c};
  n.outputs = {y};
  g.add_node(n);
  g.outputs.push_back(y);
  g.value(y).is_graph_output = true;
  g.link();
  EXPECT_EQ(infer_shapes(g, {&picky}, Fold::All).folded, 1);
  ASSERT_TRUE(g.value(y).constant);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {0, 3}), *g.value(y).constant));
}

}  // namespace
}  // namespace ssdx::test
