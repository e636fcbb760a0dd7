// Free input dims at full speed (engine/shape_specialization.h): a model with a dynamic batch, run at batches 1, 2
// and 32, gets onnxruntime's results and, per shape, exactly the plan of the same model with that shape fixed at load
// (fused convolutions, blocked layouts, a memory plan); --input-shape fixes dims at load; the compiled shapes are
// kept least-recently-used; bad overrides and feeds fail with one line before anything is compiled.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "engine/session.h"
#include "engine/shape_specialization.h"
#include "graph/tensor_io.h"
#include "graph/onnx_parser.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

constexpr int64_t kSide = 32;

// input [batch, 3, 32, 32] -> Conv 3x3 (BatchNorm) -> Relu -> MaxPool 2x2 ceil -> Conv 3x3 dilation 2 -> Relu
// -> Conv 1x1 -> Add(pool) -> Relu -> head Conv 3x3 -> Softmax over channels: an SSD body in miniature, with every
// fusion the engine does on one (BatchNorm folding, Conv+Relu, Conv+Add+Relu).
std::string dynamic_batch_model() {
  ModelBuilder b(13);
  b.add_input("input", DataType::Float, {-1, 3, kSide, kSide}, {"batch", "", "", ""});
  auto conv = [&](const std::string& x, const std::string& y, int64_t c, int64_t m, int64_t k, int64_t dilation,
                  uint32_t seed) {
    b.add_initializer(y + "_w", random_tensor({m, c, k, k}, seed, -0.4f, 0.4f));
    b.add_initializer(y + "_b", random_tensor({m}, seed + 1, -0.2f, 0.2f));
    Attributes a;
    const int64_t pad = (k / 2) * dilation;
    a.set_ints("pads", {pad, pad, pad, pad});
    a.set_ints("dilations", {dilation, dilation});
    b.add_node("Conv", {x, y + "_w", y + "_b"}, {y}, a, y);
  };
  conv("input", "c1", 3, 16, 3, 1, 1);
  b.add_initializer("bn_s", random_tensor({16}, 3, 0.5f, 1.5f));
  b.add_initializer("bn_b", random_tensor({16}, 4, -0.2f, 0.2f));
  b.add_initializer("bn_m", random_tensor({16}, 5, -0.1f, 0.1f));
  b.add_initializer("bn_v", random_tensor({16}, 6, 0.5f, 1.5f));
  b.add_node("BatchNormalization", {"c1", "bn_s", "bn_b", "bn_m", "bn_v"}, {"bn"}, {}, "bn");
  b.add_node("Relu", {"bn"}, {"r1"}, {}, "r1");
  Attributes pool;
  pool.set_ints("kernel_shape", {2, 2});
  pool.set_ints("strides", {2, 2});
  pool.set_int("ceil_mode", 1);
  b.add_node("MaxPool", {"r1"}, {"p1"}, pool, "p1");
  conv("p1", "c2", 16, 16, 3, 2, 7);
  b.add_node("Relu", {"c2"}, {"r2"}, {}, "r2");
  conv("r2", "c3", 16, 16, 1, 1, 9);
  b.add_node("Add", {"c3", "p1"}, {"sum"}, {}, "sum");
  b.add_node("Relu", {"sum"}, {"r3"}, {}, "r3");
  conv("r3", "head", 16, 12, 3, 1, 11);
  b.add_node("Softmax", {"head"}, {"scores"}, Attributes::integer("axis", 1), "softmax");
  b.add_output("scores", DataType::Float, {-1, 12, kSide / 2, kSide / 2}, {"batch", "", "", ""});
  return b.serialize();
}

std::unique_ptr<Session> load(const std::string& model, const SessionOptions& opts = {}) {
  return std::make_unique<Session>(load_onnx_bytes(model, "dynamic_batch.onnx", ""), opts);
}

// Image `i` of a [N, ...] tensor as a [1, ...] tensor.
Tensor slice_batch(const Tensor& t, int64_t i) {
  Shape one = t.shape();
  one[0] = 1;
  Tensor s(t.dtype(), one);
  const size_t bytes = s.nbytes();
  std::memcpy(s.raw(), static_cast<const char*>(t.raw()) + static_cast<size_t>(i) * bytes, bytes);
  return s;
}

TensorMap batch_feed(int64_t batch) {
  return {{"input", random_tensor({batch, 3, kSide, kSide}, static_cast<uint32_t>(100 + batch), -2.f, 2.f)}};
}

SessionOptions fixed_at(int64_t batch) {
  SessionOptions o;
  o.input_shapes["input"] = {batch, 3, kSide, kSide};
  return o;
}

// What a plan runs: per step its op and kernel, in order.
std::vector<std::string> kernels_of(const ExecutionPlan& plan) {
  std::vector<std::string> k;
  for (const PlannedStep& s : plan.steps) k.push_back(s.op_type + " " + s.impl);
  return k;
}

TEST(InputShapes, DynamicBatchMatchesOnnxruntimeAtBatches1_2_32) {
  SSDX_NEED_ORT();
  const std::string model = dynamic_batch_model();
  const std::string path = ::testing::TempDir() + "ssdx_dynamic_batch_" + std::to_string(getpid()) + ".onnx";
  write_file_bytes(path, model);
  const auto s = load(model);
  for (int64_t batch : {1, 2, 32}) {
    const TensorMap feeds = batch_feed(batch);
    const Tensor ours = s->run(feeds).at("scores");
    const Tensor ref = run_ort(path, feeds).at("scores");
    EXPECT_TRUE(tensors_close(ref, ours, 1e-5, 1e-4)) << "batch " << batch;
    // Every image of a batch is computed as it is alone (no batch mixing in the batch > 1 kernels).
    const Tensor alone = s->run({{"input", slice_batch(feeds.at("input"), batch - 1)}}).at("scores");
    EXPECT_TRUE(tensors_close(slice_batch(ref, batch - 1), alone, 1e-5, 1e-4)) << "last image of batch " << batch;
  }
  std::remove(path.c_str());
}

TEST(InputShapes, EachShapeRunsThePlanOfTheModelWithThatShapeFixed) {
  const std::string model = dynamic_batch_model();
  const auto s = load(model);
  // At load the batch is unknown: the convolutions cannot be prepared and no activation has a planned buffer.
  int waiting = 0;
  for (const PlannedStep& step : s->plan().steps) waiting += !step.shapes_static;
  EXPECT_GT(waiting, 0);
  for (int64_t batch : {1, 2, 32}) {
    const TensorMap feeds = batch_feed(batch);
    const auto fixed = load(model, fixed_at(batch));
    const auto compiled = s->compiled_for(feeds);
    ASSERT_NE(compiled.get(), s.get());
    EXPECT_EQ(kernels_of(compiled->plan()), kernels_of(fixed->plan())) << "batch " << batch;
    EXPECT_EQ(compiled->plan().arena_bytes, fixed->plan().arena_bytes) << "batch " << batch;
    EXPECT_EQ(compiled->plan().fused, fixed->plan().fused) << "batch " << batch;
    EXPECT_GE(compiled->plan().fused, 3) << "BatchNorm, Relu and Add fused into the convolutions";
    for (const PlannedStep& step : compiled->plan().steps) {
      EXPECT_TRUE(step.shapes_static) << step.name;
      EXPECT_NE(step.impl, "ref") << step.name;
    }
    EXPECT_TRUE(tensors_close(fixed->run(feeds).at("scores"), s->run(feeds).at("scores"), 0, 0)) << "batch " << batch;
  }
}

TEST(InputShapes, AnOverrideFixesTheDimsAtLoad) {
  const std::string model = dynamic_batch_model();
  const auto s = load(model, fixed_at(2));
  ASSERT_EQ(s->inputs().size(), 1u);
  EXPECT_EQ(shape_str(s->inputs()[0].shape), "[2,3,32,32]");
  EXPECT_EQ(shape_str(s->outputs()[0].shape), "[2,12,16,16]");
  for (const PlannedStep& step : s->plan().steps) EXPECT_TRUE(step.shapes_static) << step.name;
  EXPECT_GT(s->plan().arena_bytes, 0u);
  EXPECT_TRUE(s->compiled_shapes().empty());
  EXPECT_EQ(s->compiled_for(batch_feed(2)).get(), s.get());
  try {
    s->run(batch_feed(3));
    FAIL() << "a batch other than the fixed one ran";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "dynamic_batch.onnx: input 'input' must have shape [2,3,32,32], got [3,3,32,32]");
  }
}

void expect_load_error(const std::string& model, const std::map<std::string, Shape>& shapes, const std::string& want) {
  SessionOptions o;
  o.input_shapes = shapes;
  try {
    load(model, o);
    ADD_FAILURE() << "loaded; wanted: " << want;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), want);
  }
}

TEST(InputShapes, BadOverridesFailWithOneLine) {
  const std::string m = dynamic_batch_model();
  expect_load_error(m, {{"image", {1, 3, 32, 32}}},
                    "dynamic_batch.onnx: --input-shape names 'image', which is not a graph input (inputs: input)");
  expect_load_error(m, {{"input", {1, 3, 32}}},
                    "dynamic_batch.onnx: input 'input' has rank 4 ([?,3,32,32]), --input-shape gives 3 dims ([1,3,32])");
  expect_load_error(m, {{"input", {1, 4, 32, 32}}},
                    "dynamic_batch.onnx: input 'input' has dim 1 fixed at 3 ([?,3,32,32]), --input-shape gives 4");
  expect_load_error(m, {{"input", {-2, 3, 32, 32}}},
                    "dynamic_batch.onnx: --input-shape input=[?,3,32,32]: dims must be >= 0");
}

TEST(InputShapes, ParsesTheCommandLineForm) {
  EXPECT_EQ(parse_input_shape("input=32x3x300x300"), (std::pair<std::string, Shape>{"input", {32, 3, 300, 300}}));
  EXPECT_EQ(parse_input_shape("a=b=1,2"), (std::pair<std::string, Shape>{"a=b", {1, 2}}));
  EXPECT_EQ(parse_input_shape("x=0x4"), (std::pair<std::string, Shape>{"x", {0, 4}}));
  for (const char* bad : {"input", "=1x2", "input=", "input=1xx2", "input=1x-2", "input=1x2x", "input=99999999999999x1",
                          "input=ax1"}) {
    try {
      parse_input_shape(bad);
      ADD_FAILURE() << bad << " parsed";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("--input-shape"), std::string::npos) << e.what();
    }
  }
}

TEST(InputShapes, KeepsTheLeastRecentlyUsedShapesOut) {
  SessionOptions o;
  o.shape_cache = 2;
  const auto s = load(dynamic_batch_model(), o);
  using Key = std::vector<Shape>;
  auto key = [](int64_t batch) { return Key{{batch, 3, kSide, kSide}}; };
  for (int64_t batch : {1, 2, 3}) s->run(batch_feed(batch));
  EXPECT_EQ(s->compiled_shapes(), (std::vector<Key>{key(3), key(2)}));
  const auto held = s->compiled_for(batch_feed(2));  // a hit moves it to the front
  EXPECT_EQ(s->compiled_shapes(), (std::vector<Key>{key(2), key(3)}));
  s->run(batch_feed(1));  // evicts 3; `held` (2) stays in the cache and alive
  EXPECT_EQ(s->compiled_shapes(), (std::vector<Key>{key(1), key(2)}));
  EXPECT_EQ(s->compiled_for(batch_feed(2)), held);
}

TEST(InputShapes, WithTheCacheOffTheDynamicGraphGivesTheSameResults) {
  SessionOptions off;
  off.shape_cache = 0;
  const std::string model = dynamic_batch_model();
  const auto dynamic = load(model, off), cached = load(model);
  for (int64_t batch : {1, 3}) {
    const TensorMap feeds = batch_feed(batch);
    EXPECT_TRUE(tensors_close(cached->run(feeds).at("scores"), dynamic->run(feeds).at("scores"), 1e-5, 1e-4));
  }
  EXPECT_TRUE(dynamic->compiled_shapes().empty());
  EXPECT_EQ(cached->compiled_shapes().size(), 2u);
}

TEST(InputShapes, BadFeedsFailBeforeAnythingIsCompiled) {
  const auto s = load(dynamic_batch_model());
  auto expect_error = [&](const TensorMap& feeds, const std::string& want) {
    try {
      s->run(feeds);
      ADD_FAILURE() << "ran; wanted: " << want;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), want);
    }
  };
  expect_error({{"input", random_tensor({2, 3, kSide}, 1)}},
               "dynamic_batch.onnx: input 'input' must have shape [?,3,32,32], got [2,3,32]");
  expect_error({{"input", random_tensor({2, 4, kSide, kSide}, 1)}},
               "dynamic_batch.onnx: input 'input' must have shape [?,3,32,32], got [2,4,32,32]");
  expect_error({{"input", Tensor(DataType::Int64, {2, 3, kSide, kSide})}},
               "dynamic_batch.onnx: input 'input' must be float32, got int64");
  expect_error({}, "dynamic_batch.onnx: input 'input' was not provided");
  EXPECT_TRUE(s->compiled_shapes().empty());
}

}  // namespace
}  // namespace ssdx::test
