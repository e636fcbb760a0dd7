#pragma once
// mmdetection's SSD300 test-time post-processing (SSDHead.predict_by_feat with test_cfg nms_pre 1000, score_thr
// 0.02, NMS IoU 0.45, max_per_img 200) appended as ONNX nodes to the twelve raw head outputs of the IGIE export.
// docs/mmdet_ssd300.md ("Post-processing") has the anchors, the decode and the choices made.
#include <string>
#include <vector>

#include "graph/graph.h"

namespace ssdx::models {

// SSDAnchorGenerator's anchors for the 300x300 SSD, level by level, cell row-major, anchors within a cell, each as
// x1, y1, x2, y2 in input pixels.
std::vector<float> mmdet_ssd300_anchors();

// Replaces the twelve outputs cls_score_0..5 / bbox_pred_0..5 of a loaded graph with dets [N, 200, 5]
// (x1, y1, x2, y2, score; input pixels) and labels [N, 200] (int64, 0-based; padding rows: score 0, label -1).
// Throws a one-line error when the graph does not have that form or its batch is not fixed.
void add_mmdet_ssd300_postprocess(Graph& g);

}  // namespace ssdx::models
