// torchvision's SSD detection tail (models/torchvision_postprocess.h), node for node as the exporter writes
// postprocess_detections, BoxCoder.decode_single, clip_boxes_to_image, batched_nms and transform.postprocess.
#include "models/torchvision_postprocess.h"

#include <cmath>
#include <limits>

#include "models/node_maker.h"

namespace ssdx::models {

std::vector<float> torchvision_default_boxes(int size, const std::vector<int>& grids,
                                             const std::vector<std::vector<int>>& ratios,
                                             const std::vector<float>& scales, const std::vector<int>& steps) {
  std::vector<float> out;
  for (size_t k = 0; k < grids.size(); ++k) {
    const double sk = scales[k], sk1 = std::sqrt(static_cast<double>(scales[k]) * scales[k + 1]);
    std::vector<std::pair<double, double>> wh = {{sk, sk}, {sk1, sk1}};
    for (int r : ratios[k]) {
      const double q = std::sqrt(static_cast<double>(r));
      wh.push_back({sk * q, sk / q});
      wh.push_back({sk / q, sk * q});
    }
    for (auto& [w, h] : wh) w = std::min(std::max(w, 0.0), 1.0), h = std::min(std::max(h, 0.0), 1.0);
    // With steps the centres sit at (i + 0.5) * step / size, else at (i + 0.5) / grid.
    const double cells = steps.empty() ? grids[k] : static_cast<double>(size) / steps[k];
    for (int y = 0; y < grids[k]; ++y)
      for (int x = 0; x < grids[k]; ++x)
        for (const auto& [w, h] : wh) {
          // torchvision computes in float32: centre, then (centre -/+ half size) * image size.
          const float cx = static_cast<float>((x + 0.5) / cells), cy = static_cast<float>((y + 0.5) / cells);
          const float fw = static_cast<float>(w), fh = static_cast<float>(h);
          out.push_back((cx - 0.5f * fw) * size);
          out.push_back((cy - 0.5f * fh) * size);
          out.push_back((cx + 0.5f * fw) * size);
          out.push_back((cy + 0.5f * fh) * size);
        }
  }
  return out;
}

namespace {

Attributes axis(int64_t a) { return Attributes::integer("axis", a); }
Attributes axes(std::vector<int64_t> a) { return Attributes::ints("axes", std::move(a)); }

class TailGraph : private NodeMaker {
 public:
  TailGraph(ModelBuilder& b, const TorchvisionTail& t, int64_t opset) : NodeMaker(b, "post_"), t_(t), b_opset(opset) {}

  void build() {
    const int64_t n = static_cast<int64_t>(t_.anchors.size() / 4);
    // The loop over the batch's images: image 0 of the [1, n, .] head outputs.
    const std::string zero = constant<int64_t>({}, {0});
    const std::string codes = node("Gather", {t_.bbox_regression, zero}, axis(0));  // [n, 4]
    const std::string logits = node("Gather", {t_.cls_logits, zero}, axis(0));     // [n, classes]
    const std::string boxes = clip(decode(codes, n));
    const std::string scores = node("Softmax", {logits}, axis(-1));
    std::vector<std::string> all_boxes, all_scores, all_labels;
    for (int label = 1; label < t_.classes; ++label) pick(scores, boxes, label, &all_boxes, &all_scores, &all_labels);
    const std::string cat_boxes = node("Concat", all_boxes, axis(0));
    const std::string cat_scores = node("Concat", all_scores, axis(0));
    const std::string cat_labels = node("Concat", all_labels, axis(0));
    const std::string keep_all = batched_nms(cat_boxes, cat_scores, cat_labels);
    const std::string keep = node("Slice", {keep_all, constant<int64_t>({1}, {0}), constant<int64_t>({1}, {200}),
                                            constant<int64_t>({1}, {0})});
    const std::string out_boxes = node("Gather", {cat_boxes, keep}, axis(0));
    b_.add_node("Gather", {cat_scores, keep}, {"scores"}, axis(0), "scores");
    b_.add_node("Gather", {cat_labels, keep}, {"labels"}, axis(0), "labels");
    resize_back(out_boxes);
    b_.add_output("boxes", DataType::Float, {-1, 4}, {"detections", ""});
    b_.add_output("scores", DataType::Float, {-1}, {"detections"});
    b_.add_output("labels", DataType::Int64, {-1}, {"detections"});
  }

 private:
  // BoxCoder.decode_single with weights (10, 10, 5, 5); the anchor widths and centres are constants (folded).
  std::string decode(const std::string& codes, int64_t n) {
    std::vector<float> w(n), h(n), cx(n), cy(n);
    for (int64_t i = 0; i < n; ++i) {
      const float* a = &t_.anchors[4 * i];
      w[i] = a[2] - a[0];
      h[i] = a[3] - a[1];
      cx[i] = a[0] + 0.5f * w[i];
      cy[i] = a[1] + 0.5f * h[i];
    }
    const std::string cw = constant<float>({n, 1}, w), ch = constant<float>({n, 1}, h);
    const std::string ccx = constant<float>({n, 1}, cx), ccy = constant<float>({n, 1}, cy);
    auto column = [&](int64_t start, float weight) {  // rel_codes[:, start::4] / weight
      const std::string s = node("Slice", {codes, constant<int64_t>({1}, {start}),
                                           constant<int64_t>({1}, {std::numeric_limits<int64_t>::max()}),
                                           constant<int64_t>({1}, {1}), constant<int64_t>({1}, {4})});
      return node("Div", {s, constant<float>({}, {weight})});
    };
    const std::string dx = column(0, 10.f), dy = column(1, 10.f);
    // dw, dh clamped at log(1000 / 16) so exp() cannot overflow; Clip with only a max (min omitted).
    const std::string clip_max = constant<float>({}, {static_cast<float>(std::log(1000.0 / 16))});
    const std::string dw = node("Clip", {column(2, 5.f), "", clip_max});
    const std::string dh = node("Clip", {column(3, 5.f), "", clip_max});
    const std::string pcx = node("Add", {node("Mul", {dx, cw}), ccx});
    const std::string pcy = node("Add", {node("Mul", {dy, ch}), ccy});
    const std::string half = constant<float>({}, {0.5f});
    const std::string hw = node("Mul", {half, node("Mul", {node("Exp", {dw}), cw})});
    const std::string hh = node("Mul", {half, node("Mul", {node("Exp", {dh}), ch})});
    // torch.stack((x1, y1, x2, y2), dim=2).flatten(1)
    std::vector<std::string> parts;
    for (const std::string& v : {node("Sub", {pcx, hw}), node("Sub", {pcy, hh}), node("Add", {pcx, hw}),
                                 node("Add", {pcy, hh})})
      parts.push_back(node("Unsqueeze", {v}, axes({2})));
    return node("Flatten", {node("Concat", parts, axis(2))}, axis(1));
  }

  // clip_boxes_to_image while tracing: x = max(x, 0), min(x, width), the same for y, stacked back.
  std::string clip(const std::string& boxes) {
    auto every_other = [&](int64_t start) {
      return node("Slice", {boxes, constant<int64_t>({1}, {start}),
                            constant<int64_t>({1}, {std::numeric_limits<int64_t>::max()}),
                            constant<int64_t>({1}, {1}), constant<int64_t>({1}, {2})});
    };
    const std::string lo = constant<float>({}, {0.f}), hi = constant<float>({}, {static_cast<float>(t_.size)});
    const std::string x = node("Min", {node("Max", {every_other(0), lo}), hi});
    const std::string y = node("Min", {node("Max", {every_other(1), lo}), hi});
    const std::string stacked = node("Concat", {node("Unsqueeze", {x}, axes({2})), node("Unsqueeze", {y}, axes({2}))},
                                     axis(2));  // [n, 2, 2]
    return node("Reshape", {stacked, constant<int64_t>({2}, {-1, 4})});
  }

  // One class of postprocess_detections: scores above 0.01, their top min(count, 400), the label as int64.
  void pick(const std::string& scores, const std::string& boxes, int label, std::vector<std::string>* out_boxes,
            std::vector<std::string>* out_scores, std::vector<std::string>* out_labels) {
    const std::string score = node("Gather", {scores, constant<int64_t>({}, {label})}, axis(1));  // [n]
    const std::string mask = node("Greater", {score, constant<float>({}, {0.01f})});
    const std::string idx = node("Transpose", {node("NonZero", {mask})}, Attributes::ints("perm", {1, 0}));  // [m, 1]
    const std::string kept = node("GatherND", {score, idx});
    const std::string kept_boxes = node("GatherND", {boxes, idx});
    // _topk_min: min(400, count) as ReduceMin over Concat([400], Shape(score)[0:1]).
    const std::string count = node("Unsqueeze", {node("Gather", {node("Shape", {kept}), constant<int64_t>({}, {0})},
                                                       axis(0))}, axes({0}));
    const std::string k = node("ReduceMin", {node("Concat", {constant<int64_t>({1}, {400}), count}, axis(0))},
                               Attributes::integer("keepdims", 0));
    const std::string top = fresh("TopK"), order = top + "_indices";
    b_.add_node("TopK", {kept, node("Reshape", {k, constant<int64_t>({1}, {1})})}, {top, order},
                Attributes::integer("axis", -1), top);
    out_scores->push_back(top);
    out_boxes->push_back(node("Gather", {kept_boxes, order}, axis(0)));
    Attributes fill;
    fill.set_tensor("value", make_tensor<int64_t>({1}, {label}));
    out_labels->push_back(node("ConstantOfShape", {node("Shape", {top})}, fill));
  }

  // _batched_nms_coordinate_trick (scripted, hence the If): empty input, empty keep; else each class's boxes
  // shifted by label * (max coordinate + 1) so one NonMaxSuppression (IoU 0.45) never mixes classes.
  std::string batched_nms(const std::string& boxes, const std::string& scores, const std::string& labels) {
    const std::string numel = node("ReduceProd", {node("Shape", {boxes})}, Attributes::integer("keepdims", 0));
    const std::string empty = node("Equal", {numel, constant<int64_t>({}, {0})});
    ModelBuilder then_branch(b_opset), else_branch(b_opset);
    then_branch.add_initializer("post_nms_none", Tensor(DataType::Int64, {0}));
    then_branch.add_node("Identity", {"post_nms_none"}, {"post_keep_then"});
    then_branch.add_output("post_keep_then", DataType::Int64, {0});
    auto& e = else_branch;
    e.add_initializer("post_nms_one", make_tensor<float>({}, {1.f}));
    e.add_initializer("post_nms_max_out", make_tensor<int64_t>({1}, {std::numeric_limits<int64_t>::max()}));
    e.add_initializer("post_nms_iou", make_tensor<float>({1}, {0.45f}));
    e.add_initializer("post_nms_col", make_tensor<int64_t>({1}, {2}));
    e.add_node("ReduceMax", {boxes}, {"post_nms_max"}, Attributes::integer("keepdims", 0));
    e.add_node("Add", {"post_nms_max", "post_nms_one"}, {"post_nms_span"});
    e.add_node("Cast", {labels}, {"post_nms_labels"}, Attributes::integer("to", 1));
    e.add_node("Mul", {"post_nms_labels", "post_nms_span"}, {"post_nms_offsets"});
    e.add_node("Unsqueeze", {"post_nms_offsets"}, {"post_nms_offsets_col"}, axes({1}));
    e.add_node("Add", {boxes, "post_nms_offsets_col"}, {"post_nms_boxes"});
    e.add_node("Unsqueeze", {"post_nms_boxes"}, {"post_nms_boxes_b"}, axes({0}));
    e.add_node("Unsqueeze", {scores}, {"post_nms_scores_b"}, axes({0, 1}));
    e.add_node("NonMaxSuppression", {"post_nms_boxes_b", "post_nms_scores_b", "post_nms_max_out", "post_nms_iou"},
               {"post_nms_selected"});
    e.add_node("Gather", {"post_nms_selected", "post_nms_col"}, {"post_nms_column"}, axis(1));
    e.add_node("Squeeze", {"post_nms_column"}, {"post_keep_else"}, axes({1}));
    e.add_output("post_keep_else", DataType::Int64, {-1});
    const std::string keep = fresh("keep");
    b_.add_if(empty, {keep}, then_branch, else_branch, fresh("If"));
    return keep;
  }

  // transform.postprocess (resize_boxes): x * (original width / size), y * (original height / size), through
  // unbind and stack. A fixed input makes the ratios constants; a symbolic one reads them with Shape.
  void resize_back(const std::string& boxes) {
    std::string rh, rw;
    if (t_.in_height > 0) {
      rh = constant<float>({}, {static_cast<float>(t_.in_height) / static_cast<float>(t_.size)});
      rw = constant<float>({}, {static_cast<float>(t_.in_width) / static_cast<float>(t_.size)});
    } else {
      const std::string shape = node("Shape", {t_.images});
      const std::string size = constant<float>({}, {static_cast<float>(t_.size)});
      auto side = [&](int64_t i) {
        const std::string d = node("Cast", {node("Gather", {shape, constant<int64_t>({}, {i})}, axis(0))},
                                   Attributes::integer("to", 1));
        return node("Div", {d, size});
      };
      rh = side(1);
      rw = side(2);
    }
    std::vector<std::string> parts(4);
    for (auto& p : parts) p = fresh("unbind");
    b_.add_node("Split", {boxes}, parts, axis(1), fresh("Split"));
    std::vector<std::string> scaled;
    for (int i = 0; i < 4; ++i) {
      const std::string v = node("Squeeze", {parts[i]}, axes({1}));
      scaled.push_back(node("Unsqueeze", {node("Mul", {v, i % 2 == 0 ? rw : rh})}, axes({1})));
    }
    b_.add_node("Concat", scaled, {"boxes"}, axis(1), "boxes");
  }

  const TorchvisionTail& t_;
  const int64_t b_opset;
};

}  // namespace

void add_torchvision_postprocess(ModelBuilder& b, const TorchvisionTail& t) { TailGraph(b, t, 12).build(); }
}  // namespace ssdx::models
