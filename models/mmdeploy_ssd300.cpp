// mmdeploy's end-to-end SSD300 (models/mmdeploy_ssd300.h). The post-processing follows mmdeploy's rewrites, node
// for node as torch.onnx.export writes them at opset 11 for a static batch:
//  - base_dense_head__predict_by_feat: per level permute/reshape, softmax, background (last) dropped; the level's top
//    nms_pre = 1000 anchors by their max score (over [..., :-1] of the already foreground-only scores: the last class
//    takes no part in this ranking), k clamped to the level's size by mmdeploy's topk rewrite; gathered boxes,
//    scores and priors concatenated, then delta2bbox's rewrite (Exp, the dw/dh Clip, clip_bboxes to 300).
//  - multiclass_nms -> _multiclass_nms: pre_top_k 5000 (clamped to the 2790 candidates) by max score, one
//    NonMaxSuppression over boxes [N, M, 4] and scores [N, C, M] (200 per class, IoU 0.45, score 0.02), then
//    _select_nms_index: the kept scores and boxes by GatherND, repeated per image (Tile), masked to their image
//    (Range, Equal, Where), a zero row appended, and the top keep_top_k = 200 (clamped) by score.
#include "models/mmdeploy_ssd300.h"

#include <algorithm>
#include <cmath>

#include "app/input_spec.h"
#include "models/mmdet_postprocess.h"
#include "models/mmdet_ssd300.h"
#include "models/mmdet_ssd300_body.h"
#include "models/node_maker.h"

namespace ssdx::models {
namespace {

constexpr int kClasses = 80, kNmsPre = 1000, kPreTopK = 5000, kKeepTopK = 200, kMaxPerClass = 200;
constexpr float kIou = 0.45f, kScoreThreshold = 0.02f;

class PostProcess : private NodeMaker {
 public:
  explicit PostProcess(ModelBuilder& b) : NodeMaker(b, "post_") {}

  void build(const MmdetSsd300Heads& heads) {
    const std::vector<float> anchors = mmdet_ssd300_anchors();
    std::vector<std::string> boxes, scores, priors;
    int64_t first = 0, candidates = 0;
    for (int m = 0; m < 6; ++m) {
      const int64_t n = int64_t{kMmdetSsd300Grids[m]} * kMmdetSsd300Grids[m] * kMmdetSsd300Anchors[m];
      const Attributes nhwc = Attributes::ints("perm", {0, 2, 3, 1});
      const std::string logits =
          node("Reshape", {node("Transpose", {heads.cls[static_cast<size_t>(m)]}, nhwc), i64({1, n, kClasses + 1})});
      const std::string fg = slice(node("Softmax", {logits}, axis(-1)), 0, kClasses, 2);
      const std::string deltas =
          node("Reshape", {node("Transpose", {heads.box[static_cast<size_t>(m)]}, nhwc), i64({1, n, 4})});
      const std::vector<float> level(anchors.begin() + 4 * first, anchors.begin() + 4 * (first + n));
      const std::string prior = constant<float>({1, n, 4}, level);
      const int64_t k = std::min<int64_t>(kNmsPre, n);
      const std::string inds = topk(reduce_max(slice(fg, 0, kClasses - 1, 2)), k).second;  // [1, k]
      const std::string flat = node("Squeeze", {inds}, Attributes::ints("axes", {0}));
      boxes.push_back(node("Gather", {deltas, flat}, axis(1)));
      scores.push_back(node("Gather", {fg, flat}, axis(1)));
      priors.push_back(node("Gather", {prior, flat}, axis(1)));
      first += n;
      candidates += k;
    }
    const std::string decoded = decode(node("Concat", priors, axis(1)), node("Concat", boxes, axis(1)), candidates);
    multiclass_nms(decoded, node("Concat", scores, axis(1)), candidates);
  }

 private:
  static Attributes axis(int64_t a) { return Attributes::integer("axis", a); }
  std::string i64(const std::vector<int64_t>& v) { return constant<int64_t>({static_cast<int64_t>(v.size())}, v); }
  std::string f32(float v) { return constant<float>({}, {v}); }
  std::string slice(const std::string& x, int64_t start, int64_t end, int64_t ax) {
    return node("Slice", {x, i64({start}), i64({end}), i64({ax})});
  }
  std::string reduce_max(const std::string& x) {
    Attributes a = Attributes::ints("axes", {-1});
    a.set_int("keepdims", 0);
    return node("ReduceMax", {x}, a);
  }
  std::string unsqueeze(const std::string& x, int64_t ax) { return node("Unsqueeze", {x}, Attributes::ints("axes", {ax})); }
  // TopK along the last axis: (values, indices).
  std::pair<std::string, std::string> topk(const std::string& x, int64_t k) { return topk_by(x, i64({k})); }
  std::pair<std::string, std::string> topk_by(const std::string& x, const std::string& k) {
    const std::string values = fresh("TopK"), indices = fresh("TopK_indices");
    b_.add_node("TopK", {x, k}, {values, indices}, axis(-1), values);
    return {values, indices};
  }
  // Image b's rows: x[b, inds[b, j], ...] for every b and j, as torch writes x[arange(N)[:, None], inds].
  std::string gather_rows(const std::string& x, const std::string& inds) {
    const std::string col = unsqueeze(inds, 2);  // [N, k, 1]
    const std::string batch = node("Expand", {node("Reshape", {batch_range(), i64({-1, 1, 1})}), node("Shape", {col})});
    return node("GatherND", {x, node("Concat", {batch, col}, axis(2))});
  }
  std::string batch_range() {
    return node("Range", {constant<int64_t>({}, {0}), constant<int64_t>({}, {1}), constant<int64_t>({}, {1})});
  }

  // mmdeploy's delta2bbox: deltas viewed [N, M, 1, 4], means 0, stds (0.1, 0.1, 0.2, 0.2), dw/dh clamped to
  // |log(16 / 1000)|, corners clipped to the 300x300 image one coordinate at a time, stacked back to [N, M, 4].
  std::string decode(const std::string& rois, const std::string& deltas, int64_t m) {
    const std::string d = node("Add", {node("Mul", {node("Reshape", {deltas, i64({1, m, 1, 4})}),
                                                    constant<float>({1, 4}, {0.1f, 0.1f, 0.2f, 0.2f})}),
                                       constant<float>({1, 4}, {0.f, 0.f, 0.f, 0.f})});
    const std::string r = unsqueeze(rois, 2);
    const std::string xy1 = slice(r, 0, 2, -1), xy2 = slice(r, 2, 4, -1);
    const std::string pxy = node("Mul", {node("Add", {xy1, xy2}), f32(0.5f)});
    const std::string pwh = node("Sub", {xy2, xy1});
    const std::string dxy_wh = node("Mul", {pwh, slice(d, 0, 2, -1)});
    const float ratio = static_cast<float>(std::fabs(std::log(16.0 / 1000.0)));
    const std::string dwh = node("Clip", {slice(d, 2, 4, -1), f32(-ratio), f32(ratio)});
    const std::string half = node("Mul", {node("Mul", {pwh, node("Exp", {dwh})}), f32(0.5f)});
    const std::string gxy = node("Add", {pxy, dxy_wh});
    const std::string lo = node("Sub", {gxy, half}), hi = node("Add", {gxy, half});
    std::vector<std::string> corners;
    for (const std::string* xy : {&lo, &hi})
      for (int64_t c = 0; c < 2; ++c) {
        const std::string v = node("Gather", {*xy, constant<int64_t>({}, {c})}, axis(-1));
        corners.push_back(unsqueeze(node("Clip", {v, f32(0.f), f32(300.f)}), -1));
      }
    return node("Reshape", {node("Concat", corners, axis(-1)), i64({1, m, 4})});
  }

  // torch.topk as mmdeploy rewrites it: k = min(k, the axis's size), computed in the graph.
  std::string clamped_k(const std::string& x, int64_t k) {
    const std::string size = node("Gather", {node("Shape", {x}), constant<int64_t>({}, {1})}, axis(0));
    const std::string kk = constant<int64_t>({}, {k});
    return node("Reshape", {node("Where", {node("Less", {kk, size}), kk, size}), i64({1})});
  }

  void multiclass_nms(const std::string& boxes_all, const std::string& scores_all, int64_t m) {
    // pre_top_k: the 5000 candidates (of m) with the highest max score.
    const std::string pre = topk(reduce_max(scores_all), std::min<int64_t>(kPreTopK, m)).second;
    const std::string boxes = gather_rows(boxes_all, pre);                                         // [N, K, 4]
    const std::string scores = node("Transpose", {gather_rows(scores_all, pre)}, Attributes::ints("perm", {0, 2, 1}));
    const std::string selected = node("NonMaxSuppression", {boxes, scores, constant<int64_t>({1}, {kMaxPerClass}),
                                                            constant<float>({1}, {kIou}),
                                                            constant<float>({1}, {kScoreThreshold})});
    // _select_nms_index.
    auto column = [&](int64_t c) { return node("Gather", {selected, constant<int64_t>({}, {c})}, axis(1)); };
    const std::string batch_inds = column(0), cls_inds = column(1), box_inds = column(2);
    const std::string kept_scores = unsqueeze(node("GatherND", {scores, selected}), 1);  // [S, 1]
    const std::string kept_boxes = node("GatherND", {boxes, node("Concat", {unsqueeze(batch_inds, 1),
                                                                            unsqueeze(box_inds, 1)}, axis(1))});
    const std::string dets = node("Concat", {kept_boxes, kept_scores}, axis(1));  // [S, 5]
    const std::string mine = node("Equal", {unsqueeze(batch_inds, 0), unsqueeze(batch_range(), 1)});  // [N, S]
    const std::string batched_dets = node("Where", {unsqueeze(mine, -1), node("Tile", {unsqueeze(dets, 0), i64({1, 1, 1})}),
                                                    f32(0.f)});
    const std::string batched_labels = node("Where", {mine, node("Tile", {unsqueeze(cls_inds, 0), i64({1, 1})}),
                                                      constant<int64_t>({1}, {-1})});
    // A zero row keeps the tensors non-empty when nothing was kept.
    const std::string padded_dets = node("Concat", {batched_dets, constant<float>({1, 1, 5}, {0, 0, 0, 0, 0})}, axis(1));
    const std::string padded_labels = node("Concat", {batched_labels, constant<int64_t>({1, 1}, {0})}, axis(1));
    const std::string score_col = node("Gather", {padded_dets, constant<int64_t>({}, {4})}, axis(2));  // [N, S + 1]
    const std::string top = topk_by(score_col, clamped_k(score_col, kKeepTopK)).second;
    b_.add_node("Identity", {gather_rows(padded_dets, top)}, {"dets"}, {}, "dets");
    b_.add_node("Identity", {gather_rows(padded_labels, top)}, {"labels"}, {}, "labels");
  }
};

}  // namespace

void write_mmdeploy_ssd300_model(const MmdeploySsd300Options& opts, const std::string& path) {
  ModelBuilder b(11);
  b.add_input("input", DataType::Float, {1, 3, 300, 300});
  PostProcess(b).build(add_mmdet_ssd300_network(b, "input", opts.seed, kClasses, L2NormForm::Mmdeploy));
  b.add_output("dets", DataType::Float, {1, -1, 5}, {"", "num_dets", ""});
  b.add_output("labels", DataType::Int64, {1, -1}, {"", "num_dets"});
  set_mmdet_ssd300_preprocessing(b);
  b.set_metadata(app::kMetaFamily, app::kFamilyMmdeploy);
  b.set_metadata(app::kMetaLabels, "@coco80");
  b.set_metadata(app::kMetaDescription,
                 "mmdetection SSD300 (VGG16) in mmdeploy's end-to-end ONNX form (onnxruntime, static batch 1, opset "
                 "11): dets and labels, with deterministic synthetic weights (seed " +
                     std::to_string(opts.seed) + "), made by ssdx make-model");
  b.save(path);
}

}  // namespace ssdx::models
