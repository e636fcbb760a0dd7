#pragma once
// mmdetection's SSD300 (VGG16) as IGIE exports it: torch.onnx.export at opset 13 with a dynamic batch, then
// onnx-simplifier. Synthetic weights from a seed. docs/mmdet_ssd300.md has the architecture and its sources.
#include <cstdint>
#include <string>

#include "graph/onnx_builder.h"

namespace ssdx::models {

struct MmdetSsd300Options {
  uint32_t seed = 1;
  bool dynamic_batch = true;  // input [batch, 3, 300, 300] with a symbolic batch; false: batch 1
  int classes = 80;           // the class heads have classes + 1 channels per anchor, background last
};

// Anchors per location of the six feature maps (38, 19, 10, 5, 3, 1): 4, 6, 6, 6, 4, 4 (8732 in all).
constexpr int kMmdetSsd300Anchors[6] = {4, 6, 6, 6, 4, 4};
constexpr int kMmdetSsd300Grids[6] = {38, 19, 10, 5, 3, 1};

// The model: input "input", twelve outputs: cls_score_0..5 [N, A*(classes+1), H, W] then bbox_pred_0..5 [N, A*4, H, W].
std::unique_ptr<ModelBuilder> mmdet_ssd300_builder(const MmdetSsd300Options& opts);
void write_mmdet_ssd300_model(const MmdetSsd300Options& opts, const std::string& path);

}  // namespace ssdx::models
