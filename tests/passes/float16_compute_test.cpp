// The float16 pass's rewrite itself: what a float16 graph looks like once it computes in float32.
#include <map>

#include "engine/shape_inference.h"
#include "graph/half.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "ops/registry.h"
#include "passes/float16_compute.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

std::map<std::string, int> op_counts(const Graph& g) {
  std::map<std::string, int> counts;
  for (const Node& n : g.nodes)
    if (!n.dead) ++counts[(n.domain.empty() ? "" : n.domain + ".") + n.op_type];
  return counts;
}

Graph converted(const ModelBuilder& b) {
  Graph g = load_onnx_bytes(b.serialize(), "float16.onnx", "");
  EXPECT_GT(compute_float16_in_float32(g), 0);
  g.verify();
  infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::None);
  return g;
}

TEST(Float16Compute, Float16InputsAndOutputsGetCastsAndEverythingInsideIsFloat32) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float16, {2});
  b.add_output("y", DataType::Float16, {2});
  b.add_initializer("w", round_to_half(make_tensor<float>({2}, {0.5f, 2.f}), DataType::Float16));
  b.add_node("Mul", {"x", "w"}, {"m"});
  b.add_node("Relu", {"m"}, {"y"});
  const Graph g = converted(b);
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"Cast", 2}, {"Mul", 1}, {"Relu", 1}}));
  for (const Value& v : g.values) {
    if (v.name == "x" || v.name == "y") EXPECT_EQ(v.dtype, DataType::Float16) << v.name;
    else if (!v.name.empty()) EXPECT_EQ(v.dtype, DataType::Float) << v.name;
  }
  EXPECT_EQ(g.value(g.find_value("w")).constant->data<float>()[1], 2.f);
}

TEST(Float16Compute, TheGraphsCastsKeepTheirRoundings) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_output("y", DataType::Float, {2});
  b.add_output("k", DataType::Int32, {2});
  b.add_node("Cast", {"x"}, {"h"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float16)));
  b.add_node("Relu", {"h"}, {"r"});
  b.add_node("Cast", {"r"}, {"y"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float)));
  b.add_node("Cast", {"x"}, {"f"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float)));
  b.add_node("Cast", {"f"}, {"k"}, Attributes::integer("to", static_cast<int64_t>(DataType::Int32)));
  b.add_output("k16", DataType::Int32, {2});
  b.add_node("Cast", {"r"}, {"k16"}, Attributes::integer("to", static_cast<int64_t>(DataType::Int32)));
  Graph g = converted(b);
  // x -> float16 rounds, and so does r's Cast to float32 (r is float16 as written); r's Cast to int32 rounds its
  // input first (a CastRoundTrip before it); float -> float and float -> int32 stay as written.
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"Cast", 3}, {"Relu", 1}, {"ssdx.CastRoundTrip", 3}}));
  EXPECT_EQ(cast_to_own_type_as_identity(g), 1);  // x's Cast to float32
}

TEST(Float16Compute, AModelWithoutHalfTypesIsLeftAlone) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_output("y", DataType::Float, {2});
  b.add_node("Relu", {"x"}, {"y"});
  Graph g = load_onnx_bytes(b.serialize(), "float32.onnx", "");
  EXPECT_EQ(compute_float16_in_float32(g), 0);
  EXPECT_EQ(op_counts(g), (std::map<std::string, int>{{"Relu", 1}}));
}

}  // namespace
}  // namespace ssdx::test
