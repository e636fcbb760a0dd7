#pragma once
// How far one model's tensor is from another's (compare): SQNR, absolute errors, int8 saturation.
#include <cstdint>

#include "graph/tensor.h"
#include "study/tensor_probes.h"

namespace ssdx::study {

struct ErrorStats {
  double signal = 0, noise = 0;  // sums of a^2 and (a - b)^2, A being the reference
  double max_abs = 0, sum_abs = 0;
  int64_t count = 0;
  int64_t quantized = 0, saturated = 0;  // values of the 8-bit side(s); those clipped at the type's limits

  // 10 log10(signal / noise); +inf when the tensors are equal.
  double sqnr_db() const;
  double mean_abs() const { return count ? sum_abs / static_cast<double>(count) : 0; }
  // Share of the 8-bit values clipped; NaN when neither side is 8-bit.
  double saturated_share() const;
};

// Adds one pair of tensors read at probes `pa` and `pb` (8-bit ones dequantized). An 8-bit value counts as saturated
// when it sits at its type's limit while the other model's value lies beyond what that limit stands for (more than
// half a step past it): what clipping to the calibrated range cost. Fails when the element counts differ.
void accumulate(ErrorStats& s, const Tensor& a, const Probe& pa, const Tensor& b, const Probe& pb);

}  // namespace ssdx::study
