// mmdetection's SSD300 in IGIE's export form (models/mmdet_ssd300.h): the network of models/mmdet_ssd300_body.cpp
// with its L2Norm as traced from mmdet's code and its twelve head maps as outputs.
#include "models/mmdet_ssd300.h"

#include "app/input_spec.h"
#include "graph/error.h"
#include "models/mmdet_ssd300_body.h"

namespace ssdx::models {
namespace {

// The network's twelve head maps become the graph's outputs: all class maps, then all box maps (SSDHead's order).
void build(ModelBuilder& b, const MmdetSsd300Options& o) {
  const int64_t batch = o.dynamic_batch ? -1 : 1;
  b.add_input("input", DataType::Float, {batch, 3, 300, 300}, {"batch", "", "", ""});
  const MmdetSsd300Heads heads = add_mmdet_ssd300_network(b, "input", o.seed, o.classes, L2NormForm::Igie);
  for (int m = 0; m < 6; ++m) {
    const int64_t a = kMmdetSsd300Anchors[m], g = kMmdetSsd300Grids[m];
    b.add_output(heads.cls[static_cast<size_t>(m)], DataType::Float, {batch, a * (o.classes + 1), g, g},
                 {"batch", "", "", ""});
  }
  for (int m = 0; m < 6; ++m) {
    const int64_t a = kMmdetSsd300Anchors[m], g = kMmdetSsd300Grids[m];
    b.add_output(heads.box[static_cast<size_t>(m)], DataType::Float, {batch, a * 4, g, g}, {"batch", "", "", ""});
  }
}

}  // namespace

std::unique_ptr<ModelBuilder> mmdet_ssd300_builder(const MmdetSsd300Options& opts) {
  if (opts.classes < 1 || opts.classes > 1000) fail("mmdet-ssd300: --classes must be in [1, 1000], got ", opts.classes);
  auto b = std::make_unique<ModelBuilder>(13);
  build(*b, opts);
  set_mmdet_ssd300_preprocessing(*b);
  b->set_metadata(app::kMetaDescription,
                  "mmdetection SSD300 (VGG16) in IGIE's ONNX export form: raw class and box head outputs, " +
                      std::string(opts.dynamic_batch ? "dynamic" : "static") +
                      " batch, with deterministic synthetic weights (seed " + std::to_string(opts.seed) +
                      "), made by ssdx make-model");
  return b;
}

void write_mmdet_ssd300_model(const MmdetSsd300Options& opts, const std::string& path) { mmdet_ssd300_builder(opts)->save(path); }

}  // namespace ssdx::models
