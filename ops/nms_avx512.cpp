// NonMaxSuppression's fast selection loops (nms_select.h) compiled with AVX-512F flags (cmake/kernel_flags.cmake).
#include "ops/nms_select.h"

namespace ssdx::avx512 {

int64_t gather_candidates(const float* scores, int64_t n, const NmsThresholds& t, uint64_t* keys, uint8_t* flags) {
  return ssdx::gather_candidates(scores, n, t, keys, flags);
}

int64_t greedy_select(const uint64_t* keys, int64_t count, const float* boxes, int64_t center_point_box,
                      const NmsThresholds& t, const NmsSelected& s, int64_t selected) {
  return ssdx::greedy_select(keys, count, boxes, center_point_box, t, s, selected);
}

}  // namespace ssdx::avx512
