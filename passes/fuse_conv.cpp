#include "passes/fuse_conv.h"

#include <cmath>

#include "graph/graph_edit.h"
#include "graph/pattern.h"

namespace ssdx {
namespace {

// The producer node of `value` when it is a constant-weight convolution reading only from private edges.
Node* conv_producer(Graph& g, int value, int consumer) {
  if (!private_edge(g, value, consumer)) return nullptr;
  Node& p = g.nodes[static_cast<size_t>(g.value(value).producer)];
  return is_constant_weight_conv(g, p) ? &p : nullptr;
}

// Turns a Conv into the internal FusedConv (same attributes; inputs X, W, B with B possibly omitted).
void make_fused(Graph& g, Node& conv) {
  if (conv.op_type == "FusedConv") return;
  if (conv.fused_from.empty()) conv.fused_from.push_back({conv.op_type, conv.name});  // provenance keeps "Conv"
  conv.op_type = "FusedConv";
  conv.domain = "ssdx";
  if (!g.opsets.count("ssdx")) g.opsets["ssdx"] = 1;
}

// `node` takes over the output of `absorbed`, which dies. The producer link is updated at once so later matches in
// the same sweep see the rewrite.
void absorb(Graph& g, Node& node, Node& absorbed) {
  record_fused(node, absorbed);
  node.outputs[0] = absorbed.outputs[0];
  g.value(node.outputs[0]).producer = static_cast<int>(&node - g.nodes.data());
  absorbed.dead = true;
}

}  // namespace

int fold_batchnorm(Graph& g) {
  g.link();
  int removed = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& bn = g.nodes[i];
    if (bn.dead || bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.inputs.size() != 5) continue;
    if (bn.outputs.size() != 1 || bn.attrs.get_int("training_mode", 0) != 0) continue;
    Node* conv = conv_producer(g, bn.inputs[0], static_cast<int>(i));
    if (!conv || conv->op_type != "Conv") continue;
    const Tensor* params[4];
    bool ok = true;
    for (int k = 0; k < 4; ++k) {
      params[k] = g.constant(bn.inputs[static_cast<size_t>(k + 1)]);
      ok = ok && params[k] && params[k]->dtype() == DataType::Float;
    }
    const Tensor& w = *g.constant(conv->inputs[1]);
    const int64_t channels = w.dim(0);
    for (int k = 0; ok && k < 4; ++k) ok = params[k]->numel() == channels;
    if (!ok || w.dtype() != DataType::Float) continue;
    const float eps = bn.attrs.get_float("epsilon", 1e-5f);
    const float *scale = params[0]->data<float>(), *beta = params[1]->data<float>();
    const float *mean = params[2]->data<float>(), *var = params[3]->data<float>();
    const Tensor* b = conv->has_input(2) ? g.constant(conv->inputs[2]) : nullptr;
    Tensor wf = w.clone();
    Tensor bf(DataType::Float, {channels});
    const int64_t per_channel = w.numel() / channels;
    for (int64_t c = 0; c < channels; ++c) {
      const float a = scale[c] / std::sqrt(var[c] + eps);
      float* wc = wf.data<float>() + c * per_channel;
      for (int64_t k = 0; k < per_channel; ++k) wc[k] *= a;
      bf.data<float>()[c] = ((b ? b->data<float>()[c] : 0.f) - mean[c]) * a + beta[c];
    }
    const int wid = add_fresh_constant(g, conv->name + ".folded_weight", std::move(wf));
    const int bid = add_fresh_constant(g, conv->name + ".folded_bias", std::move(bf));
    conv->inputs.resize(3);
    conv->inputs[1] = wid;
    conv->inputs[2] = bid;
    absorb(g, *conv, bn);
    ++removed;
  }
  g.link();
  return removed;
}

int fuse_conv_add(Graph& g) {
  g.link();
  int removed = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& add = g.nodes[i];
    if (add.dead || add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2) continue;
    const int out = add.outputs[0];
    if (!static_float(g, out) || !static_float(g, add.inputs[0]) || !static_float(g, add.inputs[1])) continue;
    if (g.value(add.inputs[0]).shape != g.value(out).shape || g.value(add.inputs[1]).shape != g.value(out).shape)
      continue;  // broadcasting Adds are not a residual sum
    // Fuse into the convolution that runs last, so the other operand (Z) is ready when it runs.
    Node* best = nullptr;
    int z = kNoValue;
    for (int side = 0; side < 2; ++side) {
      Node* conv = conv_producer(g, add.inputs[static_cast<size_t>(side)], static_cast<int>(i));
      if (!conv || conv->has_input(3) || conv->attrs.has("activation")) continue;
      if (!best || conv - g.nodes.data() > best - g.nodes.data()) {  // later in topological order
        best = conv;
        z = add.inputs[static_cast<size_t>(1 - side)];
      }
    }
    if (!best) continue;
    make_fused(g, *best);
    best->inputs.resize(3, kNoValue);
    best->inputs.push_back(z);
    absorb(g, *best, add);
    ++removed;
  }
  g.link();
  return removed;
}

int fuse_conv_relu(Graph& g) {
  g.link();
  int removed = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& relu = g.nodes[i];
    if (relu.dead || relu.op_type != "Relu" || !relu.domain.empty() || !static_float(g, relu.outputs[0])) continue;
    Node* conv = conv_producer(g, relu.inputs[0], static_cast<int>(i));
    if (!conv || conv->attrs.has("activation")) continue;
    make_fused(g, *conv);
    conv->attrs.set_string("activation", "Relu");
    absorb(g, *conv, relu);
    ++removed;
  }
  g.link();
  return removed;
}

int remove_identity(Graph& g) {
  g.link();
  int removed = 0;
  for (Node& n : g.nodes) {
    if (n.dead || n.op_type != "Identity" || !n.domain.empty() || n.inputs.size() != 1 || n.outputs.size() != 1) continue;
    const int in = n.inputs[0], out = n.outputs[0];
    if (in == kNoValue || is_graph_output(g, out)) continue;
    for (Node& c : g.nodes)
      for (int& v : c.inputs)
        if (v == out) v = in;
    n.dead = true;
    ++removed;
  }
  g.link();
  return removed;
}

}  // namespace ssdx
