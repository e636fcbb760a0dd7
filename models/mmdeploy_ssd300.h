#pragma once
// mmdetection's SSD300 (VGG16) as mmdeploy exports it end to end for onnxruntime (static batch 1, opset 11): the
// network of models/mmdet_ssd300_body.h with L2Norm rewritten as F.normalize, then mmdeploy's rewrite of SSDHead's
// post-processing as ONNX nodes. Synthetic weights from a seed (the same as --arch mmdet-ssd300's for that seed).
// docs/mmdet_ssd300.md ("mmdeploy's end-to-end form") has the graph and its sources.
#include <cstdint>
#include <string>

namespace ssdx::models {

struct MmdeploySsd300Options {
  uint32_t seed = 1;
};

// Input "input" [1, 3, 300, 300]; outputs dets [1, D, 5] (x1, y1, x2, y2, score in input pixels) and labels
// [1, D] int64 (0-based over 80 classes), D = min(200, NMS kept + 1) rows in score order, the last of them a zero row
// when fewer than 200 were kept.
void write_mmdeploy_ssd300_model(const MmdeploySsd300Options& opts, const std::string& path);

}  // namespace ssdx::models
