#pragma once
// Raising a graph's default-domain opset, as `ssdx quantize` needs for per-channel QDQ (DequantizeLinear's `axis`
// arrived in opset 13). Only the signature changes met in detection models are converted; any other op whose
// meaning changed on the way makes it fail rather than write a model that computes something else.
#include <cstdint>

#include "graph/graph.h"

namespace ssdx {

// The highest opset we upgrade to: the last one whose changes below are all known here (and that ssdx runs).
constexpr int64_t kMaxUpgradeOpset = 18;

// Sets the default-domain opset to `target` (>= the current one, <= kMaxUpgradeOpset). Converts, where the range
// crosses the version: at 11 Clip's min/max attributes to constant inputs, at 13 Squeeze/Unsqueeze/ReduceSum `axes` and Split `split` attributes to int64 constant
// inputs, Softmax/LogSoftmax/Hardmax on their last axis (written explicitly); at 18 the other Reduce* `axes`.
// Fails naming the node for anything else that changed (Pad, Resize at 11, Dropout at 12, Softmax on
// another axis, ...). Needs input ranks inferred for the Softmax family.
void upgrade_opset(Graph& g, int64_t target);

}  // namespace ssdx
