#include <cmath>
#include <limits>
#include <random>

#include "ops/nms.h"
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
  in[0] = value_info(DataType::Float, {1, kUnknownDim, 4});
  in[1] = value_info(DataType::Float, {1, 90, kUnknownDim});
  OpContext ctx(node, 10, in, 1);
  def->infer(ctx);
  EXPECT_EQ(ctx.outputs()[0].dtype, DataType::Int64);
  EXPECT_EQ(shape_str(ctx.outputs()[0].shape), "[?,3]");
}

// ---- fast path vs reference ----

// Storage and parameters of one NmsProblem.
struct RandomNms {
  std::vector<float> boxes, scores;
  NmsProblem problem;
};

// IoU of boxes a and b as ORT computes it in float (non_max_suppression_helper.h), for thresholds that a pair sits
// exactly on: then any difference in the rounding of the fast path's IoU shows.
float ort_iou(const float* a, const float* b, int64_t center_point_box) {
  auto extent = [&](const float* p, float& x_lo, float& x_hi, float& y_lo, float& y_hi) {
    if (center_point_box) {
      x_lo = p[0] - p[2] / 2, x_hi = p[0] + p[2] / 2, y_lo = p[1] - p[3] / 2, y_hi = p[1] + p[3] / 2;
    } else {
      x_lo = std::min(p[1], p[3]), x_hi = std::max(p[1], p[3]);
      y_lo = std::min(p[0], p[2]), y_hi = std::max(p[0], p[2]);
    }
  };
  float ax0, ax1, ay0, ay1, bx0, bx1, by0, by1;
  extent(a, ax0, ax1, ay0, ay1);
  extent(b, bx0, bx1, by0, by1);
  const float inter = (std::min(ax1, bx1) - std::max(ax0, bx0)) * (std::min(ay1, by1) - std::max(ay0, by0));
  return inter / ((ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter);
}

// A threshold equal to the IoU of two neighbouring boxes when they overlap, else 0.5.
float iou_of_some_pair(const std::vector<float>& boxes, int64_t center_point_box, std::mt19937& rng) {
  const size_t n = boxes.size() / 4;
  if (n < 2) return 0.5f;
  const size_t i = rng() % (n - 1);
  const float iou = ort_iou(&boxes[4 * i], &boxes[4 * i + 4], center_point_box);
  return iou > 0.f && iou <= 1.f ? iou : 0.5f;
}

// Problems meant to reach every corner of the selection: few distinct score levels (ties), identical boxes, boxes
// with flipped corners, zero or negative extent, NaN and infinite coordinates, scores NaN / +-0 / -inf (they are
// candidates only without a score threshold), both box formats, and thresholds absent, zero or at the extremes.
RandomNms random_nms(std::mt19937& rng) {
  auto uniform = [&](float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); };
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  RandomNms r;
  NmsProblem& p = r.problem;
  p.batches = 1 + pick(2);
  p.classes = 1 + pick(4);
  p.boxes_per_batch = pick(5) == 0 ? pick(4) : pick(400);
  p.center_point_box = pick(2);
  const float extent = pick(2) ? 1.f : 100.f;
  const bool on_grid = pick(4) == 0;  // coordinates k/4: many IoUs exactly equal to a threshold such as 0.5
  r.boxes.resize(static_cast<size_t>(p.batches * p.boxes_per_batch * 4));
  for (size_t i = 0; i < r.boxes.size(); i += 4) {
    const int kind = pick(20);
    if (kind == 0 && i >= 4) {  // a copy of the previous box
      std::copy(r.boxes.begin() + static_cast<std::ptrdiff_t>(i - 4), r.boxes.begin() + static_cast<std::ptrdiff_t>(i),
                r.boxes.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    auto coord = [&](float hi) { return on_grid ? static_cast<float>(pick(16)) / 4 : uniform(0, hi); };
    const float a = coord(extent), b = coord(extent), w = coord(extent / 4), h = coord(extent / 4);
    float* box = &r.boxes[i];
    if (p.center_point_box) box[0] = a, box[1] = b, box[2] = w, box[3] = h;
    else if (pick(4) == 0) box[0] = a + h, box[1] = b + w, box[2] = a, box[3] = b;  // flipped corners
    else box[0] = a, box[1] = b, box[2] = a + h, box[3] = b + w;
    if (kind == 1) box[2] = box[0];                                        // no height
    if (kind == 2) box[pick(4)] = std::numeric_limits<float>::quiet_NaN();
    if (kind == 3) box[pick(4)] = pick(2) ? INFINITY : -INFINITY;
    if (kind == 4 && p.center_point_box) box[2] = -w;                      // negative width
  }
  const int levels = pick(3) == 0 ? 3 : 1000;
  r.scores.resize(static_cast<size_t>(p.batches * p.classes * p.boxes_per_batch));
  for (float& s : r.scores) {
    s = static_cast<float>(pick(levels)) / static_cast<float>(levels);
    if (pick(50) == 0) {
      const float specials[] = {std::numeric_limits<float>::quiet_NaN(), -0.f, 0.f, -INFINITY, INFINITY};
      s = specials[pick(5)];
    }
  }
  NmsThresholds& t = p.thresholds;
  const int64_t max_outputs[] = {0, 1, 3, 40, 1000, std::numeric_limits<int64_t>::max()};
  t.max_output = max_outputs[pick(6)];
  const float ious[] = {0.f, 0.3f, 0.5f, 0.7f, 1.f, uniform(0, 1), iou_of_some_pair(r.boxes, p.center_point_box, rng)};
  t.iou = ious[pick(7)];
  t.has_score_threshold = pick(3) != 0;
  t.score = pick(4) == 0 ? 0.f : uniform(0, 1);
  p.boxes = r.boxes.data();
  p.scores = r.scores.data();
  return r;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::Baseline, Isa::Avx2, Isa::Avx512})
    if (isa_supported(isa)) out.push_back(isa);
  return out;
}

TEST(NonMaxSuppressionFast, RandomProblemsMatchReference) {
  std::mt19937 rng(2024);
  int64_t selected = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    const RandomNms r = random_nms(rng);
    const std::vector<int64_t> ref = nms_reference(r.problem);
    selected += static_cast<int64_t>(ref.size() / 3);
    for (Isa isa : supported_isas())
      ASSERT_EQ(nms_fast(r.problem, isa), ref) << "case " << iter << ", " << isa_name(isa);
  }
  EXPECT_GT(selected, 50000);  // the cases do select boxes
}

TEST(NonMaxSuppressionFast, IouOnTheThresholdMatchesReference) {
  // Two overlapping boxes and thresholds at their IoU (kept: suppression needs IoU > threshold) and one float step
  // below it (suppressed): the fast path must round every step of the IoU as ORT does.
  std::mt19937 rng(99);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  int kept = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    const int64_t cpb = iter % 2;
    std::vector<float> boxes(8);
    for (float& v : boxes) v = u(rng);
    if (cpb) boxes[2] = boxes[6] = 0.5f + boxes[2], boxes[3] = boxes[7] = 0.5f + boxes[3];  // wide enough to overlap
    const float iou = ort_iou(&boxes[0], &boxes[4], cpb);
    if (!(iou > 0.f && iou <= 1.f)) continue;
    const std::vector<float> scores = {0.9f, 0.8f};
    NmsProblem p;
    p.boxes = boxes.data(), p.scores = scores.data();
    p.batches = 1, p.classes = 1, p.boxes_per_batch = 2, p.center_point_box = cpb;
    for (float thr : {iou, std::nextafter(iou, 0.f)}) {
      p.thresholds = {10, thr, false, 0.f};
      const std::vector<int64_t> ref = nms_reference(p);
      kept += ref.size() == 6;
      for (Isa isa : supported_isas()) ASSERT_EQ(nms_fast(p, isa), ref) << "case " << iter << ", " << isa_name(isa);
    }
  }
  EXPECT_GT(kept, 1000);
}

TEST(NonMaxSuppressionFast, SsdSizedProblemMatchesReference) {
  // The SSD call: 80 classes x 15130 boxes, IoU 0.5, score 0.05, 200 per class; clustered boxes so that classes
  // select well past one 32-box chunk and many candidates are suppressed late. Threads split the classes.
  std::mt19937 rng(7);
  RandomNms r;
  NmsProblem& p = r.problem;
  p.batches = 1, p.classes = 80, p.boxes_per_batch = 15130;
  for (int64_t i = 0; i < p.boxes_per_batch; ++i) {
    const float y = std::uniform_real_distribution<float>(0, 0.9f)(rng);
    const float x = std::uniform_real_distribution<float>(0, 0.9f)(rng);
    const float s = std::uniform_real_distribution<float>(0.02f, 0.1f)(rng);
    r.boxes.insert(r.boxes.end(), {y, x, y + s, x + s});
  }
  for (int64_t i = 0; i < p.classes * p.boxes_per_batch; ++i)
    r.scores.push_back(std::pow(std::uniform_real_distribution<float>(0, 1)(rng), 6.f));
  p.boxes = r.boxes.data();
  p.scores = r.scores.data();
  p.thresholds = {200, 0.5f, true, 0.05f};
  const std::vector<int64_t> ref = nms_reference(p);
  EXPECT_GT(ref.size() / 3, 80u * 100);
  for (Isa isa : supported_isas()) EXPECT_EQ(nms_fast(p, isa), ref) << isa_name(isa);
}

TEST(NonMaxSuppressionFast, ClassOffsetBoxesMatchReference) {
  // Torchvision's batched NMS: one NonMaxSuppression over every class's boxes, each class shifted by
  // class * (max coordinate + 1) along x and y so that classes never overlap, no limit on the kept count. The fast
  // path tests a candidate only against the kept boxes near it along x; it must keep exactly the reference's boxes,
  // also with boxes of mixed sizes, duplicate x_lo, and a NaN or infinite coordinate that ends the windowing.
  std::mt19937 rng(17);
  auto u = [&](float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); };
  for (int variant = 0; variant < 4; ++variant) {
    RandomNms r;
    NmsProblem& p = r.problem;
    const int64_t classes = 40, per_class = 150;
    p.batches = 1, p.classes = 1, p.boxes_per_batch = classes * per_class;
    for (int64_t c = 0; c < classes; ++c)
      for (int64_t i = 0; i < per_class; ++i) {
        const float offset = static_cast<float>(c) * 321.f;
        const float y = u(0, 300), x = variant == 1 ? static_cast<float>(i % 7) * 40 : u(0, 300);
        const float h = u(1, i % 10 == 0 ? 300 : 30), w = u(1, i % 10 == 0 ? 300 : 30);
        r.boxes.insert(r.boxes.end(), {offset + y, offset + x, offset + std::min(y + h, 320.f), offset + std::min(x + w, 320.f)});
      }
    if (variant == 2) r.boxes[4 * 777 + 1] = std::numeric_limits<float>::quiet_NaN();
    if (variant == 3) r.boxes[4 * 1234 + 3] = INFINITY;
    for (int64_t i = 0; i < p.boxes_per_batch; ++i) r.scores.push_back(u(0, 1));
    p.boxes = r.boxes.data();
    p.scores = r.scores.data();
    p.thresholds = {std::numeric_limits<int64_t>::max(), 0.5f, true, 0.001f};
    const std::vector<int64_t> ref = nms_reference(p);
    EXPECT_GT(ref.size() / 3, 1000u);
    for (Isa isa : supported_isas()) EXPECT_EQ(nms_fast(p, isa), ref) << isa_name(isa) << ", variant " << variant;
  }
}

TEST(NonMaxSuppressionFast, ManyCandidatesTakenInBandsMatchReference) {
  // More candidates than one sort takes (ops/nms.cpp's kSortWholeMax), so the selection runs on score bands: three
  // score levels plus NaN, +-inf and -0 (ties across the whole array), no score threshold, and limits that end the
  // selection in the first band, in a later one, or never.
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  RandomNms r;
  NmsProblem& p = r.problem;
  p.batches = 1, p.classes = 1, p.boxes_per_batch = 60000;
  for (int64_t i = 0; i < p.boxes_per_batch; ++i) {
    const float y = u(rng), x = u(rng), h = 0.01f + 0.05f * u(rng), w = 0.01f + 0.05f * u(rng);
    r.boxes.insert(r.boxes.end(), {y, x, y + h, x + w});
  }
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(), INFINITY, -INFINITY, -0.f, 0.f};
  for (int64_t i = 0; i < p.boxes_per_batch; ++i)
    r.scores.push_back(rng() % 100 == 0 ? specials[rng() % 5] : static_cast<float>(rng() % 3) / 2);
  p.boxes = r.boxes.data();
  p.scores = r.scores.data();
  for (int64_t max_output : {int64_t{1}, int64_t{400}, int64_t{5000}, std::numeric_limits<int64_t>::max()}) {
    p.thresholds = {max_output, 0.3f, false, 0.f};
    const std::vector<int64_t> ref = nms_reference(p);
    if (max_output < 5000) EXPECT_EQ(static_cast<int64_t>(ref.size() / 3), max_output);
    for (Isa isa : supported_isas()) EXPECT_EQ(nms_fast(p, isa), ref) << isa_name(isa) << ", max " << max_output;
  }
}

}  // namespace
}  // namespace ssdx::test
