#pragma once
// Calibration for static quantization: run the float model over sample inputs and reduce each tensor that will be
// quantized to a float range [rmin, rmax] (0 always inside, so 0 is exactly representable).
//   minmax:     the observed min and max.
//   percentile: the P-th and (100-P)-th percentiles of a histogram (outliers beyond them clipped).
//   entropy:    TensorRT's KL-divergence threshold on each side of 0 (clips the tail whose loss of range costs less
//               than the resolution it gains).
// Histograms need a second pass over the inputs, with each tensor's range fixed by the first.
#include <map>
#include <string>
#include <vector>

#include "engine/session.h"
#include "graph/graph.h"

namespace ssdx::quantizer {

enum class CalibrationMethod { MinMax, Percentile, Entropy };

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::MinMax;
  double percentile = 99.999;  // percentile method: keep this share of the values (in %)
  int bins = 2048;             // histogram bins per side of 0
  int levels = 255;            // entropy method: quantization steps the kept range is divided into
  int threads = 0;             // Session threads (0: OpenMP's default)
};

struct Range {
  float rmin = 0, rmax = 0;
};
using RangeMap = std::map<std::string, Range>;

// One side of 0 of a tensor's values: counts of |x| in equal bins over [0, limit].
struct Histogram {
  double limit = 0;
  std::vector<double> counts;
};
// Negative values by magnitude in `neg`, positive ones in `pos` (a bin edge at 0 lets each side be clipped alone),
// exact zeros apart: a Relu output is half zeros, which any range represents exactly, and a spike that size in the
// first bin would make the entropy search merge it with its neighbours and clip the rest ever harder.
struct TensorHistogram {
  Histogram neg, pos;
  double zeros = 0;
};

// [min(0, lo), max(0, hi)].
Range minmax_range(float lo, float hi);
// rmin = lower edge of the bin holding the (100-P)th percentile, rmax = upper edge of the bin holding the P-th, then
// 0 included. P in [50, 100].
Range percentile_range(const TensorHistogram& h, double percentile);
// The clipping threshold for one side: over thresholds i * width (i from `levels` to the bin count), the one whose
// clipped distribution P (outliers folded into its last bin) and P quantized to `levels` steps Q are closest in
// KL(P||Q). The full limit when the histogram has no more bins than levels; 0 for an empty side.
double entropy_threshold(const Histogram& h, int levels);
// [-entropy_threshold(neg), entropy_threshold(pos)].
Range entropy_range(const TensorHistogram& h, int levels);


// Runs `g` (a float model with one input) on each of `inputs` and returns the range of every tensor in `tensors`
// (value names; graph inputs allowed). The graph is copied with those tensors made graph outputs.
RangeMap calibrate(const Graph& g, const std::vector<std::string>& tensors, const std::vector<Tensor>& inputs,
                   const CalibrationOptions& opts);

}  // namespace ssdx::quantizer
