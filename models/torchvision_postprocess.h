#pragma once
// The detection tail torchvision's SSD and SSDlite share, as torch.onnx.export writes it: default boxes (constants
// after folding), BoxCoder decode with weights (10, 10, 5, 5), clipping to the image with Max/Min, softmax, the
// per-class pick unrolled once per foreground class, batched NMS by the coordinate-offset trick inside
// If(numel == 0), the top 200 and the boxes scaled back to the size of the image given.
#include <string>
#include <vector>

#include "graph/onnx_builder.h"

namespace ssdx::models {

// DefaultBoxGenerator's anchors for a square `size` image, as x1, y1, x2, y2 in its pixels, location-major (row,
// column, then the anchor's (w, h) pairs: s_k, sqrt(s_k s_k+1), then w = s_k sqrt(r), h = s_k / sqrt(r) and the
// swap per ratio r), each pair clipped to [0, 1]. steps empty: the cell size is 1 / grid.
std::vector<float> torchvision_default_boxes(int size, const std::vector<int>& grids,
                                             const std::vector<std::vector<int>>& ratios,
                                             const std::vector<float>& scales, const std::vector<int>& steps);

struct TorchvisionTail {
  std::string images;           // the graph input [3, H, W]
  int in_height = 0, in_width = 0;  // its sides; 0: symbolic (read with Shape at run time)
  int size = 300;               // the network's square input
  int classes = 91;             // background (0) included
  std::string cls_logits;       // [1, anchors, classes]
  std::string bbox_regression;  // [1, anchors, 4]
  std::vector<float> anchors;   // torchvision_default_boxes()
};

// Adds the tail and the graph outputs boxes [n, 4], scores [n], labels [n] (int64).
void add_torchvision_postprocess(ModelBuilder& b, const TorchvisionTail& t);

}  // namespace ssdx::models
