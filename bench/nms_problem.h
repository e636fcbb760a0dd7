#pragma once
// The single-class NonMaxSuppression call of gluon-cv SSD exports, as data for nms_bench and nms_case: every
// (anchor, class) row goes into class 0 of one NMS, so a row's box is its anchor's decoded box, repeated once per
// class (exact duplicates, anchor-major rows). Boxes: half of the anchors decode near one of 12 objects (so
// suppression happens, and late), the rest lie on a uniform grid like unmatched anchors. Scores: `pass_fraction` of
// the rows uniform in [0.01, 1] (what a softmax leaves above score_threshold 0.01), the rest uniform in [0, 0.01).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace ssdx::bench {

struct GluonNmsData {
  std::vector<float> boxes;   // [rows, 4] corners (y1, x1, y2, x2) in [0, 1]
  std::vector<float> scores;  // [rows]
};

inline GluonNmsData gluon_nms_data(int64_t rows, int64_t classes, double pass_fraction, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.f, 1.f);
  std::normal_distribution<float> jitter(0.f, 1.f);
  constexpr int kObjects = 12;
  float objects[kObjects][4];  // cy, cx, h, w
  for (auto& o : objects) o[0] = unit(rng), o[1] = unit(rng), o[2] = 0.05f + 0.4f * unit(rng), o[3] = 0.05f + 0.4f * unit(rng);
  const int64_t anchors = rows / classes;
  GluonNmsData d;
  d.boxes.resize(static_cast<size_t>(rows) * 4);
  for (int64_t a = 0; a < anchors; ++a) {
    float cy, cx, h, w;
    if (a % 2 == 0) {
      const float* o = objects[rng() % kObjects];
      cy = o[0] + 0.05f * o[2] * jitter(rng), cx = o[1] + 0.05f * o[3] * jitter(rng);
      h = o[2] * std::exp(0.1f * jitter(rng)), w = o[3] * std::exp(0.1f * jitter(rng));
    } else {
      cy = unit(rng), cx = unit(rng), h = 0.02f + 0.3f * unit(rng), w = 0.02f + 0.3f * unit(rng);
    }
    const float box[4] = {cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2};
    for (int64_t c = 0; c < classes; ++c) std::copy(box, box + 4, &d.boxes[static_cast<size_t>((a * classes + c) * 4)]);
  }
  d.scores.resize(static_cast<size_t>(rows));
  for (float& s : d.scores) s = unit(rng) < pass_fraction ? 0.01f + 0.99f * unit(rng) : 0.01f * unit(rng);
  return d;
}

// gluon-cv's thresholds for these exports.
constexpr int64_t kGluonMaxOutput = 400;
constexpr float kGluonIou = 0.45f, kGluonScore = 0.01f;

}  // namespace ssdx::bench
