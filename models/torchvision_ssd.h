#pragma once
// torchvision's SSD300-VGG16 and SSDlite320-MobileNetV3-Large detectors (COCO-91 heads) in the graph form
// torch.onnx.export writes for them at opset 12, with synthetic weights from a seed. docs/torchvision_ssd.md has the
// architecture, the graph form and their sources.
#include <cstdint>
#include <memory>
#include <string>

#include "graph/onnx_builder.h"

namespace ssdx::models {

enum class TorchvisionArch { Ssd300Vgg16, Ssdlite320MobileNetV3Large };

struct TorchvisionSsdOptions {
  TorchvisionArch arch = TorchvisionArch::Ssd300Vgg16;
  uint32_t seed = 1;
  // The unbatched input [3, height, width] in 0..1. Exported without dynamic_axes, H and W are the example image's
  // (fixed); with dynamic_axes they are symbolic. 0: the model's own size (300 or 320). dynamic_size: symbolic H, W.
  int height = 0, width = 0;
  bool dynamic_size = false;
};

// Per-architecture facts the structure test and docs check: the network's input size, anchors per location, grids.
struct TorchvisionSsdFacts {
  int size;           // the in-graph Resize target (fixed_size, square)
  int anchors[6];     // per location of each feature map
  int grids[6];       // feature map sides
  int head_channels[6];
};
const TorchvisionSsdFacts& torchvision_ssd_facts(TorchvisionArch arch);
int64_t torchvision_ssd_anchor_count(TorchvisionArch arch);

// Input "images" [3, H, W]; outputs "boxes" [n, 4] (x1, y1, x2, y2 in the input's pixels), "scores" [n],
// "labels" [n] int64 (1-based COCO-91 ids), n <= 200 decided at run time.
std::unique_ptr<ModelBuilder> torchvision_ssd_builder(const TorchvisionSsdOptions& opts);
void write_torchvision_ssd_model(const TorchvisionSsdOptions& opts, const std::string& path);

// "tv-ssd300_vgg16" / "tv-ssdlite320_mobilenet_v3_large"; false for any other name.
bool parse_torchvision_arch(const std::string& name, TorchvisionArch* arch);

}  // namespace ssdx::models
