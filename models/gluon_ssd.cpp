// gluon-cv's SSDs in MXNet 1.9 mx2onnx's form (models/gluon_ssd.h). What each piece exports to:
//  - VGG16-atrous (vgg_atrous.py): Mul by init_scale (std * 255: the ImageNet-normalised input back to 0..255 minus
//    mean), 13 3x3 convs + Relu, 2x2/2 max pools with pooling_convention 'full' (ceil_mode 1), conv4_3 through
//    L2Normalization(channel) -> LpNormalization(axis 1, p 2) then Mul by a [1, 512, 1, 1] scale (20 at init), pool5
//    3x3/1 pad 1, fc6 3x3 dilation 6 (1024) + fc7 1x1, then extras of (1x1, 3x3) convs + Relu; the 512 model ends
//    with a 4x4 pad-1 conv.
//  - ResNet50-v1 and MobileNet1.0 (gluon-cv's resnet.py / mobilenet.py, BatchNormalization kept as exported) cut at
//    two layers, then FeatureExpander: per extra map 1x1 conv -> BN -> Relu -> 3x3/2 conv -> BN -> Relu, no biases.
//  - heads: per map a 3x3 class conv (A * (classes + 1), background FIRST) and box conv (A * 4), each
//    Transpose(0, 2, 3, 1) -> Flatten, concatenated, Reshape [0, -1, K].
//  - anchors (SSDAnchorGenerator): a constant [1, 1, alloc, alloc, 4A] of (cx, cy, w, h) in input pixels, cut to the
//    map with slice_like(anchors, map * 0, axes (2, 3)) -> Shape/Less/Cast/Mul/Add/ConstantOfShape/GatherND/
//    ScatterND/Slice, then Reshape [1, -1, 4] and [1, -1], concatenated.
//  - decode (NormalizedBoxCenterDecoder, minimal_opset as a pretrained model sets it): Split -> Mul(std) -> Mul/Add
//    for the centre, Exp for the size, Sub/Add the half sizes, Concat: corners in input pixels.
//  - MultiPerClassDecoder over Softmax: foreground scores Slice [1:], class ids Range + ConstantOfShape, a score
//    threshold of 0.01 as Greater -> Cast, and where() as Shape/Pad/Reshape/Cast(bool)/Where: below it, id -1 and
//    score 0.
//  - per class a [1, N, 6] block (id, score, x1, y1, x2, y2), concatenated class by class to [1, C * N, 6], then
//    box_nms -> one class-agnostic NonMaxSuppression (IoU 0.45, score 0.01, 400 kept: the exporter drops the
//    per-class exemption) and its re-sort tail (GatherND, Pad with a -1 row, Range, Expand, ScatterND, TopK
//    largest 0, Gather), the first 100 rows, then ids / scores / bboxes sliced off.
#include "models/gluon_ssd.h"

#include <cmath>

#include "app/input_spec.h"
#include "engine/session.h"
#include "graph/error.h"
#include "graph/onnx_parser.h"
#include "models/node_maker.h"
#include "models/seeded_rng.h"
#include "models/vgg16_ssd_body.h"

namespace ssdx::models {

GluonSsdFacts gluon_ssd_facts(GluonArch arch, int classes) {
  const bool coco = classes != 20;
  switch (arch) {
    case GluonArch::Vgg16Atrous300:
      return {300, 6, {4, 6, 6, 6, 4, 4}, {38, 19, 10, 5, 3, 1}, {512, 1024, 512, 256, 256, 256},
              coco ? std::vector<double>{21, 45, 99, 153, 207, 261, 315} : std::vector<double>{30, 60, 111, 162, 213, 264, 315},
              {8, 16, 32, 64, 100, 300}};
    case GluonArch::Vgg16Atrous512:
      return {512, 7, {4, 6, 6, 6, 6, 4, 4}, {64, 32, 16, 8, 4, 2, 1}, {512, 1024, 512, 256, 256, 256, 256},
              {51.2, 76.8, 153.6, 230.4, 307.2, 384.0, 460.8, 537.6}, {8, 16, 32, 64, 128, 256, 512}};
    case GluonArch::ResNet50V1_512:
      return {512, 6, {4, 6, 6, 6, 4, 4}, {32, 16, 8, 4, 2, 1}, {1024, 2048, 512, 512, 256, 256},
              coco ? std::vector<double>{51.2, 133.12, 215.04, 296.96, 378.88, 460.8, 542.72}
                   : std::vector<double>{51.2, 102.4, 189.4, 276.4, 363.52, 450.6, 492},
              {16, 32, 64, 128, 256, 512}};
    case GluonArch::MobileNet1_512:
      return {512, 6, {4, 6, 6, 6, 4, 4}, {32, 16, 8, 4, 2, 1}, {512, 1024, 512, 512, 256, 256},
              {51.2, 102.4, 189.4, 276.4, 363.52, 450.6, 492}, {16, 32, 64, 128, 256, 512}};
  }
  fail("gluon SSD: unknown architecture");
}

int64_t gluon_ssd_anchor_count(const GluonSsdFacts& f) {
  int64_t n = 0;
  for (int m = 0; m < f.maps; ++m) n += static_cast<int64_t>(f.anchors[m]) * f.grids[m] * f.grids[m];
  return n;
}

namespace {

struct ArchName { GluonArch arch; const char* name; };
constexpr ArchName kArchNames[] = {{GluonArch::Vgg16Atrous300, "gluon-ssd_300_vgg16_atrous"},
                                   {GluonArch::Vgg16Atrous512, "gluon-ssd_512_vgg16_atrous"},
                                   {GluonArch::ResNet50V1_512, "gluon-ssd_512_resnet50_v1"},
                                   {GluonArch::MobileNet1_512, "gluon-ssd_512_mobilenet1.0"}};

constexpr float kScoreThreshold = 0.01f, kNmsIou = 0.45f;
constexpr int64_t kNmsTopK = 400, kPostNms = 100;

class GluonGraph : private NodeMaker {
 public:
  // `map_means` empty: a probe, the body alone with its feature maps as the outputs "map0".."mapM"; else the
  // per-channel means of each map over a probe run, which the class heads' weights are made orthogonal to.
  GluonGraph(ModelBuilder& b, const GluonSsdOptions& o, std::vector<std::vector<float>> map_means)
      : NodeMaker(b), o_(o), f_(gluon_ssd_facts(o.arch, o.classes)), rng_(o.seed), means_(std::move(map_means)) {}

  void build() {
    const int64_t s = f_.size;
    std::string x;
    if (o_.export_block) {  // export_block's _DefaultPreprocess: (x - mean) / std on NHWC 0..255, then to NCHW
      b_.add_input("data", DataType::Float, {1, s, s, 3});
      x = node("Sub", {"data", constant<float>({1, 1, 1, 3}, {123.675f, 116.28f, 103.53f})});
      x = node("Div", {x, constant<float>({1, 1, 1, 3}, {58.395f, 57.12f, 57.375f})});
      x = node("Transpose", {x}, Attributes::ints("perm", {0, 3, 1, 2}));
    } else {
      b_.add_input("data", DataType::Float, {1, 3, s, s});
      x = "data";
    }
    std::vector<std::string> maps;
    switch (o_.arch) {
      case GluonArch::Vgg16Atrous300: case GluonArch::Vgg16Atrous512: maps = vgg_atrous(x); break;
      case GluonArch::ResNet50V1_512: maps = expand(resnet50_v1(x), 2048); break;
      case GluonArch::MobileNet1_512: maps = expand(mobilenet(x), 1024); break;
    }
    if (means_.empty()) {
      for (int m = 0; m < f_.maps; ++m) b_.add_output(maps[m], DataType::Float, {1, f_.channels[m], f_.grids[m], f_.grids[m]});
      return;
    }
    std::vector<std::string> cls, box, anchors;
    const int k = o_.classes + 1;
    int alloc = 128;
    for (int m = 0; m < f_.maps; ++m) {
      const int a = f_.anchors[m], c = f_.channels[m];
      cls.push_back(flatten_nhwc(conv(maps[m], c, a * k, 3, 1, 1, 1, 1, true, class_gain(), a, &means_[m])));
      box.push_back(flatten_nhwc(conv(maps[m], c, a * 4, 3, 1, 1, 1, 1, true, kBoxGain)));
      anchors.push_back(anchor_map(m, maps[m], alloc));
      alloc = std::max(alloc / 2, 16);
    }
    const std::string cls_preds = reshape(node("Concat", cls, Attributes::integer("axis", 1)), {0, -1, k});
    const std::string box_preds = reshape(node("Concat", box, Attributes::integer("axis", 1)), {0, -1, 4});
    const std::string all_anchors = reshape(node("Concat", anchors, Attributes::integer("axis", 1)), {1, -1, 4});
    const std::string bboxes = decode(box_preds, all_anchors);
    std::string ids, scores;
    per_class_decode(node("Softmax", {cls_preds}, Attributes::integer("axis", -1)), &ids, &scores);
    std::vector<std::string> rows;
    for (int c = 0; c < o_.classes; ++c)
      rows.push_back(node("Concat", {slice_axis(ids, -1, c, c + 1), slice_axis(scores, -1, c, c + 1), bboxes},
                          Attributes::integer("axis", -1)));
    const std::string kept = slice_axis(box_nms(node("Concat", rows, Attributes::integer("axis", 1))), 1, 0, kPostNms);
    b_.add_node("Slice", {kept, constant<int64_t>({1}, {0}), constant<int64_t>({1}, {1}), constant<int64_t>({1}, {2})}, {"ids"}, {}, "ids");
    b_.add_node("Slice", {kept, constant<int64_t>({1}, {1}), constant<int64_t>({1}, {2}), constant<int64_t>({1}, {2})}, {"scores"}, {}, "scores");
    b_.add_node("Slice", {kept, constant<int64_t>({1}, {2}), constant<int64_t>({1}, {6}), constant<int64_t>({1}, {2})}, {"bboxes"}, {}, "bboxes");
    b_.add_output("ids", DataType::Float, {1, kPostNms, 1});
    b_.add_output("scores", DataType::Float, {1, kPostNms, 1});
    b_.add_output("bboxes", DataType::Float, {1, kPostNms, 4});
  }

 private:
  // He-scaled weights keep activations of one order through the body. The class heads' background logit (class 0)
  // is raised, as trained detectors' are, so that only some (anchor, class) rows pass the 0.01 threshold, and their
  // weights are orthogonal to the features' mean (see conv). The box deltas stay small.
  // Per body, the gain that spreads the class logits over a few units on photos (tuned on scikit-image's photos):
  // ResNet's residual sums make its features largest.
  float class_gain() const {
    return o_.arch == GluonArch::ResNet50V1_512 ? 0.1f : o_.arch == GluonArch::MobileNet1_512 ? 1.f : 1.5f;
  }
  static constexpr float kBoxGain = 0.1f, kBackgroundBias = 6.f;

  // ---- bodies ----
  // VGG16-atrous (models/vgg16_ssd_body.h) after the Mul back to 0..255; the 512 model adds a fifth extra pair
  // ending in a 4x4 pad-1 conv, its other pairs all 3x3/2 pad 1.
  std::vector<std::string> vgg_atrous(const std::string& input) {
    const std::string x = node("Mul", {input, constant<float>({1, 3, 1, 1}, {0.229f * 255, 0.224f * 255, 0.225f * 255})});
    Vgg16SsdLayers layers;
    layers.conv = [this](const std::string& in, int cin, int cout, int k, int stride, int pad, int dilation,
                         float gain) { return conv(in, cin, cout, k, stride, pad, dilation, 1, true, gain); };
    layers.relu = [this](const std::string& in) { return relu(in); };
    layers.max_pool = [this](const std::string& in, int k, int stride, int pad, bool ceil) {
      return max_pool(in, k, stride, pad, ceil);
    };
    layers.l2_normalize = [this](const std::string& in, int c) { return l2_normalize(in, c); };
    if (o_.arch == GluonArch::Vgg16Atrous512)
      layers.extras = {{256, 512, 3, 2, 1}, {128, 256, 3, 2, 1}, {128, 256, 3, 2, 1}, {128, 256, 3, 2, 1},
                       {128, 256, 4, 1, 1}};
    return add_vgg16_ssd_body(layers, x);
  }
  // L2Normalization(mode channel) as LpNormalization(axis 1, p 2), then Mul by the scale (20 at init).
  std::string l2_normalize(const std::string& x, int c) {
    const std::vector<float> scale = l2_scale(rng_, c);
    Attributes lp = Attributes::integer("axis", 1);
    lp.set_int("p", 2);
    return node("Mul", {node("LpNormalization", {x}, lp), constant<float>({1, c, 1, 1}, scale)});
  }

  // ResNet50-v1 (BottleneckV1: the stride on the first 1x1; the 1x1 convs carry biases, the 3x3 does not), cut at
  // stage3_activation5 (1024 channels, stride 16) and stage4_activation2 (2048, stride 32).
  std::vector<std::string> resnet50_v1(std::string x) {
    x = relu(bn(conv(x, 3, 64, 7, 2, 3, 1, 1, false), 64));
    x = max_pool(x, 3, 2, 1, false);
    std::vector<std::string> maps;
    const int blocks[4] = {3, 4, 6, 3}, widths[4] = {256, 512, 1024, 2048};
    int c = 64;
    for (int stage = 0; stage < 4; ++stage) {
      for (int i = 0; i < blocks[stage]; ++i) {
        const int w = widths[stage], stride = stage > 0 && i == 0 ? 2 : 1;
        std::string y = relu(bn(conv(x, c, w / 4, 1, stride, 0, 1, 1, true), w / 4));
        y = relu(bn(conv(y, w / 4, w / 4, 3, 1, 1, 1, 1, false), w / 4));
        y = bn(conv(y, w / 4, w, 1, 1, 0, 1, 1, true, kResidualGain), w);
        const std::string shortcut = i == 0 ? bn(conv(x, c, w, 1, stride, 0, 1, 1, false), w) : x;
        x = relu(node("Add", {y, shortcut}));
        c = w;
      }
      if (stage >= 2) maps.push_back(x);
    }
    return maps;
  }
  // The last conv of a residual branch: a gain under 1 keeps the sums from growing block by block.
  static constexpr float kResidualGain = 0.5f;

  // MobileNet1.0: conv 3x3/2 (32) then 13 depthwise-separable blocks, each conv -> BN -> Relu without bias; cut at
  // relu22 (block 11's pointwise, 512 channels, stride 16) and relu26 (block 13's, 1024, stride 32).
  std::vector<std::string> mobilenet(std::string x) {
    x = relu(bn(conv(x, 3, 32, 3, 2, 1, 1, 1, false), 32));
    const int dw[13] = {32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024};
    const int pw[13] = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
    const int strides[13] = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};
    std::vector<std::string> maps;
    for (int i = 0; i < 13; ++i) {
      x = relu(bn(conv(x, dw[i], dw[i], 3, strides[i], 1, 1, dw[i], false), dw[i]));
      x = relu(bn(conv(x, dw[i], pw[i], 1, 1, 0, 1, 1, false), pw[i]));
      if (i == 10 || i == 12) maps.push_back(x);
    }
    return maps;
  }

  // FeatureExpander with SSD's reduce_ratio 1 and min_depth 128: filters 512, 512, 256, 256, each 1x1 (same width)
  // -> BN -> Relu -> 3x3/2 pad 1 -> BN -> Relu. Its BatchNorms come from mx.sym.BatchNorm: eps 1e-3.
  std::vector<std::string> expand(std::vector<std::string> maps, int c) {
    std::string y = maps.back();
    for (int w : {512, 512, 256, 256}) {
      y = relu(bn(conv(y, c, w, 1, 1, 0, 1, 1, false), w, 1e-3f));
      y = relu(bn(conv(y, w, w, 3, 2, 1, 1, 1, false), w, 1e-3f));
      maps.push_back(y);
      c = w;
    }
    return maps;
  }

  // ---- layers ----
  // `background`: the anchors per location of a class head, whose class-0 channels get the raised bias; `mean`: the
  // input's per-channel mean, which each output channel's weights are made orthogonal to (else the features' common
  // part, positive after ReLU, gives each class a constant offset and one class wins at every anchor).
  std::string conv(const std::string& x, int cin, int cout, int k, int stride, int pad, int dilation, int group,
                   bool bias, float gain = 1.f, int background = 0, const std::vector<float>* mean = nullptr) {
    const int fan_in = cin / group * k * k;
    std::vector<float> wv = rng_.he_normal(static_cast<size_t>(cout) * fan_in, fan_in, gain);
    if (mean) {
      const int taps = k * k;
      double norm2 = 0;
      for (float m : *mean) norm2 += static_cast<double>(m) * m * taps;
      for (int o = 0; o < cout && norm2 > 0; ++o) {
        float* row = wv.data() + static_cast<size_t>(o) * fan_in;
        double dot = 0;
        for (int i = 0; i < fan_in; ++i) dot += static_cast<double>(row[i]) * (*mean)[static_cast<size_t>(i / taps)];
        for (int i = 0; i < fan_in; ++i) row[i] -= static_cast<float>(dot / norm2 * (*mean)[static_cast<size_t>(i / taps)]);
      }
    }
    std::vector<std::string> inputs = {x, constant<float>({cout, cin / group, k, k}, wv)};
    if (bias) {
      std::vector<float> bv = rng_.uniforms(static_cast<size_t>(cout), -0.05f, 0.05f);
      for (int a = 0; a < background; ++a) bv[static_cast<size_t>(a) * (o_.classes + 1)] += kBackgroundBias;
      inputs.push_back(constant<float>({cout}, bv));
    }
    Attributes a;
    a.set_ints("dilations", {dilation, dilation});
    a.set_int("group", group);
    a.set_ints("kernel_shape", {k, k});
    a.set_ints("pads", {pad, pad, pad, pad});
    a.set_ints("strides", {stride, stride});
    return node("Conv", inputs, a);
  }
  // Inference statistics near the identity, so that the body keeps its scale.
  std::string bn(const std::string& x, int c, float eps = 1e-5f) {
    std::vector<float> gamma(c), beta(c), mean(c), var(c);
    for (int i = 0; i < c; ++i) {
      gamma[i] = rng_.uniform(0.8f, 1.2f), beta[i] = rng_.uniform(-0.1f, 0.1f);
      mean[i] = rng_.uniform(-0.1f, 0.1f), var[i] = rng_.uniform(0.8f, 1.2f);
    }
    Attributes a;
    a.set_float("epsilon", eps);
    a.set_float("momentum", 0.9f);
    return node("BatchNormalization", {x, constant<float>({c}, gamma), constant<float>({c}, beta),
                                       constant<float>({c}, mean), constant<float>({c}, var)}, a);
  }
  std::string reshape(const std::string& x, const std::vector<int64_t>& shape) {
    return node("Reshape", {x, constant<int64_t>({static_cast<int64_t>(shape.size())}, shape)});
  }
  std::string flatten_nhwc(const std::string& x) {
    return node("Flatten", {node("Transpose", {x}, Attributes::ints("perm", {0, 2, 3, 1}))});
  }
  // mx2onnx's slice_axis: Slice on one axis; `end` -1 means to the end, read from the shape as the exporter does.
  std::string slice_axis(const std::string& x, int64_t axis, int64_t begin, int64_t end) {
    std::string ends;
    if (end >= 0) {
      ends = constant<int64_t>({1}, {end});
    } else {  // end None on axis -1: Shape -> Shape -> Add(-1) -> Slice of the shape
      const std::string shape = node("Shape", {x});
      const std::string dims = node("Shape", {shape});
      ends = node("Slice", {shape, node("Add", {dims, constant<int64_t>({1}, {-1})}), dims});
    }
    return node("Slice", {x, constant<int64_t>({1}, {begin}), ends, constant<int64_t>({1}, {axis})});
  }

  // ---- anchors ----
  // SSDAnchorGenerator's constant for map m, [1, 1, alloc, alloc, 4A] of (cx, cy, w, h), computed in double and
  // stored as float32 as gluon-cv's numpy does, then slice_like(anchors, map * 0, axes (2, 3)) in mx2onnx's form.
  std::string anchor_map(int m, const std::string& feature, int alloc) {
    const double s0 = f_.sizes[m], s1 = std::sqrt(f_.sizes[m] * f_.sizes[m + 1]), step = f_.steps[m];
    std::vector<double> ratios = {2, 0.5};
    if (f_.anchors[m] == 6) ratios.insert(ratios.end(), {3, 1.0 / 3});
    std::vector<float> v;
    v.reserve(static_cast<size_t>(alloc) * alloc * f_.anchors[m] * 4);
    for (int i = 0; i < alloc; ++i)
      for (int j = 0; j < alloc; ++j) {
        const double cy = (i + 0.5) * step, cx = (j + 0.5) * step;
        auto push = [&](double w, double h) {
          for (double d : {cx, cy, w, h}) v.push_back(static_cast<float>(d));
        };
        push(s0, s0);
        push(s1, s1);
        for (double r : ratios) push(s0 * std::sqrt(r), s0 / std::sqrt(r));
      }
    const std::string anchors = constant<float>({1, 1, alloc, alloc, f_.anchors[m] * 4}, v);
    const std::string like = node("Mul", {feature, constant<float>({1}, {0.f})});
    const std::string shape0 = node("Shape", {anchors}), shape1 = node("Shape", {like});
    const std::string dim0 = node("Shape", {shape0});
    const std::string axes_raw = constant<int64_t>({2, 1}, {2, 3});
    const std::string negative = node("Cast", {node("Less", {axes_raw, constant<int64_t>({1}, {0})})},
                                      Attributes::integer("to", static_cast<int64_t>(DataType::Int64)));
    const std::string axes = node("Add", {axes_raw, node("Mul", {negative, dim0})});
    Attributes zero;
    zero.set_tensor("value", make_tensor<int64_t>({1}, {0}));
    const std::string starts = node("ConstantOfShape", {dim0}, zero);
    const std::string ends = node("ScatterND", {shape0, axes, node("GatherND", {shape1, axes})});
    const std::string cut = node("Slice", {anchors, starts, ends});
    return reshape(reshape(cut, {1, -1, 4}), {1, -1});
  }

  // ---- post-processing ----
  // NormalizedBoxCenterDecoder (stds 0.1, 0.1, 0.2, 0.2) on centre-form anchors: corners in input pixels.
  std::string decode(const std::string& deltas, const std::string& anchors) {
    auto split4 = [&](const std::string& x) {
      std::vector<std::string> parts;
      for (int i = 0; i < 4; ++i) parts.push_back(fresh("split"));
      b_.add_node("Split", {x}, parts, Attributes::integer("axis", -1), parts[0]);
      return parts;
    };
    const std::vector<std::string> a = split4(anchors), p = split4(deltas);
    auto scaled = [&](const std::string& x, float s) { return node("Mul", {x, constant<float>({1}, {s})}); };
    const std::string ox = node("Add", {node("Mul", {scaled(p[0], 0.1f), a[2]}), a[0]});
    const std::string oy = node("Add", {node("Mul", {scaled(p[1], 0.1f), a[3]}), a[1]});
    const std::string ow = scaled(node("Mul", {node("Exp", {scaled(p[2], 0.2f)}), a[2]}), 0.5f);
    const std::string oh = scaled(node("Mul", {node("Exp", {scaled(p[3], 0.2f)}), a[3]}), 0.5f);
    return node("Concat", {node("Sub", {ox, ow}), node("Sub", {oy, oh}), node("Add", {ox, ow}), node("Add", {oy, oh})},
                Attributes::integer("axis", -1));
  }

  // MultiPerClassDecoder(thresh 0.01) on the softmax [1, N, C + 1]: ids and scores [1, N, C], -1 / 0 below it.
  void per_class_decode(const std::string& probs, std::string* ids, std::string* scores) {
    const std::string fg = slice_axis(probs, -1, 1, -1);
    Attributes zero;
    zero.set_tensor("value", make_tensor<float>({1}, {0.f}));
    const std::string tmpl = node("ConstantOfShape", {node("Shape", {slice_axis(probs, -1, 0, 1)})}, zero);
    const std::string range = node("Range", {constant<float>({}, {0.f}), constant<float>({}, {static_cast<float>(o_.classes)}),
                                             constant<float>({}, {1.f})});
    const std::string all_ids = node("Add", {tmpl, reshape(range, {1, 1, o_.classes})});
    const std::string threshold = fresh("threshold");
    Attributes value;
    value.set_tensor("value", make_tensor<float>({1}, {kScoreThreshold}));
    b_.add_node("Constant", {}, {threshold}, value, threshold);
    const std::string mask = node("Cast", {node("Greater", {fg, threshold})},
                                  Attributes::integer("to", static_cast<int64_t>(DataType::Float)));
    Attributes one;
    one.set_tensor("value", make_tensor<float>({1}, {1.f}));
    const std::string minus_ones = node("Mul", {node("ConstantOfShape", {node("Shape", {all_ids})}, one),
                                                constant<float>({1}, {-1.f})});
    *ids = where(mask, all_ids, minus_ones);
    *scores = where(mask, fg, node("ConstantOfShape", {node("Shape", {fg})}, zero));
  }
  // mx2onnx's where(): the condition reshaped to the data's rank (its shape padded with 1s), cast to bool.
  std::string where(const std::string& cond, const std::string& x, const std::string& y) {
    const std::string cond_shape = node("Shape", {cond});
    const std::string rank_gap = node("Sub", {node("Shape", {node("Shape", {x})}), node("Shape", {cond_shape})});
    const std::string pads = node("Concat", {constant<int64_t>({1}, {0}), rank_gap}, Attributes::integer("axis", 0));
    const std::string shape = node("Pad", {cond_shape, pads, constant<int64_t>({1}, {1})});
    const std::string flag = node("Cast", {node("Reshape", {cond, shape})},
                                  Attributes::integer("to", static_cast<int64_t>(DataType::Bool)));
    return node("Where", {flag, x, y});
  }

  // box_nms(overlap 0.45, valid 0.01, topk 400, score index 1, coords 2..5) in mx2onnx's opset-13 form: the kept rows
  // in NonMaxSuppression's order (best first), then -1 rows, in the input's shape [1, C * N, 6].
  std::string box_nms(const std::string& data) {
    auto i64 = [&](std::vector<int64_t> v) { return constant<int64_t>({static_cast<int64_t>(v.size())}, v); };
    const std::string shape = node("Shape", {data});
    const std::string dims = node("Shape", {shape});
    const std::string last2 = node("Slice", {shape, node("Sub", {dims, i64({2})}), dims});
    const std::string data3d = node("Reshape", {data, node("Concat", {i64({-1}), last2}, Attributes::integer("axis", 0))});
    const std::string boxes = node("Slice", {data3d, i64({2}), i64({6}), i64({-1})});
    const std::string scores = node("Reshape", {node("Slice", {data3d, i64({1}), i64({2}), i64({-1})}), i64({0, 1, -1})});
    const std::string scores_shape = node("Shape", {scores});
    const std::string selected = node("NonMaxSuppression", {boxes, scores, i64({kNmsTopK}),
                                                            constant<float>({1}, {kNmsIou}),
                                                            constant<float>({1}, {kScoreThreshold})});
    const std::string picks = node("Slice", {selected, i64({0}), i64({3}), i64({-1}), i64({2})});  // (batch, row)
    const std::string candidates = node("Pad", {node("GatherND", {data3d, picks}), i64({0, 0, 1, 0}),
                                                constant<float>({1}, {-1.f})});
    const std::string count = node("Slice", {node("Shape", {selected}), i64({0}), i64({1})});
    const std::string order = node("Range", {constant<int64_t>({}, {0}), node("Squeeze", {count, i64({0})}),
                                             constant<int64_t>({}, {1})});
    const std::string batch_rows = node("Slice", {scores_shape, i64({0}), i64({3}), i64({-1}), i64({2})});
    const std::string rows = node("Slice", {batch_rows, i64({1}), i64({2})});
    const std::string slots = node("ScatterND", {node("Expand", {count, batch_rows}), picks, order});
    const std::string sorted = fresh("TopK"), unused = fresh("TopK_indices");
    Attributes a = Attributes::integer("axis", -1);
    a.set_int("largest", 0);
    a.set_int("sorted", 1);
    b_.add_node("TopK", {slots, rows}, {sorted, unused}, a, sorted);
    return node("Reshape", {node("Gather", {candidates, sorted}), shape});
  }

  const GluonSsdOptions& o_;
  const GluonSsdFacts f_;
  Rng rng_;
  std::vector<std::vector<float>> means_;
};

// The per-channel means of the body's feature maps on an ImageNet-normalised noise image (the probe model, run here).
std::vector<std::vector<float>> probe_map_means(const GluonSsdOptions& opts) {
  ModelBuilder probe(13);
  GluonGraph(probe, opts, {}).build();
  SessionOptions so;
  Session session(load_onnx_bytes(probe.serialize(), "gluon probe", ""), so);
  const GluonSsdFacts f = gluon_ssd_facts(opts.arch, opts.classes);
  const Shape in = opts.export_block ? Shape{1, f.size, f.size, 3} : Shape{1, 3, f.size, f.size};
  Tensor x(DataType::Float, in);
  Rng rng(opts.seed + 7919);
  for (int64_t i = 0; i < x.numel(); ++i)
    x.data<float>()[i] = opts.export_block ? rng.uniform(0.f, 255.f) : rng.normal(1.f);
  const TensorMap out = session.run({{"data", x}});
  std::vector<std::vector<float>> means;
  for (const TensorInfo& info : session.outputs()) {
    const Tensor& t = out.at(info.name);
    const int64_t c = t.dim(1), hw = t.numel() / c;
    std::vector<float> mean(static_cast<size_t>(c));
    for (int64_t ch = 0; ch < c; ++ch) {
      double sum = 0;
      for (int64_t i = 0; i < hw; ++i) sum += t.data<float>()[ch * hw + i];
      mean[static_cast<size_t>(ch)] = static_cast<float>(sum / hw);
    }
    means.push_back(std::move(mean));
  }
  return means;
}

}  // namespace

bool parse_gluon_arch(const std::string& name, GluonArch* arch) {
  for (const ArchName& a : kArchNames)
    if (name == a.name) return *arch = a.arch, true;
  return false;
}

std::string gluon_arch_name(GluonArch arch) {
  for (const ArchName& a : kArchNames)
    if (arch == a.arch) return a.name;
  return "gluon-ssd";
}

std::unique_ptr<ModelBuilder> gluon_ssd_builder(const GluonSsdOptions& opts) {
  if (opts.classes < 1 || opts.classes > 1000) fail("gluon SSD: --classes must be in [1, 1000], got ", opts.classes);
  auto b = std::make_unique<ModelBuilder>(13);
  GluonGraph(*b, opts, probe_map_means(opts)).build();
  b->set_metadata(app::kMetaFamily, app::kFamilyGluonCv);
  b->set_metadata(app::kMetaChannelOrder, "RGB");
  b->set_metadata(app::kMetaResize, "stretch");
  if (opts.classes == 20) b->set_metadata(app::kMetaLabels, "@voc");
  if (opts.classes == 80) b->set_metadata(app::kMetaLabels, "@coco80");
  if (opts.export_block) {  // the graph normalises by itself: it takes 0..255 pixels
    b->set_metadata(app::kMetaLayout, app::kLayoutNhwc);
    b->set_metadata(app::kMetaMean, "0,0,0");
    b->set_metadata(app::kMetaStd, "0.00392156862745098,0.00392156862745098,0.00392156862745098");
  } else {
    b->set_metadata(app::kMetaMean, "0.485,0.456,0.406");
    b->set_metadata(app::kMetaStd, "0.229,0.224,0.225");
  }
  b->set_metadata(app::kMetaDescription,
                  "gluon-cv " + gluon_arch_name(opts.arch).substr(6) + " (" + std::to_string(opts.classes) +
                      " classes) in MXNet 1.9 mx2onnx's form, opset 13" +
                      (opts.export_block ? ", export_block's NHWC 0..255 front" : "") +
                      ", with deterministic synthetic weights (seed " + std::to_string(opts.seed) +
                      "), made by ssdx make-model");
  return b;
}

void write_gluon_ssd_model(const GluonSsdOptions& opts, const std::string& path) { gluon_ssd_builder(opts)->save(path); }

}  // namespace ssdx::models
