// The SSD-MobileNetV1 face detector of docs/face_ssd_mobilenetv1.md, layer by layer from the TF.js manifest's
// tensors: §3 backbone, extras and TF "SAME" padding; §4 box predictors, anchors and the TF box coder; §5 the
// one-class NMS tail that makes the outputs ssdx's detector contract.
#include "models/face_ssd.h"

#include <cmath>
#include <filesystem>
#include <map>

#include "app/input_spec.h"
#include "graph/error.h"
#include "graph/onnx_builder.h"
#include "graph/tensor_io.h"
#include "models/node_maker.h"
#include "models/tfjs_weights.h"

namespace ssdx::models {
namespace {

constexpr float kBnEpsilon = 0.001f;
constexpr int kBlockChannels[14] = {32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
constexpr int kExtraChannels[8] = {256, 512, 128, 256, 128, 256, 64, 128};
constexpr int kAnchorsPerCell[6] = {3, 6, 6, 6, 6, 6};
constexpr int kClassLogits = 3;  // index 1 is the face
constexpr int kMaxDetections = 100;
constexpr float kNmsIou = 0.5f;
constexpr float kKeepScore = 0.05f;  // NMS drops lower scores; detect's own threshold (metadata) is 0.5

bool block_stride2(int i) { return i == 2 || i == 4 || i == 6 || i == 12; }

// TF "SAME": out = ceil(in / stride); the padding the window needs beyond the input goes half before, the rest
// (the odd one) after.
std::pair<int64_t, int64_t> same_pads(int64_t in, int64_t k, int64_t stride) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + k - in, 0);
  return {total / 2, total - total / 2};
}

// A feature map in the graph: its value name, channels and (square) size.
struct Feature {
  std::string value;
  int64_t channels = 0, size = 0;
};

class FaceSsdGraph : private NodeMaker {
 public:
  FaceSsdGraph(const TfjsWeights& w, const FaceSsdOptions& o, ModelBuilder& b) : NodeMaker(b), w_(w), o_(o) {}

  void build() {
    b_.add_input("image", DataType::Float, {1, 3, kFaceSsdInputSize, kFaceSsdInputSize});
    Feature x{"image", 3, kFaceSsdInputSize};
    x = relu6(conv_hwio(x, "MobilenetV1/Conv2d_0_pointwise", 3, kBlockChannels[0], 2, true), "MobilenetV1/Conv2d_0_pointwise");
    Feature block11;
    for (int i = 1; i <= 13; ++i) {
      const std::string dw = "MobilenetV1/Conv2d_" + std::to_string(i) + "_depthwise";
      x = relu6(depthwise_bn(x, dw, block_stride2(i) ? 2 : 1), dw);
      const std::string pw = "MobilenetV1/Conv2d_" + std::to_string(i) + "_pointwise";
      x = relu6(conv_hwio(x, pw, 1, kBlockChannels[i], 1, true), pw);
      if (i == 11) block11 = x;
    }
    std::vector<Feature> sources = {block11, x};
    for (int j = 0; j < 8; ++j) {
      const std::string name = "Prediction/Conv2d_" + std::to_string(j) + "_pointwise";
      const bool odd = j % 2 == 1;
      x = relu6(conv_hwio(x, name, odd ? 3 : 1, kExtraChannels[j], odd ? 2 : 1, true), name);
      if (odd) sources.push_back(x);
    }
    std::vector<std::string> locs, logits;
    for (int k = 0; k < 6; ++k) {
      const std::string p = "Prediction/BoxPredictor_" + std::to_string(k);
      locs.push_back(anchor_major(head(sources[k], p + "/BoxEncodingPredictor", kAnchorsPerCell[k] * 4), 4));
      logits.push_back(anchor_major(head(sources[k], p + "/ClassPredictor", kAnchorsPerCell[k] * kClassLogits),
                                    kClassLogits));
    }
    postprocess(node("Concat", locs, Attributes::integer("axis", 1)),
                node("Concat", logits, Attributes::integer("axis", 1)));
    for (const std::string& v : o_.expose_values) {
      const auto it = shapes_.find(v);
      if (it == shapes_.end()) fail("face-ssd: no value '", v, "' to expose");
      b_.add_output(v, DataType::Float, it->second);
    }
  }

 private:
  const Tensor& weight(const std::string& name, const Shape& shape) const { return w_.get(name, shape); }

  // Names the output of a layer so tests can find it; records its shape for expose_values.
  Feature named(const std::string& op, const std::vector<std::string>& inputs, const Attributes& a,
                const std::string& layer, int64_t channels, int64_t size) {
    const std::string out = layer.empty() ? fresh(op) : layer;
    b_.add_node(op, inputs, {out}, a, out);
    shapes_[out] = {1, channels, size, size};
    return {out, channels, size};
  }

  Attributes conv_attrs(int64_t in, int64_t k, int64_t stride, int64_t group) const {
    const auto [before, after] = same_pads(in, k, stride);
    Attributes a;
    a.set_ints("kernel_shape", {k, k});
    a.set_ints("strides", {stride, stride});
    a.set_ints("pads", {before, before, after, after});
    a.set_ints("dilations", {1, 1});
    a.set_int("group", group);
    return a;
  }

  std::string initializer(const std::string& name, const Shape& shape, std::vector<float> values) {
    b_.add_initializer(name, make_tensor<float>(shape, values));
    return name;
  }

  // A full convolution from TF's HWIO [k, k, cin, cout] weights (reordered to ONNX's OIHW), bias from
  // `<prefix>/convolution_bn_offset` (backbone and extras, BN folded by TF) or `<prefix>/biases` (heads). `layer` names the output (by default TF's name for the op, `<prefix>/Conv2D`; the activation that follows takes the layer's own name).
  Feature conv_hwio(const Feature& x, const std::string& prefix, int64_t k, int64_t cout, int64_t stride, bool bn_offset,
                    const std::string& layer = "") {
    const int64_t cin = x.channels;
    const float* src = weight(prefix + "/weights", {k, k, cin, cout}).data<float>();
    std::vector<float> oihw(static_cast<size_t>(cout * cin * k * k));
    for (int64_t o = 0; o < cout; ++o)
      for (int64_t i = 0; i < cin; ++i)
        for (int64_t y = 0; y < k; ++y)
          for (int64_t xx = 0; xx < k; ++xx)
            oihw[static_cast<size_t>(((o * cin + i) * k + y) * k + xx)] = src[((y * k + xx) * cin + i) * cout + o];
    const Tensor& bias = weight(prefix + (bn_offset ? "/convolution_bn_offset" : "/biases"), {cout});
    const std::string wname = initializer(prefix + "/weights_oihw", {cout, cin, k, k}, std::move(oihw));
    const std::string bname = initializer(prefix + "/bias", {cout}, {bias.data<float>(), bias.data<float>() + cout});
    const int64_t out = (x.size + stride - 1) / stride;
    return named("Conv", {x.value, wname, bname}, conv_attrs(x.size, k, stride, 1),
                 layer.empty() ? prefix + "/Conv2D" : layer, cout, out);
  }

  // Depthwise 3x3 (TF [3, 3, C, 1] -> ONNX [C, 1, 3, 3], group = C) and its BatchNorm, kept or folded.
  Feature depthwise_bn(const Feature& x, const std::string& prefix, int64_t stride) {
    const int64_t c = x.channels, k = 3;
    const float* src = weight(prefix + "/depthwise_weights", {k, k, c, 1}).data<float>();
    std::vector<float> w(static_cast<size_t>(c * k * k));
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t t = 0; t < k * k; ++t) w[static_cast<size_t>(ch * k * k + t)] = src[t * c + ch];
    auto bn = [&](const char* p) {
      const float* v = weight(prefix + "/BatchNorm/" + p, {c}).data<float>();
      return std::vector<float>(v, v + c);
    };
    const std::vector<float> gamma = bn("gamma"), beta = bn("beta"), mean = bn("moving_mean"), var = bn("moving_variance");
    const Attributes a = conv_attrs(x.size, k, stride, c);
    const int64_t out = (x.size + stride - 1) / stride;
    if (o_.fold_bn) {
      // W' = W * g / sqrt(v + eps), b' = beta - mean * g / sqrt(v + eps), in double.
      std::vector<float> bias(static_cast<size_t>(c));
      for (int64_t ch = 0; ch < c; ++ch) {
        const double s = gamma[ch] / std::sqrt(static_cast<double>(var[ch]) + static_cast<double>(kBnEpsilon));
        for (int64_t t = 0; t < k * k; ++t) w[ch * k * k + t] = static_cast<float>(w[ch * k * k + t] * s);
        bias[ch] = static_cast<float>(beta[ch] - mean[ch] * s);
      }
      const std::string wname = initializer(prefix + "/weights_folded", {c, 1, k, k}, std::move(w));
      const std::string bname = initializer(prefix + "/bias_folded", {c}, std::move(bias));
      return named("Conv", {x.value, wname, bname}, a, prefix + "/depthwise", c, out);
    }
    const std::string wname = initializer(prefix + "/weights_oihw", {c, 1, k, k}, std::move(w));
    const Feature y = named("Conv", {x.value, wname}, a, prefix + "/depthwise", c, out);
    std::vector<std::string> inputs = {y.value};
    for (const auto& [p, v] : {std::pair{"gamma", &gamma}, {"beta", &beta}, {"moving_mean", &mean}, {"moving_variance", &var}})
      inputs.push_back(initializer(prefix + "/BatchNorm/" + p, {c}, *v));
    Attributes bn_attrs;
    bn_attrs.set_float("epsilon", kBnEpsilon);
    return named("BatchNormalization", inputs, bn_attrs, prefix + "/BatchNorm", c, out);
  }

  // ReLU6 as Clip(0, 6): min/max attributes before opset 11, inputs since.
  Feature relu6(const Feature& x, const std::string& layer) {
    if (o_.opset < 11) {
      Attributes a;
      a.set_float("min", 0.f);
      a.set_float("max", 6.f);
      return named("Clip", {x.value}, a, layer, x.channels, x.size);
    }
    return named("Clip", {x.value, constant<float>({}, {0.f}), constant<float>({}, {6.f})}, {}, layer, x.channels,
                 x.size);
  }

  // A box predictor: a 1x1 conv with bias, no activation, its raw NCHW output named after the layer.
  Feature head(const Feature& x, const std::string& prefix, int64_t cout) {
    return conv_hwio(x, prefix, 1, cout, 1, false, prefix);
  }

  // [1, A*k, H, W] -> [1, H*W*A, k]: NHWC, anchor-major within a cell, as the anchors are listed.
  std::string anchor_major(const Feature& x, int64_t k) {
    const std::string nhwc = node("Transpose", {x.value}, Attributes::ints("perm", {0, 2, 3, 1}));
    return node("Reshape", {nhwc, constant<int64_t>({3}, {1, -1, k})});
  }

  std::string slice(const std::string& x, int64_t start, int64_t end, int64_t axis) {
    return node("Slice", {x, constant<int64_t>({1}, {start}), constant<int64_t>({1}, {end}),
                          constant<int64_t>({1}, {axis}), constant<int64_t>({1}, {1})});
  }

  // Unsqueeze/Squeeze take their axes as an attribute until opset 12, as an input from 13.
  std::string axes_op(const std::string& op, const std::string& x, int64_t axis, const std::string& out = "") {
    const std::string y = out.empty() ? fresh(op) : out;
    if (o_.opset >= 13) b_.add_node(op, {x, constant<int64_t>({1}, {axis})}, {y}, {}, y);
    else b_.add_node(op, {x}, {y}, Attributes::ints("axes", {axis}), y);
    return y;
  }

  // TF box coder (scales 10, 10, 5, 5) against the anchors of `Output/extra_dim`, sigmoid of the face logit,
  // one-class NMS, and the kept boxes, labels and scores in NMS's order (best first).
  void postprocess(const std::string& loc, const std::string& logits) {
    const int64_t n = kFaceSsdAnchors;
    const float* anchors = weight("Output/extra_dim", {1, n, 4}).data<float>();
    // Anchors (ymin, xmin, ymax, xmax) to centre and half size, both in (x, y) order.
    std::vector<float> centre(2 * n), size(2 * n);
    for (int64_t i = 0; i < n; ++i) {
      const float* a = anchors + 4 * i;
      const float h = a[2] - a[0], w = a[3] - a[1];
      centre[2 * i] = a[1] + w / 2;
      centre[2 * i + 1] = a[0] + h / 2;
      size[2 * i] = w;
      size[2 * i + 1] = h;
    }
    // Encodings come as (ty, tx, th, tw): reorder to (tx, ty, tw, th) so the boxes come out (xmin, ymin, xmax, ymax).
    const std::string t = node("Gather", {loc, constant<int64_t>({4}, {1, 0, 3, 2})}, Attributes::integer("axis", 2));
    const std::string anchor_size = constant<float>({1, n, 2}, size);
    const std::string c = node("Add", {node("Mul", {node("Mul", {slice(t, 0, 2, 2), constant<float>({}, {0.1f})}), anchor_size}),
                                       constant<float>({1, n, 2}, centre)});
    const std::string wh = node("Mul", {node("Exp", {node("Mul", {slice(t, 2, 4, 2), constant<float>({}, {0.2f})})}), anchor_size});
    const std::string half = node("Mul", {wh, constant<float>({}, {0.5f})});
    const std::string boxes = kFaceSsdDecodedBoxes, scores = kFaceSsdAnchorScores;
    b_.add_node("Concat", {node("Sub", {c, half}), node("Add", {c, half})}, {boxes}, Attributes::integer("axis", 2), boxes);
    b_.add_node("Sigmoid", {slice(logits, 1, 2, 2)}, {scores}, {}, scores);
    shapes_[boxes] = {1, n, 4};
    shapes_[scores] = {1, n, 1};
    const std::string nms_scores = node("Transpose", {scores}, Attributes::ints("perm", {0, 2, 1}));  // [1, 1, n]
    const std::string sel = node("NonMaxSuppression", {boxes, nms_scores, constant<int64_t>({1}, {kMaxDetections}),
                                                       constant<float>({1}, {kNmsIou}), constant<float>({1}, {kKeepScore})});
    const std::string box_idx = node("Gather", {sel, constant<int64_t>({}, {2})}, Attributes::integer("axis", 1));
    const std::string class_idx = node("Gather", {sel, constant<int64_t>({}, {1})}, Attributes::integer("axis", 1));
    const std::string all_boxes = node("Reshape", {boxes, constant<int64_t>({2}, {n, 4})});
    const std::string all_scores = node("Reshape", {scores, constant<int64_t>({1}, {n})});
    axes_op("Unsqueeze", node("Gather", {all_boxes, box_idx}, Attributes::integer("axis", 0)), 0, "bboxes");
    // Label 1 (face): the one NMS class, 0, plus one.
    b_.add_node("Add", {axes_op("Unsqueeze", class_idx, 0), constant<int64_t>({}, {1})}, {"labels"}, {}, "labels");
    axes_op("Unsqueeze", node("Gather", {all_scores, box_idx}, Attributes::integer("axis", 0)), 0, "scores");
    b_.add_output("bboxes", DataType::Float, {1, -1, 4}, {"", "nbox", ""});
    b_.add_output("labels", DataType::Int64, {1, -1}, {"", "nbox"});
    b_.add_output("scores", DataType::Float, {1, -1}, {"", "nbox"});
  }

  const TfjsWeights& w_;
  const FaceSsdOptions& o_;
  std::map<std::string, Shape> shapes_;
};

void set_face_metadata(ModelBuilder& b) {
  b.set_metadata(app::kMetaChannelOrder, "RGB");
  b.set_metadata(app::kMetaMean, "0.5,0.5,0.5");  // x = (pixel/255 - 0.5) / 0.5 = pixel/127.5 - 1
  b.set_metadata(app::kMetaStd, "0.5,0.5,0.5");
  b.set_metadata(app::kMetaResize, "stretch");
  b.set_metadata(app::kMetaInterpolation, "bilinear");
  b.set_metadata(app::kMetaLabels, "1 face");
  b.set_metadata(app::kMetaMinScore, "0.5");
  b.set_metadata(app::kMetaDescription,
                 "SSD-MobileNetV1 face detector (WIDER FACE), trained weights of npm @vladmandic/face-api 1.7.15 "
                 "(MIT licence), imported from TF.js by ssdx make-model --arch face-ssd-mobilenetv1");
}

}  // namespace

std::string face_ssd_model_bytes(const std::string& weights_dir, const FaceSsdOptions& opts) {
  if (opts.opset < 10 || opts.opset > 13) fail("make-model: --opset must be 10 to 13 for face-ssd-mobilenetv1");
  const TfjsWeights w = TfjsWeights::load((std::filesystem::path(weights_dir) / kFaceSsdManifest).string());
  ModelBuilder b(opts.opset, 7);
  set_face_metadata(b);
  FaceSsdGraph(w, opts, b).build();
  return b.serialize();
}

void write_face_ssd_model(const std::string& weights_dir, const FaceSsdOptions& opts, const std::string& path) {
  write_file_bytes(path, face_ssd_model_bytes(weights_dir, opts));
}

}  // namespace ssdx::models
