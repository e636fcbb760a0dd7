#pragma once
// Helpers for the ops' layout capabilities (OpDef::reads_blocked): what the graph says of a node's inputs before
// any kernel exists.
#include "graph/graph.h"

namespace ssdx {

// Input i is present and its shape is known and static.
inline bool input_static(const Graph& g, const Node& n, size_t i) {
  if (i >= n.inputs.size() || n.inputs[i] == kNoValue) return false;
  const Value& v = g.value(n.inputs[i]);
  return v.shape_known && shape_is_static(v.shape);
}

// Input i is present and a constant.
inline const Tensor* input_constant(const Graph& g, const Node& n, size_t i) {
  return i < n.inputs.size() && n.inputs[i] != kNoValue ? g.constant(n.inputs[i]) : nullptr;
}

}  // namespace ssdx
