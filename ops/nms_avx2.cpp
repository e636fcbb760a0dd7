// NonMaxSuppression's fast selection loops (nms_select.h) compiled with AVX2/FMA3 flags (cmake/kernel_flags.cmake).
#include "ops/nms_select.h"

namespace ssdx::avx2 {

int64_t gather_candidates(const float* scores, int64_t first, int64_t n, const NmsThresholds& t, uint64_t* keys) {
  return ssdx::gather_candidates(scores, first, n, t, keys);
}

int64_t greedy_select(const uint64_t* keys, int64_t count, const float* boxes, int64_t center_point_box,
                      const NmsThresholds& t, const NmsSelected& s, int64_t& selected, int64_t capacity) {
  return ssdx::greedy_select(keys, count, boxes, center_point_box, t, s, selected, capacity);
}

}  // namespace ssdx::avx2
