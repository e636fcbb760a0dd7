#pragma once
// gluon-cv SSD's single-class NonMaxSuppression (every (anchor, class) row in class 0 of one call) as a parity case
// against onnxruntime, shared by tests/ops/nms_ort_test.cpp (N = 174,640) and tests/long/nms_ort_long_test.cpp (the
// COCO sizes). The data is made to hit the corners of ORT's selection at scale: each anchor's box repeated once per
// class (exact duplicates), half of the anchors on a coarse grid near 12 objects (more exact duplicates and IoUs
// exactly at simple fractions), an eighth with flipped corners, scores on a grid of 1/128 steps (many ties), rows
// exactly at the score threshold (dropped: the test is strict) and negative scores (candidates when it is absent).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "tests/ort_oracle.h"

namespace ssdx::test {

struct GluonNmsCase {
  Tensor boxes, scores;  // [1, rows, 4], [1, 1, rows]
};

inline GluonNmsCase gluon_nms_case(int64_t rows, int64_t classes, double pass_fraction, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.f, 1.f);
  auto grid = [&](float v) { return static_cast<float>(static_cast<int>(v * 64)) / 64; };  // 1/64 steps
  float objects[12][4];
  for (auto& o : objects) o[0] = unit(rng), o[1] = unit(rng), o[2] = 0.05f + 0.4f * unit(rng), o[3] = 0.05f + 0.4f * unit(rng);
  GluonNmsCase c{Tensor(DataType::Float, {1, rows, 4}), Tensor(DataType::Float, {1, 1, rows})};
  float* b = c.boxes.data<float>();
  for (int64_t a = 0; a < rows / classes; ++a) {
    float box[4];
    if (a % 2 == 0) {  // near an object, on the grid
      const float* o = objects[rng() % 12];
      const float cy = o[0] + 0.1f * o[2] * (unit(rng) - 0.5f), cx = o[1] + 0.1f * o[3] * (unit(rng) - 0.5f);
      const float h = o[2] * (0.8f + 0.4f * unit(rng)), w = o[3] * (0.8f + 0.4f * unit(rng));
      box[0] = grid(cy - h / 2), box[1] = grid(cx - w / 2), box[2] = grid(cy + h / 2), box[3] = grid(cx + w / 2);
    } else {  // an unmatched anchor anywhere
      const float y = unit(rng), x = unit(rng);
      box[0] = y, box[1] = x, box[2] = y + 0.02f + 0.3f * unit(rng), box[3] = x + 0.02f + 0.3f * unit(rng);
    }
    if (rng() % 8 == 0) std::swap(box[0], box[2]), std::swap(box[1], box[3]);  // flipped corners
    for (int64_t k = 0; k < classes; ++k) std::copy(box, box + 4, b + (a * classes + k) * 4);
  }
  float* s = c.scores.data<float>();
  for (int64_t i = 0; i < rows; ++i) {
    const float u = unit(rng);
    if (u < pass_fraction) s[i] = static_cast<float>(2 + rng() % 127) / 128;  // (0.01, 1]: ties
    else if (u < pass_fraction + 0.001) s[i] = 0.01f;                         // on the threshold
    else if (u < pass_fraction + 0.002) s[i] = -static_cast<float>(rng() % 4) / 4;
    else s[i] = static_cast<float>(rng() % 64) / 6400;                        // [0, 0.01): ties
  }
  return c;
}

// One NonMaxSuppression node with gluon-cv's thresholds; has_score_threshold false leaves input 4 out.
inline void build_gluon_nms(ModelBuilder& b, int64_t rows, int64_t max_output, bool has_score_threshold) {
  b.add_input("boxes", DataType::Float, {1, rows, 4});
  b.add_input("scores", DataType::Float, {1, 1, rows});
  b.add_initializer("max_out", make_tensor<int64_t>({1}, {max_output}));
  b.add_initializer("iou", make_tensor<float>({1}, {0.45f}));
  std::vector<std::string> in{"boxes", "scores", "max_out", "iou"};
  if (has_score_threshold) {
    b.add_initializer("score_thr", make_tensor<float>({1}, {0.01f}));
    in.push_back("score_thr");
  }
  b.add_node("NonMaxSuppression", in, {"selected"});
  b.add_output("selected", DataType::Int64, {-1, 3}, {"num_selected"});
}

// ssdx and onnxruntime select the same rows in the same order; returns how many.
inline int64_t expect_gluon_nms_parity(const GluonNmsCase& c, int64_t max_output, bool has_score_threshold,
                                       const std::string& name) {
  const int64_t rows = c.boxes.dim(1);
  ModelBuilder b(12, 7);
  build_gluon_nms(b, rows, max_output, has_score_threshold);
  TempModelFile file(b, name);
  const TensorMap feeds{{"boxes", c.boxes}, {"scores", c.scores}};
  const Tensor ours = Session::load(file.path)->run(feeds).at("selected");
  const Tensor ref = run_ort(file.path, feeds).at("selected");
  EXPECT_EQ(shape_str(ours.shape()), shape_str(ref.shape())) << name;
  if (ours.shape() == ref.shape()) {
    for (int64_t i = 0; i < ref.numel(); ++i) {
      if (ours.data<int64_t>()[i] != ref.data<int64_t>()[i]) {
        ADD_FAILURE() << name << ": row " << i / 3 << " differs from onnxruntime's";
        break;
      }
    }
  }
  return ref.dim(0);
}

}  // namespace ssdx::test
