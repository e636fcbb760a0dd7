#include <cmath>

#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// One NMS call on boxes [B,N,4] / scores [B,C,N]; the has_* flags leave optional inputs out (nullptr).
struct NmsCase {
  Tensor boxes, scores;
  int64_t max_output = 10;
  float iou = 0.5f;
  float score = 0.f;
  bool has_max_output = true, has_iou = true, has_score = true;
  int64_t center_point_box = 0;

  Tensor run() const {
    Tensor m = make_tensor<int64_t>({1}, {max_output});
    Tensor i = make_tensor<float>({1}, {iou});
    Tensor s = make_tensor<float>({}, {score});  // scalar form is accepted as well as [1]
    Attributes a;
    if (center_point_box) a.set_int("center_point_box", center_point_box);
    std::vector<const Tensor*> in{&boxes, &scores, has_max_output ? &m : nullptr, has_iou ? &i : nullptr,
                                  has_score ? &s : nullptr};
    while (!in.empty() && !in.back()) in.pop_back();
    return run_op("NonMaxSuppression", 11, a, in)[0];
  }
};

Tensor rows(std::vector<int64_t> triples) {
  const int64_t n = static_cast<int64_t>(triples.size() / 3);
  return make_tensor<int64_t>({n, 3}, triples);
}

// The ONNX "suppress_by_IOU" layout: three overlapping boxes near x=0, two near x=10, one at x=100.
Tensor six_boxes() {
  return make_tensor<float>({1, 6, 4}, {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, -0.1f, 1, 0.9f,
                                        0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100, 1, 101});
}

TEST(NonMaxSuppression, SuppressesOverlapsByScoreOrder) {
  NmsCase c{six_boxes(), make_tensor<float>({1, 1, 6}, {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f})};
  c.max_output = 3;
  // 3 (0.95) first; 0 (0.9); 1 and 2 overlap 0 with IoU 0.9/1.1 > 0.5; 4 overlaps 3; then 5.
  EXPECT_TRUE(tensors_close(rows({0, 0, 3, 0, 0, 0, 0, 0, 5}), c.run()));
  c.max_output = 2;  // limit per class
  EXPECT_TRUE(tensors_close(rows({0, 0, 3, 0, 0, 0}), c.run()));
}

TEST(NonMaxSuppression, IouEqualToThresholdIsKept) {
  // Intersection 1x2 = 2, union 3 + 3 - 2 = 4: IoU exactly 0.5.
  Tensor boxes = make_tensor<float>({1, 2, 4}, {0, 0, 1, 3, 0, 1, 1, 4});
  NmsCase c{boxes, make_tensor<float>({1, 1, 2}, {0.9f, 0.8f})};
  c.iou = 0.5f;
  EXPECT_TRUE(tensors_close(rows({0, 0, 0, 0, 0, 1}), c.run()));
  c.iou = 0.49f;
  EXPECT_TRUE(tensors_close(rows({0, 0, 0}), c.run()));
}

TEST(NonMaxSuppression, ScoreEqualToThresholdIsDropped) {
  Tensor boxes = make_tensor<float>({1, 3, 4}, {0, 0, 1, 1, 0, 2, 1, 3, 0, 4, 1, 5});
  NmsCase c{boxes, make_tensor<float>({1, 1, 3}, {0.5f, 0.4f, 0.3f})};
  c.score = 0.4f;
  EXPECT_TRUE(tensors_close(rows({0, 0, 0}), c.run()));
  // Without score_threshold every box is a candidate, whatever its score.
  c.scores = make_tensor<float>({1, 1, 3}, {0.5f, -INFINITY, -1.f});
  c.has_score = false;
  EXPECT_TRUE(tensors_close(rows({0, 0, 0, 0, 0, 2, 0, 0, 1}), c.run()));
}

TEST(NonMaxSuppression, FlippedCornersAreNormalized) {
  // Box 1 is [0, 0.1, 1, 1.1] given with both corners swapped; it still overlaps box 0 with IoU 0.82.
  Tensor boxes = make_tensor<float>({1, 3, 4}, {0, 0, 1, 1, 1, 1.1f, 0, 0.1f, 1, 11, 0, 10});
  NmsCase c{boxes, make_tensor<float>({1, 1, 3}, {0.9f, 0.8f, 0.7f})};
  EXPECT_TRUE(tensors_close(rows({0, 0, 0, 0, 0, 2}), c.run()));
}

TEST(NonMaxSuppression, CenterPointBoxFormat) {
  // As [xc, yc, w, h]: box 1 is box 0 moved 0.3 along x, IoU 0.7 / 1.3 = 0.54; box 2 is far away.
  Tensor boxes = make_tensor<float>({1, 3, 4}, {0, 0, 1, 1, 0.3f, 0, 1, 1, 10, 10, 1, 1});
  NmsCase c{boxes, make_tensor<float>({1, 1, 3}, {0.9f, 0.8f, 0.7f})};
  c.center_point_box = 1;
  c.iou = 0.6f;
  EXPECT_TRUE(tensors_close(rows({0, 0, 0, 0, 0, 1, 0, 0, 2}), c.run()));
  c.iou = 0.5f;
  EXPECT_TRUE(tensors_close(rows({0, 0, 0, 0, 0, 2}), c.run()));
  // Read as corners the same numbers give IoU 0.7 for boxes 0 and 1, so 0.6 now suppresses box 1.
  c.center_point_box = 0;
  c.iou = 0.6f;
  EXPECT_TRUE(tensors_close(rows({0, 0, 0, 0, 0, 2}), c.run()));
}

TEST(NonMaxSuppression, TwoClassesAreIndependentAndClassMajor) {
  Tensor boxes = make_tensor<float>({1, 3, 4}, {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 10, 1, 11});
  NmsCase c{boxes, make_tensor<float>({1, 2, 3}, {0.9f, 0.8f, 0.7f, 0.1f, 0.95f, 0.2f})};
  c.score = 0.15f;
  // Class 0: 0, (1 suppressed by 0), 2. Class 1: 1, (0 is below the threshold), 2.
  EXPECT_TRUE(tensors_close(rows({0, 0, 0, 0, 0, 2, 0, 1, 1, 0, 1, 2}), c.run()));
}

TEST(NonMaxSuppression, TwoBatchesUseTheirOwnBoxes) {
  // Batch 0: boxes 0 and 1 overlap. Batch 1: the same box slots are disjoint.
  Tensor boxes = make_tensor<float>({2, 2, 4}, {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 0, 1, 1, 0, 5, 1, 6});
  NmsCase c{boxes, make_tensor<float>({2, 1, 2}, {0.8f, 0.9f, 0.8f, 0.9f})};
  EXPECT_TRUE(tensors_close(rows({0, 0, 1, 1, 0, 1, 1, 0, 0}), c.run()));
}

TEST(NonMaxSuppression, ZeroOrAbsentMaxOutputSelectsNothing) {
  NmsCase c{six_boxes(), make_tensor<float>({1, 1, 6}, {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f})};
  c.max_output = 0;
  Tensor out = c.run();
  EXPECT_EQ(shape_str(out.shape()), "[0,3]");
  EXPECT_EQ(out.dtype(), DataType::Int64);
  c.max_output = -5;
  EXPECT_EQ(shape_str(c.run().shape()), "[0,3]");
  c.has_max_output = c.has_iou = c.has_score = false;
  EXPECT_EQ(shape_str(c.run().shape()), "[0,3]");
}

TEST(NonMaxSuppression, IdenticalBoxesEqualScoresLowerIndexWins) {
  Tensor boxes = make_tensor<float>({1, 3, 4}, {0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1});
  NmsCase c{boxes, make_tensor<float>({1, 1, 3}, {0.9f, 0.9f, 0.9f})};
  EXPECT_TRUE(tensors_close(rows({0, 0, 0}), c.run()));
  c.scores = make_tensor<float>({1, 1, 3}, {0.8f, 0.9f, 0.9f});
  EXPECT_TRUE(tensors_close(rows({0, 0, 1}), c.run()));
  // Absent iou_threshold is 0: any overlap suppresses.
  c.has_iou = c.has_score = false;
  EXPECT_TRUE(tensors_close(rows({0, 0, 1}), c.run()));
}

TEST(NonMaxSuppression, EqualScoresNonOverlappingSelectedByIndex) {
  Tensor boxes = make_tensor<float>({1, 3, 4}, {0, 4, 1, 5, 0, 2, 1, 3, 0, 0, 1, 1});
  NmsCase c{boxes, make_tensor<float>({1, 1, 3}, {0.5f, 0.7f, 0.5f})};
  EXPECT_TRUE(tensors_close(rows({0, 0, 1, 0, 0, 0, 0, 0, 2}), c.run()));
}

TEST(NonMaxSuppression, ZeroAreaBoxesNeverSuppress) {
  Tensor boxes = make_tensor<float>({1, 2, 4}, {0, 0, 0, 1, 0, 0, 0, 1});
  NmsCase c{boxes, make_tensor<float>({1, 1, 2}, {0.9f, 0.8f})};
  c.iou = 0.f;
  EXPECT_TRUE(tensors_close(rows({0, 0, 0, 0, 0, 1}), c.run()));
}

TEST(NonMaxSuppression, RejectsBadShapesAndArguments) {
  NmsCase bad_last{Tensor(DataType::Float, {1, 2, 5}), Tensor(DataType::Float, {1, 1, 2})};
  EXPECT_THROW(bad_last.run(), Error);
  NmsCase bad_batch{Tensor(DataType::Float, {2, 2, 4}), Tensor(DataType::Float, {1, 1, 2})};
  EXPECT_THROW(bad_batch.run(), Error);
  NmsCase bad_n{Tensor(DataType::Float, {1, 2, 4}), Tensor(DataType::Float, {1, 1, 3})};
  EXPECT_THROW(bad_n.run(), Error);
  NmsCase bad_rank{Tensor(DataType::Float, {2, 4}), Tensor(DataType::Float, {1, 1, 2})};
  EXPECT_THROW(bad_rank.run(), Error);
  NmsCase bad_iou{Tensor(DataType::Float, {1, 2, 4}), Tensor(DataType::Float, {1, 1, 2})};
  bad_iou.iou = 1.5f;
  EXPECT_THROW(bad_iou.run(), Error);
  NmsCase bad_cpb{Tensor(DataType::Float, {1, 2, 4}), Tensor(DataType::Float, {1, 1, 2})};
  bad_cpb.center_point_box = 2;
  EXPECT_THROW(bad_cpb.run(), Error);
  Tensor boxes(DataType::Float, {1, 2, 4}), scores(DataType::Float, {1, 1, 2});
  Tensor two = make_tensor<int64_t>({2}, {1, 1});
  EXPECT_THROW(run_op("NonMaxSuppression", 10, {}, {&boxes, &scores, &two}), Error);
}

TEST(NonMaxSuppression, InferenceGivesUnknownRowCount) {
  const OpDef* def = OpRegistry::global().find("", "NonMaxSuppression", 10);
  ASSERT_NE(def, nullptr);
  Node node;
  node.op_type = "NonMaxSuppression";
  std::vector<ValueInfo> in(2);
  in[0] = {DataType::Float, {1, kUnknownDim, 4}, true, nullptr};
  in[1] = {DataType::Float, {1, 90, kUnknownDim}, true, nullptr};
  OpContext ctx(node, 10, in, 1);
  def->infer(ctx);
  EXPECT_EQ(ctx.outputs()[0].dtype, DataType::Int64);
  EXPECT_EQ(shape_str(ctx.outputs()[0].shape), "[?,3]");
}

}  // namespace
}  // namespace ssdx::test
