// Conv (opset 1, 11) and the internal FusedConv. Constant weights and static shapes go to the packed, fused,
// blocked-layout kernel of conv_fast.cpp; anything else runs oneDNN on plain layouts here, with conv_ref as the
// fallback when oneDNN declines a shape.
#include <memory>
#include <mutex>

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
    if (act != "" && act != "Relu") fail("FusedConv activation '", act, "' is not supported (Relu only)");
    p.relu = act == "Relu";
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

// y[n,m,o] = b[m] + sum_{c in group(m), k} x[n,c,o*s - pb + k*d] * w[m,c,k]
void conv_ref(const ConvParams& p, const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y) {
  const ConvLoop l = conv_loop(p, x.shape(), y.shape());
  const Window3d& g = l.g;
  const int64_t batch = l.batch, channels = l.channels, m_total = l.m_total;
  const int64_t c_per_group = l.c_per_group, m_per_group = l.m_per_group;
  const int64_t in_size = l.in_size, out_size = l.out_size, k_size = l.k_size;
  const float* src = x.data<float>();
  const float* wts = w.data<float>();
  const float* b = bias ? bias->data<float>() : nullptr;
  float* dst = y.data<float>();
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < m_total; ++m) {
      const int64_t group = m / m_per_group;
      float* out_plane = dst + (n * m_total + m) * out_size;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            float acc = b ? b[m] : 0.f;
            for (int64_t c = 0; c < c_per_group; ++c) {
              const float* in_plane = src + (n * channels + group * c_per_group + c) * in_size;
              const float* kw = wts + (m * c_per_group + c) * k_size;
              for_each_tap(g, od, oh, ow, [&](int64_t at, int64_t tap) { acc += in_plane[at] * kw[tap]; });
            }
            out_plane[(od * g.out[1] + oh) * g.out[2] + ow] = acc;
          }
    }
  }
}

// ---- oneDNN kernel ----

namespace {

// A oneDNN convolution on plain layouts for whatever input shape a run brings: the primitive of the last shape seen is
// kept. Concurrent runs each take their own reference to the primitive they use, so one run rebuilding it for a new
// shape never pulls it from under another.
class OnednnConv : public Kernel {
 public:
  explicit OnednnConv(ConvParams p) : params_(std::move(p)) {}

  // Builds (or keeps) the primitive for one input shape; false if oneDNN declines it (the ref kernel runs then).
  bool prepare(const Shape& x, const Shape& w, bool has_bias) { return primitive_for(x, w, has_bias) != nullptr; }

  void run(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.optional_input(2);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return;
    const std::shared_ptr<const Prepared> prim = primitive_for(x.shape(), w.shape(), b != nullptr);
    if (!prim) {
      ConvParams p = params_;
      conv_output_shape(p, x.shape(), w.shape(), nullptr);  // resolves SAME_* pads for this input
      conv_ref(p, x, w, b, y);
      return;
    }
    const dnnl::convolution_forward::primitive_desc& pd = prim->pd;
    std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, onednn_memory(pd.src_desc(), x.raw())},
                                                  {DNNL_ARG_WEIGHTS, onednn_memory(pd.weights_desc(), w.raw())},
                                                  {DNNL_ARG_DST, onednn_memory(pd.dst_desc(), y.raw())}};
    if (b) args[DNNL_ARG_BIAS] = onednn_memory(pd.bias_desc(), b->raw());
    // A scratchpad of this run's own: oneDNN's library-owned one is not safe when runs execute a primitive at once.
    Tensor scratch(DataType::UInt8, {static_cast<int64_t>(pd.scratchpad_desc().get_size())});
    args[DNNL_ARG_SCRATCHPAD] = onednn_memory(pd.scratchpad_desc(), scratch.raw());
    prim->primitive.execute(onednn_stream(), args);
    onednn_stream().wait();
  }

  std::string impl_name() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_ ? onednn_impl_name(last_->pd) : "ref";
  }

  double flops(const std::vector<const Tensor*>& inputs) const override {
    ConvParams p = params_;
    const Shape& w = inputs[1]->shape();
    return 2 * conv_macs(w, conv_output_shape(p, inputs[0]->shape(), w, nullptr));
  }

 private:
  struct Prepared {
    Shape x, w;
    bool has_bias;
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward primitive;
  };

  // The primitive for these shapes: the kept one, or a new one built (and kept) now; null if oneDNN declines.
  std::shared_ptr<const Prepared> primitive_for(const Shape& x, const Shape& w, bool has_bias) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (last_ && last_->x == x && last_->w == w && last_->has_bias == has_bias) return last_;
    ConvParams p = params_;
    const Shape y = conv_output_shape(p, x, w, nullptr);
    const OnednnWindow win = onednn_window(p.window, x, y);
    try {
      auto bias_md = has_bias ? plain_desc({w[0]}, DataType::Float) : dnnl::memory::desc();
      dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                           plain_desc(x, DataType::Float),
                                           plain_desc(grouped_weight_shape(w, p.group), DataType::Float), bias_md,
                                           plain_desc(y, DataType::Float), win.strides, win.dilations, win.pads_l, win.pads_r);
      auto prepared = std::make_shared<Prepared>();
      prepared->x = x;
      prepared->w = w;
      prepared->has_bias = has_bias;
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      prepared->pd = dnnl::convolution_forward::primitive_desc(desc, attr, onednn_engine());
      prepared->primitive = onednn_primitive<dnnl::convolution_forward>(prepared->pd);
      last_ = std::move(prepared);
      return last_;
    } catch (const dnnl::error& e) {
      rethrow_if_out_of_memory(e);
      return nullptr;
    }
  }

  ConvParams params_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Prepared> last_;  // guarded by mutex_; each run holds its own reference
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
  const bool weights_constant = ctx.input_constant(kConvInputW) &&
                                (!ctx.has_input(kConvInputB) || ctx.input_constant(kConvInputB));
  if (weights_constant && ctx.input_shape_known(kConvInputX) && shape_is_static(ctx.input_shape(kConvInputX)))
    if (auto fast = create_fast_conv(ctx, p)) return fast;
  if (p.relu || p.has_sum) fail("oneDNN cannot run this fused convolution");
  auto k = std::make_unique<OnednnConv>(p);
  if (ctx.input_shape_known(0) && shape_is_static(ctx.input_shape(0)) && shape_is_static(ctx.input_shape(1)))
    k->prepare(ctx.input_shape(0), ctx.input_shape(1), ctx.has_input(2));
  return k;
}

// The packed kernel (constant weights, static input) reads its activation and its residual summand blocked.
bool conv_reads_blocked(const Graph& g, const Node& n, size_t input) {
  return input_static(g, n, 0) && input_constant(g, n, 1) && (input == 0 || input == 3);
}

}  // namespace

void register_conv_ops(OpRegistry& r) {
  const OpTraits traits{{}, /*weight_input=*/1, false, conv_reads_blocked};
  r.add({"", "Conv", 1, INT64_MAX, infer_conv, create_conv, traits});
  // Internal op made by the fusion passes: Conv with a fused residual sum (input Z) and/or Relu.
  r.add({kInternalDomain, "FusedConv", 1, INT64_MAX, infer_conv, create_conv, traits});
}

}  // namespace ssdx
