#pragma once
// The rewrite of `ssdx quantize`: the node list of the quantized graph, from a plan and the calibrated ranges. New
// values and constants (quantized weights, scales, zero points) are added to the graph; the caller installs the
// nodes and compacts.
#include <vector>

#include "graph/graph.h"
#include "quantizer/calibration.h"
#include "quantizer/quant_plan.h"

namespace ssdx::quantizer {

// QuantizeLinear -> DequantizeLinear on every quantized activation that is not a graph output, DequantizeLinear on
// the quantized weights and biases (along axis 0 when per channel); every other node as it was.
std::vector<Node> rewrite_qdq(Graph& g, const QuantPlan& p, const RangeMap& ranges, bool per_channel);
// QLinearConv, com.microsoft QLinearAdd, MaxPool on uint8 (float when !uint8_maxpool), QuantizeLinear where a
// float tensor enters the quantized part and DequantizeLinear where a float reader needs a quantized tensor.
std::vector<Node> rewrite_qoperator(Graph& g, const QuantPlan& p, const RangeMap& ranges, bool per_channel,
                                    bool uint8_maxpool);

}  // namespace ssdx::quantizer
