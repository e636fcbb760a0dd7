#pragma once
// gluon-cv's SSDs (ssd_300_vgg16_atrous, ssd_512_vgg16_atrous, ssd_512_resnet50_v1, ssd_512_mobilenet1.0; VOC or
// COCO) in the graph form MXNet 1.9's ONNX exporter (mx2onnx, opset 13) writes for a pretrained gluon-cv model,
// with synthetic weights from a seed. docs/gluon_ssd.md has the architectures, the graph form and their sources.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/onnx_builder.h"

namespace ssdx::models {

enum class GluonArch { Vgg16Atrous300, Vgg16Atrous512, ResNet50V1_512, MobileNet1_512 };

struct GluonSsdOptions {
  GluonArch arch = GluonArch::Vgg16Atrous300;
  uint32_t seed = 1;
  int classes = 20;           // 20: VOC, 80: COCO (the anchor sizes of some archs differ between the two)
  bool export_block = false;  // gluon-cv's export_block front: NHWC 0..255 input, mean/std and Transpose in the graph
};

// What the structure test and the docs check, per architecture and dataset.
struct GluonSsdFacts {
  int size;                     // the square input side
  int maps;                     // feature maps (6 or 7)
  std::vector<int> anchors;     // per location of each map
  std::vector<int> grids;       // map sides
  std::vector<int> channels;    // channels of each map (the heads' input)
  std::vector<double> sizes;    // gluon-cv's anchor sizes, maps + 1 of them, in input pixels
  std::vector<double> steps;    // anchor centre steps, in input pixels
};
GluonSsdFacts gluon_ssd_facts(GluonArch arch, int classes);
int64_t gluon_ssd_anchor_count(const GluonSsdFacts& f);

// Input "data" [1, 3, S, S] ImageNet-normalised (export_block: [1, S, S, 3] RGB 0..255); outputs "ids" [1, 100, 1]
// (float class index, 0-based, -1 padding), "scores" [1, 100, 1], "bboxes" [1, 100, 4] (x1, y1, x2, y2 in input
// pixels), best first, padded with -1 rows.
std::unique_ptr<ModelBuilder> gluon_ssd_builder(const GluonSsdOptions& opts);
void write_gluon_ssd_model(const GluonSsdOptions& opts, const std::string& path);

// "gluon-ssd_300_vgg16_atrous", "gluon-ssd_512_vgg16_atrous", "gluon-ssd_512_resnet50_v1",
// "gluon-ssd_512_mobilenet1.0"; false for any other name.
bool parse_gluon_arch(const std::string& name, GluonArch* arch);
std::string gluon_arch_name(GluonArch arch);

}  // namespace ssdx::models
