#include "passes/fuse_conv.h"

#include <cfloat>
#include <cmath>

#include "graph/graph_edit.h"
#include "passes/pattern.h"
#include "passes/rewrite_rule.h"

namespace ssdx {
namespace {

// The producer node of `value` when it is a constant-weight convolution reading only from private edges.
int conv_producer(const Graph& g, int value, int consumer) {
  if (!private_edge(g, value, consumer)) return -1;
  const int p = g.value(value).producer;
  return is_constant_weight_conv(g, g.nodes[static_cast<size_t>(p)]) ? p : -1;
}

// Turns a Conv into the internal FusedConv (same attributes; inputs X, W, B with B possibly omitted).
void make_fused(Graph& g, Node& conv) {
  if (conv.op_type == "FusedConv") return;
  if (conv.fused_from.empty()) conv.fused_from.push_back({conv.op_type, conv.name});  // provenance keeps "Conv"
  conv.op_type = "FusedConv";
  conv.domain = kInternalDomain;
  if (!g.opsets.count(kInternalDomain)) g.opsets[kInternalDomain] = 1;
}

// `node` takes over the output of `absorbed`, which dies. The producer link is updated at once so later matches in
// the same sweep see the rewrite.
void absorb(Graph& g, Node& node, Node& absorbed) {
  record_fused(node, absorbed);
  node.outputs[0] = absorbed.outputs[0];
  g.value(node.outputs[0]).producer = static_cast<int>(&node - g.nodes.data());
  absorbed.dead = true;
}

// ---- Conv -> BatchNormalization ----

struct BatchNormMatch {
  int bn = -1, conv = -1;
  const Tensor* params[4] = {};  // scale, bias, mean, var
};

bool select_batchnorm(const Graph& g, int anchor, BatchNormMatch& m) {
  const Node& bn = g.nodes[static_cast<size_t>(anchor)];
  if (bn.inputs.size() != 5 || bn.outputs.size() != 1 || bn.attrs.get_int("training_mode", 0) != 0) return false;
  m.bn = anchor;
  m.conv = conv_producer(g, bn.inputs[0], anchor);
  if (m.conv < 0 || g.nodes[static_cast<size_t>(m.conv)].op_type != "Conv") return false;
  for (int k = 0; k < 4; ++k) {
    m.params[k] = g.constant(bn.inputs[static_cast<size_t>(k + 1)]);
    if (!m.params[k] || m.params[k]->dtype() != DataType::Float) return false;
  }
  const Tensor& w = *g.constant(g.nodes[static_cast<size_t>(m.conv)].inputs[1]);
  for (const Tensor* p : m.params)
    if (p->numel() != w.dim(0)) return false;
  return w.dtype() == DataType::Float;
}

void fold_into_conv(Graph& g, const BatchNormMatch& m) {
  Node& conv = g.nodes[static_cast<size_t>(m.conv)];
  Node& bn = g.nodes[static_cast<size_t>(m.bn)];
  const Tensor& w = *g.constant(conv.inputs[1]);
  const int64_t channels = w.dim(0);
  const float eps = bn.attrs.get_float("epsilon", 1e-5f);
  const float *scale = m.params[0]->data<float>(), *beta = m.params[1]->data<float>();
  const float *mean = m.params[2]->data<float>(), *var = m.params[3]->data<float>();
  const Tensor* b = conv.has_input(2) ? g.constant(conv.inputs[2]) : nullptr;
  Tensor wf = w.clone();
  Tensor bf(DataType::Float, {channels});
  const int64_t per_channel = w.numel() / channels;
  for (int64_t c = 0; c < channels; ++c) {
    const float a = scale[c] / std::sqrt(var[c] + eps);
    float* wc = wf.data<float>() + c * per_channel;
    for (int64_t k = 0; k < per_channel; ++k) wc[k] *= a;
    bf.data<float>()[c] = ((b ? b->data<float>()[c] : 0.f) - mean[c]) * a + beta[c];
  }
  const int wid = add_fresh_constant(g, conv.name + ".folded_weight", std::move(wf));
  const int bid = add_fresh_constant(g, conv.name + ".folded_bias", std::move(bf));
  conv.inputs.resize(3);
  conv.inputs[1] = wid;
  conv.inputs[2] = bid;
  absorb(g, conv, bn);
}

// ---- Conv -> Add(·, Z) ----

struct ConvAddMatch {
  int add = -1, conv = -1, z = kNoValue;
};

bool select_conv_add(const Graph& g, int anchor, ConvAddMatch& m) {
  const Node& add = g.nodes[static_cast<size_t>(anchor)];
  if (add.inputs.size() != 2) return false;
  const int out = add.outputs[0];
  if (!static_float(g, out) || !static_float(g, add.inputs[0]) || !static_float(g, add.inputs[1])) return false;
  if (g.value(add.inputs[0]).shape != g.value(out).shape || g.value(add.inputs[1]).shape != g.value(out).shape)
    return false;  // broadcasting Adds are not a residual sum
  // Fuse into the convolution that runs last, so the other operand (Z) is ready when it runs.
  m.add = anchor;
  for (int side = 0; side < 2; ++side) {
    const int conv = conv_producer(g, add.inputs[static_cast<size_t>(side)], anchor);
    if (conv < 0) continue;
    const Node& c = g.nodes[static_cast<size_t>(conv)];
    if (c.has_input(3) || c.attrs.has("activation")) continue;
    if (conv > m.conv) {  // later in topological order
      m.conv = conv;
      m.z = add.inputs[static_cast<size_t>(1 - side)];
    }
  }
  return m.conv >= 0;
}

void fuse_residual(Graph& g, const ConvAddMatch& m) {
  Node& conv = g.nodes[static_cast<size_t>(m.conv)];
  make_fused(g, conv);
  conv.inputs.resize(3, kNoValue);
  conv.inputs.push_back(m.z);
  absorb(g, conv, g.nodes[static_cast<size_t>(m.add)]);
}

// ---- Conv -> Relu, Conv -> Clip ----

struct ConvActivationMatch {
  int activation = -1, conv = -1;
  float lo = -FLT_MAX, hi = FLT_MAX;  // Clip's bounds
};

// The activation node `anchor` reading, alone, the output of a convolution that has no activation yet.
bool select_activation_of_conv(const Graph& g, int anchor, ConvActivationMatch& m) {
  const Node& act = g.nodes[static_cast<size_t>(anchor)];
  if (act.outputs.size() != 1 || !static_float(g, act.outputs[0])) return false;
  m.activation = anchor;
  m.conv = conv_producer(g, act.inputs[0], anchor);
  return m.conv >= 0 && !g.nodes[static_cast<size_t>(m.conv)].attrs.has("activation");
}

// The convolution becomes a FusedConv with `activation` and takes over the activation node's output.
Node& fuse_activation(Graph& g, const ConvActivationMatch& m, const char* activation) {
  Node& conv = g.nodes[static_cast<size_t>(m.conv)];
  make_fused(g, conv);
  conv.attrs.set_string("activation", activation);
  absorb(g, conv, g.nodes[static_cast<size_t>(m.activation)]);
  return conv;
}

void fuse_relu(Graph& g, const ConvActivationMatch& m) { fuse_activation(g, m, "Relu"); }

// A Clip with constant bounds lo <= hi (oneDNN's eltwise_clip refuses lo > hi, and a NaN bound).
bool select_conv_clip(const Graph& g, int anchor, ConvActivationMatch& m) {
  return clip_constant_bounds(g, g.nodes[static_cast<size_t>(anchor)], m.lo, m.hi) && m.lo <= m.hi &&
         select_activation_of_conv(g, anchor, m);
}

void fuse_clip(Graph& g, const ConvActivationMatch& m) {
  fuse_activation(g, m, "Clip").attrs.set_floats("activation_params", {m.lo, m.hi});
}

// ---- Identity ----

struct IdentityMatch {
  int node = -1;
};

bool select_identity(const Graph& g, int anchor, IdentityMatch& m) {
  const Node& n = g.nodes[static_cast<size_t>(anchor)];
  if (n.inputs.size() != 1 || n.outputs.size() != 1 || n.inputs[0] == kNoValue || is_graph_output(g, n.outputs[0]))
    return false;
  m.node = anchor;
  return true;
}

void bypass_identity(Graph& g, const IdentityMatch& m) {
  Node& n = g.nodes[static_cast<size_t>(m.node)];
  const int in = n.inputs[0], out = n.outputs[0];
  for (Node& c : g.nodes)
    for (int& v : c.inputs)
      if (v == out) v = in;
  n.dead = true;
}

}  // namespace

int fold_batchnorm(Graph& g) {
  return apply_rule(g, RewriteRule<BatchNormMatch>{kOnnxDomain, "BatchNormalization", select_batchnorm, fold_into_conv});
}

int fuse_conv_add(Graph& g) {
  return apply_rule(g, RewriteRule<ConvAddMatch>{kOnnxDomain, "Add", select_conv_add, fuse_residual});
}

int fuse_conv_relu(Graph& g) {
  return apply_rule(g, RewriteRule<ConvActivationMatch>{kOnnxDomain, "Relu", select_activation_of_conv, fuse_relu});
}

int fuse_conv_clip(Graph& g) {
  return apply_rule(g, RewriteRule<ConvActivationMatch>{kOnnxDomain, "Clip", select_conv_clip, fuse_clip});
}

int remove_identity(Graph& g) {
  return apply_rule(g, RewriteRule<IdentityMatch>{kOnnxDomain, "Identity", select_identity, bypass_identity});
}

}  // namespace ssdx
