// Every byte the engine allocates for a model counts against a ceiling (issue 12, item 5): constants made by folding
// against the weight ceiling as they are made, tensors with run-time shapes against the activation (arena) ceiling
// of each run; SSDX_MAX_TENSOR_BYTES is parsed strictly; declared output shapes are checked against computed ones.
#include <functional>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::unique_ptr<Session> session_of(const ModelBuilder& b, SessionOptions opts = {}) {
  return std::make_unique<Session>(load_onnx_bytes(b.serialize(), "test.onnx", ""), opts);
}

TEST(MemoryCeilings, DefaultsLeaveA24GiBMachineRoom) {
  const SessionOptions o;
  EXPECT_LE(o.max_weight_bytes + o.max_arena_bytes, uint64_t{16} << 30);
  EXPECT_LE(LoadOptions{}.max_weight_bytes, o.max_weight_bytes);
}

// Three ConstantOfShape of 4 MiB each, summed: 12 MiB of folded constants from a model of a few hundred bytes.
TEST(MemoryCeilings, FoldedConstantsCountAgainstTheWeightCeiling) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1});
  b.add_initializer("n", make_tensor<int64_t>({1}, {int64_t{1} << 20}));
  for (const char* c : {"c1", "c2", "c3"}) b.add_node("ConstantOfShape", {"n"}, {c});
  b.add_node("Add", {"c1", "c2"}, {"s"});
  b.add_node("Add", {"s", "c3"}, {"t"});
  b.add_node("ReduceSum", {"t"}, {"r"});
  b.add_node("Add", {"x", "r"}, {"y"});
  b.add_output("y", DataType::Float, {1});
  SessionOptions opts;
  opts.max_weight_bytes = 10 * kMiB;
  const std::string e = error_of([&] { session_of(b, opts); });
  EXPECT_NE(e.find("constant folding would hold 12.0 MiB of constants, over the weight limit of 10.0 MiB"),
            std::string::npos) << e;
  EXPECT_NE(e.find("ConstantOfShape"), std::string::npos) << e;  // names the node whose fold went over
  opts.max_weight_bytes = 64 * kMiB;
  EXPECT_EQ(error_of([&] { session_of(b, opts); }), "");
}

// y = Relu^10(x) with x of run-time length: each Relu's output is allocated in the run, outside the arena.
std::unique_ptr<ModelBuilder> relu_chain() {
  auto model = std::make_unique<ModelBuilder>(13);
  ModelBuilder& b = *model;
  b.add_input("x", DataType::Float, {-1}, {"n"});
  std::string prev = "x";
  for (int i = 0; i < 10; ++i) {
    const std::string out = i == 9 ? "y" : "r" + std::to_string(i);
    b.add_node("Relu", {prev}, {out});
    prev = out;
  }
  b.add_output("y", DataType::Float, {-1}, {"n"});
  return model;
}

TEST(MemoryCeilings, RunTimeTensorsCountAgainstTheArenaCeilingOfEachRun) {
  SessionOptions opts;
  opts.max_arena_bytes = kMiB;
  opts.shape_cache = 0;  // the dynamic graph itself, whose tensors are all allocated in the run
  auto s = session_of(*relu_chain(), opts);
  // 4 MB per tensor: refused at the first allocation, naming the node.
  const std::string e = error_of([&] { s->run({{"x", Tensor(DataType::Float, {1 << 20})}}); });
  EXPECT_NE(e.find("over the arena limit of 1.0 MiB"), std::string::npos) << e;
  EXPECT_NE(e.find("Relu"), std::string::npos) << e;
  // 400 KB per tensor: ten of them exceed the ceiling, but only two are alive at once (freed ones are given back).
  const TensorMap out = s->run({{"x", Tensor(DataType::Float, {100000})}});
  EXPECT_EQ(out.at("y").numel(), 100000);
}

TEST(MemoryCeilings, AShapeCompiledAtRunTimeKeepsTheArenaCeiling) {
  SessionOptions opts;
  opts.max_arena_bytes = kMiB;
  auto s = session_of(*relu_chain(), opts);
  EXPECT_EQ(error_of([&] { s->run({{"x", Tensor(DataType::Float, {1 << 20})}}); }),
            "test.onnx: activations and scratch need an arena of 8.0 MiB, over the arena limit of 1.0 MiB");
  EXPECT_TRUE(s->compiled_shapes().empty());
  EXPECT_EQ(s->run({{"x", Tensor(DataType::Float, {1000})}}).at("y").numel(), 1000);
}

TEST(MemoryCeilings, DeclaredOutputShapeMustAgreeWithTheComputedOne) {
  auto model = [](const Shape& declared) {
    auto b = std::make_unique<ModelBuilder>(13);
    b->add_input("x", DataType::Float, {2, 2});
    b->add_initializer("w", make_tensor<float>({2, 2}, {1, 2, 3, 4}));
    b->add_node("Add", {"x", "w"}, {"y"}, {}, "add");
    b->add_output("y", DataType::Float, declared);
    return b;
  };
  const std::string e = error_of([&] { session_of(*model({2, 3})); });
  EXPECT_NE(e.find("output 'y' is declared with shape [2,3] but computes [2,2]"), std::string::npos) << e;
  EXPECT_NE(e.find("'add'"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { session_of(*model({-1, 3})); }).find("declared with shape"), std::string::npos);
  EXPECT_EQ(error_of([&] { session_of(*model({-1, 2})); }), "");  // a symbolic dim agrees with anything
}

TEST(MemoryCeilings, ByteCountsAreParsedStrictly) {
  EXPECT_EQ(parse_byte_count("1024", "V"), 1024u);
  for (const char* bad : {"-1", "10kb", "0", "", " 5", "5 ", "+5", "1e9", "99999999999999999999"}) {
    const std::string e = error_of([&] { parse_byte_count(bad, "SSDX_MAX_TENSOR_BYTES"); });
    EXPECT_NE(e.find("SSDX_MAX_TENSOR_BYTES='" + std::string(bad) + "' is not a byte count"), std::string::npos)
        << bad << ": " << e;
  }
}

}  // namespace
}  // namespace ssdx::test
