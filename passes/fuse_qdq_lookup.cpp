// The requantization rewrites of the QDQ pass (passes/fuse_qdq.h): what a quantizer leaves between two
// quantized tensors when it puts a Q/DQ pair both before and after an activation (Add -> Q -> DQ -> Relu -> Q -> DQ).
#include <cmath>
#include <cstring>

#include "graph/graph_edit.h"
#include "passes/fuse_qdq.h"
#include "passes/qdq_match.h"

namespace ssdx {

using namespace qdq;

namespace {

constexpr int kMaxChainOps = 8;
constexpr int64_t kByteValues = 256;

// Float ops that map each element on its own, with their extra inputs (Clip's bounds) constant: a chain of them on
// a dequantized 8-bit tensor is a function of the byte.
bool elementwise_float_op(const Graph& g, const Node& n, int input) {
  static const char* const kOps[] = {"Relu", "Clip", "LeakyRelu", "Exp", "Identity"};
  bool known = false;
  for (const char* op : kOps) known = known || is_op(n, op);
  if (!known || n.outputs.size() != 1 || n.inputs.empty() || n.inputs[0] != input) return false;
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (n.inputs[i] != kNoValue && !g.constant(n.inputs[i])) return false;
  return g.value(input).dtype == DataType::Float && g.value(n.outputs[0]).dtype == DataType::Float;
}

// DequantizeLinear -> ops -> QuantizeLinear, per-tensor 8-bit on both ends, every value in between private.
struct Chain {
  QNode dq;
  std::vector<Node*> ops;
  QNode q;
};

bool find_chain(Graph& g, Node& dq_node, Chain& c) {
  if (!is_op(dq_node, "DequantizeLinear") || dq_node.outputs.size() != 1) return false;
  c.dq = dequantize_of(g, dq_node.outputs[0]);
  if (!c.dq.node || !c.dq.per_tensor || !is_8bit(qtype(g, c.dq)) || g.value(c.dq.q).dtype != qtype(g, c.dq))
    return false;
  int v = dq_node.outputs[0];
  for (int depth = 0; depth <= kMaxChainOps; ++depth) {
    c.q = quantize_reading(g, v);
    if (c.q.node) return c.q.per_tensor && is_8bit(qtype(g, c.q)) && c.q.q != kNoValue;
    const int next = is_graph_output(g, v) ? -1 : single_consumer(g, v);
    if (next < 0) return false;
    Node& op = g.nodes[static_cast<size_t>(next)];
    if (!elementwise_float_op(g, op, v)) return false;
    c.ops.push_back(&op);
    v = op.outputs[0];
  }
  return false;
}

float scale_value(const Graph& g, const QNode& q) { return static_cast<float>(g.constant(q.scale)->float_at(0)); }

// Whether q -> DQ -> Q returns q: same type and parameters, and a scale for which every (q - zp) * s / s is within
// far less than half of q - zp (normal, and 255 * s finite).
bool identity_pair(const Graph& g, const Chain& c) {
  if (!c.ops.empty() || qtype(g, c.dq) != qtype(g, c.q) || zero_point_value(g, c.dq) != zero_point_value(g, c.q))
    return false;
  const float s = scale_value(g, c.dq);
  return s == scale_value(g, c.q) && std::isnormal(s) && std::isfinite(s * 255.f);
}

// The 256 byte values as `dtype`, in byte order: the table's index.
Tensor byte_values(DataType dtype) {
  Tensor t(dtype, {kByteValues});
  auto* p = static_cast<uint8_t*>(t.raw());
  for (int64_t i = 0; i < kByteValues; ++i) p[i] = static_cast<uint8_t>(i);
  return t;
}

void set_table_shape(Value& v) {
  v.shape = {kByteValues};
  v.shape_known = true;
}

}  // namespace

int drop_identity_requantize(Graph& g) {
  g.link();
  int dropped = 0;
  for (Node& n : g.nodes) {
    Chain c;
    if (!find_chain(g, n, c) || !identity_pair(g, c) || is_graph_output(g, c.q.q)) continue;
    for (Node& reader : g.nodes)
      for (int& in : reader.inputs)
        if (in == c.q.q) in = c.dq.q;
    c.dq.node->dead = true;
    c.q.node->dead = true;
    ++dropped;
  }
  g.link();
  return dropped;
}

int fuse_qdq_lookup(Graph& g) {
  g.link();
  std::vector<Chain> chains;
  for (Node& n : g.nodes) {
    Chain c;
    if (find_chain(g, n, c)) chains.push_back(c);
  }
  if (chains.empty()) return 0;
  // Each lookup goes right after its chain's QuantizeLinear (which now writes the table), keeping topological order.
  std::vector<std::vector<Node>> after(g.nodes.size());
  for (Chain& c : chains) {
    Node lookup;
    lookup.name = c.q.node->name;
    lookup.op_type = "TableLookup";
    lookup.domain = "ssdx";
    lookup.inputs = {c.dq.q};
    lookup.outputs = {c.q.q};
    lookup.fused_from = origins_of(*c.dq.node);
    for (const Node* op : c.ops) record_fused(lookup, *op);
    record_fused(lookup, *c.q.node);
    // The chain now computes the table from the byte values; names are copied first (adding values moves them).
    const std::string base = g.value(c.dq.q).name, table_name = g.value(c.q.q).name + ".table";
    c.dq.node->inputs[0] = add_fresh_constant(g, base + ".byte_values", byte_values(qtype(g, c.dq)));
    set_table_shape(g.value(c.dq.node->outputs[0]));
    for (Node* op : c.ops) set_table_shape(g.value(op->outputs[0]));
    const int table = add_fresh_value(g, table_name, qtype(g, c.q), {kByteValues}, true);
    c.q.node->outputs[0] = table;
    c.q.node->name += ".table";
    lookup.inputs.push_back(table);
    after[static_cast<size_t>(c.q.node - g.nodes.data())].push_back(std::move(lookup));
  }
  std::vector<Node> nodes;
  nodes.reserve(g.nodes.size() + chains.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    nodes.push_back(std::move(g.nodes[i]));
    for (Node& n : after[i]) nodes.push_back(std::move(n));
  }
  g.nodes = std::move(nodes);
  if (!g.opsets.count("ssdx")) g.opsets["ssdx"] = 1;
  g.link();
  return static_cast<int>(chains.size());
}

}  // namespace ssdx
