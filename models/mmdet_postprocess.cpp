// mmdetection's SSD300 post-processing as ONNX nodes on a loaded graph (models/mmdet_postprocess.h).
#include "models/mmdet_postprocess.h"

#include <algorithm>
#include <cmath>

#include "graph/error.h"
#include "graph/graph_edit.h"
#include "models/mmdet_ssd300.h"

namespace ssdx::models {

namespace {

constexpr int kStrides[6] = {8, 16, 32, 64, 100, 300};
// basesize_ratio_range (0.15, 0.9) at input 300: level 0 gets 7% / 15% of 300, the others step by 18% from 15%.
constexpr double kMinSizes[6] = {21, 45, 99, 153, 207, 261};
constexpr double kMaxSizes[6] = {45, 99, 153, 207, 261, 315};
constexpr int kNmsPre = 1000, kMaxPerImage = 200;
constexpr float kScoreThreshold = 0.02f, kIou = 0.45f;

// One level's (w, h) per anchor in SSDAnchorGenerator's kept order: (min, ratio 1), (sqrt(min max), ratio 1), then
// per r: ratio 1/r and ratio r, where ratio q gives w = s / sqrt(q), h = s * sqrt(q).
std::vector<std::pair<double, double>> level_sizes(int level) {
  const double s = kMinSizes[level], s2 = std::sqrt(kMinSizes[level] * kMaxSizes[level]);
  std::vector<std::pair<double, double>> wh = {{s, s}, {s2, s2}};
  const int anchors = kMmdetSsd300Anchors[level];
  for (int r = 2; r < 2 + (anchors - 2) / 2; ++r) {
    const double q = std::sqrt(static_cast<double>(r));
    wh.push_back({s * q, s / q});  // ratio 1/r
    wh.push_back({s / q, s * q});  // ratio r
  }
  return wh;
}

class Appender {
 public:
  explicit Appender(Graph& g) : g_(g) {}

  int op(const std::string& type, const std::vector<int>& inputs, const Attributes& attrs = {}, int outputs = 1,
         std::vector<int>* more = nullptr) {
    Node n;
    n.name = fresh_value_name(g_, "mmdet_post_" + type + "_" + std::to_string(counter_++));
    n.op_type = type;
    n.attrs = attrs;
    n.inputs = inputs;
    for (int i = 0; i < outputs; ++i)
      n.outputs.push_back(add_fresh_value(g_, n.name + (i ? "_" + std::to_string(i) : ""), DataType::Undefined, {},
                                          false));
    if (more) *more = n.outputs;
    const int out = n.outputs[0];
    g_.add_node(std::move(n));
    return out;
  }
  template <typename T>
  int constant(const Shape& shape, const std::vector<T>& values) {
    return add_fresh_constant(g_, "mmdet_post_const", make_tensor<T>(shape, values));
  }
  int i64(std::vector<int64_t> v) { return constant<int64_t>({static_cast<int64_t>(v.size())}, v); }

 private:
  Graph& g_;
  int counter_ = 0;
};

Attributes axis(int64_t a) { return Attributes::integer("axis", a); }

const Shape& declared_shape(const Graph& g, int id, int rank) {
  const Value& v = g.value(id);
  if (!v.shape_known || static_cast<int>(v.shape.size()) != rank)
    fail(g.source, ": output '", v.name, "' has no declared rank-", rank, " shape (add-postprocess needs the head's shapes)");
  return v.shape;
}

}  // namespace

std::vector<float> mmdet_ssd300_anchors() {
  std::vector<float> out;
  for (int level = 0; level < 6; ++level) {
    const auto wh = level_sizes(level);
    const int grid = kMmdetSsd300Grids[level];
    for (int y = 0; y < grid; ++y)
      for (int x = 0; x < grid; ++x)
        for (const auto& [w, h] : wh) {
          const double cx = (x + 0.5) * kStrides[level], cy = (y + 0.5) * kStrides[level];
          out.push_back(static_cast<float>(cx - 0.5 * w));
          out.push_back(static_cast<float>(cy - 0.5 * h));
          out.push_back(static_cast<float>(cx + 0.5 * w));
          out.push_back(static_cast<float>(cy + 0.5 * h));
        }
  }
  return out;
}

void add_mmdet_ssd300_postprocess(Graph& g) {
  if (g.outputs.size() != 12)
    fail(g.source, ": expected the 12 raw SSD300 head outputs (cls_score_0..5, bbox_pred_0..5), found ",
         g.outputs.size(), " outputs");
  if (g.inputs.size() != 1) fail(g.source, ": expected one image input, found ", g.inputs.size());
  const Value& input = g.value(g.inputs[0]);
  if (!input.shape_known || input.shape.size() != 4 || input.shape[2] != 300 || input.shape[3] != 300)
    fail(g.source, ": input '", input.name, "' is not [N, 3, 300, 300]");
  const int64_t batch = input.shape[0];
  if (batch <= 0)
    fail(g.source, ": input '", input.name, "' has a dynamic batch; add-postprocess needs a fixed one "
         "(make-model --static-batch)");
  int64_t classes = -1;
  for (int level = 0; level < 6; ++level) {
    const Shape& cls = declared_shape(g, g.outputs[level], 4);
    const Shape& box = declared_shape(g, g.outputs[6 + level], 4);
    const int64_t a = kMmdetSsd300Anchors[level], grid = kMmdetSsd300Grids[level];
    const std::string& name = g.value(g.outputs[level]).name;
    if (box != Shape{batch, a * 4, grid, grid})
      fail(g.source, ": output '", g.value(g.outputs[6 + level]).name, "' is not [", batch, ", ", a * 4, ", ", grid,
           ", ", grid, "] (SSD300 box head ", level, ")");
    if (cls[0] != batch || cls[2] != grid || cls[3] != grid || cls[1] % a != 0 || cls[1] / a < 2)
      fail(g.source, ": output '", name, "' is not [", batch, ", ", a, " x (classes + 1), ", grid, ", ", grid,
           "] (SSD300 class head ", level, ")");
    if (classes >= 0 && cls[1] / a - 1 != classes)
      fail(g.source, ": output '", name, "' has ", cls[1] / a - 1, " classes, the earlier heads ", classes);
    classes = cls[1] / a - 1;
  }
  if (g.opset("") < 13) fail(g.source, ": opset ", g.opset(""), " is older than 13 (the Unsqueeze/Clip forms used)");
  const std::vector<float> anchors = mmdet_ssd300_anchors();
  Appender m(g);
  const int zero_f = m.constant<float>({}, {0.f});
  std::vector<int> level_boxes, level_scores, level_labels;
  int64_t first_anchor = 0, candidates = 0;
  for (int level = 0; level < 6; ++level) {
    const int64_t cells = static_cast<int64_t>(kMmdetSsd300Grids[level]) * kMmdetSsd300Grids[level];
    const int64_t n = cells * kMmdetSsd300Anchors[level];  // anchors of this level
    // permute(0, 2, 3, 1).reshape(N, -1, C + 1): anchors cell-major, softmax, background (last) dropped.
    const Attributes nhwc = Attributes::ints("perm", {0, 2, 3, 1});
    const int logits = m.op("Reshape", {m.op("Transpose", {g.outputs[level]}, nhwc), m.i64({batch, n, classes + 1})});
    const int probs = m.op("Softmax", {logits}, axis(-1));
    const int fg = m.op("Slice", {probs, m.i64({0}), m.i64({classes}), m.i64({2})});
    const int deltas = m.op("Reshape", {m.op("Transpose", {g.outputs[6 + level]}, nhwc), m.i64({batch * n, 4})});
    // filter_scores_and_topk: the top nms_pre (anchor, class) pairs; the score threshold is NMS's (same set).
    const int64_t k = std::min<int64_t>(kNmsPre, n * classes);
    std::vector<int> topk;
    m.op("TopK", {m.op("Reshape", {fg, m.i64({batch, n * classes})}), m.i64({k})}, axis(-1), 2, &topk);
    const int anchor = m.op("Div", {topk[1], m.constant<int64_t>({}, {classes})});
    const int label = m.op("Sub", {topk[1], m.op("Mul", {anchor, m.constant<int64_t>({}, {classes})})});
    // The rows of image b sit at b * n in the flattened deltas.
    std::vector<int64_t> offsets(static_cast<size_t>(batch));
    for (int64_t b = 0; b < batch; ++b) offsets[static_cast<size_t>(b)] = b * n;
    const int rows = m.op("Add", {anchor, m.constant<int64_t>({batch, 1}, offsets)});
    const int d = m.op("Gather", {deltas, rows}, axis(0));  // [N, k, 4]
    std::vector<float> level_anchors(anchors.begin() + 4 * first_anchor, anchors.begin() + 4 * (first_anchor + n));
    std::vector<float> wh(static_cast<size_t>(2 * n)), ctr(static_cast<size_t>(2 * n));
    for (int64_t i = 0; i < n; ++i) {
      const float* a = &level_anchors[static_cast<size_t>(4 * i)];
      wh[2 * i] = a[2] - a[0], wh[2 * i + 1] = a[3] - a[1];
      ctr[2 * i] = 0.5f * (a[0] + a[2]), ctr[2 * i + 1] = 0.5f * (a[1] + a[3]);
    }
    const int pwh = m.op("Gather", {m.constant<float>({n, 2}, wh), anchor}, axis(0));   // [N, k, 2]
    const int pxy = m.op("Gather", {m.constant<float>({n, 2}, ctr), anchor}, axis(0));  // [N, k, 2]
    // DeltaXYWHBBoxCoder.decode: means 0, stds (0.1, 0.1, 0.2, 0.2), dw/dh clamped to |log(16 / 1000)|.
    const int dxy = m.op("Mul", {m.op("Slice", {d, m.i64({0}), m.i64({2}), m.i64({2})}),
                                 m.constant<float>({}, {0.1f})});
    const float ratio = static_cast<float>(std::fabs(std::log(16.0 / 1000.0)));
    const int dwh = m.op("Clip", {m.op("Mul", {m.op("Slice", {d, m.i64({2}), m.i64({4}), m.i64({2})}),
                                               m.constant<float>({}, {0.2f})}),
                                  m.constant<float>({}, {-ratio}), m.constant<float>({}, {ratio})});
    const int gxy = m.op("Add", {pxy, m.op("Mul", {pwh, dxy})});
    const int half = m.op("Mul", {m.op("Mul", {pwh, m.op("Exp", {dwh})}), m.constant<float>({}, {0.5f})});
    const int box = m.op("Concat", {m.op("Sub", {gxy, half}), m.op("Add", {gxy, half})}, axis(2));
    level_boxes.push_back(m.op("Clip", {box, zero_f, m.constant<float>({}, {300.f})}));
    level_scores.push_back(topk[0]);
    level_labels.push_back(label);
    first_anchor += n;
    candidates += k;
  }
  const int boxes = m.op("Concat", level_boxes, axis(1));    // [N, K, 4]
  const int labels = m.op("Concat", level_labels, axis(1));  // [N, K] int64
  // test_cfg min_bbox_size 0: a box whose clipped width or height is not > 0 is dropped before NMS; its score goes to
  // 0, below NMS's score threshold.
  const int wh = m.op("Sub", {m.op("Slice", {boxes, m.i64({2}), m.i64({4}), m.i64({2})}),
                              m.op("Slice", {boxes, m.i64({0}), m.i64({2}), m.i64({2})})});
  const int positive = m.op("Cast", {m.op("Greater", {wh, zero_f})}, Attributes::integer("to", 1));
  Attributes min_over_wh = Attributes::ints("axes", {2});
  min_over_wh.set_int("keepdims", 0);
  const int scores = m.op("Mul", {m.op("Concat", level_scores, axis(1)), m.op("ReduceMin", {positive}, min_over_wh)});
  // batched_nms: boxes shifted by label * (largest coordinate + 1); clamped to 300, so 301 per class keeps classes
  // apart in one NonMaxSuppression. Its output is score-ordered per image, max_per_img kept.
  const int label_f = m.op("Cast", {labels}, Attributes::integer("to", 1));
  const int offset = m.op("Mul", {label_f, m.constant<float>({}, {301.f})});
  const int shifted = m.op("Add", {boxes, m.op("Unsqueeze", {offset, m.i64({2})})});
  const int selected = m.op("NonMaxSuppression", {shifted, m.op("Unsqueeze", {scores, m.i64({1})}),
                                                  m.i64({kMaxPerImage}), m.constant<float>({1}, {kIou}),
                                                  m.constant<float>({1}, {kScoreThreshold})});
  // The kept candidates' scores (others 0), then each image's top 200: the kept ones in NMS order, then padding.
  const int where = m.op("Gather", {selected, m.i64({0, 2})}, axis(1));  // [M, 2] (image, candidate)
  const int kept_scores = m.op("GatherND", {scores, where});
  const int mask = m.op("ScatterND", {m.op("Mul", {scores, zero_f}), where, kept_scores});
  std::vector<int> top;
  m.op("TopK", {mask, m.i64({kMaxPerImage})}, axis(-1), 2, &top);
  std::vector<int64_t> offsets(static_cast<size_t>(batch));
  for (int64_t b = 0; b < batch; ++b) offsets[static_cast<size_t>(b)] = b * candidates;
  const int rows = m.op("Add", {top[1], m.constant<int64_t>({batch, 1}, offsets)});
  const int is_pad = m.op("Equal", {top[0], zero_f});
  const int picked_boxes = m.op("Gather", {m.op("Reshape", {boxes, m.i64({batch * candidates, 4})}), rows}, axis(0));
  const int picked_labels = m.op("Gather", {m.op("Reshape", {labels, m.i64({batch * candidates})}), rows}, axis(0));
  const int pad_col = m.op("Unsqueeze", {is_pad, m.i64({2})});
  const int out_boxes = m.op("Where", {pad_col, zero_f, picked_boxes});
  const int dets = add_fresh_value(g, "dets", DataType::Float, {batch, kMaxPerImage, 5}, true);
  const int out_labels = add_fresh_value(g, "labels", DataType::Int64, {batch, kMaxPerImage}, true);
  Node cat;
  cat.name = g.value(dets).name;
  cat.op_type = "Concat";
  cat.attrs = axis(2);
  cat.inputs = {out_boxes, m.op("Unsqueeze", {top[0], m.i64({2})})};
  cat.outputs = {dets};
  g.add_node(std::move(cat));
  Node lab;
  lab.name = g.value(out_labels).name;
  lab.op_type = "Where";
  lab.inputs = {is_pad, m.constant<int64_t>({}, {-1}), picked_labels};
  lab.outputs = {out_labels};
  g.add_node(std::move(lab));
  for (int id : g.outputs) g.value(id).is_graph_output = false;
  g.outputs = {dets, out_labels};
  g.value(dets).is_graph_output = g.value(out_labels).is_graph_output = true;
  g.metadata["ssdx.model.family"] = "mmdeploy";
  if (classes == 80) g.metadata["ssdx.labels"] = "@coco80";
  g.link();
  g.topo_sort();
  g.verify();
}

}  // namespace ssdx::models
