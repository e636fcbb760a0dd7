// mmdetection's SSD300 in IGIE's export form (models/mmdet_ssd300.h).
//  - VGG16 (mmcv's VGG with ceil_mode pools): 13 3x3 convs + ReLU in five stages, 2x2 stride-2 pools with ceil
//    mode (75 -> 38 keeps the border row), pool5 3x3 stride 1 pad 1, then fc6 as a 3x3 conv with dilation 6
//    (512 -> 1024) and fc7 1x1 (1024 -> 1024), each + ReLU.
//  - L2Norm(512, scale 20) on conv4_3, exported from its PyTorch code as
//    Pow(x, 2) -> ReduceSum(axis 1, keepdims) -> Sqrt -> Add(eps) ; Expand(weight[1,512,1,1], Shape(x)) -> Mul(x) -> Div:
//    the Expand follows the dynamic batch, so the simplifier keeps it.
//  - SSDNeck's extra layers for 300: 1x1 1024->256, 3x3/2 p1 ->512, 1x1 ->128, 3x3/2 p1 ->256, 1x1 ->128, 3x3 p0 ->256,
//    1x1 ->128, 3x3 p0 ->256, each + ReLU: maps 10, 5, 3, 1.
//  - SSDHead: per map a 3x3 pad-1 class conv (A * (classes + 1)) and box conv (A * 4); outputs raw, no decode.
#include "models/mmdet_ssd300.h"

#include <cmath>

#include "app/coco_labels.h"
#include "app/input_spec.h"
#include "graph/error.h"
#include "models/node_maker.h"
#include "models/seeded_rng.h"

namespace ssdx::models {
namespace {

class MmdetSsd300Graph : private NodeMaker {
 public:
  MmdetSsd300Graph(ModelBuilder& b, const MmdetSsd300Options& o) : NodeMaker(b), o_(o), rng_(o.seed) {}

  void build() {
    const Shape in = {o_.dynamic_batch ? -1 : 1, 3, 300, 300};
    b_.add_input("input", DataType::Float, in, {"batch", "", "", ""});
    std::vector<std::string> maps;
    std::string x = "input";
    int c = 3;
    const int stage_convs[5] = {2, 2, 3, 3, 3}, stage_width[5] = {64, 128, 256, 512, 512};
    for (int s = 0; s < 5; ++s) {
      for (int k = 0; k < stage_convs[s]; ++k, c = stage_width[s]) x = relu(conv(x, c, stage_width[s], 3, 1, 1, 1));
      if (s == 3) maps.push_back(l2norm(x, c));
      x = s < 4 ? pool(x, 2, 2, 0) : pool(x, 3, 1, 1);
    }
    x = relu(conv(x, 512, 1024, 3, 1, 6, 6));   // fc6
    x = relu(conv(x, 1024, 1024, 1, 1, 0, 1));  // fc7
    maps.push_back(x);
    const int extra[4][2] = {{256, 512}, {128, 256}, {128, 256}, {128, 256}};
    c = 1024;
    for (int e = 0; e < 4; ++e) {
      x = relu(conv(x, c, extra[e][0], 1, 1, 0, 1));
      const bool down = e < 2;
      x = relu(conv(x, extra[e][0], extra[e][1], 3, down ? 2 : 1, down ? 1 : 0, 1));
      c = extra[e][1];
      maps.push_back(x);
    }
    const int channels[6] = {512, 1024, 512, 256, 256, 256};
    // mmdet's SSDHead runs the class and box conv of each map in turn, and returns all class maps, then all box maps.
    std::vector<std::pair<std::string, Shape>> cls, box;
    const int64_t batch = o_.dynamic_batch ? -1 : 1;
    for (int m = 0; m < 6; ++m) {
      const int a = kMmdetSsd300Anchors[m];
      const int64_t g = kMmdetSsd300Grids[m];
      const std::string c_name = "cls_score_" + std::to_string(m), b_name = "bbox_pred_" + std::to_string(m);
      conv(maps[m], channels[m], a * (o_.classes + 1), 3, 1, 1, 1, kClassGain, c_name);
      conv(maps[m], channels[m], a * 4, 3, 1, 1, 1, kBoxGain, b_name);
      cls.push_back({c_name, {batch, a * (o_.classes + 1), g, g}});
      box.push_back({b_name, {batch, a * 4, g, g}});
    }
    for (const auto* outs : {&cls, &box})
      for (const auto& [name, shape] : *outs) b_.add_output(name, DataType::Float, shape, {"batch", "", "", ""});
  }

 private:
  // He-scaled weights keep activations of the same order through the 15 ReLU convs; the heads are scaled down so
  // the logits spread over a few units (varied, unsaturated softmax scores) and the box deltas stay small.
  static constexpr float kClassGain = 0.25f, kBoxGain = 0.1f;

  // `out` names the output (a graph output); empty: a fresh name.
  std::string conv(const std::string& x, int cin, int cout, int k, int stride, int pad, int dilation, float gain = 1.f,
                   const std::string& out = "") {
    const std::string w = fresh("weight"), bias = fresh("bias");
    const float stddev = gain * std::sqrt(2.f / static_cast<float>(cin * k * k));
    std::vector<float> wv(static_cast<size_t>(cout) * cin * k * k), bv(static_cast<size_t>(cout));
    for (float& v : wv) v = rng_.normal(stddev);
    for (float& v : bv) v = rng_.uniform(-0.05f, 0.05f);
    b_.add_initializer(w, make_tensor<float>({cout, cin, k, k}, wv));
    b_.add_initializer(bias, make_tensor<float>({cout}, bv));
    Attributes a;
    a.set_ints("kernel_shape", {k, k});
    a.set_ints("strides", {stride, stride});
    a.set_ints("pads", {pad, pad, pad, pad});
    a.set_ints("dilations", {dilation, dilation});
    if (out.empty()) return node("Conv", {x, w, bias}, a);
    b_.add_node("Conv", {x, w, bias}, {out}, a, out);
    return out;
  }
  std::string relu(const std::string& x) { return node("Relu", {x}); }
  std::string pool(const std::string& x, int k, int stride, int pad) {
    Attributes a;
    a.set_ints("kernel_shape", {k, k});
    a.set_ints("strides", {stride, stride});
    a.set_ints("pads", {pad, pad, pad, pad});
    a.set_int("ceil_mode", 1);
    return node("MaxPool", {x}, a);
  }
  // mmdet's L2Norm: weight * x / (sqrt(sum(x^2 over channels)) + eps), weight initialised to the scale 20.
  std::string l2norm(const std::string& x, int c) {
    const std::string sq = node("Pow", {x, constant<float>({}, {2.f})});
    const std::string sum = node("ReduceSum", {sq, constant<int64_t>({1}, {1})}, Attributes::integer("keepdims", 1));
    const std::string norm = node("Add", {node("Sqrt", {sum}), constant<float>({}, {1e-10f})});
    std::vector<float> weight(static_cast<size_t>(c));
    for (float& v : weight) v = 20.f * rng_.uniform(0.9f, 1.1f);
    const std::string expanded = node("Expand", {constant<float>({1, c, 1, 1}, weight), node("Shape", {x})});
    return node("Div", {node("Mul", {expanded, x}), norm});
  }
  const MmdetSsd300Options& o_;
  Rng rng_;
};

}  // namespace

std::unique_ptr<ModelBuilder> mmdet_ssd300_builder(const MmdetSsd300Options& opts) {
  if (opts.classes < 1 || opts.classes > 1000) fail("mmdet-ssd300: --classes must be in [1, 1000], got ", opts.classes);
  auto b = std::make_unique<ModelBuilder>(13);
  MmdetSsd300Graph(*b, opts).build();
  // mmdet's data preprocessor: RGB minus (123.675, 116.28, 103.53) with std 1 on 0..255 pixels, stretched to 300x300
  // with OpenCV's bilinear resize (half-pixel centres, no antialiasing).
  b->set_metadata(app::kMetaChannelOrder, "RGB");
  b->set_metadata(app::kMetaMean, "0.485,0.456,0.406");
  b->set_metadata(app::kMetaStd, "0.00392156862745098,0.00392156862745098,0.00392156862745098");
  b->set_metadata(app::kMetaResize, "stretch");
  b->set_metadata(app::kMetaInterpolation, "bilinear");
  b->set_metadata(app::kMetaDescription,
                  "mmdetection SSD300 (VGG16) in IGIE's ONNX export form: raw class and box head outputs, " +
                      std::string(opts.dynamic_batch ? "dynamic" : "static") +
                      " batch, with deterministic synthetic weights (seed " + std::to_string(opts.seed) +
                      "), made by ssdx make-model");
  return b;
}

void write_mmdet_ssd300_model(const MmdetSsd300Options& opts, const std::string& path) { mmdet_ssd300_builder(opts)->save(path); }

}  // namespace ssdx::models
