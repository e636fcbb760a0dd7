// SSD-ResNet34 generator following docs/ssd12_model.md: §2 backbone, extras and heads; §3 default boxes and
// decode; §4 the post-processing node chain, node for node.
#include "models/ssd_model.h"

#include <cmath>
#include <memory>
#include <random>

#include "engine/shape_inference.h"
#include "graph/graph_writer.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "models/node_maker.h"
#include "models/seeded_rng.h"
#include "passes/eliminate_dead.h"
#include "app/input_spec.h"

namespace ssdx::models {
namespace {

constexpr int kLabels = 81;  // 80 COCO classes + background (index 0)
constexpr int kNumDefaults[6] = {4, 6, 6, 6, 4, 4};
constexpr int kSourceChannels[6] = {256, 512, 512, 256, 256, 256};
constexpr float kBnEpsilon = 1e-5f;

// Output size of a convolution or pooling window along one dim.
int window_out(int in, int k, int s, int p) { return (in + 2 * p - k) / s + 1; }

// Spatial size of each of the six feature sources (150, 75, 38, 19, 9, 7 at 1200).
std::vector<int> source_grids(int size) {
  int n = window_out(size, 7, 2, 3);  // conv1
  n = window_out(n, 3, 2, 1);         // maxpool
  n = window_out(n, 3, 2, 1);         // layer2 (layer3 keeps stride 1)
  std::vector<int> grids = {n};
  for (int e = 0; e < 5; ++e) {
    const int stride = e < 4 ? 2 : 1, pad = e < 3 ? 1 : 0;
    n = window_out(n, 3, stride, pad);
    grids.push_back(n);
  }
  return grids;
}


class SsdGraph : private NodeMaker {
 public:
  SsdGraph(const SsdModelOptions& o, ModelBuilder& b) : NodeMaker(b), o_(o), rng_(o.seed) {}

  void build() {
    b_.add_input("image", DataType::Float, {1, 3, o_.size, o_.size});
    const std::vector<std::string> sources = extras(backbone("image"));
    std::vector<std::string> locs, confs;
    for (int i = 0; i < 6; ++i) {
      const int nd = kNumDefaults[i], channels = kSourceChannels[i];
      // Every head is a 3x3 convolution with stride 3 (docs/ssd12_model.md §2.3).
      locs.push_back(view(conv(sources[i], channels, nd * 4, 3, 3, 1, kLocGain, 0.f), 4));
      confs.push_back(view(conv(sources[i], channels, nd * kLabels, 3, 3, 1, kConfGain, 0.f, true), kLabels));
    }
    postprocess(concat(locs, 2), concat(confs, 2));
  }

 private:
  static constexpr float kLocGain = 0.15f;         // box offsets of a fraction of the default box
  static constexpr float kConfGain = 0.35f;       // class logits spread: a varied set of confident classes
  static constexpr float kBackgroundBias = 4.0f;  // most default boxes are background, as in a trained model

  // ---- backbone pieces ----

  // Conv with Kaiming-normal weights scaled by `gain`; bias ~ U(-bias_range, bias_range) when bias_range > 0.
  // `class_head` marks a class head whose label-0 channels get kBackgroundBias.
  std::string conv(const std::string& x, int cin, int cout, int k, int stride, int pad, float gain, float bias_range,
                   bool class_head = false, bool with_bias = true, std::vector<float>* weights_out = nullptr) {
    std::vector<float> w = rng_.he_normal(static_cast<size_t>(cout) * cin * k * k, cin * k * k, gain);
    std::vector<float> bias(static_cast<size_t>(cout));
    for (int c = 0; c < cout; ++c) {
      bias[static_cast<size_t>(c)] = bias_range > 0 ? rng_.uniform(-bias_range, bias_range) : 0.f;
      if (class_head && c % kLabels == 0) bias[static_cast<size_t>(c)] += kBackgroundBias;
    }
    if (weights_out) {
      *weights_out = std::move(w);
      return "";
    }
    return conv_node(x, cin, cout, k, stride, pad, w, with_bias ? &bias : nullptr);
  }

  std::string conv_node(const std::string& x, int cin, int cout, int k, int stride, int pad,
                        const std::vector<float>& w, const std::vector<float>* bias) {
    const std::string name = fresh("Conv");
    const std::string wname = name + ".weight";
    b_.add_initializer(wname, make_tensor<float>({cout, cin, k, k}, w));
    std::vector<std::string> inputs = {x, wname};
    if (bias) {
      b_.add_initializer(name + ".bias", make_tensor<float>({cout}, *bias));
      inputs.push_back(name + ".bias");
    }
    Attributes a;
    a.set_ints("kernel_shape", {k, k});
    a.set_ints("strides", {stride, stride});
    a.set_ints("pads", {pad, pad, pad, pad});
    a.set_ints("dilations", {1, 1});
    a.set_int("group", 1);
    b_.add_node("Conv", inputs, {name}, a, name);
    return name;
  }

  // Bias-free Conv + BatchNormalization (torchvision's backbone), or its folded form with the same numbers.
  // BN statistics are near-identity so activations keep a realistic scale; `gamma_scale` < 1 damps the residual branch.
  std::string conv_bn(const std::string& x, int cin, int cout, int k, int stride, int pad, float gamma_scale) {
    std::vector<float> w;
    conv(x, cin, cout, k, stride, pad, 1.f, 0.f, false, false, &w);
    std::vector<float> gamma(cout), beta(cout), mean(cout), var(cout);
    for (int c = 0; c < cout; ++c) {
      gamma[c] = gamma_scale * rng_.uniform(0.8f, 1.2f);
      beta[c] = rng_.uniform(-0.1f, 0.1f);
      mean[c] = rng_.uniform(-0.1f, 0.1f);
      var[c] = rng_.uniform(0.8f, 1.25f);
    }
    if (o_.fold_bn) {
      // W' = W * g/sqrt(v+eps);  b' = beta - mean * g/sqrt(v+eps)
      std::vector<float> bias(cout);
      const size_t per_out = static_cast<size_t>(cin) * k * k;
      for (int c = 0; c < cout; ++c) {
        const float a = gamma[c] / std::sqrt(var[c] + kBnEpsilon);
        for (size_t i = 0; i < per_out; ++i) w[c * per_out + i] *= a;
        bias[c] = beta[c] - mean[c] * a;
      }
      return conv_node(x, cin, cout, k, stride, pad, w, &bias);
    }
    const std::string y = conv_node(x, cin, cout, k, stride, pad, w, nullptr);
    const std::string name = fresh("BatchNormalization");
    const std::vector<std::pair<std::string, std::vector<float>*>> params = {
        {".weight", &gamma}, {".bias", &beta}, {".running_mean", &mean}, {".running_var", &var}};
    std::vector<std::string> inputs = {y};
    for (const auto& [suffix, values] : params) {
      b_.add_initializer(name + suffix, make_tensor<float>({cout}, *values));
      inputs.push_back(name + suffix);
    }
    Attributes a;
    a.set_float("epsilon", kBnEpsilon);
    a.set_float("momentum", 0.9f);
    b_.add_node("BatchNormalization", inputs, {name}, a, name);
    return name;
  }


  // BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), shortcut = conv1x1+bn when the shape changes.
  std::string basic_block(const std::string& x, int cin, int cout, int stride, bool downsample) {
    const std::string a = relu(conv_bn(x, cin, cout, 3, stride, 1, 1.f));
    const std::string b = conv_bn(a, cout, cout, 3, 1, 1, 0.4f);
    const std::string shortcut = downsample ? conv_bn(x, cin, cout, 1, stride, 0, 0.6f) : x;
    return relu(node("Add", {b, shortcut}));
  }

  std::string backbone(const std::string& image) {
    std::string x = relu(conv_bn(image, 3, 64, 7, 2, 3, 1.f));
    x = max_pool(x, 3, 2, 1, false);
    for (int i = 0; i < 3; ++i) x = basic_block(x, 64, 64, 1, false);                   // layer1
    for (int i = 0; i < 4; ++i) x = basic_block(x, i ? 128 : 64, 128, i ? 1 : 2, i == 0);  // layer2
    for (int i = 0; i < 6; ++i) x = basic_block(x, i ? 256 : 128, 256, 1, i == 0);      // layer3, stride 1
    return x;
  }

  // Five extra blocks: Conv1x1 + ReLU, Conv3x3 + ReLU (with bias, no BN).
  std::vector<std::string> extras(const std::string& src0) {
    static const int kIn[5] = {256, 512, 512, 256, 256}, kMid[5] = {256, 256, 128, 128, 128},
                     kOut[5] = {512, 512, 256, 256, 256}, kStride[5] = {2, 2, 2, 2, 1}, kPad[5] = {1, 1, 1, 0, 0};
    std::vector<std::string> sources = {src0};
    std::string x = src0;
    for (int e = 0; e < 5; ++e) {
      x = relu(conv(x, kIn[e], kMid[e], 1, 1, 0, 1.f, 0.05f));
      x = relu(conv(x, kMid[e], kOut[e], 3, kStride[e], kPad[e], 1.f, 0.05f));
      sources.push_back(x);
    }
    return sources;
  }

  // x.view(N, channels, -1): dynamic Shape→Gather→Unsqueeze→Concat→Reshape as PyTorch traces it, or a constant shape.
  std::string view(const std::string& x, int64_t channels) {
    if (o_.constant_view_shapes) return node("Reshape", {x, constant<int64_t>({3}, {1, channels, -1})});
    const std::string shape = node("Shape", {x});
    const std::string n = node("Gather", {shape, constant<int64_t>({}, {0})}, Attributes::integer("axis", 0));
    const std::string n1 = node("Unsqueeze", {n}, Attributes::ints("axes", {0}));
    const std::string target = node("Concat", {n1, constant<int64_t>({1}, {channels}), constant<int64_t>({1}, {-1})},
                                    Attributes::integer("axis", 0));
    return node("Reshape", {x, target});
  }

  std::string concat(const std::vector<std::string>& xs, int64_t axis) { return node("Concat", xs, Attributes::integer("axis", axis)); }

  // Opset-10 Slice with constant starts/ends/axes/steps initializers (one axis at a time, as exported).
  std::string slice(const std::string& x, int64_t start, int64_t end, int64_t axis) {
    return node("Slice", {x, constant<int64_t>({1}, {start}), constant<int64_t>({1}, {end}),
                          constant<int64_t>({1}, {axis}), constant<int64_t>({1}, {1})});
  }

  // The exporter slices dims 0 and 1 in full before the real slice on dim 2 (docs/ssd12_model.md §3.2).
  std::string slice3(const std::string& x, int64_t start, int64_t end) {
    constexpr int64_t kAll = INT64_MAX;
    return slice(slice(slice(x, 0, kAll, 0), 0, kAll, 1), start, end, 2);
  }

  std::string scalar_mul(const std::string& x, float v) { return node("Mul", {x, constant<float>({}, {v})}); }

  // docs/ssd12_model.md §3.2 and §4: decode against the default boxes, softmax, NMS, keep the best min(200, n).
  void postprocess(const std::string& loc, const std::string& conf) {
    const std::vector<float> dboxes = ssd_default_boxes(o_.size);
    const int64_t n = static_cast<int64_t>(dboxes.size() / 4);
    std::vector<float> d_xy(2 * n), d_wh(2 * n);
    for (int64_t i = 0; i < n; ++i) {
      d_xy[2 * i] = dboxes[4 * i]; d_xy[2 * i + 1] = dboxes[4 * i + 1];
      d_wh[2 * i] = dboxes[4 * i + 2]; d_wh[2 * i + 1] = dboxes[4 * i + 3];
    }
    const std::string b = node("Transpose", {loc}, Attributes::ints("perm", {0, 2, 1}));   // (1,N,4)
    const std::string s = node("Transpose", {conf}, Attributes::ints("perm", {0, 2, 1}));  // (1,N,81)
    const std::string xy = scalar_mul(slice3(b, 0, 2), 0.1f);
    const std::string wh = scalar_mul(slice3(b, 2, 4), 0.2f);
    const std::string centre = node("Add", {node("Mul", {xy, constant<float>({1, n, 2}, d_wh)}), constant<float>({1, n, 2}, d_xy)});
    const std::string size = node("Mul", {node("Exp", {wh}), constant<float>({1, n, 2}, d_wh)});
    // l = cx - 0.5 w, t = cy - 0.5 h, r = cx + 0.5 w, b = cy + 0.5 h
    auto coord = [&](int64_t i) { return node("Squeeze", {slice3(centre, i, i + 1)}, Attributes::ints("axes", {2})); };
    auto half = [&](int64_t i) {
      return scalar_mul(node("Squeeze", {slice3(size, i, i + 1)}, Attributes::ints("axes", {2})), 0.5f);
    };
    const std::string l = node("Sub", {coord(0), half(0)});
    const std::string t = node("Sub", {coord(1), half(1)});
    const std::string r = node("Add", {coord(0), half(0)});
    const std::string bt = node("Add", {coord(1), half(1)});
    std::vector<std::string> parts;
    for (const std::string& p : {l, t, r, bt}) parts.push_back(node("Unsqueeze", {p}, Attributes::ints("axes", {2})));
    const std::string boxes = concat(parts, 2);  // (1,N,4) ltrb

    const std::string probs_t = node("Transpose", {node("Softmax", {s}, Attributes::integer("axis", 2))}, Attributes::ints("perm", {0, 2, 1}));
    constexpr int64_t kAll = INT64_MAX;
    const std::string probs = slice(slice(slice(probs_t, 0, kAll, 0), 1, kAll, 1), 0, kAll, 2);  // drop background
    auto const_of_shape = [&](Tensor value) {
      Attributes a;
      a.set_tensor("value", std::move(value));
      return node("ConstantOfShape", {constant<int64_t>({1}, {1})}, a);
    };
    const std::string max_out = const_of_shape(make_tensor<int64_t>({1}, {200}));
    const std::string iou = const_of_shape(make_tensor<float>({1}, {0.5f}));
    const std::string score_thr = const_of_shape(make_tensor<float>({1}, {0.05f}));
    const std::string sel = node("NonMaxSuppression", {boxes, probs, max_out, iou, score_thr});

    const std::string labels = node("Gather", {slice(sel, 0, kAll, 0), constant<int64_t>({}, {1})}, Attributes::integer("axis", 1));
    const std::string box_idx = node("Gather", {slice(sel, 0, kAll, 0), constant<int64_t>({}, {2})}, Attributes::integer("axis", 1));
    const std::string flat = node("Reshape", {probs, constant<int64_t>({1}, {-1})});
    const std::string num_boxes = node("Gather", {node("Shape", {probs}), constant<int64_t>({}, {2})}, Attributes::integer("axis", 0));
    const std::string flat_idx = node("Add", {node("Mul", {labels, num_boxes}), box_idx});
    const std::string scores = node("Gather", {flat, node("Cast", {flat_idx}, Attributes::integer("to", 7))}, Attributes::integer("axis", 0));
    const std::string count = node("Unsqueeze", {node("Gather", {node("Shape", {scores}), constant<int64_t>({}, {0})},
                                                      Attributes::integer("axis", 0))},
                                   Attributes::ints("axes", {0}));
    const std::string candidates = concat({constant<int64_t>({1}, {200}), count}, 0);
    // ORT had no int64 ReduceMin when this was exported: the graph goes through int32.
    Attributes keep;
    keep.set_int("keepdims", 0);
    const std::string k = node("Cast", {node("ReduceMin", {node("Cast", {candidates}, Attributes::integer("to", 6))}, keep)}, Attributes::integer("to", 7));
    const std::string topk = fresh("TopK");
    const std::string order = topk + "_indices";
    b_.add_node("TopK", {scores, node("Unsqueeze", {k}, Attributes::ints("axes", {0}))}, {topk, order}, Attributes::integer("axis", 0), topk);

    const std::string all_boxes = node("Squeeze", {boxes}, Attributes::ints("axes", {0}));
    const std::string kept_idx = node("Cast", {node("Gather", {box_idx, order}, Attributes::integer("axis", 0))}, Attributes::integer("to", 7));
    const std::string kept_boxes = node("Gather", {slice(all_boxes, 0, kAll, 1), kept_idx}, Attributes::integer("axis", 0));
    b_.add_node("Unsqueeze", {kept_boxes}, {"bboxes"}, Attributes::ints("axes", {0}), "Unsqueeze_bboxes");
    const std::string kept_labels = node("Unsqueeze", {node("Gather", {labels, order}, Attributes::integer("axis", 0))}, Attributes::ints("axes", {0}));
    b_.add_node("Add", {kept_labels, constant<int64_t>({}, {1})}, {"labels"}, {}, "Add_labels");
    b_.add_node("Unsqueeze", {node("Gather", {scores, order}, Attributes::integer("axis", 0))}, {"scores"}, Attributes::ints("axes", {0}),
                "Unsqueeze_scores");
    b_.add_output("bboxes", DataType::Float, {1, -1, 4}, {"", "nbox", ""});
    b_.add_output("labels", DataType::Int64, {1, -1}, {"", "nbox"});
    b_.add_output("scores", DataType::Float, {1, -1}, {"", "nbox"});
  }

  const SsdModelOptions& o_;
  Rng rng_;
};

}  // namespace

std::vector<int> ssd_head_grids(int size) {
  std::vector<int> grids;
  for (int s : source_grids(size)) grids.push_back(window_out(s, 3, 3, 1));
  return grids;
}

// docs/ssd12_model.md §3.1: steps = int(S / grid), fk = S // step, scales = int(s * S / 300), two square sizes then
// each aspect ratio both ways; centres ((j + 0.5) / fk, (i + 0.5) / fk); clamped to [0, 1] in xywh form; slot-major
// order.
std::vector<float> ssd_default_boxes(int size) {
  static const int kScales300[7] = {21, 45, 99, 153, 207, 261, 315};
  static const std::vector<std::vector<int>> kAspect = {{2}, {2, 3}, {2, 3}, {2, 3}, {2}, {2}};
  const std::vector<int> grids = ssd_head_grids(size);
  std::vector<float> boxes;
  for (size_t level = 0; level < grids.size(); ++level) {
    const int grid = grids[level];
    const int step = size / grid;
    const double fk = static_cast<double>(size / step);
    const double sk1 = static_cast<int>(kScales300[level] * size / 300) / static_cast<double>(size);
    const double sk2 = static_cast<int>(kScales300[level + 1] * size / 300) / static_cast<double>(size);
    std::vector<std::pair<double, double>> sizes = {{sk1, sk1}, {std::sqrt(sk1 * sk2), std::sqrt(sk1 * sk2)}};
    for (int ar : kAspect[level]) {
      const double r = std::sqrt(static_cast<double>(ar));
      sizes.push_back({sk1 * r, sk1 / r});
      sizes.push_back({sk1 / r, sk1 * r});
    }
    for (const auto& [w, h] : sizes)
      for (int i = 0; i < grid; ++i)
        for (int j = 0; j < grid; ++j)
          for (double v : {(j + 0.5) / fk, (i + 0.5) / fk, w, h})
            boxes.push_back(static_cast<float>(std::min(1.0, std::max(0.0, v))));
  }
  return boxes;
}

namespace {

void check_ssd_options(const SsdModelOptions& opts) {
  if (opts.opset != 10 && opts.opset != 12) fail("make-model: --opset must be 10 or 12");
  // The unpadded 3x3 convolution of extra block 5 needs a 3x3 input from block 4: 385 pixels or more.
  const std::vector<int> grids = source_grids(opts.size);
  if (opts.size < 64 || grids[4] < 3)
    fail("make-model: size ", opts.size, " is too small for the unpadded extra layers (use 385 or more)");
  if (opts.size > 4096) fail("make-model: size ", opts.size, " is too large (at most 4096)");
}

// How the model wants to be used (docs/model_metadata.md): the zoo's model card preprocesses with Pillow
// (Image.BILINEAR to 1200x1200, no aspect kept) and ImageNet's mean/std on RGB; COCO's classes as labels 1..80.
void set_ssd_metadata(const SsdModelOptions& opts, ModelBuilder& b) {
  b.set_metadata(app::kMetaChannelOrder, "RGB");
  b.set_metadata(app::kMetaMean, "0.485,0.456,0.406");
  b.set_metadata(app::kMetaStd, "0.229,0.224,0.225");
  b.set_metadata(app::kMetaResize, "stretch");
  b.set_metadata(app::kMetaInterpolation, "pillow-bilinear");
  b.set_metadata(app::kMetaLabels, app::format_labels(app::coco_labels()));
  b.set_metadata(app::kMetaMinScore, "0.3");
  b.set_metadata(app::kMetaDescription,
                 "SSD-ResNet34 (the ONNX model zoo's ssd-" + std::to_string(opts.opset) + " architecture) at " +
                     std::to_string(opts.size) + "x" + std::to_string(opts.size) +
                     " with deterministic synthetic weights (seed " + std::to_string(opts.seed) +
                     "), made by ssdx make-model: its detections are not meaningful");
}

// ssd-10 was written by onnx 1.5 (IR 5), ssd-12 by onnx 1.9 (IR 7): docs/ssd12_model.md §1.
std::unique_ptr<ModelBuilder> ssd_builder(const SsdModelOptions& opts) {
  check_ssd_options(opts);
  auto b = std::make_unique<ModelBuilder>(opts.opset, opts.opset == 10 ? 5 : 7);
  SsdGraph(opts, *b).build();
  set_ssd_metadata(opts, *b);
  return b;
}

}  // namespace

void write_ssd_model(const SsdModelOptions& opts, const std::string& path) { ssd_builder(opts)->save(path); }

// The heads' outputs are the Convs whose readers are all views (Reshape, and Shape for the dynamic views): each becomes
// a graph input, and whatever only fed the heads goes.
void write_ssd_postprocess_model(const SsdModelOptions& opts, const std::string& path) {
  // Built and parsed in memory: no temporary file beside the output.
  Graph g = load_onnx_bytes(ssd_builder(opts)->serialize(), path, "");
  infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::None);
  g.link();
  std::vector<int> inputs;
  for (Node& n : g.nodes) {
    if (n.op_type != "Conv") continue;
    bool head = !g.value(n.outputs[0]).consumers.empty();
    for (int c : g.value(n.outputs[0]).consumers) {
      const std::string& op = g.nodes[static_cast<size_t>(c)].op_type;
      head = head && (op == "Reshape" || op == "Shape");
    }
    if (!head) continue;
    n.dead = true;
    g.value(n.outputs[0]).is_graph_input = true;
    inputs.push_back(n.outputs[0]);
  }
  g.inputs = inputs;
  eliminate_dead_nodes(g);
  save_graph(g, path);
}

}  // namespace ssdx::models
