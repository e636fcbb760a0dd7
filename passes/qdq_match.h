#pragma once
// Matching the QDQ node pairs the QDQ rewrites look for (passes/fuse_qdq.h): a DequantizeLinear or
// QuantizeLinear with constant parameters, seen from the quantized value it reads or writes.
#include "graph/graph.h"
#include "graph/pattern.h"

namespace ssdx::qdq {

inline bool is_op(const Node& n, const char* op) { return !n.dead && n.op_type == op && n.domain.empty(); }

inline bool is_8bit(DataType t) { return t == DataType::UInt8 || t == DataType::Int8; }

// A DequantizeLinear or QuantizeLinear node with constant parameters: the quantized-side value, its scale and zero
// point (kNoValue when omitted), and whether both are per-tensor.
struct QNode {
  Node* node = nullptr;
  int q = kNoValue, scale = kNoValue, zp = kNoValue;
  bool per_tensor = false;
};

inline bool one_value(const Graph& g, int v) { return v == kNoValue || g.constant(v)->numel() == 1; }

inline bool constant_params(const Graph& g, const Node& n) {
  return n.inputs.size() >= 2 && g.constant(n.inputs[1]) && (!n.has_input(2) || g.constant(n.inputs[2]));
}

// `n` (a Q or DQ with constant parameters) whose quantized-side value is `q`.
inline QNode describe_qnode(const Graph& g, Node& n, int q) {
  QNode r;
  r.node = &n;
  r.q = q;
  r.scale = n.inputs[1];
  r.zp = n.has_input(2) ? n.inputs[2] : kNoValue;
  r.per_tensor = one_value(g, r.scale) && one_value(g, r.zp);
  return r;
}

// The DequantizeLinear producing `value`, if any.
inline QNode dequantize_of(Graph& g, int value) {
  QNode r;
  const int p = value == kNoValue ? -1 : g.value(value).producer;
  if (p < 0) return r;
  Node& n = g.nodes[static_cast<size_t>(p)];
  if (!is_op(n, "DequantizeLinear") || !constant_params(g, n)) return r;
  return describe_qnode(g, n, n.inputs[0]);
}

// The QuantizeLinear that is the only reader of `value` (which must not be a graph output), if any.
inline QNode quantize_reading(Graph& g, int value) {
  QNode r;
  const int c = is_graph_output(g, value) ? -1 : single_consumer(g, value);
  if (c < 0) return r;
  Node& n = g.nodes[static_cast<size_t>(c)];
  if (!is_op(n, "QuantizeLinear") || n.inputs[0] != value || !constant_params(g, n)) return r;
  return describe_qnode(g, n, n.outputs[0]);
}

// The quantized dtype a (De)QuantizeLinear works in: its zero point's, uint8 when omitted (ONNX's default).
inline DataType qtype(const Graph& g, const QNode& q) {
  return q.zp == kNoValue ? DataType::UInt8 : g.constant(q.zp)->dtype();
}

inline int32_t zero_point_value(const Graph& g, const QNode& q) {
  return q.zp == kNoValue ? 0 : static_cast<int32_t>(g.constant(q.zp)->int_at(0));
}

}  // namespace ssdx::qdq
