#pragma once
// NonMaxSuppression's selection on raw arrays, exposed so tests can hold the fast path to the reference.
#include <cstdint>
#include <vector>

#include "ops/cpu_isa.h"

namespace ssdx {

// The optional scalar inputs 2-4, with onnxruntime's defaults.
struct NmsThresholds {
  int64_t max_output = 0;  // per batch and class
  float iou = 0.f;
  bool has_score_threshold = false;
  float score = 0.f;
};

// One call: boxes [batches, boxes, 4] and scores [batches, classes, boxes].
struct NmsProblem {
  const float* boxes = nullptr;
  const float* scores = nullptr;
  int64_t batches = 0, classes = 0, boxes_per_batch = 0;
  int64_t center_point_box = 0;  // 0: [y1, x1, y2, x2] (any diagonal corners); 1: [x_center, y_center, w, h]
  NmsThresholds thresholds;
};

// The selected (batch, class, box) triples, flattened, in onnxruntime's order (batch, then class, then selection).
// The reference follows ORT's code step by step; the fast path gives the same triples: it gathers candidates as
// integer keys without per-row scratch, sorts them (or, when there are many, only bands of the highest scores),
// tests IoU against all selected boxes at once in `isa`'s vectors with ORT's float operations, and spreads the
// classes over threads (docs/nms.md).
std::vector<int64_t> nms_reference(const NmsProblem& p);
std::vector<int64_t> nms_fast(const NmsProblem& p, Isa isa);

}  // namespace ssdx
