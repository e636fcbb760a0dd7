// NonMaxSuppression (opset 10+), reproducing onnxruntime's CPU kernel bit for bit (docs/ort_arithmetic.md §3):
// per (batch, class), greedy selection by score descending with ties to the lower box index; a box is a candidate
// only if score > score_threshold (strict; no filtering when the input is absent) and is dropped if its IoU with an
// already selected box is > iou_threshold (strict). Absent or non-positive max_output_boxes_per_class selects nothing.
// The output selected_indices [num_selected, 3] = (batch, class, box) rows has a data-dependent shape, so the kernel
// allocates it. NaN scores (possible only without score_threshold) rank after every number, ties by index: ORT's
// heap order is unspecified there; ours is deterministic.
// The op runs the fast path (nms_fast, its variant chosen at creation: "nms:avx512"); select_class_boxes, a
// transcription of ORT's loop, is the reference it is tested against (ops/nms.h) and what KernelHints::reference runs.
#include "ops/nms.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/nms_select.h"
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

// The fast loops for `isa`: the per-ISA units' (nms_avx2.cpp, nms_avx512.cpp) or nms_select.h's compiled here.
int64_t gather_candidates_for(Isa isa, const float* scores, int64_t first, int64_t n, const NmsThresholds& t,
                              uint64_t* keys) {
  switch (isa) {
    case Isa::Avx512: return avx512::gather_candidates(scores, first, n, t, keys);
    case Isa::Avx2: return avx2::gather_candidates(scores, first, n, t, keys);
    case Isa::Baseline: break;
  }
  return gather_candidates(scores, first, n, t, keys);
}
int64_t greedy_select_for(Isa isa, const uint64_t* keys, int64_t count, const float* boxes, int64_t center_point_box,
                          const NmsThresholds& t, const NmsSelected& s, int64_t& selected, int64_t capacity) {
  switch (isa) {
    case Isa::Avx512: return avx512::greedy_select(keys, count, boxes, center_point_box, t, s, selected, capacity);
    case Isa::Avx2: return avx2::greedy_select(keys, count, boxes, center_point_box, t, s, selected, capacity);
    case Isa::Baseline: break;
  }
  return greedy_select(keys, count, boxes, center_point_box, t, s, selected, capacity);
}

// The storage behind an NmsSelected; it grows as boxes are selected, so that a huge max_output costs nothing until
// that many boxes are kept.
struct SelectedBoxes {
  std::vector<float> storage;
  std::vector<int64_t> index;
  NmsWindow window;
  NmsSelected arrays;
  int64_t capacity = 0;

  // Room for `new_capacity` boxes, keeping the first `kept` (the rest of the lanes are zero: area 0 never suppresses).
  void resize(int64_t kept, int64_t new_capacity) {
    const size_t c = static_cast<size_t>((new_capacity + kNmsLanes - 1) / kNmsLanes * kNmsLanes);
    std::vector<float> grown(10 * c, 0.f);  // 5 arrays, then the window's merge scratch
    for (size_t a = 0; a < 5 && kept > 0; ++a) {
      const float* from = a == 0 ? arrays.x_lo : a == 1 ? arrays.x_hi : a == 2 ? arrays.y_lo : a == 3 ? arrays.y_hi
                                                                                                       : arrays.area;
      std::memcpy(grown.data() + a * c, from, static_cast<size_t>(kept) * sizeof(float));
    }
    storage.swap(grown);
    index.resize(c);
    if (kept == 0) window = NmsWindow{};
    float* p = storage.data();
    window.scratch = p + 5 * c;
    arrays = {p, p + c, p + 2 * c, p + 3 * c, p + 4 * c, index.data(), &window};
    capacity = new_capacity;
  }
};

// Sorts keys[0, n) ascending, given that they arrive in box order: the low halves (indices) then already are in
// order among equal scores, so a stable sort on the high halves (scores) suffices. That is an LSD radix sort, one
// pass per byte of the score, skipping bytes that all keys share; small counts go to std::sort. `tmp` has room for n.
void sort_keys(uint64_t* keys, uint64_t* tmp, int64_t n) {
  if (n < 256) {
    std::sort(keys, keys + n);
    return;
  }
  int64_t count[4][256] = {};
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < 4; ++d) ++count[d][(keys[i] >> (32 + 8 * d)) & 0xFF];
  uint64_t *src = keys, *dst = tmp;
  for (int d = 0; d < 4; ++d) {
    const int shift = 32 + 8 * d;
    if (count[d][(src[0] >> shift) & 0xFF] == n) continue;
    int64_t offset[256], sum = 0;
    for (int b = 0; b < 256; ++b) offset[b] = sum, sum += count[d][b];
    for (int64_t i = 0; i < n; ++i) dst[offset[(src[i] >> shift) & 0xFF]++] = src[i];
    std::swap(src, dst);
  }
  if (src != keys) std::memcpy(keys, src, static_cast<size_t>(n) * sizeof(uint64_t));
}

// Per-thread scratch for select_class_fast; vectors keep their capacity from class to class.
struct ClassScratch {
  std::vector<uint64_t> keys, band, sort_tmp;
  SelectedBoxes selected;
};

// Appends the keys of the candidates among rows [0, n) to `keys`, in row order, a block of rows at a time: memory
// grows with the candidates only, never with the rows below the threshold.
void gather_all(Isa isa, const float* scores, int64_t n, const NmsThresholds& t, std::vector<uint64_t>& keys) {
  uint64_t buffer[kNmsGatherBlock];
  for (int64_t first = 0; first < n; first += kNmsGatherBlock) {
    const int64_t count =
        gather_candidates_for(isa, scores + first, first, std::min(kNmsGatherBlock, n - first), t, buffer);
    keys.insert(keys.end(), buffer, buffer + count);
  }
}

// Greedy selection over sorted keys[0, count) continuing from `selected` boxes, growing the selected set as it
// fills. Returns whether max_output boxes are selected.
bool greedy_over(Isa isa, const uint64_t* keys, int64_t count, const float* boxes, int64_t center_point_box,
                 const NmsThresholds& t, SelectedBoxes& sel, int64_t& selected) {
  int64_t k = 0;
  while (k < count && selected < t.max_output) {
    k += greedy_select_for(isa, keys + k, count - k, boxes, center_point_box, t, sel.arrays, selected, sel.capacity);
    if (selected == sel.capacity && selected < t.max_output && k < count) sel.resize(selected, 2 * sel.capacity);
  }
  return selected >= t.max_output;
}

// Candidate counts up to this are sorted whole; above it they are taken in bands of the highest scores (below).
constexpr int64_t kSortWholeMax = 1 << 15;

// Feeds the candidates to greedy_over in ORT's order without sorting them all: a histogram of the keys' top 16 bits
// (sign, exponent and 7 mantissa bits of the score) cuts them into bands of descending scores; each band of at least
// `want` keys is extracted in row order, sorted and selected from, until max_output boxes are selected. Usually the
// first band suffices (it holds several times max_output candidates); `want` doubles per band, so a problem that
// suppresses nearly everything costs a few passes over the keys.
void greedy_by_bands(Isa isa, const float* boxes, int64_t center_point_box, const NmsThresholds& t,
                     ClassScratch& scratch, int64_t& selected) {
  constexpr int kBins = 1 << 16;
  const std::vector<uint64_t>& keys = scratch.keys;
  std::vector<uint32_t> histogram(kBins, 0);
  for (uint64_t key : keys) ++histogram[key >> 48];
  int64_t want = std::max<int64_t>(kSortWholeMax / 4, 4 * std::min<int64_t>(t.max_output, kSortWholeMax));
  for (int bin = 0; bin < kBins;) {
    int end = bin;
    int64_t in_band = 0;
    while (end < kBins && in_band < want) in_band += histogram[static_cast<size_t>(end++)];
    scratch.band.clear();
    scratch.band.reserve(static_cast<size_t>(in_band));
    const uint64_t first_bin = static_cast<uint64_t>(bin), bins = static_cast<uint64_t>(end - bin);
    for (uint64_t key : keys)
      if ((key >> 48) - first_bin < bins) scratch.band.push_back(key);  // bin <= key >> 48 < end, in one compare
    scratch.sort_tmp.resize(scratch.band.size());
    sort_keys(scratch.band.data(), scratch.sort_tmp.data(), in_band);
    if (greedy_over(isa, scratch.band.data(), in_band, boxes, center_point_box, t, scratch.selected, selected)) return;
    bin = end;
    want *= 2;
  }
}

// select_class_boxes' result for one (batch, class).
std::vector<int64_t> select_class_fast(Isa isa, const float* boxes, const float* scores, int64_t n,
                                       int64_t center_point_box, const NmsThresholds& t, ClassScratch& scratch) {
  scratch.keys.clear();
  gather_all(isa, scores, n, t, scratch.keys);
  const int64_t count = static_cast<int64_t>(scratch.keys.size());
  scratch.selected.resize(0, std::min<int64_t>({t.max_output, count, 1024}));
  int64_t selected = 0;
  if (count <= kSortWholeMax) {
    scratch.sort_tmp.resize(static_cast<size_t>(count));
    sort_keys(scratch.keys.data(), scratch.sort_tmp.data(), count);
    greedy_over(isa, scratch.keys.data(), count, boxes, center_point_box, t, scratch.selected, selected);
  } else {
    greedy_by_bands(isa, boxes, center_point_box, t, scratch, selected);
  }
  return {scratch.selected.index.begin(), scratch.selected.index.begin() + selected};
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

void nms_kernel(const NmsParams& p, KernelIsa impl, KernelContext& kc) {
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
  const std::vector<int64_t> rows = impl.reference ? nms_reference(problem) : nms_fast(problem, impl.isa);
  const int64_t count = static_cast<int64_t>(rows.size() / 3);
  kc.outputs.at(0) = Tensor(DataType::Int64, {count, 3});
  if (count) std::memcpy(kc.output(0).data<int64_t>(), rows.data(), rows.size() * sizeof(int64_t));
}

std::unique_ptr<Kernel> create_nms(const OpContext& ctx) {
  const KernelIsa impl = choose_kernel_isa(ctx.hints().reference);
  return make_kernel([p = parse_nms(ctx), impl](KernelContext& kc) { nms_kernel(p, impl, kc); }, impl.impl_name("nms"));
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
  if (!isa_supported(isa)) fail("NonMaxSuppression: this CPU cannot run the ", isa_name(isa), " kernel");
  if (t.max_output <= 0) return {};
  const int64_t tasks = p.batches * p.classes;
  std::vector<std::vector<int64_t>> per_class(static_cast<size_t>(tasks));
  // Classes are independent: threads take them one at a time (their costs vary a lot), results stay in class order.
  // A single class (gluon-cv's exports put every row into one) stays on one thread: its pass over the rows is
  // memory-bound and short (docs/nms.md), shorter than waking a second thread on a busy machine.
#pragma omp parallel if (tasks > 1 && tasks * n > (1 << 15))
  {
    ClassScratch scratch;
#pragma omp for schedule(dynamic, 1)
    for (int64_t task = 0; task < tasks; ++task) {
      per_class[static_cast<size_t>(task)] = select_class_fast(isa, p.boxes + task / p.classes * n * 4,
                                                               p.scores + task * n, n, p.center_point_box, t, scratch);
    }
  }
  return to_rows(per_class, p.classes);
}

void register_nms_ops(OpRegistry& r) {
  r.add({"", "NonMaxSuppression", 10, INT64_MAX, infer_nms, create_nms});
}

}  // namespace ssdx
