#include "passes/fuse_qdq.h"

#include <cstring>

#include "graph/graph_edit.h"
#include "graph/pattern.h"
#include "passes/qdq_match.h"

namespace ssdx {

using namespace qdq;

namespace {

constexpr const char* kMicrosoft = "com.microsoft";

// A zero point input for an op that requires one: the node's own, or a new constant 0 of `dtype`.
int zero_point_or_zero(Graph& g, const QNode& q, DataType dtype, const std::string& name) {
  if (q.zp != kNoValue) return q.zp;
  Tensor z(dtype, {});
  std::memset(z.raw(), 0, z.nbytes());
  return add_fresh_constant(g, name + ".zero_point", std::move(z));
}

// `node` takes over `q`'s output value; q dies.
void take_output(Graph& g, Node& node, QNode& q) {
  record_fused(node, *q.node);
  node.outputs.assign(1, q.q);
  g.value(q.q).producer = static_cast<int>(&node - g.nodes.data());
  q.node->dead = true;
}

}  // namespace

int remove_relu_before_quantize(Graph& g) {
  g.link();
  int removed = 0;
  for (Node& relu : g.nodes) {
    if (!is_op(relu, "Relu") || relu.inputs.size() != 1 || relu.outputs.size() != 1) continue;
    QNode q = quantize_reading(g, relu.outputs[0]);
    if (!q.node || !q.per_tensor) continue;
    const DataType t = qtype(g, q);
    const int32_t type_min = t == DataType::UInt8 ? 0 : t == DataType::Int8 ? -128 : 1;
    if (zero_point_value(g, q) != type_min) continue;
    q.node->inputs[0] = relu.inputs[0];
    record_fused(*q.node, relu);
    relu.dead = true;
    ++removed;
  }
  g.link();
  return removed;
}

int fuse_qdq_conv(Graph& g) {
  g.link();
  int fused = 0;
  for (Node& conv : g.nodes) {
    if (!is_op(conv, "Conv") || conv.inputs.size() < 2 || conv.outputs.size() != 1) continue;
    QNode x = dequantize_of(g, conv.inputs[0]), w = dequantize_of(g, conv.inputs[1]);
    QNode b = conv.has_input(2) ? dequantize_of(g, conv.inputs[2]) : QNode{};
    QNode y = quantize_reading(g, conv.outputs[0]);
    if (!x.node || !w.node || !y.node || (conv.has_input(2) && !b.node)) continue;
    if (!x.per_tensor || !y.per_tensor || !g.constant(w.q)) continue;
    const DataType xt = qtype(g, x), wt = qtype(g, w);
    if (!is_8bit(xt) || !is_8bit(wt) || qtype(g, y) != xt || g.value(x.q).dtype != xt || g.value(w.q).dtype != wt)
      continue;
    if (xt == DataType::Int8 && wt != DataType::Int8) continue;  // no s8 x u8 kernels (ONNX QLinearConv allows none)
    if (!w.per_tensor && w.node->attrs.get_int("axis", 1) != 0) continue;  // per-channel must be per output channel
    if (b.node && (!g.constant(b.q) || g.value(b.q).dtype != DataType::Int32)) continue;
    // Rewritten in place, so the node keeps its position in topological order.
    std::vector<int> inputs = {x.q, x.scale, zero_point_or_zero(g, x, xt, conv.name + ".x"), w.q, w.scale,
                               zero_point_or_zero(g, w, wt, conv.name + ".w"), y.scale,
                               zero_point_or_zero(g, y, xt, conv.name + ".y")};
    if (b.node) inputs.push_back(b.q);
    // The DequantizeLinear nodes are shared and die later (eliminate_dead); they are part of this kernel all the same.
    record_fused(conv, *x.node);
    record_fused(conv, *w.node);
    if (b.node) record_fused(conv, *b.node);
    conv.op_type = "QLinearConv";
    conv.inputs = std::move(inputs);
    take_output(g, conv, y);
    ++fused;
  }
  g.link();
  return fused;
}

int fuse_qdq_add(Graph& g) {
  g.link();
  int fused = 0;
  for (Node& add : g.nodes) {
    if (!is_op(add, "Add") || add.inputs.size() != 2 || add.outputs.size() != 1) continue;
    QNode a = dequantize_of(g, add.inputs[0]), b = dequantize_of(g, add.inputs[1]);
    QNode c = quantize_reading(g, add.outputs[0]);
    if (!a.node || !b.node || !c.node || !a.per_tensor || !b.per_tensor || !c.per_tensor) continue;
    const DataType t = qtype(g, c);
    if (!is_8bit(t) || qtype(g, a) != t || qtype(g, b) != t || g.value(a.q).dtype != t || g.value(b.q).dtype != t)
      continue;
    std::vector<int> inputs = {a.q, a.scale, zero_point_or_zero(g, a, t, add.name + ".a"), b.q, b.scale,
                               zero_point_or_zero(g, b, t, add.name + ".b"), c.scale,
                               zero_point_or_zero(g, c, t, add.name + ".c")};
    record_fused(add, *a.node);
    record_fused(add, *b.node);
    add.op_type = "QLinearAdd";
    add.domain = kMicrosoft;
    add.inputs = std::move(inputs);
    take_output(g, add, c);
    if (!g.opsets.count(kMicrosoft)) g.opsets[kMicrosoft] = 1;
    ++fused;
  }
  g.link();
  return fused;
}

int drop_qdq_around_data_movement(Graph& g) {
  g.link();
  int dropped = 0;
  for (Node& n : g.nodes) {
    if (n.dead || !n.domain.empty() || n.outputs.size() != 1 || n.inputs.empty()) continue;
    const std::string& op = n.op_type;
    if (op != "MaxPool" && op != "Reshape" && op != "Transpose" && op != "Squeeze" && op != "Unsqueeze" &&
        op != "Flatten")
      continue;
    QNode x = dequantize_of(g, n.inputs[0]);
    QNode y = quantize_reading(g, n.outputs[0]);
    if (!x.node || !y.node || !x.per_tensor || !y.per_tensor || qtype(g, x) != qtype(g, y)) continue;
    if (!is_8bit(qtype(g, x)) || g.value(x.q).dtype != qtype(g, x)) continue;
    const float xs = static_cast<float>(g.constant(x.scale)->float_at(0));
    if (!(xs > 0) || xs != static_cast<float>(g.constant(y.scale)->float_at(0)) ||
        zero_point_value(g, x) != zero_point_value(g, y))
      continue;
    n.inputs[0] = x.q;
    record_fused(n, *x.node);
    const int old_out = n.outputs[0];
    take_output(g, n, y);
    g.value(old_out).producer = -1;
    ++dropped;
  }
  g.link();
  return dropped;
}

int fuse_qdq(Graph& g) {
  // In this order, each pass seeing its predecessors' results (an explicit list: a sum of calls would leave the
  // order to the compiler). The Relu goes first so Conv/Add -> Relu -> Q fuses. The requantization passes come last:
  // a DequantizeLinear that also fed a Conv or Add has then lost that reader, so its chain to a QuantizeLinear is
  // private; a removed Relu leaves DQ -> Q, which is either an identity or a plain requantization.
  using Pass = int (*)(Graph&);
  constexpr Pass kOrder[] = {remove_relu_before_quantize, fuse_qdq_conv,          fuse_qdq_add,
                             drop_qdq_around_data_movement, drop_identity_requantize, fuse_qdq_lookup};
  int rewritten = 0;
  for (Pass pass : kOrder) rewritten += pass(g);
  return rewritten;
}

}  // namespace ssdx
