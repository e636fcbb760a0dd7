#include "passes/fuse_qdq.h"

#include <cstring>
#include <limits>

#include "graph/graph_edit.h"
#include "passes/pattern.h"
#include "passes/qdq_match.h"
#include "passes/rewrite_rule.h"

namespace ssdx {

using namespace qdq;

namespace {

// A zero point input for an op that requires one: the node's own, or a new constant 0 of `dtype`.
int zero_point_or_zero(Graph& g, const QNode& q, DataType dtype, const std::string& name) {
  if (q.zp != kNoValue) return q.zp;
  Tensor z(dtype, {});
  std::memset(z.raw(), 0, z.nbytes());
  return add_fresh_constant(g, name + ".zero_point", std::move(z));
}

// `node` takes over `q`'s output value; q dies.
void take_output(Graph& g, Node& node, const QNode& q) {
  record_fused(node, *q.node);
  node.outputs.assign(1, q.q);
  g.value(q.q).producer = static_cast<int>(&node - g.nodes.data());
  node_of(g, q).dead = true;
}

// ---- Relu -> QuantizeLinear with the type's minimum as zero point: the quantization clamps at 0 already ----

// An activation (Relu, Clip) the QuantizeLinear reading it makes redundant.
struct BeforeQuantizeMatch {
  int node = -1;
  QNode q;
};

// The activation goes: the QuantizeLinear reads the activation's input.
void remove_before_quantize(Graph& g, const BeforeQuantizeMatch& m) {
  Node& act = g.nodes[static_cast<size_t>(m.node)];
  Node& q = node_of(g, m.q);
  q.inputs[0] = act.inputs[0];
  record_fused(q, act);
  act.dead = true;
}

bool select_relu_before_quantize(const Graph& g, int anchor, BeforeQuantizeMatch& m) {
  const Node& relu = g.nodes[static_cast<size_t>(anchor)];
  if (relu.inputs.size() != 1 || relu.outputs.size() != 1) return false;
  m.node = anchor;
  m.q = quantize_reading(g, relu.outputs[0]);
  if (!m.q.node || !m.q.per_tensor) return false;
  const DataType t = qtype(g, m.q);
  const int32_t type_min = t == DataType::UInt8 ? 0 : t == DataType::Int8 ? -128 : 1;
  return zero_point_value(g, m.q) == type_min;
}

// ---- Clip -> QuantizeLinear whose saturation already clips (onnxruntime's ClipQuantFusion) ----

// As onnxruntime 1.30's ClipQuantFusion (docs/clip_quantization.md): the Clip (any opset) has constant bounds and
// its one reader is a QuantizeLinear with all three inputs, a rank-0 float scale and a rank-0 8-bit zero point; the
// type's range mapped back, lower = scale * (qmin - zp) and upper = scale * (qmax - zp) in float, lies within
// [lo, hi] up to FLT_EPSILON. Then Q(Clip(x)) = Q(x) for every x: whatever the Clip changes saturates anyway.
bool select_clip_before_quantize(const Graph& g, int anchor, BeforeQuantizeMatch& m) {
  const Node& clip = g.nodes[static_cast<size_t>(anchor)];
  if (clip.inputs.empty() || clip.outputs.size() != 1 || is_graph_output(g, clip.outputs[0])) return false;
  float lo = 0, hi = 0;
  if (!clip_constant_bounds(g, clip, lo, hi)) return false;
  m.node = anchor;
  m.q = quantize_reading(g, clip.outputs[0]);
  if (!m.q.node || m.q.node->inputs.size() != 3 || m.q.zp == kNoValue) return false;
  const Tensor& scale = *g.constant(m.q.scale);
  const Tensor& zp = *g.constant(m.q.zp);
  if (scale.rank() != 0 || scale.dtype() != DataType::Float || zp.rank() != 0 || !is_8bit(zp.dtype())) return false;
  const bool u8 = zp.dtype() == DataType::UInt8;
  const int z = static_cast<int>(zp.int_at(0));
  const float s = scale.data<float>()[0];
  const float lower = s * static_cast<float>((u8 ? 0 : -128) - z), upper = s * static_cast<float>((u8 ? 255 : 127) - z);
  constexpr float eps = std::numeric_limits<float>::epsilon();
  return !(eps < lo - lower || eps < upper - hi);
}

// ---- DQ(x), DQ(w), DQ(b) -> Conv -> Q  =>  QLinearConv ----

struct ConvMatch {
  int conv = -1;
  QNode x, w, b, y;
  DataType xt = DataType::Undefined, wt = DataType::Undefined;
};

bool select_qdq_conv(const Graph& g, int anchor, ConvMatch& m) {
  const Node& conv = g.nodes[static_cast<size_t>(anchor)];
  if (conv.inputs.size() < 2 || conv.outputs.size() != 1) return false;
  m.conv = anchor;
  m.x = dequantize_of(g, conv.inputs[0]);
  m.w = dequantize_of(g, conv.inputs[1]);
  m.b = conv.has_input(2) ? dequantize_of(g, conv.inputs[2]) : QNode{};
  m.y = quantize_reading(g, conv.outputs[0]);
  if (!m.x.node || !m.w.node || !m.y.node || (conv.has_input(2) && !m.b.node)) return false;
  if (!m.x.per_tensor || !m.y.per_tensor || !g.constant(m.w.q)) return false;
  m.xt = qtype(g, m.x);
  m.wt = qtype(g, m.w);
  if (!is_8bit(m.xt) || !is_8bit(m.wt) || qtype(g, m.y) != m.xt || g.value(m.x.q).dtype != m.xt ||
      g.value(m.w.q).dtype != m.wt)
    return false;
  if (m.xt == DataType::Int8 && m.wt != DataType::Int8) return false;  // no s8 x u8 kernels (ONNX QLinearConv allows none)
  if (!m.w.per_tensor && m.w.node->attrs.get_int("axis", 1) != 0) return false;  // per output channel only
  return !m.b.node || (g.constant(m.b.q) && g.value(m.b.q).dtype == DataType::Int32);
}

void make_qlinear_conv(Graph& g, const ConvMatch& m) {
  const std::string name = g.nodes[static_cast<size_t>(m.conv)].name;
  // Rewritten in place, so the node keeps its position in topological order. (Adding constants may move the node
  // list's values, not its nodes.)
  std::vector<int> inputs = {m.x.q, m.x.scale, zero_point_or_zero(g, m.x, m.xt, name + ".x"), m.w.q, m.w.scale,
                             zero_point_or_zero(g, m.w, m.wt, name + ".w"), m.y.scale,
                             zero_point_or_zero(g, m.y, m.xt, name + ".y")};
  if (m.b.node) inputs.push_back(m.b.q);
  Node& conv = g.nodes[static_cast<size_t>(m.conv)];
  // The DequantizeLinear nodes are shared and die later (eliminate_dead); they are part of this kernel all the same.
  record_fused(conv, *m.x.node);
  record_fused(conv, *m.w.node);
  if (m.b.node) record_fused(conv, *m.b.node);
  conv.op_type = "QLinearConv";
  conv.inputs = std::move(inputs);
  take_output(g, conv, m.y);
}

// ---- DQ(a), DQ(b) -> Add -> Q  =>  com.microsoft QLinearAdd ----

struct AddMatch {
  int add = -1;
  QNode a, b, c;
  DataType t = DataType::Undefined;
};

bool select_qdq_add(const Graph& g, int anchor, AddMatch& m) {
  const Node& add = g.nodes[static_cast<size_t>(anchor)];
  if (add.inputs.size() != 2 || add.outputs.size() != 1) return false;
  m.add = anchor;
  m.a = dequantize_of(g, add.inputs[0]);
  m.b = dequantize_of(g, add.inputs[1]);
  m.c = quantize_reading(g, add.outputs[0]);
  if (!m.a.node || !m.b.node || !m.c.node || !m.a.per_tensor || !m.b.per_tensor || !m.c.per_tensor) return false;
  m.t = qtype(g, m.c);
  return is_8bit(m.t) && qtype(g, m.a) == m.t && qtype(g, m.b) == m.t && g.value(m.a.q).dtype == m.t &&
         g.value(m.b.q).dtype == m.t;
}

void make_qlinear_add(Graph& g, const AddMatch& m) {
  const std::string name = g.nodes[static_cast<size_t>(m.add)].name;
  std::vector<int> inputs = {m.a.q, m.a.scale, zero_point_or_zero(g, m.a, m.t, name + ".a"), m.b.q, m.b.scale,
                             zero_point_or_zero(g, m.b, m.t, name + ".b"), m.c.scale,
                             zero_point_or_zero(g, m.c, m.t, name + ".c")};
  Node& add = g.nodes[static_cast<size_t>(m.add)];
  record_fused(add, *m.a.node);
  record_fused(add, *m.b.node);
  add.op_type = "QLinearAdd";
  add.domain = kMicrosoftDomain;
  add.inputs = std::move(inputs);
  take_output(g, add, m.c);
  if (!g.opsets.count(kMicrosoftDomain)) g.opsets[kMicrosoftDomain] = 1;
}

// ---- DQ -> data movement -> Q with equal parameters  =>  the op on the 8-bit tensor ----

// The ops that move 8-bit values without arithmetic (MaxPool picks one of them), so equal (scale, zero point) on
// both sides make the pair around them a no-op.
const char* const kDataMovementOps[] = {"MaxPool", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten"};

struct MovementMatch {
  int node = -1;
  QNode x, y;
};

bool select_data_movement(const Graph& g, int anchor, MovementMatch& m) {
  const Node& n = g.nodes[static_cast<size_t>(anchor)];
  if (n.outputs.size() != 1 || n.inputs.empty()) return false;
  m.node = anchor;
  m.x = dequantize_of(g, n.inputs[0]);
  m.y = quantize_reading(g, n.outputs[0]);
  if (!m.x.node || !m.y.node || !m.x.per_tensor || !m.y.per_tensor || qtype(g, m.x) != qtype(g, m.y)) return false;
  if (!is_8bit(qtype(g, m.x)) || g.value(m.x.q).dtype != qtype(g, m.x)) return false;
  const float xs = static_cast<float>(g.constant(m.x.scale)->float_at(0));
  return xs > 0 && xs == static_cast<float>(g.constant(m.y.scale)->float_at(0)) &&
         zero_point_value(g, m.x) == zero_point_value(g, m.y);
}

void run_on_8bit(Graph& g, const MovementMatch& m) {
  Node& n = g.nodes[static_cast<size_t>(m.node)];
  n.inputs[0] = m.x.q;
  record_fused(n, *m.x.node);
  const int old_out = n.outputs[0];
  take_output(g, n, m.y);
  g.value(old_out).producer = -1;
}

}  // namespace

int remove_relu_before_quantize(Graph& g) {
  return apply_rule(g, RewriteRule<BeforeQuantizeMatch>{kOnnxDomain, "Relu", select_relu_before_quantize, remove_before_quantize});
}

int remove_clip_before_quantize(Graph& g) {
  return apply_rule(g, RewriteRule<BeforeQuantizeMatch>{kOnnxDomain, "Clip", select_clip_before_quantize,
                                                      remove_before_quantize});
}

int fuse_qdq_conv(Graph& g) {
  return apply_rule(g, RewriteRule<ConvMatch>{kOnnxDomain, "Conv", select_qdq_conv, make_qlinear_conv});
}

int fuse_qdq_add(Graph& g) {
  return apply_rule(g, RewriteRule<AddMatch>{kOnnxDomain, "Add", select_qdq_add, make_qlinear_add});
}

int drop_qdq_around_data_movement(Graph& g) {
  int dropped = 0;
  for (const char* op : kDataMovementOps)
    dropped += apply_rule(g, RewriteRule<MovementMatch>{kOnnxDomain, op, select_data_movement, run_on_8bit});
  return dropped;
}

const std::vector<QdqPass>& qdq_passes() {
  // In this order, each pass seeing its predecessors' results. The Relu and the Clip go first so Conv/Add -> Relu ->
  // Q and Conv -> Clip -> Q fuse (ORT too removes them at level 1, before its fusions).
  // The requantization passes come last: a DequantizeLinear that also fed a Conv or Add has then lost that reader,
  // so its chain to a QuantizeLinear is private; a removed Relu leaves DQ -> Q, which is either an identity or a
  // plain requantization.
  static const std::vector<QdqPass> kOrder = {
      {"remove_relu_before_quantize", remove_relu_before_quantize},
      {"remove_clip_before_quantize", remove_clip_before_quantize},
      {"fuse_qdq_conv", fuse_qdq_conv},
      {"fuse_qdq_add", fuse_qdq_add},
      {"drop_qdq_around_data_movement", drop_qdq_around_data_movement},
      {"drop_identity_requantize", drop_identity_requantize},
      {"fuse_qdq_lookup", fuse_qdq_lookup}};
  return kOrder;
}

int fuse_qdq(Graph& g) {
  int rewritten = 0;
  for (const QdqPass& pass : qdq_passes()) rewritten += pass.run(g);
  return rewritten;
}

}  // namespace ssdx
