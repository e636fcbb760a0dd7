#include "quantizer/quant_plan.h"

#include "passes/pattern.h"

namespace ssdx::quantizer {
namespace {

bool float_activation(const Graph& g, int v) {
  return v != kNoValue && !g.value(v).constant && g.value(v).dtype == DataType::Float;
}

bool static_shape(const Value& v) { return v.shape_known && shape_is_static(v.shape); }

// A Conv the integer kernels can take: 4-D float activation in, constant float weights [M,C/g,kh,kw], constant
// float bias [M] if any.
bool quantizable_conv(const Graph& g, const Node& n) {
  if (!is_default_op(n, "Conv") || n.inputs.size() < 2 || n.inputs.size() > 3 || n.outputs.size() != 1) return false;
  const int x = n.inputs[0];
  if (!float_activation(g, x) || !g.value(x).shape_known || g.value(x).shape.size() != 4) return false;
  const Tensor* w = g.constant(n.inputs[1]);
  if (!w || w->dtype() != DataType::Float || w->rank() != 4 || w->dim(0) < 1) return false;
  if (n.has_input(2)) {
    const Tensor* b = g.constant(n.inputs[2]);
    if (!b || b->dtype() != DataType::Float || b->rank() != 1 || b->dim(0) != w->dim(0)) return false;
  }
  return g.value(n.outputs[0]).dtype == DataType::Float;
}

// A Clip whose removal the output's quantization makes exact: constant bounds lo <= 0 <= hi. The output takes the
// Clip's calibrated range [rmin, rmax], inside [lo, hi]; activation_params widens it to [min(0, rmin), max(0, rmax)],
// still inside, and the uint8 grid it spans reaches at most half a step beyond: (0 - zp + 0.5) * scale >= lo and
// (255 - zp - 0.5) * scale <= hi, so every value the Clip would change saturates to the same byte anyway
// (docs/clip_quantization.md). A Clip with lo > 0 or hi < 0 cuts inside the range zero must stay in, and is kept.
bool removable_clip(const Graph& g, const Node& n) {
  float lo = 0, hi = 0;
  return is_default_op(n, "Clip") && !n.inputs.empty() && n.inputs[0] != kNoValue &&
         g.value(n.inputs[0]).dtype == DataType::Float &&
         clip_constant_bounds(g, n, lo, hi) && lo <= 0.f && 0.f <= hi;
}

}  // namespace

QuantPlan plan_quantization(const Graph& g, QdqStyle style) {
  QuantPlan p;
  const size_t nn = g.nodes.size(), nv = g.values.size();
  p.qnode.assign(nn, 0);
  p.removed.assign(nn, 0);
  p.writes.assign(nn, kNoValue);
  p.qvalue.assign(nv, 0);
  p.params_of.assign(nv, kNoValue);
  p.uses.assign(nv, {});
  for (size_t i = 0; i < nn; ++i)
    if (!g.nodes[i].dead)
      for (int in : g.nodes[i].inputs)
        if (in != kNoValue) p.uses[static_cast<size_t>(in)].push_back(static_cast<int>(i));

  auto mark = [&](int v, int params) {
    if (p.qvalue[static_cast<size_t>(v)]) return;
    p.qvalue[static_cast<size_t>(v)] = 1;
    p.params_of[static_cast<size_t>(v)] = params;
  };
  auto quantized = [&](int v) { return v != kNoValue && p.qvalue[static_cast<size_t>(v)]; };
  // The Relu or removable Clip reading `y` alone, when it can go: its output then comes straight out of the
  // quantized node.
  auto absorbed_relu = [&](int y) -> int {
    const auto& u = p.uses[static_cast<size_t>(y)];
    if (u.size() != 1 || g.value(y).is_graph_output) return -1;
    const Node& r = g.nodes[static_cast<size_t>(u[0])];
    const bool relu = is_default_op(r, "Relu") && r.inputs.size() == 1;
    if ((!relu && !removable_clip(g, r)) || r.inputs[0] != y || r.outputs.size() != 1 || r.outputs[0] == kNoValue)
      return -1;
    return g.value(r.outputs[0]).is_graph_output ? -1 : u[0];
  };
  // Whether node i can be quantized with what is marked so far (Add and MaxPool need quantized inputs).
  auto qualifies = [&](const Node& n) {
    if (quantizable_conv(g, n)) return true;
    if (is_default_op(n, "Add") && n.inputs.size() == 2 && n.outputs.size() == 1 && quantized(n.inputs[0]) &&
        quantized(n.inputs[1]) && float_activation(g, n.inputs[0]) && float_activation(g, n.inputs[1])) {
      const Value &a = g.value(n.inputs[0]), &b = g.value(n.inputs[1]), &c = g.value(n.outputs[0]);
      return static_shape(a) && a.shape == b.shape && static_shape(c) && c.shape == a.shape;
    }
    return is_default_op(n, "MaxPool") && n.inputs.size() == 1 && quantized(n.inputs[0]) && !n.outputs.empty() &&
           (n.outputs.size() == 1 || n.outputs[1] == kNoValue) && float_activation(g, n.outputs[0]);
  };

  // To a fixed point: an Add or MaxPool qualifies once its inputs are quantized, which a later node may cause.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < nn; ++i) {
      const Node& n = g.nodes[i];
      if (n.dead || p.removed[i] || p.qnode[i] || !qualifies(n)) continue;
      p.qnode[i] = 1;
      changed = true;
      if (is_default_op(n, "MaxPool")) {
        ++p.maxpools;
        // Max commutes with quantization: the output takes the input's parameters (even if a reader marked it
        // with its own range before), so MaxPool can run on the uint8 values.
        const int y = n.outputs[0], from = p.params_of[static_cast<size_t>(n.inputs[0])];
        mark(y, from);
        p.params_of[static_cast<size_t>(y)] = from;
        continue;
      }
      if (is_default_op(n, "Conv")) {
        ++p.convs;
        mark(n.inputs[0], n.inputs[0]);
      } else {
        ++p.adds;
      }
      int y = n.outputs[0];
      const int relu = absorbed_relu(y);
      const bool clip = relu >= 0 && is_default_op(g.nodes[static_cast<size_t>(relu)], "Clip");
      if (relu >= 0 && style == QdqStyle::Ort && is_default_op(n, "Add")) {
        // The Relu (or Clip) stays float between two quantized tensors (the Add's and its own).
        ++(clip ? p.clips_kept : p.relus_kept);
        const int r = g.nodes[static_cast<size_t>(relu)].outputs[0];
        mark(r, r);
      } else if (relu >= 0) {
        p.removed[static_cast<size_t>(relu)] = 1;
        ++(clip ? p.clips : p.relus);
        y = g.nodes[static_cast<size_t>(relu)].outputs[0];
      }
      p.writes[i] = y;
      mark(y, y);
    }
  }
  // Graph order: each node's inputs, then its outputs.
  std::vector<char> listed(nv, 0);
  auto list = [&](int v) {
    if (v == kNoValue || !p.qvalue[static_cast<size_t>(v)] || listed[static_cast<size_t>(v)]) return;
    listed[static_cast<size_t>(v)] = 1;
    p.order.push_back(v);
  };
  for (size_t i = 0; i < nn; ++i) {
    if (g.nodes[i].dead || p.removed[i]) continue;
    for (int v : g.nodes[i].inputs) list(v);
    for (int v : g.nodes[i].outputs) list(v);
    if (p.writes[i] != kNoValue) list(p.writes[i]);
  }
  return p;
}

}  // namespace ssdx::quantizer
