#pragma once
// The SSD-ResNet34 model family of docs/ssd12_model.md, generated with deterministic synthetic weights:
// same architecture, graph structure and post-processing node chain as the model zoo's ssd-10 / ssd-12.
#include <cstdint>
#include <string>
#include <vector>

namespace ssdx::models {

struct SsdModelOptions {
  int size = 1200;              // input is [1, 3, size, size]
  int opset = 12;               // 10 (ssd-10) or 12 (ssd-12)
  uint32_t seed = 1;
  bool fold_bn = false;         // false: 29 bias-free Conv + BatchNormalization; true: Conv with bias only
  bool constant_view_shapes = false;  // head views as Reshape with constant shapes instead of Shape/Gather/... chains
};

// Feature-map grid of each of the six detection heads for an input of `size` (50, 25, 13, 7, 3, 3 at 1200).
std::vector<int> ssd_head_grids(int size);
// Default boxes (cx, cy, w, h) normalised to [0, 1], in the heads' slot-major order; 15130 boxes at 1200.
std::vector<float> ssd_default_boxes(int size);
// Writes the model to `path` (fails if the size is too small for the unpadded extra layers).
void write_ssd_model(const SsdModelOptions& opts, const std::string& path);
// Writes only the model's post-processing (box decode, softmax, NMS, the TopK chain): the twelve head outputs are its
// graph inputs, in the order the heads run (for each of the six feature maps: box regression [1, 4 nd, g, g], then
// class scores [1, 81 nd, g, g], whose first nd channels are the background class).
void write_ssd_postprocess_model(const SsdModelOptions& opts, const std::string& path);

}  // namespace ssdx::models
