// mmdetection's SSD300 network (models/mmdet_ssd300_body.h).
//  - VGG16 (mmcv's VGG with ceil_mode pools, models/vgg16_ssd_body.h): 13 3x3 convs + ReLU in five stages, 2x2
//    stride-2 pools with ceil mode (75 -> 38 keeps the border row), pool5 3x3 stride 1 pad 1, then fc6 as a 3x3 conv
//    with dilation 6 (512 -> 1024) and fc7 1x1 (1024 -> 1024), each + ReLU.
//  - L2Norm(512, scale 20) on conv4_3 in the exporter's form (L2NormForm).
//  - SSDNeck's extra layers for 300: 1x1 1024->256, 3x3/2 p1 ->512, 1x1 ->128, 3x3/2 p1 ->256, 1x1 ->128, 3x3 p0 ->256,
//    1x1 ->128, 3x3 p0 ->256, each + ReLU: maps 10, 5, 3, 1.
//  - SSDHead: per map a 3x3 pad-1 class conv (A * (classes + 1)) and box conv (A * 4), run in turn per map.
#include "models/mmdet_ssd300_body.h"

#include <cmath>

#include "app/input_spec.h"
#include "models/mmdet_ssd300.h"
#include "models/node_maker.h"
#include "models/seeded_rng.h"
#include "models/vgg16_ssd_body.h"

namespace ssdx::models {
namespace {

class Network : private NodeMaker {
 public:
  Network(ModelBuilder& b, uint32_t seed, int classes, L2NormForm form)
      : NodeMaker(b), rng_(seed), classes_(classes), form_(form) {}

  MmdetSsd300Heads build(const std::string& input) {
    Vgg16SsdLayers layers;
    layers.conv = [this](const std::string& x, int cin, int cout, int k, int stride, int pad, int dilation,
                         float gain) { return conv(x, cin, cout, k, stride, pad, dilation, gain); };
    layers.relu = [this](const std::string& x) { return relu(x); };
    layers.max_pool = [this](const std::string& x, int k, int stride, int pad, bool ceil) {
      return max_pool(x, k, stride, pad, ceil);
    };
    layers.l2_normalize = [this](const std::string& x, int c) { return l2norm(x, c); };
    const std::vector<std::string> maps = add_vgg16_ssd_body(layers, input);
    const int channels[6] = {512, 1024, 512, 256, 256, 256};
    MmdetSsd300Heads heads;
    for (int m = 0; m < 6; ++m) {
      const int a = kMmdetSsd300Anchors[m];
      heads.cls.push_back(conv(maps[m], channels[m], a * (classes_ + 1), 3, 1, 1, 1, kClassGain,
                               "cls_score_" + std::to_string(m), a));
      heads.box.push_back(conv(maps[m], channels[m], a * 4, 3, 1, 1, 1, kBoxGain, "bbox_pred_" + std::to_string(m)));
    }
    return heads;
  }

 private:
  // He-scaled weights keep activations of the same order through the 15 ReLU convs. The class heads' weights are
  // centred per output channel (ReLU features have a positive mean, which would otherwise let one class win at
  // every anchor) and the background logit (the last of each anchor's classes + 1) is raised, as trained detectors'
  // is, so only some anchors pass the 0.02 threshold; the gain spreads the class logits over a few units: varied,
  // unsaturated scores on photos. The box deltas stay small.
  static constexpr float kClassGain = 1.5f, kBoxGain = 0.1f, kBackgroundBias = 9.f;

  // `out` names the output; empty: a fresh name. `background` > 0: a class head with that many anchors.
  std::string conv(const std::string& x, int cin, int cout, int k, int stride, int pad, int dilation, float gain = 1.f,
                   const std::string& out = "", int background = 0) {
    const std::string w = fresh("weight"), bias = fresh("bias");
    const int fan_in = cin * k * k;
    std::vector<float> wv = rng_.he_normal(static_cast<size_t>(cout) * fan_in, fan_in, gain);
    std::vector<float> bv = rng_.uniforms(static_cast<size_t>(cout), -0.05f, 0.05f);
    if (background > 0) {
      centre_rows(wv, fan_in);
      for (int a = 0; a < background; ++a) bv[static_cast<size_t>(a * (classes_ + 1) + classes_)] += kBackgroundBias;
    }
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
  // mmdet's L2Norm: weight * x / (sqrt(sum(x^2 over channels)) + eps), weight initialised to the scale 20; mmdeploy's
  // rewrite: x / max(||x||_2, 1e-12) * weight.
  std::string l2norm(const std::string& x, int c) {
    const std::vector<float> weight = l2_scale(rng_, c);
    if (form_ == L2NormForm::Mmdeploy) {
      Attributes r = Attributes::ints("axes", {1});
      r.set_int("keepdims", 1);
      const std::string norm = node("Clip", {node("ReduceL2", {x}, r), constant<float>({}, {1e-12f}), ""});
      const std::string normed = node("Div", {x, node("Expand", {norm, node("Shape", {x})})});
      return node("Mul", {normed, constant<float>({1, c, 1, 1}, weight)});
    }
    const std::string sq = node("Pow", {x, constant<float>({}, {2.f})});
    const std::string sum = node("ReduceSum", {sq, constant<int64_t>({1}, {1})}, Attributes::integer("keepdims", 1));
    const std::string norm = node("Add", {node("Sqrt", {sum}), constant<float>({}, {1e-10f})});
    const std::string expanded = node("Expand", {constant<float>({1, c, 1, 1}, weight), node("Shape", {x})});
    return node("Div", {node("Mul", {expanded, x}), norm});
  }
  Rng rng_;
  const int classes_;
  const L2NormForm form_;
};

}  // namespace

MmdetSsd300Heads add_mmdet_ssd300_network(ModelBuilder& b, const std::string& input, uint32_t seed, int classes,
                                          L2NormForm form) {
  return Network(b, seed, classes, form).build(input);
}

void set_mmdet_ssd300_preprocessing(ModelBuilder& b) {
  // RGB minus (123.675, 116.28, 103.53) with std 1 on 0..255 pixels, stretched to 300x300 with OpenCV's bilinear
  // resize (half-pixel centres, no antialiasing); in the metadata contract pixel/255 comes first.
  b.set_metadata(app::kMetaChannelOrder, "RGB");
  b.set_metadata(app::kMetaMean, "0.485,0.456,0.406");
  b.set_metadata(app::kMetaStd, "0.00392156862745098,0.00392156862745098,0.00392156862745098");
  b.set_metadata(app::kMetaResize, "stretch");
  b.set_metadata(app::kMetaInterpolation, "bilinear");
}

}  // namespace ssdx::models
