// NonMaxSuppression (opset 10+), reproducing onnxruntime's CPU kernel bit for bit (ORT_SEMANTICS.md §1):
// per (batch, class), greedy selection by score descending with ties to the lower box index; a box is a candidate
// only if score > score_threshold (strict; no filtering when the input is absent) and is dropped if its IoU with an
// already selected box is > iou_threshold (strict). Absent or non-positive max_output_boxes_per_class selects nothing.
// The output selected_indices [num_selected, 3] = (batch, class, box) rows has a data-dependent shape, so the kernel
// allocates it. NaN scores (possible only without score_threshold) rank after every number, ties by index: ORT's
// heap order is unspecified there; ours is deterministic.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/op_util.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

struct NmsParams {
  int64_t center_point_box = 0;  // 0: [y1, x1, y2, x2] (any diagonal corners); 1: [x_center, y_center, w, h]
};

// The optional scalar inputs 2-4, with onnxruntime's defaults.
struct NmsThresholds {
  int64_t max_output = 0;  // per batch and class
  float iou = 0.f;
  bool has_score_threshold = false;
  float score = 0.f;
};

NmsParams parse_nms(const OpContext& ctx) {
  NmsParams p;
  p.center_point_box = ctx.attrs().get_int("center_point_box", 0);
  if (p.center_point_box != 0 && p.center_point_box != 1)
    fail("center_point_box must be 0 or 1, got ", p.center_point_box);
  return p;
}

void check_iou_threshold(float iou) {
  if (!(iou >= 0.f && iou <= 1.f)) fail("iou_threshold must be in [0, 1], got ", iou);  // as ORT; also rejects NaN
}

NmsThresholds read_thresholds(const Tensor* max_output, const Tensor* iou, const Tensor* score) {
  NmsThresholds t;
  if (max_output) t.max_output = std::max<int64_t>(single_int(*max_output, "max_output_boxes_per_class"), 0);
  if (iou) t.iou = single_float(*iou, "iou_threshold");
  check_iou_threshold(t.iou);
  if (score) {
    t.has_score_threshold = true;
    t.score = single_float(*score, "score_threshold");
  }
  return t;
}

// Validates boxes [B, N, 4] against scores [B, C, N] (either may be null when its shape is unknown; unknown dims
// are not compared).
void check_nms_shapes(const Shape* boxes, const Shape* scores) {
  if (boxes && (boxes->size() != 3 || ((*boxes)[2] != 4 && (*boxes)[2] != kUnknownDim)))
    fail("boxes must have shape [num_batches, num_boxes, 4], got ", shape_str(*boxes));
  if (scores && scores->size() != 3)
    fail("scores must have shape [num_batches, num_classes, num_boxes], got ", shape_str(*scores));
  if (!boxes || !scores) return;
  auto differ = [](int64_t a, int64_t b) { return a != kUnknownDim && b != kUnknownDim && a != b; };
  if (differ((*boxes)[0], (*scores)[0]))
    fail("boxes ", shape_str(*boxes), " and scores ", shape_str(*scores), " disagree on the number of batches");
  if (differ((*boxes)[1], (*scores)[2]))
    fail("boxes ", shape_str(*boxes), " and scores ", shape_str(*scores), " disagree on the number of boxes");
}

// ---- shape function ----

void require_single_element(const OpContext& ctx, int i, const char* what) {
  if (!ctx.input_shape_known(i)) return;
  const Shape& s = ctx.input_shape(i);
  if (s.size() > 1 || (s.size() == 1 && s[0] != 1 && s[0] != kUnknownDim))
    fail(what, " must be a scalar or a 1-element tensor, got shape ", shape_str(s));
}

void infer_nms(OpContext& ctx) {
  ctx.require_inputs(2, 5);
  parse_nms(ctx);  // validates center_point_box
  ctx.require_dtype(0, {DataType::Float});
  ctx.require_dtype(1, {DataType::Float});
  ctx.require_dtype(2, {DataType::Int64});
  ctx.require_dtype(3, {DataType::Float});
  ctx.require_dtype(4, {DataType::Float});
  check_nms_shapes(ctx.input_shape_known(0) ? &ctx.input_shape(0) : nullptr,
                   ctx.input_shape_known(1) ? &ctx.input_shape(1) : nullptr);
  require_single_element(ctx, 2, "max_output_boxes_per_class");
  require_single_element(ctx, 3, "iou_threshold");
  require_single_element(ctx, 4, "score_threshold");
  if (const Tensor* iou = ctx.input_constant(3)) check_iou_threshold(single_float(*iou, "iou_threshold"));
  ctx.set_output(0, DataType::Int64, {kUnknownDim, 3});
}

// ---- reference kernel ----
// Float32 throughout, operations in ORT's order (non_max_suppression_helper.h). The build uses ISO C++ without
// -ffp-contract=fast and without FMA in the baseline ISA, so the products and sums below are not fused.

inline void min_max(float a, float b, float& mn, float& mx) {
  if (a >= b) { mn = b; mx = a; }
  else { mn = a; mx = b; }
}

// The extent [lo, hi] of box b along x and y.
inline void box_extent(const float* b, int64_t center_point_box, float& x_lo, float& x_hi, float& y_lo, float& y_hi) {
  if (center_point_box == 0) {
    min_max(b[1], b[3], x_lo, x_hi);
    min_max(b[0], b[2], y_lo, y_hi);
  } else {
    const float w_half = b[2] / 2, h_half = b[3] / 2;
    x_lo = b[0] - w_half;
    x_hi = b[0] + w_half;
    y_lo = b[1] - h_half;
    y_hi = b[1] + h_half;
  }
}

// True when IoU(b1, b2) > iou_threshold. Boxes that do not overlap, and degenerate boxes (zero/negative area or
// union), never suppress.
bool suppress_by_iou(const float* b1, const float* b2, int64_t center_point_box, float iou_threshold) {
  float x1_lo, x1_hi, y1_lo, y1_hi, x2_lo, x2_hi, y2_lo, y2_hi;
  box_extent(b1, center_point_box, x1_lo, x1_hi, y1_lo, y1_hi);
  box_extent(b2, center_point_box, x2_lo, x2_hi, y2_lo, y2_hi);
  const float ix_lo = std::max(x1_lo, x2_lo), ix_hi = std::min(x1_hi, x2_hi);
  if (ix_hi <= ix_lo) return false;
  const float iy_lo = std::max(y1_lo, y2_lo), iy_hi = std::min(y1_hi, y2_hi);
  if (iy_hi <= iy_lo) return false;
  const float inter = (ix_hi - ix_lo) * (iy_hi - iy_lo);
  if (inter <= 0.f) return false;
  const float area1 = (x1_hi - x1_lo) * (y1_hi - y1_lo);
  const float area2 = (x2_hi - x2_lo) * (y2_hi - y2_lo);
  const float union_area = area1 + area2 - inter;
  if (area1 <= 0.f || area2 <= 0.f || union_area <= 0.f) return false;
  return inter / union_area > iou_threshold;
}

struct Candidate {
  float score;
  int64_t index;
};

// ORT's heap order: higher score first, equal scores lower index first; NaN after every number.
bool ranks_before(const Candidate& a, const Candidate& b) {
  const bool a_nan = std::isnan(a.score), b_nan = std::isnan(b.score);
  if (a_nan != b_nan) return b_nan;
  if (!a_nan && a.score != b.score) return a.score > b.score;
  return a.index < b.index;
}

// Greedy selection for one (batch, class): `boxes` [n, 4] and `scores` [n]. Writes the selected box indices, in
// selection order, to `selected`.
void select_class_boxes(const float* boxes, const float* scores, int64_t n, const NmsThresholds& t,
                        int64_t center_point_box, std::vector<int64_t>& selected) {
  selected.clear();
  std::vector<Candidate> cands;
  for (int64_t i = 0; i < n; ++i)
    if (!t.has_score_threshold || scores[i] > t.score) cands.push_back({scores[i], i});
  std::sort(cands.begin(), cands.end(), ranks_before);
  for (const Candidate& c : cands) {
    if (static_cast<int64_t>(selected.size()) >= t.max_output) break;
    bool keep = true;
    for (int64_t s : selected) {
      if (suppress_by_iou(boxes + c.index * 4, boxes + s * 4, center_point_box, t.iou)) {
        keep = false;
        break;
      }
    }
    if (keep) selected.push_back(c.index);
  }
}

void nms_kernel(const NmsParams& p, KernelContext& kc) {
  const Tensor& boxes = kc.input(0);
  const Tensor& scores = kc.input(1);
  check_nms_shapes(&boxes.shape(), &scores.shape());
  const NmsThresholds t = read_thresholds(kc.optional_input(2), kc.optional_input(3), kc.optional_input(4));
  const int64_t batches = boxes.dim(0), n = boxes.dim(1), classes = scores.dim(1);
  const float* bp = boxes.data<float>();
  const float* sp = scores.data<float>();
  std::vector<int64_t> rows;  // (batch, class, box) triples
  std::vector<int64_t> selected;
  if (t.max_output > 0) {
    for (int64_t b = 0; b < batches; ++b)
      for (int64_t c = 0; c < classes; ++c) {
        select_class_boxes(bp + b * n * 4, sp + (b * classes + c) * n, n, t, p.center_point_box, selected);
        for (int64_t s : selected) rows.insert(rows.end(), {b, c, s});
      }
  }
  const int64_t count = static_cast<int64_t>(rows.size() / 3);
  kc.outputs.at(0) = Tensor(DataType::Int64, {count, 3});
  if (count) std::memcpy(kc.output(0).data<int64_t>(), rows.data(), rows.size() * sizeof(int64_t));
}

std::unique_ptr<Kernel> create_nms(const OpContext& ctx) {
  return make_kernel([p = parse_nms(ctx)](KernelContext& kc) { nms_kernel(p, kc); });
}

}  // namespace

void register_nms_ops(OpRegistry& r) {
  r.add({"", "NonMaxSuppression", 10, INT64_MAX, infer_nms, create_nms});
}

}  // namespace ssdx
