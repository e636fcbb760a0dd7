#pragma once
// NonMaxSuppression's fast selection loops, shared by the per-ISA translation units (nms.cpp for the baseline,
// nms_avx2.cpp, nms_avx512.cpp), each compiling them with its own flags. The loops have internal linkage, so each
// unit keeps its own copy, compiled for its ISA (one shared copy could be the AVX-512 one, run on a CPU without it).
// The ops build with -ffp-contract=off, so the products and sums below are never fused, in the AVX variants either.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ops/nms.h"

namespace ssdx {

// The selected boxes of one class as arrays (extents, areas), so that a candidate is tested against kNmsLanes of them
// at once. The arrays are padded to whole groups of kNmsLanes with area 0, which never suppresses.
constexpr int64_t kNmsLanes = 16;

// gather_candidates reads at most this many scores per call, so the caller's key buffer of this size always suffices
// and the flags live on the stack: nothing is allocated per box row, whatever the row count.
constexpr int64_t kNmsGatherBlock = 4096;

// What greedy_select knows of the selected boxes' x extents. While every one is finite, the first `sorted_count`
// boxes of the arrays are ordered by x_lo and `max_width` bounds x_hi - x_lo, so a candidate is tested only against
// the window of them whose x_lo lies in (its x_lo - max_width, its x_hi) (no other overlaps it along x, so none can
// suppress it), and against the unsorted tail of boxes selected since, which is merged into the sorted part every
// kNmsTail boxes. Torchvision's batched NMS offsets each class's boxes far apart, so the window holds about one
// class's selections instead of all of them.
struct NmsWindow {
  bool sorted = true;        // false once a selected box has a non-finite x extent: then every box is tested
  double max_width = 0;      // the largest x_hi - x_lo among the selected boxes
  int64_t sorted_count = 0;  // boxes [0, sorted_count) are in x_lo order
  float* scratch = nullptr;  // room for 5 arrays of the selected capacity, for the merge
};
constexpr int64_t kNmsTail = 256;

// The selected boxes of one class as arrays (extents, areas), padded to whole groups of kNmsLanes (see NmsWindow for
// their order); `index` holds the selected box indices in selection order (the output).
struct NmsSelected {
  float *x_lo = nullptr, *x_hi = nullptr, *y_lo = nullptr, *y_hi = nullptr, *area = nullptr;
  int64_t* index = nullptr;
  NmsWindow* window = nullptr;
};

// The per-ISA entry points of the two loops below (nms_fast dispatches to them).
#define SSDX_NMS_VARIANT_ENTRIES                                                                                   \
  int64_t gather_candidates(const float* scores, int64_t first, int64_t n, const NmsThresholds& t, uint64_t* keys); \
  int64_t greedy_select(const uint64_t* keys, int64_t count, const float* boxes, int64_t center_point_box,          \
                        const NmsThresholds& t, const NmsSelected& s, int64_t& selected, int64_t capacity);
namespace avx2 {
SSDX_NMS_VARIANT_ENTRIES
}
namespace avx512 {
SSDX_NMS_VARIANT_ENTRIES
}
#undef SSDX_NMS_VARIANT_ENTRIES

namespace {

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

// Writes the keys of the candidates among rows [first, first + n) of one (batch, class) (`scores` points at row
// `first`, n <= kNmsGatherBlock), in row order, to `keys`; returns their count.
int64_t gather_candidates(const float* scores, int64_t first, int64_t n, const NmsThresholds& t, uint64_t* keys) {
  int64_t count = 0;
  if (!t.has_score_threshold) {
    for (int64_t i = 0; i < n; ++i) keys[count++] = rank_key(scores[i], first + i);
    return count;
  }
  // Most scores are below the threshold: compare them all in vector lanes first (one flag byte each), then read the
  // flags 8 at a time and jump from set byte to set byte.
  alignas(64) uint8_t flags[kNmsGatherBlock];
  const float threshold = t.score;
  for (int64_t i = 0; i < n; ++i) flags[i] = scores[i] > threshold;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, flags + i, sizeof word);
    for (; word != 0; word &= word - 1) {  // each set byte is 0x01: clearing the lowest set bit clears the byte
      const int64_t k = i + __builtin_ctzll(word) / 8;
      keys[count++] = rank_key(scores[k], first + k);
    }
  }
  for (; i < n; ++i)
    if (flags[i]) keys[count++] = rank_key(scores[i], first + i);
  return count;
}

// suppress_by_iou(candidate, selected[j]) for any j in the group [j0, j0 + kNmsLanes), for a candidate of positive area.
// Every lane runs all of ORT's tests; a NaN fails each of them as it fails ORT's early-outs (hence the negated <=).
bool suppressed_by_group(float x_lo, float x_hi, float y_lo, float y_hi, float area, const NmsSelected& s,
                         int64_t j0, float iou_threshold) {
  int hit = 0;
  for (int64_t j = j0; j < j0 + kNmsLanes; ++j) {
    const float ix_lo = std::max(x_lo, s.x_lo[j]), ix_hi = std::min(x_hi, s.x_hi[j]);
    const float iy_lo = std::max(y_lo, s.y_lo[j]), iy_hi = std::min(y_hi, s.y_hi[j]);
    const float inter = (ix_hi - ix_lo) * (iy_hi - iy_lo);
    const float union_area = area + s.area[j] - inter;
    hit |= !(ix_hi <= ix_lo) & !(iy_hi <= iy_lo) & !(inter <= 0.f) & !(s.area[j] <= 0.f) & !(union_area <= 0.f) &
           (inter / union_area > iou_threshold);
  }
  return hit != 0;
}

// The first position in x[0, n) (ascending) whose value is >= bound. Written here rather than std::lower_bound so
// that each ISA's unit keeps its own copy (see the top of this file).
inline int64_t first_at_least(const float* x, int64_t n, double bound) {
  int64_t lo = 0, hi = n;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (static_cast<double>(x[mid]) < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Puts the selected boxes [sorted_count, selected) into x_lo order among [0, sorted_count): the tail is insertion-
// sorted (at most kNmsTail boxes), then both runs are merged through the window's scratch arrays.
inline void merge_tail(const NmsSelected& s, int64_t selected) {
  NmsWindow& w = *s.window;
  float* const arrays[5] = {s.x_lo, s.x_hi, s.y_lo, s.y_hi, s.area};
  const int64_t first = w.sorted_count;
  for (int64_t i = first + 1; i < selected; ++i) {
    float moved[5];
    for (int a = 0; a < 5; ++a) moved[a] = arrays[a][i];
    int64_t j = i;
    for (; j > first && s.x_lo[j - 1] > moved[0]; --j)
      for (int a = 0; a < 5; ++a) arrays[a][j] = arrays[a][j - 1];
    for (int a = 0; a < 5; ++a) arrays[a][j] = moved[a];
  }
  int64_t l = 0, r = first, o = 0;
  while (o < selected) {
    const int64_t from = r >= selected || (l < first && !(s.x_lo[r] < s.x_lo[l])) ? l++ : r++;
    for (int a = 0; a < 5; ++a) w.scratch[a * selected + o] = arrays[a][from];
    ++o;
  }
  for (int a = 0; a < 5; ++a) std::memcpy(arrays[a], w.scratch + a * selected, static_cast<size_t>(selected) * sizeof(float));
  w.sorted_count = selected;
}

// Greedy selection over `count` candidates sorted by key, `selected` boxes already in s (room for `capacity`): the
// newly selected box indices are appended to s.index and `selected` updated. Stops when max_output or `capacity`
// boxes are selected; returns the number of candidates consumed.
int64_t greedy_select(const uint64_t* keys, int64_t count, const float* boxes, int64_t center_point_box,
                      const NmsThresholds& t, const NmsSelected& s, int64_t& selected_count, int64_t capacity) {
  constexpr int64_t kPrefetch = 8;  // candidates ahead: their boxes are scattered over the whole box array
  const int64_t limit = std::min(t.max_output, capacity);
  const float iou_threshold = t.iou;
  int64_t selected = selected_count, k = 0;
  NmsWindow& w = *s.window;
  for (; k < count && selected < limit; ++k) {
    if (k + kPrefetch < count) __builtin_prefetch(boxes + key_index(keys[k + kPrefetch]) * 4);
    const int64_t i = key_index(keys[k]);
    float x_lo, x_hi, y_lo, y_hi;
    box_extent(boxes + i * 4, center_point_box, x_lo, x_hi, y_lo, y_hi);
    const float area = (x_hi - x_lo) * (y_hi - y_lo);  // as suppress_by_iou computes area1
    const bool finite_x = std::isfinite(x_lo) && std::isfinite(x_hi);
    bool suppressed = false;
    if (!(area <= 0.f)) {  // a candidate of no area is never suppressed
      auto test = [&](int64_t begin, int64_t end) {  // whole groups from the one holding `begin`: extra lanes are
        for (int64_t j = begin / kNmsLanes * kNmsLanes; j < end && !suppressed; j += kNmsLanes)  // harmless to test
          suppressed = suppressed_by_group(x_lo, x_hi, y_lo, y_hi, area, s, j, iou_threshold);
      };
      if (w.sorted && finite_x) {
        // Sorted boxes from `end` on have x_lo >= this x_hi; those before `begin` end below this x_lo (x_hi <= x_lo
        // + max_width; the margin covers the double rounding of the bound by far): neither overlaps along x.
        const double low = static_cast<double>(x_lo) - w.max_width - 1e-6 * (std::fabs(static_cast<double>(x_lo)) + w.max_width);
        const int64_t begin = first_at_least(s.x_lo, w.sorted_count, low);
        const int64_t end = first_at_least(s.x_lo, w.sorted_count, static_cast<double>(x_hi));
        test(begin, end);
        test(w.sorted_count, selected);
      } else {
        test(0, selected);
      }
    }
    if (suppressed) continue;
    if (finite_x) w.max_width = std::max(w.max_width, static_cast<double>(x_hi) - static_cast<double>(x_lo));
    else w.sorted = false;
    s.x_lo[selected] = x_lo, s.x_hi[selected] = x_hi, s.y_lo[selected] = y_lo, s.y_hi[selected] = y_hi;
    s.area[selected] = area;
    s.index[selected] = i;
    ++selected;
    if (w.sorted && selected - w.sorted_count >= kNmsTail) merge_tail(s, selected);
  }
  selected_count = selected;
  return k;
}

}  // namespace
}  // namespace ssdx
