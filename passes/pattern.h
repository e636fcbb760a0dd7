#pragma once
// Guards shared by the rewrite passes, so each pass states its conditions in the same words.
#include <cfloat>

#include "graph/domains.h"
#include "graph/graph.h"

namespace ssdx {

inline bool is_graph_output(const Graph& g, int value) { return value != kNoValue && g.value(value).is_graph_output; }

// The node consuming `value` when exactly one use exists (the same node reading it twice counts twice), else -1.
inline int single_consumer(const Graph& g, int value) {
  const auto& uses = g.value(value).consumers;
  return uses.size() == 1 ? uses[0] : -1;
}

// `value` is produced by a live node, read only by `consumer` and not a graph output: the two can be merged.
inline bool private_edge(const Graph& g, int value, int consumer) {
  return value != kNoValue && g.value(value).producer >= 0 && single_consumer(g, value) == consumer &&
         !is_graph_output(g, value);
}

inline bool static_float(const Graph& g, int value) {
  const Value& v = g.value(value);
  return v.dtype == DataType::Float && v.shape_known && shape_is_static(v.shape);
}

// A Conv or FusedConv whose weights (and bias, if any) are constants: what the fusion passes may rewrite.
inline bool is_constant_weight_conv(const Graph& g, const Node& n) {
  const bool conv = (n.op_type == "Conv" && n.domain.empty()) || (n.op_type == "FusedConv" && n.domain == kInternalDomain);
  if (!conv || n.dead || n.inputs.size() < 2 || !g.constant(n.inputs[1])) return false;
  return !n.has_input(2) || g.constant(n.inputs[2]);
}

// The bounds of a float Clip when they are known at load: the min/max attributes before opset 11, constant
// one-element float inputs from 11 on; an omitted bound is -FLT_MAX / FLT_MAX (the float type's limits). False when
// a bound is computed at run time or is not a float scalar.
inline bool clip_constant_bounds(const Graph& g, const Node& clip, float& lo, float& hi) {
  if (g.opset(kOnnxDomain) < 11) {
    lo = clip.attrs.get_float("min", -FLT_MAX);
    hi = clip.attrs.get_float("max", FLT_MAX);
    return true;
  }
  if (clip.inputs.size() > 3) return false;
  auto bound = [&](size_t i, float fallback, float& out) {
    if (!clip.has_input(i)) {
      out = fallback;
      return true;
    }
    const Tensor* t = g.constant(clip.inputs[i]);
    if (!t || t->dtype() != DataType::Float || t->numel() != 1) return false;
    out = t->data<float>()[0];
    return true;
  };
  return bound(1, -FLT_MAX, lo) && bound(2, FLT_MAX, hi);
}

}  // namespace ssdx
