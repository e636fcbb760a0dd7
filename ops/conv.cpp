// Conv (opset 1, 11) and the internal FusedConv. Constant weights and static shapes go to the packed, fused,
// blocked-layout kernel of conv_fast.cpp; anything else runs oneDNN on plain layouts here (a primitive prepared per
// input shape), with conv_ref where oneDNN declines a shape or a fused convolution cannot be packed, and for
// KernelHints::reference.
#include <memory>

#include "ops/conv.h"
#include "ops/layout_caps.h"
#include "ops/onednn_util.h"
#include "ops/registry.h"

namespace ssdx {

// ---- attributes and shapes ----

ConvParams read_conv_geometry(const Attributes& attrs, const Shape& w) {
  if (w.size() < 3 || w.size() > 5) fail("weights must be 3-D to 5-D (1 to 3 spatial dims), got ", shape_str(w));
  ConvParams p;
  std::vector<int64_t> kernel(w.begin() + 2, w.end());
  if (attrs.has("kernel_shape")) {
    std::vector<int64_t> ks = attrs.get_ints("kernel_shape");
    for (size_t d = 0; d < ks.size() && d < kernel.size(); ++d)
      if (kernel[d] >= 0 && ks[d] != kernel[d]) fail("kernel_shape ", shape_str(ks), " does not match weights ", shape_str(w));
    if (ks.size() == kernel.size()) kernel = ks;
  }
  for (int64_t k : kernel)
    if (k < 0) fail("weights need static spatial dims, got ", shape_str(w));
  p.window = read_window(attrs, kernel.size(), kernel, false);
  p.group = attrs.get_int("group", 1);
  if (p.group < 1) fail("group ", p.group, " must be positive");
  return p;
}

ConvParams read_conv_params(const OpContext& ctx) {
  const bool fused = ctx.node().op_type == "FusedConv";
  ctx.require_inputs(2, fused ? 4 : 3);
  for (int i = 0; i < ctx.num_inputs(); ++i) ctx.require_dtype(i, {DataType::Float});
  ConvParams p = read_conv_geometry(ctx.attrs(), ctx.input_shape(1));
  if (fused) {
    const std::string act = ctx.attrs().get_string("activation", "");
    if (act != "" && act != "Relu" && act != "Clip")
      fail("FusedConv activation '", act, "' is not supported (Relu or Clip)");
    p.relu = act == "Relu";
    p.clip = act == "Clip";
    if (p.clip) {
      const std::vector<float> bounds = ctx.attrs().get_floats("activation_params");
      if (bounds.size() != 2 || !(bounds[0] <= bounds[1]))
        fail("FusedConv activation Clip needs activation_params [lo, hi] with lo <= hi");
      p.clip_lo = bounds[0];
      p.clip_hi = bounds[1];
    }
    p.has_sum = ctx.has_input(kConvInputZ);
  }
  return p;
}

Shape conv_output_shape(ConvParams& p, const Shape& x, const Shape& w, const Shape* bias) {
  const size_t n = p.window.rank();
  if (x.size() != n + 2) fail("input ", shape_str(x), " has rank ", x.size(), ", the weights imply ", n + 2);
  const int64_t m = w[0], c_per_group = w[1];
  if (m >= 0 && m % p.group != 0) fail(m, " output channels are not divisible by group ", p.group);
  if (x[1] >= 0 && c_per_group >= 0 && x[1] != c_per_group * p.group)
    fail("input has ", x[1], " channels but weights ", shape_str(w), " with group ", p.group, " expect ", c_per_group * p.group);
  if (bias && (bias->size() != 1 || ((*bias)[0] >= 0 && m >= 0 && (*bias)[0] != m)))
    fail("bias ", shape_str(*bias), " must be 1-D with ", m, " values");
  std::vector<int64_t> out = window_output(p.window, std::vector<int64_t>(x.begin() + 2, x.end()));
  Shape y = {x[0], m};
  y.insert(y.end(), out.begin(), out.end());
  return y;
}

// ---- reference kernel ----

double conv_macs(const Shape& w, const Shape& y) {
  double per_output = 1;
  for (size_t d = 1; d < w.size(); ++d) per_output *= static_cast<double>(w[d]);
  return static_cast<double>(shape_numel(y)) * per_output;
}

Shape grouped_weight_shape(const Shape& w, int64_t group) {
  if (group == 1) return w;
  Shape wg = w;
  wg[0] = w[0] / group;
  wg.insert(wg.begin(), group);
  return wg;
}

ConvLoop conv_loop(const ConvParams& p, const Shape& x, const Shape& y) {
  ConvLoop l;
  l.g = to_3d(p.window, std::vector<int64_t>(x.begin() + 2, x.end()), std::vector<int64_t>(y.begin() + 2, y.end()));
  l.batch = x[0];
  l.channels = x[1];
  l.m_total = y[1];
  l.c_per_group = l.channels / p.group;
  l.m_per_group = l.m_total / p.group;
  l.in_size = l.g.in[0] * l.g.in[1] * l.g.in[2];
  l.out_size = l.g.out[0] * l.g.out[1] * l.g.out[2];
  l.k_size = l.g.k[0] * l.g.k[1] * l.g.k[2];
  return l;
}

// y[n,m,o] = b[m] + sum_{c in group(m), k} x[n,c,o*s - pb + k*d] * w[m,c,k], then (FusedConv) + z[n,m,o], then
// max(., 0) or the clip: the order of oneDNN's sum and eltwise post-ops.
void conv_ref(const ConvParams& p, const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, const Tensor* z) {
  if (p.has_sum && (!z || z->shape() != y.shape() || !z->is_plain()))
    fail("the fused convolution needs a plain summand of the output's shape ", shape_str(y.shape()));
  const ConvLoop l = conv_loop(p, x.shape(), y.shape());
  const Window3d& g = l.g;
  const int64_t batch = l.batch, channels = l.channels, m_total = l.m_total;
  const int64_t c_per_group = l.c_per_group, m_per_group = l.m_per_group;
  const int64_t in_size = l.in_size, out_size = l.out_size, k_size = l.k_size;
  const float* src = x.data<float>();
  const float* wts = w.data<float>();
  const float* b = bias ? bias->data<float>() : nullptr;
  const float* sum = p.has_sum ? z->data<float>() : nullptr;
  const bool relu = p.relu, clip = p.clip;
  const float lo = p.clip_lo, hi = p.clip_hi;
  float* dst = y.data<float>();
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < m_total; ++m) {
      const int64_t group = m / m_per_group;
      float* out_plane = dst + (n * m_total + m) * out_size;
      const float* sum_plane = sum ? sum + (n * m_total + m) * out_size : nullptr;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            float acc = b ? b[m] : 0.f;
            for (int64_t c = 0; c < c_per_group; ++c) {
              const float* in_plane = src + (n * channels + group * c_per_group + c) * in_size;
              const float* kw = wts + (m * c_per_group + c) * k_size;
              for_each_tap(g, od, oh, ow, [&](int64_t at, int64_t tap) { acc += in_plane[at] * kw[tap]; });
            }
            const int64_t o = (od * g.out[1] + oh) * g.out[2] + ow;
            if (sum_plane) acc += sum_plane[o];
            if (relu) acc = acc > 0.f ? acc : 0.f;
            if (clip) {  // oneDNN's max(acc, lo) keeps lo for a NaN acc
              acc = acc > lo ? acc : lo;
              acc = acc < hi ? acc : hi;
            }
            out_plane[o] = acc;
          }
    }
  }
}

namespace {

double plain_conv_flops(ConvParams p, const std::vector<const Tensor*>& inputs) {
  const Shape& w = inputs[kConvInputW]->shape();
  return 2 * conv_macs(w, conv_output_shape(p, inputs[kConvInputX]->shape(), w, nullptr));
}

// conv_ref for whatever shapes a run brings: the reference kernel (KernelHints::reference) and the fused
// convolutions oneDNN's packed kernel declines.
class RefConv : public Kernel {
 public:
  explicit RefConv(ConvParams p) : params_(std::move(p)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(kConvInputX);
    const Tensor& w = ctx.input(kConvInputW);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return;
    ConvParams p = params_;
    conv_output_shape(p, x.shape(), w.shape(), nullptr);  // resolves SAME_* pads for this input
    conv_ref(p, x, w, ctx.optional_input(kConvInputB), y, ctx.optional_input(kConvInputZ));
  }
  std::string impl_name() const override { return "ref"; }
  int inplace_input() const override { return params_.has_sum ? kConvInputZ : -1; }
  double flops(const std::vector<const Tensor*>& inputs) const override { return plain_conv_flops(params_, inputs); }

 private:
  ConvParams params_;
};

// A oneDNN convolution on plain layouts, for weights that are not constant or inputs whose shape is known only at
// run time: prepare() builds the primitive for one shape (the engine caches it per shape), run() only executes it.
// Where oneDNN declines a shape the plan has no primitive and conv_ref runs.
class OnednnConv : public Kernel {
 public:
  explicit OnednnConv(ConvParams p) : params_(std::move(p)) {}

  struct Plan : KernelPlan {
    ConvParams params;  // pads resolved for this input
    bool has_primitive = false;
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward primitive;
  };

  std::shared_ptr<const KernelPlan> prepare(const std::vector<ValueInfo>& inputs) const override {
    const ValueInfo& xi = inputs.at(kConvInputX);
    const ValueInfo& wi = inputs.at(kConvInputW);
    if (!xi.shape_known || !wi.shape_known || !shape_is_static(xi.shape) || !shape_is_static(wi.shape)) return nullptr;
    const Shape& x = xi.shape;
    const Shape& w = wi.shape;
    const bool has_bias = inputs.size() > kConvInputB && inputs[kConvInputB].dtype != DataType::Undefined;
    auto plan = std::make_shared<Plan>();
    plan->params = params_;
    const Shape y = conv_output_shape(plan->params, x, w, nullptr);
    plan->impl = "ref";
    if (shape_numel(y) == 0) return plan;
    const OnednnWindow win = onednn_window(plan->params.window, x, y);
    try {
      auto bias_md = has_bias ? plain_desc({w[0]}, DataType::Float) : dnnl::memory::desc();
      dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                           plain_desc(x, DataType::Float),
                                           plain_desc(grouped_weight_shape(w, plan->params.group), DataType::Float),
                                           bias_md, plain_desc(y, DataType::Float), win.strides, win.dilations,
                                           win.pads_l, win.pads_r);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      plan->pd = dnnl::convolution_forward::primitive_desc(desc, attr, onednn_engine());
      plan->primitive = onednn_primitive<dnnl::convolution_forward>(plan->pd);
      plan->has_primitive = true;
      plan->impl = onednn_impl_name(plan->pd);
      plan->workspace_bytes = plan->pd.scratchpad_desc().get_size();
    } catch (const dnnl::error& e) {
      rethrow_if_out_of_memory(e);  // else oneDNN declines this shape: the plan runs conv_ref
    }
    return plan;
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(kConvInputX);
    const Tensor& w = ctx.input(kConvInputW);
    const Tensor* b = ctx.optional_input(kConvInputB);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return;
    const Plan& plan = ctx.plan<Plan>();
    if (!plan.has_primitive) {
      conv_ref(plan.params, x, w, b, y);
      return;
    }
    const dnnl::convolution_forward::primitive_desc& pd = plan.pd;
    if (x.shape() != Shape(pd.src_desc().dims()) || !x.is_plain())
      fail("input ", shape_str(x.shape()), " differs from the ", shape_str(Shape(pd.src_desc().dims())),
           " the kernel was prepared for");
    std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, onednn_memory(pd.src_desc(), x.raw())},
                                                  {DNNL_ARG_WEIGHTS, onednn_memory(pd.weights_desc(), w.raw())},
                                                  {DNNL_ARG_DST, onednn_memory(pd.dst_desc(), y.raw())},
                                                  {DNNL_ARG_SCRATCHPAD, onednn_memory(pd.scratchpad_desc(), ctx.workspace)}};
    if (b) args[DNNL_ARG_BIAS] = onednn_memory(pd.bias_desc(), b->raw());
    plan.primitive.execute(onednn_stream(), args);
    onednn_stream().wait();
  }

  // Shape-specific: the plan of each run names what ran (profiles); this is the name before any shape is known.
  std::string impl_name() const override { return "onednn:plain"; }
  double flops(const std::vector<const Tensor*>& inputs) const override { return plain_conv_flops(params_, inputs); }

 private:
  ConvParams params_;
};

void infer_conv(OpContext& ctx) {
  ConvParams p = read_conv_params(ctx);
  const Shape* bias = ctx.has_input(kConvInputB) ? &ctx.input_shape(kConvInputB) : nullptr;
  const Shape y = conv_output_shape(p, ctx.input_shape(kConvInputX), ctx.input_shape(kConvInputW), bias);
  if (p.has_sum && ctx.input_shape(kConvInputZ) != y)
    fail("summed input ", shape_str(ctx.input_shape(kConvInputZ)), " must have the output shape ", shape_str(y));
  ctx.set_output(0, DataType::Float, y);
}

std::unique_ptr<Kernel> create_conv(const OpContext& ctx) {
  ConvParams p = read_conv_params(ctx);
  if (ctx.hints().reference) return std::make_unique<RefConv>(p);
  const bool weights_constant = ctx.input_constant(kConvInputW) &&
                                (!ctx.has_input(kConvInputB) || ctx.input_constant(kConvInputB));
  if (weights_constant && ctx.input_shape_known(kConvInputX) && shape_is_static(ctx.input_shape(kConvInputX)))
    if (auto fast = create_fast_conv(ctx, p)) return fast;
  if (p.relu || p.clip || p.has_sum) return std::make_unique<RefConv>(p);  // the plain oneDNN kernel has no post-ops
  return std::make_unique<OnednnConv>(p);
}

// The packed kernel (constant weights, static input) reads its activation and its residual summand blocked.
bool conv_reads_blocked(const Graph& g, const Node& n, size_t input) {
  return input_static(g, n, 0) && input_constant(g, n, 1) && (input == 0 || input == 3);
}

}  // namespace

void register_conv_ops(OpRegistry& r) {
  const OpTraits traits{{}, kConvInputW, false, conv_reads_blocked};
  r.add({"", "Conv", 1, INT64_MAX, infer_conv, create_conv, traits});
  // Internal op made by the fusion passes: Conv with a fused residual sum (input Z) and/or Relu or Clip.
  r.add({kInternalDomain, "FusedConv", 1, INT64_MAX, infer_conv, create_conv, traits});
}

}  // namespace ssdx
