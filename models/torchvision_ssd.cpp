// torchvision's SSD300-VGG16 and SSDlite320-MobileNetV3-Large in torch.onnx.export's form (models/torchvision_ssd.h).
//  - transform (GeneralizedRCNNTransform): (image - mean) / std on the unbatched [3, H, W], Unsqueeze to a batch of
//    one, then interpolate(size = fixed_size, bilinear, align_corners False): Resize linear/half_pixel with sizes
//    from Concat(Shape(x)[0:2], [S, S]).
//  - SSD300: VGG16 to conv4_3 (the third pool in ceil mode, 75 -> 38), F.normalize(conv4_3) * weight (20 at init) as
//    ReduceL2 -> Clip(min 1e-12) -> Expand -> Div -> Mul; pool4, conv5_x, pool5 3x3/1 pad 1, fc6 3x3 dilation 6,
//    fc7 1x1, four extras (1x1 then 3x3: 512 s2, 256 s2, 256 p0, 256 p0): maps 38, 19, 10, 5, 3, 1.
//  - SSDlite320: MobileNetV3-Large features (BatchNorm folded into the convs as the exporter does in eval mode),
//    split at C4: its expansion 1x1 output (672 ch, 20x20) and the end (480 ch, reduced tail, 10x10); four extras
//    (1x1 -> depthwise 3x3/2 -> 1x1, ReLU6 as Clip(0, 6)): 5, 3, 2, 1; heads depthwise 3x3 + ReLU6 then 1x1.
//  - heads: per map conv -> Reshape [1, A, K, H, W] -> Transpose (0, 3, 4, 1, 2) -> Reshape [1, -1, K], concatenated.
#include "models/torchvision_ssd.h"

#include <cmath>

#include "app/input_spec.h"
#include "graph/error.h"
#include "models/node_maker.h"
#include "models/seeded_rng.h"
#include "models/torchvision_postprocess.h"
#include "models/vgg16_ssd_body.h"

namespace ssdx::models {

const TorchvisionSsdFacts& torchvision_ssd_facts(TorchvisionArch arch) {
  static const TorchvisionSsdFacts vgg = {300, {4, 6, 6, 6, 4, 4}, {38, 19, 10, 5, 3, 1}, {512, 1024, 512, 256, 256, 256}};
  static const TorchvisionSsdFacts lite = {320, {6, 6, 6, 6, 6, 6}, {20, 10, 5, 3, 2, 1}, {672, 480, 512, 256, 256, 128}};
  return arch == TorchvisionArch::Ssd300Vgg16 ? vgg : lite;
}

int64_t torchvision_ssd_anchor_count(TorchvisionArch arch) {
  const auto& f = torchvision_ssd_facts(arch);
  int64_t n = 0;
  for (int m = 0; m < 6; ++m) n += static_cast<int64_t>(f.anchors[m]) * f.grids[m] * f.grids[m];
  return n;
}

bool parse_torchvision_arch(const std::string& name, TorchvisionArch* arch) {
  if (name == "tv-ssd300_vgg16") return *arch = TorchvisionArch::Ssd300Vgg16, true;
  if (name == "tv-ssdlite320_mobilenet_v3_large") return *arch = TorchvisionArch::Ssdlite320MobileNetV3Large, true;
  return false;
}

namespace {

constexpr int kClasses = 91;

class TorchvisionGraph : private NodeMaker {
 public:
  TorchvisionGraph(ModelBuilder& b, const TorchvisionSsdOptions& o) : NodeMaker(b), o_(o), rng_(o.seed) {}

  void build() {
    const bool vgg = o_.arch == TorchvisionArch::Ssd300Vgg16;
    const auto& f = torchvision_ssd_facts(o_.arch);
    const int h = o_.dynamic_size ? -1 : (o_.height ? o_.height : f.size);
    const int w = o_.dynamic_size ? -1 : (o_.width ? o_.width : f.size);
    b_.add_input("images", DataType::Float, {3, h, w}, {"", "height", "width"});
    const std::string x = transform("images", f.size, vgg ? std::vector<float>{0.48235f, 0.45882f, 0.40784f}
                                                          : std::vector<float>{0.5f, 0.5f, 0.5f},
                                    vgg ? std::vector<float>{1 / 255.f, 1 / 255.f, 1 / 255.f}
                                        : std::vector<float>{0.5f, 0.5f, 0.5f});
    const std::vector<std::string> maps = vgg ? vgg_features(x) : mobilenet_features(x);
    std::vector<std::string> cls, box;
    for (int m = 0; m < 6; ++m) {
      const int c = f.head_channels[m], a = f.anchors[m], g = f.grids[m];
      std::string cls_map, box_map;
      if (vgg) {
        cls_map = conv(maps[m], c, a * kClasses, 3, 1, 1, 1, 1, kVggClassGain, /*background=*/a);
        box_map = conv(maps[m], c, a * 4, 3, 1, 1, 1, 1, kBoxGain);
      } else {
        cls_map = conv(relu6(conv(maps[m], c, c, 3, 1, 1, 1, c)), c, a * kClasses, 1, 1, 0, 1, 1, kLiteClassGain, a);
        box_map = conv(relu6(conv(maps[m], c, c, 3, 1, 1, 1, c)), c, a * 4, 1, 1, 0, 1, 1, kBoxGain);
      }
      cls.push_back(flatten_head(cls_map, a, kClasses, g));
      box.push_back(flatten_head(box_map, a, 4, g));
    }
    TorchvisionTail tail;
    tail.images = "images";
    tail.in_height = h > 0 ? h : 0;
    tail.in_width = w > 0 ? w : 0;
    tail.size = f.size;
    tail.classes = kClasses;
    tail.bbox_regression = node("Concat", box, Attributes::integer("axis", 1));
    tail.cls_logits = node("Concat", cls, Attributes::integer("axis", 1));
    std::vector<int> grids(f.grids, f.grids + 6);
    if (vgg)
      tail.anchors = torchvision_default_boxes(f.size, grids, {{2}, {2, 3}, {2, 3}, {2, 3}, {2}, {2}},
                                               {0.07f, 0.15f, 0.33f, 0.51f, 0.69f, 0.87f, 1.05f},
                                               {8, 16, 32, 64, 100, 300});
    else  // min_ratio 0.2, max_ratio 0.95 over six maps, then 1.0; ratios [2, 3] everywhere, no steps
      tail.anchors = torchvision_default_boxes(f.size, grids, std::vector<std::vector<int>>(6, {2, 3}),
                                               {0.2f, 0.35f, 0.5f, 0.65f, 0.8f, 0.95f, 1.f}, {});
    add_torchvision_postprocess(b_, tail);
  }

 private:
  // He-scaled weights keep activations of one order through the body; the class head's background logit is raised
  // (as trained detectors' are) so that only a few anchors per class pass the 0.01 threshold, and the class logits
  // spread over a few units: varied, unsaturated scores. The box deltas stay small.
  // The class heads' weights are centred per output channel: ReLU features have a positive mean, which would
  // otherwise let one class win at every anchor. SSDlite's features are smaller (hard-swish, unactivated
  // projections), hence its larger head gain.
  static constexpr float kVggClassGain = 0.4f, kLiteClassGain = 30.f, kBoxGain = 0.1f, kBackgroundBias = 8.f;

  std::string transform(const std::string& image, int size, const std::vector<float>& mean,
                        const std::vector<float>& std) {
    const std::string norm = node("Div", {node("Sub", {image, constant<float>({3, 1, 1}, mean)}),
                                          constant<float>({3, 1, 1}, std)});
    const std::string batch = node("Unsqueeze", {norm}, Attributes::ints("axes", {0}));
    const std::string lead = node("Slice", {node("Shape", {batch}), constant<int64_t>({1}, {0}),
                                            constant<int64_t>({1}, {2}), constant<int64_t>({1}, {0})});
    const std::string sizes = node("Concat", {lead, constant<int64_t>({2}, {size, size})}, Attributes::integer("axis", 0));
    Attributes a;
    a.set_string("mode", "linear");
    a.set_string("coordinate_transformation_mode", "half_pixel");
    a.set_string("nearest_mode", "floor");
    a.set_float("cubic_coeff_a", -0.75f);
    return node("Resize", {batch, constant<float>({0}, {}), constant<float>({0}, {}), sizes}, a);
  }

  // VGG16 with only the third pool in ceil mode and F.normalize on conv4_3 (models/vgg16_ssd_body.h).
  std::vector<std::string> vgg_features(const std::string& x) {
    Vgg16SsdLayers layers;
    layers.conv = [this](const std::string& in, int cin, int cout, int k, int stride, int pad, int dilation,
                         float gain) { return conv(in, cin, cout, k, stride, pad, dilation, 1, gain); };
    layers.relu = [this](const std::string& in) { return relu(in); };
    layers.max_pool = [this](const std::string& in, int k, int stride, int pad, bool ceil) {
      return max_pool(in, k, stride, pad, ceil);
    };
    layers.l2_normalize = [this](const std::string& in, int c) { return l2_normalize(in, c); };
    layers.ceil_pools = VggCeilPools::Pool3Only;
    return add_vgg16_ssd_body(layers, x);
  }

  // MobileNetV3-Large: (in, kernel, expanded, out, SE, hard-swish, stride) per inverted residual block, with the
  // reduced tail (the last three blocks and the last conv at half width: 80 / 480 instead of 160 / 960) that
  // torchvision selects when the backbone is not ImageNet-initialised, as for its published COCO weights.
  std::vector<std::string> mobilenet_features(std::string x) {
    struct Block { int in, k, exp, out; bool se, hs; int stride; };
    static const Block blocks[15] = {
        {16, 3, 16, 16, false, false, 1},   {16, 3, 64, 24, false, false, 2},   {24, 3, 72, 24, false, false, 1},
        {24, 5, 72, 40, true, false, 2},    {40, 5, 120, 40, true, false, 1},   {40, 5, 120, 40, true, false, 1},
        {40, 3, 240, 80, false, true, 2},   {80, 3, 200, 80, false, true, 1},   {80, 3, 184, 80, false, true, 1},
        {80, 3, 184, 80, false, true, 1},   {80, 3, 480, 112, true, true, 1},   {112, 3, 672, 112, true, true, 1},
        {112, 5, 672, 80, true, true, 2},   {80, 5, 480, 80, true, true, 1},    {80, 5, 480, 80, true, true, 1}};
    std::vector<std::string> maps;
    // The first conv sees (pixel - 0.5) / 0.5 in [-1, 1].
    x = hardswish(conv(x, 3, 16, 3, 2, 1, 1));
    for (int i = 0; i < 15; ++i) {
      const Block& bl = blocks[i];
      auto act = [&](const std::string& v) { return bl.hs ? hardswish(v) : relu(v); };
      std::string y = x;
      if (bl.exp != bl.in) y = act(conv(y, bl.in, bl.exp, 1, 1, 0, 1));
      if (i == 12) maps.push_back(y);  // C4: the output of its expansion layer, stride 16
      y = act(conv(y, bl.exp, bl.exp, bl.k, bl.stride, (bl.k - 1) / 2, 1, bl.exp));
      if (bl.se) y = squeeze_excite(y, bl.exp);
      y = conv(y, bl.exp, bl.out, 1, 1, 0, 1, 1, kProjectGain);
      x = bl.stride == 1 && bl.in == bl.out ? node("Add", {y, x}) : y;
    }
    x = hardswish(conv(x, 80, 480, 1, 1, 0, 1));
    maps.push_back(x);
    const int extra[4][2] = {{480, 512}, {512, 256}, {256, 256}, {256, 128}};
    for (const auto& e : extra) {
      const int mid = e[1] / 2;
      x = relu6(conv(x, e[0], mid, 1, 1, 0, 1));
      x = relu6(conv(x, mid, mid, 3, 2, 1, 1, mid));
      x = relu6(conv(x, mid, e[1], 1, 1, 0, 1));
      maps.push_back(x);
    }
    return maps;
  }
  // The projections carry no activation: a gain under 1 keeps the residual sums from growing block by block.
  static constexpr float kProjectGain = 0.5f;

  // SqueezeExcitation: GlobalAveragePool -> 1x1 (make_divisible(c / 4, 8)) -> ReLU -> 1x1 -> HardSigmoid -> Mul.
  std::string squeeze_excite(const std::string& x, int c) {
    const int sq = make_divisible(c / 4);
    const std::string pooled = node("GlobalAveragePool", {x});
    const std::string s = hardsigmoid(conv(relu(conv(pooled, c, sq, 1, 1, 0, 1)), sq, c, 1, 1, 0, 1));
    return node("Mul", {s, x});
  }
  static int make_divisible(int v) {
    int n = std::max(8, (v + 4) / 8 * 8);
    if (n < 0.9 * v) n += 8;
    return n;
  }

  // `background`: the anchors per location of a class head, whose channel a * 91 (class 0) gets the raised bias.
  std::string conv(const std::string& x, int cin, int cout, int k, int stride, int pad, int dilation, int group = 1,
                   float gain = 1.f, int background = 0) {
    const int fan_in = cin / group * k * k;
    std::vector<float> wv = rng_.he_normal(static_cast<size_t>(cout) * fan_in, fan_in, gain);
    std::vector<float> bv = rng_.uniforms(static_cast<size_t>(cout), -0.05f, 0.05f);
    if (background > 0) centre_rows(wv, fan_in);
    for (int a = 0; a < background; ++a) bv[static_cast<size_t>(a) * kClasses] += kBackgroundBias;
    const std::string wn = constant<float>({cout, cin / group, k, k}, wv), bn = constant<float>({cout}, bv);
    Attributes a;
    a.set_ints("kernel_shape", {k, k});
    a.set_ints("strides", {stride, stride});
    a.set_ints("pads", {pad, pad, pad, pad});
    a.set_ints("dilations", {dilation, dilation});
    a.set_int("group", group);
    return node("Conv", {x, wn, bn}, a);
  }
  std::string relu6(const std::string& x) {
    return node("Clip", {x, constant<float>({}, {0.f}), constant<float>({}, {6.f})});
  }
  std::string hardsigmoid(const std::string& x) {
    Attributes a;
    a.set_float("alpha", 1.f / 6);
    a.set_float("beta", 0.5f);
    return node("HardSigmoid", {x}, a);
  }
  // Below opset 14 the exporter writes hardswish as x * HardSigmoid(x).
  std::string hardswish(const std::string& x) { return node("Mul", {x, hardsigmoid(x)}); }
  // F.normalize(x, dim=1) * weight: x / max(||x||_2, 1e-12) with the norm expanded to x's shape.
  std::string l2_normalize(const std::string& x, int c) {
    Attributes r = Attributes::ints("axes", {1});
    r.set_int("keepdims", 1);
    const std::string norm = node("Clip", {node("ReduceL2", {x}, r), constant<float>({}, {1e-12f}), ""});
    const std::string normed = node("Div", {x, node("Expand", {norm, node("Shape", {x})})});
    const std::vector<float> weight = l2_scale(rng_, c);
    return node("Mul", {constant<float>({1, c, 1, 1}, weight), normed});
  }
  // view(N, -1, K, H, W).permute(0, 3, 4, 1, 2).reshape(N, -1, K)
  std::string flatten_head(const std::string& x, int a, int k, int g) {
    const std::string v = node("Reshape", {x, constant<int64_t>({5}, {1, a, k, g, g})});
    const std::string p = node("Transpose", {v}, Attributes::ints("perm", {0, 3, 4, 1, 2}));
    return node("Reshape", {p, constant<int64_t>({3}, {1, -1, k})});
  }

  const TorchvisionSsdOptions& o_;
  Rng rng_;
};

}  // namespace

std::unique_ptr<ModelBuilder> torchvision_ssd_builder(const TorchvisionSsdOptions& opts) {
  if (opts.height < 0 || opts.width < 0 || opts.height > 8192 || opts.width > 8192)
    fail("torchvision SSD: the input size must be in [1, 8192], got ", opts.height, "x", opts.width);
  auto b = std::make_unique<ModelBuilder>(12);
  TorchvisionGraph(*b, opts).build();
  const bool vgg = opts.arch == TorchvisionArch::Ssd300Vgg16;
  b->set_metadata("ssdx.model.family", "torchvision");
  b->set_metadata("ssdx.input.layout", "CHW");
  b->set_metadata(app::kMetaLabels, "@coco91");
  b->set_metadata(app::kMetaChannelOrder, "RGB");
  // The graph normalises and resizes by itself: it takes the image as given, in 0..1.
  b->set_metadata(app::kMetaMean, "0,0,0");
  b->set_metadata(app::kMetaStd, "1,1,1");
  b->set_metadata(app::kMetaDescription,
                  std::string(vgg ? "torchvision SSD300-VGG16" : "torchvision SSDlite320-MobileNetV3-Large") +
                      " (COCO-91) in torch.onnx.export's form, opset 12, " +
                      (opts.dynamic_size ? "symbolic" : "fixed") + " input size, with deterministic synthetic "
                      "weights (seed " + std::to_string(opts.seed) + "), made by ssdx make-model");
  return b;
}

void write_torchvision_ssd_model(const TorchvisionSsdOptions& opts, const std::string& path) {
  torchvision_ssd_builder(opts)->save(path);
}

}  // namespace ssdx::models
