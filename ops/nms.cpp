// NonMaxSuppression (opset 10+), reproducing onnxruntime's CPU kernel bit for bit (ORT_SEMANTICS.md §1):
// per (batch, class), greedy selection by score descending with ties to the lower box index; a box is a candidate
// only if score > score_threshold (strict; no filtering when the input is absent) and is dropped if its IoU with an
// already selected box is > iou_threshold (strict). Absent or non-positive max_output_boxes_per_class selects nothing.
// The output selected_indices [num_selected, 3] = (batch, class, box) rows has a data-dependent shape, so the kernel
// allocates it. NaN scores (possible only without score_threshold) rank after every number, ties by index: ORT's
// heap order is unspecified there; ours is deterministic.
#include "ops/nms.h"

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
// Float32 throughout, operations in ORT's order (non_max_suppression_helper.h). The ops build with
// -ffp-contract=off, so the products and sums below are never fused, in the AVX variants either.

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

// ---- fast kernel ----
// Same selection as select_class_boxes, bit for bit: the candidate set, the order and every IoU are computed with the
// same float operations; only how the work is organized differs.

// ORT's candidate order as one unsigned integer per candidate, so sorting is a plain integer sort: the high half is
// the score mapped to bits that order descending (NaN after every number, -0 equal to +0, as ranks_before says), the
// low half the box index (ties to the lower index). Needs fewer than 2^32 boxes.
uint64_t rank_key(float score, int64_t index) {
  uint32_t bits;
  if (std::isnan(score)) {
    bits = UINT32_MAX;
  } else {
    const float s = score == 0.f ? 0.f : score;
    std::memcpy(&bits, &s, sizeof bits);
    bits = (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;  // ascending score order...
    bits = ~bits;                                                // ...turned descending
  }
  return (static_cast<uint64_t>(bits) << 32) | static_cast<uint32_t>(index);
}

int64_t key_index(uint64_t key) { return static_cast<int64_t>(key & 0xFFFFFFFFu); }

// Keys of the candidates of one (batch, class), unsorted.
void gather_candidates(const float* scores, int64_t n, const NmsThresholds& t, std::vector<uint64_t>& keys) {
  keys.clear();
  if (!t.has_score_threshold) {
    for (int64_t i = 0; i < n; ++i) keys.push_back(rank_key(scores[i], i));
    return;
  }
  // Most scores are below the threshold: test a block at once (vectorized) and look closer only at blocks with hits.
  constexpr int64_t kBlock = 16;
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    int any = 0;
    for (int64_t k = 0; k < kBlock; ++k) any |= scores[i + k] > t.score;
    if (!any) continue;
    for (int64_t k = i; k < i + kBlock; ++k)
      if (scores[k] > t.score) keys.push_back(rank_key(scores[k], k));
  }
  for (; i < n; ++i)
    if (scores[i] > t.score) keys.push_back(rank_key(scores[i], i));
}

// The extents and areas of the selected boxes of one class, as arrays so that one candidate is tested against all of
// them in vector lanes. Room for `capacity` boxes.
struct SelectedBoxes {
  std::vector<float> storage;
  std::vector<int64_t> index;
  float *x_lo = nullptr, *x_hi = nullptr, *y_lo = nullptr, *y_hi = nullptr, *area = nullptr;
  void reserve(int64_t capacity) {
    const size_t c = static_cast<size_t>(capacity);
    if (index.size() >= c) return;
    storage.resize(5 * c);
    index.resize(c);
    float* p = storage.data();
    x_lo = p, x_hi = p + c, y_lo = p + 2 * c, y_hi = p + 3 * c, area = p + 4 * c;
  }
};

// suppress_by_iou(candidate, selected[j]) for any j in [begin, end), for a candidate of positive area. Every lane
// runs all of ORT's tests; a NaN fails each of them as it fails ORT's early-outs (hence the negated <=).
bool suppressed_by_any(float x_lo, float x_hi, float y_lo, float y_hi, float area, const SelectedBoxes& s,
                       int64_t begin, int64_t end, float iou_threshold) {
  int hit = 0;
  for (int64_t j = begin; j < end; ++j) {
    const float ix_lo = std::max(x_lo, s.x_lo[j]), ix_hi = std::min(x_hi, s.x_hi[j]);
    const float iy_lo = std::max(y_lo, s.y_lo[j]), iy_hi = std::min(y_hi, s.y_hi[j]);
    const float inter = (ix_hi - ix_lo) * (iy_hi - iy_lo);
    const float union_area = area + s.area[j] - inter;
    hit |= !(ix_hi <= ix_lo) & !(iy_hi <= iy_lo) & !(inter <= 0.f) & !(s.area[j] <= 0.f) & !(union_area <= 0.f) &
           (inter / union_area > iou_threshold);
  }
  return hit != 0;
}

// Greedy selection over candidates sorted by key: the selected box indices go to s.index; returns their count.
int64_t greedy_select(const uint64_t* keys, int64_t count, const float* boxes, int64_t center_point_box,
                      const NmsThresholds& t, SelectedBoxes& s) {
  constexpr int64_t kChunk = 32;  // selected boxes tested between checks for a hit
  int64_t selected = 0;
  for (int64_t k = 0; k < count && selected < t.max_output; ++k) {
    const int64_t i = key_index(keys[k]);
    float x_lo, x_hi, y_lo, y_hi;
    box_extent(boxes + i * 4, center_point_box, x_lo, x_hi, y_lo, y_hi);
    const float area = (x_hi - x_lo) * (y_hi - y_lo);  // as suppress_by_iou computes area1
    bool suppressed = false;
    if (!(area <= 0.f)) {  // a candidate of no area is never suppressed
      for (int64_t j = 0; j < selected && !suppressed; j += kChunk)
        suppressed = suppressed_by_any(x_lo, x_hi, y_lo, y_hi, area, s, j, std::min(j + kChunk, selected), t.iou);
    }
    if (suppressed) continue;
    s.x_lo[selected] = x_lo, s.x_hi[selected] = x_hi, s.y_lo[selected] = y_lo, s.y_hi[selected] = y_hi;
    s.area[selected] = area;
    s.index[static_cast<size_t>(selected++)] = i;
  }
  return selected;
}

SSDX_TARGET_AVX512 int64_t greedy_select_avx512(const uint64_t* keys, int64_t count, const float* boxes,
                                                int64_t center_point_box, const NmsThresholds& t, SelectedBoxes& s) {
  return greedy_select(keys, count, boxes, center_point_box, t, s);
}
SSDX_TARGET_AVX2 int64_t greedy_select_avx2(const uint64_t* keys, int64_t count, const float* boxes,
                                            int64_t center_point_box, const NmsThresholds& t, SelectedBoxes& s) {
  return greedy_select(keys, count, boxes, center_point_box, t, s);
}

using GreedyFn = int64_t (*)(const uint64_t*, int64_t, const float*, int64_t, const NmsThresholds&, SelectedBoxes&);

GreedyFn greedy_for(Isa isa) {
  if (!isa_supported(isa)) fail("NonMaxSuppression: this CPU cannot run the ", isa_name(isa), " kernel");
  switch (isa) {
    case Isa::Avx512: return greedy_select_avx512;
    case Isa::Avx2: return greedy_select_avx2;
    case Isa::Baseline: break;
  }
  return greedy_select;
}

// Appends (batch, class, box) rows for per-class selections given batch-major, class-minor.
std::vector<int64_t> to_rows(const std::vector<std::vector<int64_t>>& per_class, int64_t classes) {
  std::vector<int64_t> rows;
  for (size_t task = 0; task < per_class.size(); ++task) {
    const int64_t b = static_cast<int64_t>(task) / classes, c = static_cast<int64_t>(task) % classes;
    for (int64_t box : per_class[task]) rows.insert(rows.end(), {b, c, box});
  }
  return rows;
}

void nms_kernel(const NmsParams& p, KernelContext& kc) {
  const Tensor& boxes = kc.input(0);
  const Tensor& scores = kc.input(1);
  check_nms_shapes(&boxes.shape(), &scores.shape());
  NmsProblem problem;
  problem.boxes = boxes.data<float>();
  problem.scores = scores.data<float>();
  problem.batches = boxes.dim(0);
  problem.boxes_per_batch = boxes.dim(1);
  problem.classes = scores.dim(1);
  problem.center_point_box = p.center_point_box;
  problem.thresholds = read_thresholds(kc.optional_input(2), kc.optional_input(3), kc.optional_input(4));
  const std::vector<int64_t> rows = nms_fast(problem, host_isa());
  const int64_t count = static_cast<int64_t>(rows.size() / 3);
  kc.outputs.at(0) = Tensor(DataType::Int64, {count, 3});
  if (count) std::memcpy(kc.output(0).data<int64_t>(), rows.data(), rows.size() * sizeof(int64_t));
}

std::unique_ptr<Kernel> create_nms(const OpContext& ctx) {
  return make_kernel([p = parse_nms(ctx)](KernelContext& kc) { nms_kernel(p, kc); });
}

}  // namespace

std::vector<int64_t> nms_reference(const NmsProblem& p) {
  const NmsThresholds& t = p.thresholds;
  const int64_t n = p.boxes_per_batch;
  std::vector<std::vector<int64_t>> per_class(static_cast<size_t>(p.batches * p.classes));
  if (t.max_output > 0) {
    for (size_t task = 0; task < per_class.size(); ++task) {
      const int64_t b = static_cast<int64_t>(task) / p.classes;
      select_class_boxes(p.boxes + b * n * 4, p.scores + static_cast<int64_t>(task) * n, n, t, p.center_point_box,
                         per_class[task]);
    }
  }
  return to_rows(per_class, p.classes);
}

std::vector<int64_t> nms_fast(const NmsProblem& p, Isa isa) {
  const NmsThresholds& t = p.thresholds;
  const int64_t n = p.boxes_per_batch;
  if (n > int64_t{UINT32_MAX}) return nms_reference(p);  // box indices would not fit the sort keys
  const GreedyFn greedy = greedy_for(isa);
  if (t.max_output <= 0) return {};
  const int64_t tasks = p.batches * p.classes;
  std::vector<std::vector<int64_t>> per_class(static_cast<size_t>(tasks));
  // Classes are independent: threads take them one at a time (their costs vary a lot), results stay in class order.
#pragma omp parallel if (tasks > 1 && tasks * n > (1 << 15))
  {
    std::vector<uint64_t> keys;
    SelectedBoxes selected;
#pragma omp for schedule(dynamic, 1)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t b = task / p.classes;
      gather_candidates(p.scores + task * n, n, t, keys);
      std::sort(keys.begin(), keys.end());
      selected.reserve(std::min<int64_t>(t.max_output, static_cast<int64_t>(keys.size())));
      const int64_t count =
          greedy(keys.data(), static_cast<int64_t>(keys.size()), p.boxes + b * n * 4, p.center_point_box, t, selected);
      per_class[static_cast<size_t>(task)].assign(selected.index.begin(), selected.index.begin() + count);
    }
  }
  return to_rows(per_class, p.classes);
}

void register_nms_ops(OpRegistry& r) {
  r.add({"", "NonMaxSuppression", 10, INT64_MAX, infer_nms, create_nms});
}

}  // namespace ssdx
