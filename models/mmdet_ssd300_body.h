#pragma once
// The network of mmdetection's SSD300 (VGG16, SSDNeck, SSDHead) with synthetic weights from a seed, shared by the
// export forms that differ around it: IGIE's raw heads (models/mmdet_ssd300.h) and mmdeploy's end-to-end model
// (models/mmdeploy_ssd300.h). The same seed gives the same weights in both. docs/mmdet_ssd300.md has the facts.
#include <cstdint>
#include <string>
#include <vector>

#include "graph/onnx_builder.h"

namespace ssdx::models {

// How the exporter wrote L2Norm on conv4_3: IGIE traces mmdet's own code (Pow, ReduceSum, Sqrt, Add eps, then
// Expand(weight) * x / norm); mmdeploy rewrites it as F.normalize(x, dim=1) * weight (ReduceL2, Clip, Expand, Div,
// Mul).
enum class L2NormForm { Igie, Mmdeploy };

// The head maps, level by level: cls_score_<m> [N, A*(classes+1), H, W] and bbox_pred_<m> [N, A*4, H, W].
struct MmdetSsd300Heads {
  std::vector<std::string> cls, box;
};

// Writes the network from value `input` ([N, 3, 300, 300], RGB minus mean, std 1) into `b`.
MmdetSsd300Heads add_mmdet_ssd300_network(ModelBuilder& b, const std::string& input, uint32_t seed, int classes,
                                          L2NormForm form);

// The preprocessing metadata both forms carry: mmdet's data preprocessor (RGB minus the mean, std 1, stretched).
void set_mmdet_ssd300_preprocessing(ModelBuilder& b);

}  // namespace ssdx::models
