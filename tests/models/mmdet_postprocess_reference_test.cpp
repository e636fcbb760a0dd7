// `add-postprocess --family mmdet-ssd300` against mmdetection's post-processing worked out in this file from its
// rules (docs/mmdet_ssd300.md, "Post-processing"): hand-made raw head tensors, background everywhere but a few
// chosen anchors with a high class logit and chosen deltas, run through the appended graph in ssdx, and compared
// with this file's own SSDAnchorGenerator anchors, DeltaXYWH decode, clipping, min_bbox_size filter, score
// threshold, per-class NMS and score order.
#include <algorithm>
#include <cmath>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "models/mmdet_postprocess.h"
#include "models/mmdet_ssd300.h"
#include "tests/temp_model_file.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

constexpr int kClasses = 80, kChannels = kClasses + 1;  // background is the last channel
constexpr int kGrid[6] = {38, 19, 10, 5, 3, 1}, kStride[6] = {8, 16, 32, 64, 100, 300};
constexpr float kBackgroundLogit = 10.f;

struct Box {
  double x1, y1, x2, y2;
};

// SSDAnchorGenerator for input 300, basesize_ratio_range (0.15, 0.9): the percent range 15..90 stepped by
// floor(75 / 4) = 18 gives min sizes 300 * {15, 33, 51, 69, 87} / 100 and max sizes one step up, with 7% / 15%
// put first; ratios [2] or [2, 3]. Per cell, in head order: (min, 1), (sqrt(min max), 1), then (min, 1/r), (min, r)
// for each r, where ratio q has h = s sqrt(q), w = s / sqrt(q); the centre is stride * (cell + 0.5).
Box anchor(int level, int y, int x, int a) {
  std::vector<int> min_sizes = {300 * 7 / 100}, max_sizes = {300 * 15 / 100};
  for (int pct = 15; pct <= 90; pct += 18) min_sizes.push_back(300 * pct / 100), max_sizes.push_back(300 * (pct + 18) / 100);
  const double lo = min_sizes[level], hi = max_sizes[level];
  double w = lo, h = lo;
  if (a == 1) w = h = std::sqrt(lo * hi);
  if (a >= 2) {
    const int r = 2 + (a - 2) / 2;
    const double q = a % 2 == 0 ? 1.0 / r : r;
    w = lo / std::sqrt(q), h = lo * std::sqrt(q);
  }
  const double cx = kStride[level] * (x + 0.5), cy = kStride[level] * (y + 0.5);
  return {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
}

TEST(MmdetPostprocessReference, AnchorsFromSsdAnchorGeneratorRules) {
  // Worked out by hand: level 5's cell centre is 150; min 261 -> half 130.5; sqrt(261 * 315) = 286.73 -> 143.37.
  const Box l5a0 = anchor(5, 0, 0, 0), l5a1 = anchor(5, 0, 0, 1);
  EXPECT_NEAR(l5a0.x1, 19.5, 1e-9);
  EXPECT_NEAR(l5a0.y1, 19.5, 1e-9);
  EXPECT_NEAR(l5a0.x2, 280.5, 1e-9);
  EXPECT_NEAR(l5a1.x1, 6.63421, 1e-5);
  EXPECT_NEAR(l5a1.y2, 293.36579, 1e-5);
  // Level 0, cell (y 2, x 3): centre (28, 20); sqrt(21 * 45) = 30.741 -> half 15.370.
  const Box l0 = anchor(0, 2, 3, 1);
  EXPECT_NEAR(l0.x1, 12.62957, 1e-5);
  EXPECT_NEAR(l0.y1, 4.62957, 1e-5);
  EXPECT_NEAR(l0.x2, 43.37043, 1e-5);
  // Level 1, cell (0, 0), anchor 2 = ratio 1/2: w = 45 sqrt 2 = 63.64, h = 45 / sqrt 2 = 31.82 about (8, 8).
  const Box l1 = anchor(1, 0, 0, 2);
  EXPECT_NEAR(l1.x1, -23.81981, 1e-5);
  EXPECT_NEAR(l1.y1, -7.90990, 1e-5);
  EXPECT_NEAR(l1.y2, 23.90990, 1e-5);
  // Level 4, cell (1, 1), anchor 3 = ratio 2: w = 207 / sqrt 2 = 146.37, h = 207 sqrt 2 = 292.74 about (150, 150).
  const Box l4 = anchor(4, 1, 1, 3);
  EXPECT_NEAR(l4.x1, 76.81445, 1e-5);
  EXPECT_NEAR(l4.y1, 3.62890, 1e-5);
  EXPECT_NEAR(l4.y2, 296.37110, 1e-5);
  // The table the graph is built from holds the same 8732 anchors in the same order.
  const std::vector<float> table = models::mmdet_ssd300_anchors();
  ASSERT_EQ(table.size(), 8732u * 4);
  size_t i = 0;
  for (int level = 0; level < 6; ++level)
    for (int y = 0; y < kGrid[level]; ++y)
      for (int x = 0; x < kGrid[level]; ++x)
        for (int a = 0; a < models::kMmdetSsd300Anchors[level]; ++a, i += 4) {
          const Box b = anchor(level, y, x, a);
          ASSERT_NEAR(table[i], b.x1, 1e-4) << level << " " << y << " " << x << " " << a;
          ASSERT_NEAR(table[i + 1], b.y1, 1e-4);
          ASSERT_NEAR(table[i + 2], b.x2, 1e-4);
          ASSERT_NEAR(table[i + 3], b.y2, 1e-4);
        }
}

// One chosen (anchor, class): its logit and its anchor's deltas.
struct Pick {
  int level, y, x, a, cls;
  float logit;
  float d[4];
  const char* why;
};

// Background logit 10 everywhere else: foreground scores 1 / (e^10 + 80) = 4.5e-5, far under the 0.02 threshold.
const std::vector<Pick> kPicks = {
    {5, 0, 0, 0, 7, 13.f, {0, 0, 0, 0}, "the image-size anchor, undecoded"},
    {0, 2, 3, 1, 3, 12.f, {0, 0, 0, 0}, "suppresses the next (IoU 441/945 = 0.467 > 0.45)"},
    {0, 2, 3, 0, 3, 11.5f, {0, 0, 0, 0}, "suppressed"},
    {0, 2, 3, 1, 4, 11.8f, {0, 0, 0, 0}, "the same box in another class: kept"},
    {0, 5, 5, 0, 9, 10.5f, {0.5f, -0.5f, 0, 0}, "shifted by (0.05, -0.05) x 21"},
    {0, 5, 6, 0, 9, 10.2f, {0.5f, -0.5f, 0, 0}, "IoU 273/609 = 0.448 with the previous: kept"},
    {3, 2, 2, 0, 20, 9.f, {0, 0, 100.f, -100.f}, "dw/dh clamped to +-log(1000/16), x clipped to 0..300"},
    {1, 0, 0, 2, 1, 8.f, {0, 0, 0, 0}, "ratio 1/2 at the corner, clipped"},
    {0, 0, 0, 0, 2, 12.5f, {-10.f, 0, 0, 0}, "shifted left out of the image: width 0 after clipping, dropped"},
    {2, 4, 4, 3, 5, 5.5f, {0, 0, 0, 0}, "score 0.011, under 0.02"},
    {4, 1, 1, 3, 60, 7.f, {0.3f, 0.2f, -0.4f, 0.1f}, "score 0.047, decoded, kept"},
};

struct Detection {
  Box box;
  double score;
  int label;
};

double iou(const Box& a, const Box& b) {
  const double w = std::max(0.0, std::min(a.x2, b.x2) - std::max(a.x1, b.x1));
  const double h = std::max(0.0, std::min(a.y2, b.y2) - std::max(a.y1, b.y1));
  const double inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

// mmdetection's SSDHead test-time steps for the picks, from the head tensors' logits.
std::vector<Detection> reference(const std::vector<std::vector<float>>& cls) {
  std::vector<Detection> candidates;
  for (const Pick& p : kPicks) {
    const int hw = kGrid[p.level] * kGrid[p.level], cell = p.y * kGrid[p.level] + p.x;
    double denom = 0;
    for (int k = 0; k < kChannels; ++k) denom += std::exp(cls[p.level][(p.a * kChannels + k) * hw + cell]);
    const double score = std::exp(cls[p.level][(p.a * kChannels + p.cls) * hw + cell]) / denom;
    if (score <= 0.02) continue;
    const Box an = anchor(p.level, p.y, p.x, p.a);
    const double pw = an.x2 - an.x1, ph = an.y2 - an.y1, px = an.x1 + pw / 2, py = an.y1 + ph / 2;
    const double clamp = std::fabs(std::log(16.0 / 1000.0));
    const double dw = std::clamp(0.2 * p.d[2], -clamp, clamp), dh = std::clamp(0.2 * p.d[3], -clamp, clamp);
    const double gx = px + pw * 0.1 * p.d[0], gy = py + ph * 0.1 * p.d[1];
    const double gw = pw * std::exp(dw), gh = ph * std::exp(dh);
    auto clip = [](double v) { return std::clamp(v, 0.0, 300.0); };
    const Box b = {clip(gx - gw / 2), clip(gy - gh / 2), clip(gx + gw / 2), clip(gy + gh / 2)};
    if (!(b.x2 - b.x1 > 0 && b.y2 - b.y1 > 0)) continue;  // min_bbox_size 0
    candidates.push_back({b, score, p.cls});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> kept;
  for (const Detection& c : candidates) {
    bool suppressed = false;
    for (const Detection& k : kept) suppressed |= k.label == c.label && iou(k.box, c.box) > 0.45;
    if (!suppressed) kept.push_back(c);
  }
  return kept;
}

TEST(MmdetPostprocessReference, HandMadeHeadsGiveMmdetectionsDetections) {
  // The raw-head model: the twelve head tensors as constants behind Identity (the image input is unused).
  ModelBuilder b(13);
  b.add_input("input", DataType::Float, {1, 3, 300, 300});
  std::vector<std::vector<float>> cls(6), box(6);
  for (int level = 0; level < 6; ++level) {
    const int a = models::kMmdetSsd300Anchors[level], hw = kGrid[level] * kGrid[level];
    cls[level].assign(static_cast<size_t>(a * kChannels * hw), 0.f);
    box[level].assign(static_cast<size_t>(a * 4 * hw), 0.f);
    for (int k = 0; k < a; ++k)
      for (int c = 0; c < hw; ++c) cls[level][(k * kChannels + kClasses) * hw + c] = kBackgroundLogit;
  }
  for (const Pick& p : kPicks) {
    const int hw = kGrid[p.level] * kGrid[p.level], cell = p.y * kGrid[p.level] + p.x;
    cls[p.level][(p.a * kChannels + p.cls) * hw + cell] = p.logit;
    for (int j = 0; j < 4; ++j) box[p.level][(p.a * 4 + j) * hw + cell] = p.d[j];
  }
  for (int head = 0; head < 12; ++head) {
    const int level = head % 6, a = models::kMmdetSsd300Anchors[level];
    const bool is_cls = head < 6;
    const std::string name = (is_cls ? "cls_score_" : "bbox_pred_") + std::to_string(level);
    const Shape shape = {1, a * (is_cls ? kChannels : 4), kGrid[level], kGrid[level]};
    b.add_initializer(name + "_values", make_tensor<float>(shape, is_cls ? cls[level] : box[level]));
    b.add_node("Identity", {name + "_values"}, {name}, {}, name);
    b.add_output(name, DataType::Float, shape);
  }
  Graph g = load_onnx(TempModelFile(b, "mmdet_reference_heads").path);
  models::add_mmdet_ssd300_postprocess(g);
  Session s(std::move(g), SessionOptions{});
  const TensorMap out = s.run({{"input", Tensor(DataType::Float, {1, 3, 300, 300})}});
  const Tensor &dets = out.at("dets"), &labels = out.at("labels");
  ASSERT_EQ(dets.shape(), (Shape{1, 200, 5}));
  ASSERT_EQ(labels.shape(), (Shape{1, 200}));

  const std::vector<Detection> expected = reference(cls);
  // 11 picks: one suppressed, one dropped for width 0, one under the threshold.
  ASSERT_EQ(expected.size(), 8u);
  for (size_t i = 0; i < 200; ++i) {
    const float* row = &dets.data<float>()[5 * i];
    if (i >= expected.size()) {  // padding: box 0, score 0, label -1
      EXPECT_EQ(labels.int_at(static_cast<int64_t>(i)), -1) << "row " << i;
      for (int c = 0; c < 5; ++c) EXPECT_EQ(row[c], 0.f) << "row " << i;
      continue;
    }
    const Detection& e = expected[i];
    EXPECT_EQ(labels.int_at(static_cast<int64_t>(i)), e.label) << "row " << i;
    EXPECT_NEAR(row[0], e.box.x1, 1e-3) << "row " << i;
    EXPECT_NEAR(row[1], e.box.y1, 1e-3) << "row " << i;
    EXPECT_NEAR(row[2], e.box.x2, 1e-3) << "row " << i;
    EXPECT_NEAR(row[3], e.box.y2, 1e-3) << "row " << i;
    EXPECT_NEAR(row[4], e.score, 1e-5) << "row " << i;
  }
  // Two rows worked out by hand: the image-size anchor first (score e^13 / (e^13 + e^10 + 79) = 0.9524), and the
  // clamped box: centre (160, 160), h = 153 / 62.5 = 2.448, x clipped to 0..300.
  EXPECT_NEAR(dets.float_at(0), 19.5, 1e-4);
  EXPECT_NEAR(dets.float_at(2), 280.5, 1e-4);
  EXPECT_NEAR(dets.float_at(4), 0.95241, 1e-4);
  bool clamped_row = false;
  for (int64_t i = 0; i < 8; ++i)
    if (labels.int_at(i) == 20) {
      clamped_row = true;
      EXPECT_NEAR(dets.float_at(5 * i + 0), 0.0, 1e-4);
      EXPECT_NEAR(dets.float_at(5 * i + 1), 158.776, 1e-3);
      EXPECT_NEAR(dets.float_at(5 * i + 2), 300.0, 1e-4);
      EXPECT_NEAR(dets.float_at(5 * i + 3), 161.224, 1e-3);
    }
  EXPECT_TRUE(clamped_row);
}

}  // namespace
}  // namespace ssdx::test
