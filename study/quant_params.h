#pragma once
// The quantization parameters int8 kernels read, located by each op's signature (inspect --plan, compare).
#include <string>
#include <vector>

#include "graph/graph.h"

namespace ssdx::study {

// One quantized tensor's scale and zero point as a kernel reads them; per-channel scales summarized.
struct QuantParams {
  std::string role;    // "x", "w", "y" (QLinearConv), "a", "b", "y" (QLinearAdd), "y" (QuantizeLinear), ...
  std::string tensor;  // the 8-bit tensor's name
  DataType dtype = DataType::Undefined;  // of the zero point, i.e. of the quantized values
  int64_t count = 0;   // number of scales: 1 per tensor, else one per channel
  float scale_min = 0, scale_max = 0, scale_median = 0;  // all equal for a per-tensor scale
  int64_t zp_min = 0, zp_max = 0;
  bool per_channel() const { return count > 1; }
};

// The (scale, zero point) pairs `n` reads from constants: QLinearConv (x, w, y), QLinearAdd/QLinearMul/QLinearMatMul
// (a, b, y), QuantizeLinear (y), DequantizeLinear (x). Empty for other ops and for non-constant parameters.
std::vector<QuantParams> quant_params_of(const Graph& g, const Node& n);

// "scale 0.0123 zp 128" or "64 scales 0.0011..0.0093 (median 0.0040) zp 0".
std::string describe(const QuantParams& q);

}  // namespace ssdx::study
