#pragma once
// Guards shared by the rewrite passes, so each pass states its conditions in the same words.
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

}  // namespace ssdx
