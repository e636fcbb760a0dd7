#pragma once
// ssdx detect's reading of a family's outputs against the model's raw outputs decoded in the test by the family's
// own rules: the same detections in the same order, boxes scaled back to the photo and clamped to it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "app/detection.h"
#include "app/image.h"
#include "graph/tensor.h"

namespace ssdx::test {

// One row of the raw outputs: label (negative: a padding row), score, corners in the pixels of the input fed.
struct RawDetection {
  int64_t label;
  float score;
  float box[4];
};

// Row `i` of the raw outputs: its label and score, and the box at row `i` of `boxes` ([.., 4]).
inline RawDetection raw_row(int64_t label, double score, const Tensor& boxes, int64_t i) {
  return {label, static_cast<float>(score),
          {static_cast<float>(boxes.float_at(4 * i)), static_cast<float>(boxes.float_at(4 * i + 1)),
           static_cast<float>(boxes.float_at(4 * i + 2)), static_cast<float>(boxes.float_at(4 * i + 3))}};
}

// Expects `got` (app::Detector's detections on `photo` at `min_score`) to be the rows of `raw` that are not padding
// and score at least `min_score`, in order, each box scaled by (sx, sy); `*count`: how many there were. Run it
// under ASSERT_NO_FATAL_FAILURE: more detections than rows stops the test.
inline void expect_raw_detections(const std::vector<app::Detection>& got, const std::vector<RawDetection>& raw,
                                  float min_score, float sx, float sy, const app::Image& photo, size_t* count) {
  size_t& k = *count;
  k = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    const RawDetection& r = raw[i];
    if (r.label < 0 || r.score < min_score) continue;
    ASSERT_LT(k, got.size());
    const app::Detection& d = got[k++];
    EXPECT_EQ(d.label, r.label) << i;
    EXPECT_FLOAT_EQ(d.score, r.score);
    const float ref[4] = {r.box[0] * sx, r.box[1] * sy, r.box[2] * sx, r.box[3] * sy};
    const float mine[4] = {d.x0, d.y0, d.x1, d.y1};
    for (int c = 0; c < 4; ++c)
      EXPECT_NEAR(mine[c], std::min(std::max(ref[c], 0.f), static_cast<float>(c % 2 ? photo.height : photo.width)), 1e-3)
          << i << " " << c;
  }
  EXPECT_EQ(k, got.size());
}

}  // namespace ssdx::test
