// Data-movement ops against onnxruntime in whole graphs shaped like SSD post-processing: gluon-cv's NonZero ->
// Transpose -> GatherND row pick and ScatterND re-sort on [1, N, 6] rows, torchvision's Greater -> NonZero ->
// GatherND with nothing above the threshold (an empty result), and Pad/Split/Tile/Range/Expand whose sizes come
// from graph inputs (known only at run time). Data movement is exact: outputs must match bit for bit.
#include <algorithm>
#include <numeric>
#include <random>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "ops/registry.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

constexpr int64_t kRows = 174640;  // gluon-cv's SSD-512 keeps this many candidate rows per class group

Tensor random_mask(Shape shape, uint32_t seed, double p_true) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution coin(p_true);
  Tensor t(DataType::Bool, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<bool>()[i] = coin(rng);
  return t;
}

// mask [1,N] -> NonZero -> [2,M] -> Transpose -> [M,2] -> Unsqueeze -> [1,M,2] -> GatherND(rows [1,N,6]) -> [1,M,6];
// ScatterND(rows, (0, perm[i]), rows) puts row i at perm[i]; Expand(col [1,N,1] -> [1,N,6]).
TEST(DataMovementOrt, GluonCvRowPickAndScatterResort) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  b.add_input("mask", DataType::Bool, {1, kRows});
  b.add_input("rows", DataType::Float, {1, kRows, 6});
  b.add_input("perm", DataType::Int64, {1, kRows, 2});
  b.add_input("col", DataType::Float, {1, kRows, 1});
  b.add_initializer("axis0", make_tensor<int64_t>({1}, {0}));
  b.add_initializer("six", make_tensor<int64_t>({3}, {1, 1, 6}));
  b.add_initializer("ones", make_tensor<int64_t>({3}, {1, 1, 1}));
  b.add_node("NonZero", {"mask"}, {"nz"});
  b.add_node("Transpose", {"nz"}, {"nz_t"}, Attributes::ints("perm", {1, 0}));
  b.add_node("Unsqueeze", {"nz_t", "axis0"}, {"idx"});
  b.add_node("GatherND", {"rows", "idx"}, {"picked"});
  b.add_node("ScatterND", {"rows", "perm", "rows"}, {"resorted"});
  b.add_node("Expand", {"col", "six"}, {"expanded"});
  // A scatter into an intermediate read by nothing else: the session lets ScatterND write into its buffer.
  b.add_node("Tile", {"col", "six"}, {"expanded_again"});
  b.add_node("ScatterND", {"expanded_again", "perm", "rows"}, {"scattered"});
  b.add_node("Tile", {"scattered", "ones"}, {"scattered_in_place"});
  b.add_output("nz", DataType::Int64, {2, -1}, {"", "m"});
  b.add_output("picked", DataType::Float, {1, -1, 6}, {"", "m"});
  b.add_output("resorted", DataType::Float, {1, kRows, 6});
  b.add_output("expanded", DataType::Float, {1, kRows, 6});
  b.add_output("scattered_in_place", DataType::Float, {1, kRows, 6});

  std::vector<int64_t> order(static_cast<size_t>(kRows));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  Tensor perm(DataType::Int64, {1, kRows, 2});
  for (int64_t i = 0; i < kRows; ++i) {
    perm.data<int64_t>()[2 * i] = 0;
    perm.data<int64_t>()[2 * i + 1] = order[static_cast<size_t>(i)];
  }
  const TensorMap feeds{{"mask", random_mask({1, kRows}, 1, 0.3)},
                        {"rows", random_tensor({1, kRows, 6}, 2)},
                        {"perm", perm},
                        {"col", random_tensor({1, kRows, 1}, 4)}};
  expect_same_as_ort(b, "gluoncv", feeds);
  TempModelFile file(b, "data_movement_gluoncv_plan");
  bool scatter_seen = false;
  const auto session = Session::load(file.path);
  for (const PlannedStep& step : session->plan().steps)
    if (step.op_type == "ScatterND" && step.outputs[0].name == "scattered") {
      scatter_seen = true;
      EXPECT_TRUE(step.outputs[0].in_place) << "ScatterND should write into its data's buffer";
    }
  EXPECT_TRUE(scatter_seen);
}

// No score above the threshold: NonZero gives [2, 0] and every op after it sees empty tensors.
void build_threshold_pick(ModelBuilder& b, bool with_greater) {
  b.add_input("rows", DataType::Float, {1, kRows, 6});
  if (with_greater) {
    b.add_input("scores", DataType::Float, {1, kRows});
    b.add_initializer("threshold", make_tensor<float>({}, {2.f}));
    b.add_node("Greater", {"scores", "threshold"}, {"mask"});
  } else {
    b.add_input("mask", DataType::Bool, {1, kRows});
  }
  b.add_node("NonZero", {"mask"}, {"nz"});
  b.add_node("Transpose", {"nz"}, {"idx"}, Attributes::ints("perm", {1, 0}));
  b.add_node("GatherND", {"rows", "idx"}, {"picked"});
  b.add_output("picked", DataType::Float, {-1, 6}, {"m"});
}

TEST(DataMovementOrt, TorchvisionThresholdPickWithEmptyResult) {
  SSDX_NEED_ORT();
  if (!OpRegistry::global().find("", "Greater", 13)) GTEST_SKIP() << "Greater is not registered in this build";
  ModelBuilder b(13);
  build_threshold_pick(b, true);
  expect_same_as_ort(b, "torchvision_empty",
                     {{"rows", random_tensor({1, kRows, 6}, 5)}, {"scores", random_tensor({1, kRows}, 6, 0.f, 1.f)}});
}

TEST(DataMovementOrt, EmptyMaskPick) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  build_threshold_pick(b, false);
  const TensorMap feeds{{"rows", random_tensor({1, kRows, 6}, 5)}, {"mask", Tensor(DataType::Bool, {1, kRows})}};
  expect_same_as_ort(b, "empty_mask", feeds);
  TempModelFile file(b, "data_movement_empty_shape");
  EXPECT_EQ(Session::load(file.path)->run(feeds).at("picked").shape(), (Shape{0, 6}));
}

// Sizes that are graph inputs: inference leaves them unknown at load, the executor infers them at run time.
TEST(DataMovementOrt, RunTimeSizesPadSplitTileRangeExpand) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2, 3, 5, 7});
  b.add_input("pads", DataType::Int64, {8});
  b.add_input("split", DataType::Int64, {2});
  b.add_input("repeats", DataType::Int64, {4});
  b.add_input("limit", DataType::Int64, {});
  b.add_input("shape", DataType::Int64, {3});
  b.add_initializer("start", make_tensor<int64_t>({}, {-3}));
  b.add_initializer("delta", make_tensor<int64_t>({}, {2}));
  b.add_node("Pad", {"x", "pads"}, {"reflected"}, [] {
    Attributes a;
    a.set_string("mode", "reflect");
    return a;
  }());
  b.add_node("Pad", {"x", "pads"}, {"edged"}, [] {
    Attributes a;
    a.set_string("mode", "edge");
    return a;
  }());
  b.add_node("Split", {"reflected", "split"}, {"part0", "part1"}, Attributes::integer("axis", -1));
  b.add_node("Tile", {"x", "repeats"}, {"tiled"});
  b.add_node("Range", {"start", "limit", "delta"}, {"range"});
  b.add_node("Expand", {"range", "shape"}, {"expanded"});
  for (const char* out : {"reflected", "edged", "part0", "part1", "tiled"})
    b.add_output(out, DataType::Float, {-1, -1, -1, -1}, {out + std::string("0"), out + std::string("1"),
                                                          out + std::string("2"), out + std::string("3")});
  b.add_output("expanded", DataType::Int64, {-1, -1, -1}, {"e0", "e1", "e2"});
  b.add_output("range", DataType::Int64, {-1}, {"r"});
  const TensorMap feeds{{"x", random_tensor({2, 3, 5, 7}, 8)},
                        {"pads", make_tensor<int64_t>({8}, {0, 1, 4, -2, 1, 0, 2, 4})},
                        {"split", make_tensor<int64_t>({2}, {7, 2})},
                        {"repeats", make_tensor<int64_t>({4}, {2, 1, 3, 2})},
                        {"limit", make_tensor<int64_t>({}, {8})},
                        {"shape", make_tensor<int64_t>({3}, {2, 1, 1})}};
  expect_same_as_ort(b, "runtime_sizes", feeds);
}

}  // namespace
}  // namespace ssdx::test
