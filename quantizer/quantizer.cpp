#include "quantizer/quantizer.h"

#include <algorithm>
#include <cmath>

#include "engine/shape_inference.h"
#include "graph/onnx_parser.h"
#include "passes/eliminate_dead.h"
#include "passes/fuse_conv.h"
#include "ops/registry.h"
#include "passes/opset_upgrade.h"
#include "quantizer/quant_plan.h"
#include "quantizer/quant_rewrite.h"

namespace ssdx::quantizer {
namespace {

// The default-domain opset of the output: the model's unless forced; per-channel QDQ needs DequantizeLinear's axis.
int64_t target_opset(const Graph& g, const QuantizeOptions& o) {
  const int64_t model = g.opset("");
  const bool need_axis = o.format == QuantFormat::QDQ && o.per_channel;
  int64_t target = o.opset ? o.opset : std::max<int64_t>(model, need_axis ? 13 : 10);
  if (target < model) fail("quantize: --opset ", target, " is below the model's opset ", model);
  if (target < 10) fail("quantize: --opset ", target, ": QuantizeLinear needs opset 10 or later");
  if (need_axis && target < 13)
    fail("quantize: per-channel QDQ needs opset 13 or later (DequantizeLinear's axis), got --opset ", target);
  return target;
}

// The lowest IR version that may carry a default-domain opset (onnx's release table).
int64_t min_ir_version(int64_t opset) { return opset <= 10 ? 5 : opset == 11 ? 6 : opset <= 14 ? 7 : 8; }

}  // namespace

ActivationParams activation_params(Range r) {
  const float rmin = std::min(0.f, r.rmin), rmax = std::max(0.f, r.rmax);
  const float scale = (rmax - rmin) / 255.f;
  if (!(scale > 0) || !std::isfinite(scale)) return {1.f, 0};
  const float zp = std::nearbyint(-rmin / scale);
  return {scale, static_cast<uint8_t>(std::min(255.f, std::max(0.f, zp)))};
}

std::vector<float> weight_scales(const Tensor& w, bool per_channel) {
  if (w.dtype() != DataType::Float || w.rank() < 1 || w.dim(0) < 1)
    fail("weight_scales: expects float weights [M,...]");
  const int64_t m = per_channel ? w.dim(0) : 1, per = w.numel() / m;
  std::vector<float> scales;
  for (int64_t c = 0; c < m; ++c) {
    float amax = 0;
    for (int64_t k = 0; k < per; ++k) amax = std::max(amax, std::fabs(w.data<float>()[c * per + k]));
    const float s = amax / 127.f;
    scales.push_back(s > 0 ? s : 1.f);
  }
  return scales;
}

Tensor quantize_weights(const Tensor& w, const std::vector<float>& scales) {
  const int64_t m = static_cast<int64_t>(scales.size());
  if (m < 1 || w.numel() % m != 0 || (m > 1 && w.dim(0) != m))
    fail("quantize_weights: ", m, " scales for weights ", shape_str(w.shape()));
  Tensor q(DataType::Int8, w.shape());
  const int64_t per = w.numel() / m;
  for (int64_t i = 0; i < w.numel(); ++i) {
    const float v = std::nearbyint(w.data<float>()[i] / scales[static_cast<size_t>(i / per)]);
    q.data<int8_t>()[i] = static_cast<int8_t>(std::min(127.f, std::max(-127.f, v)));
  }
  return q;
}

Tensor quantize_bias(const Tensor& b, float x_scale, const std::vector<float>& w_scales) {
  if (b.dtype() != DataType::Float || b.rank() != 1) fail("quantize_bias: expects a float bias [M]");
  if (w_scales.size() != 1 && static_cast<int64_t>(w_scales.size()) != b.numel())
    fail("quantize_bias: ", w_scales.size(), " weight scales for ", b.numel(), " channels");
  Tensor q(DataType::Int32, b.shape());
  for (int64_t m = 0; m < b.numel(); ++m) {
    const float s = x_scale * w_scales[w_scales.size() == 1 ? 0 : static_cast<size_t>(m)];
    const double v = std::nearbyint(static_cast<double>(b.data<float>()[m] / s));
    q.data<int32_t>()[m] = static_cast<int32_t>(std::min(2147483647.0, std::max(-2147483648.0, v)));
  }
  return q;
}

void prepare_for_quantization(Graph& g) {
  // Weights written as Constant nodes must be visible as constants for Conv to be quantizable.
  bool changed = false;
  for (Node& n : g.nodes) {
    if (n.dead || !is_default_op(n, "Constant") || n.outputs.size() != 1 || n.outputs[0] == kNoValue) continue;
    if (!n.attrs.has("value") || n.attrs.at("value").kind != Attribute::Kind::Tensor) continue;
    Value& v = g.value(n.outputs[0]);
    if (v.is_graph_output) continue;
    const Tensor& t = n.attrs.get_tensor("value");
    v.constant = std::make_shared<const Tensor>(t);
    v.dtype = t.dtype();
    v.shape = t.shape();
    v.shape_known = true;
    n.dead = true;
    changed = true;
  }
  if (changed) g.compact();
  g.topo_sort();
  infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::None);
  fold_batchnorm(g);
  eliminate_dead_nodes(g);
  g.link();
}

Graph load_for_quantization(const std::string& path) {
  Graph g = load_onnx(path);
  prepare_for_quantization(g);
  return g;
}

std::vector<std::string> tensors_to_calibrate(const Graph& g, QdqStyle style) {
  const QuantPlan p = plan_quantization(g, style);
  std::vector<std::string> names;
  for (int v : p.order)
    if (p.params_of[static_cast<size_t>(v)] == v) names.push_back(g.value(v).name);
  return names;
}

void check_quantizable(const Graph& g) {
  if (plan_quantization(g).convs == 0)
    fail("quantize: ", g.source, ": nothing to quantize: no convolution with constant weights and a 4-D float input");
}

QuantizeReport quantize_graph(Graph& g, const RangeMap& ranges, const QuantizeOptions& opts) {
  if (opts.qdq_style != QdqStyle::Absorbed && opts.format != QuantFormat::QDQ)
    fail("quantize: a QDQ style applies to --format qdq only");
  const int64_t target = target_opset(g, opts);
  try {
    upgrade_opset(g, target);
  } catch (const Error& e) {
    fail("quantize: ", g.source, ": ", e.what());
  }
  const QuantPlan plan = plan_quantization(g, opts.qdq_style);
  if (plan.convs == 0) check_quantizable(g);
  g.nodes = opts.format == QuantFormat::QDQ
                ? rewrite_qdq(g, plan, ranges, opts.per_channel)
                : rewrite_qoperator(g, plan, ranges, opts.per_channel, /*uint8_maxpool=*/target >= 12);
  if (opts.format == QuantFormat::QOperator && plan.adds > 0) g.opsets[kMicrosoftDomain] = 1;
  g.ir_version = std::max(g.ir_version, min_ir_version(target));
  g.compact();
  g.verify();
  g.topo_sort();
  // The model must run here as written: every op known to ssdx, every shape consistent.
  infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::None);

  QuantizeReport r;
  r.convs = plan.convs;
  r.adds = plan.adds;
  r.maxpools = plan.maxpools;
  r.relus_removed = plan.relus;
  r.relus_kept = plan.relus_kept;
  r.clips_removed = plan.clips;
  r.clips_kept = plan.clips_kept;
  r.tensors = static_cast<int>(plan.order.size());
  r.opset = target;
  return r;
}

}  // namespace ssdx::quantizer
