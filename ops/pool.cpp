// MaxPool (opset 1, 8, 10, 11, 12) and AveragePool (opset 1, 7 count_include_pad, 10 ceil_mode, 11-18): oneDNN
// pooling (max for float/uint8/int8, avg include/exclude padding for float), a primitive per input shape (built at
// creation for a static input, by prepare() otherwise); the reference kernels serve MaxPool's Indices output,
// whatever oneDNN declines and KernelHints::reference, and are the tests' oracle. GlobalAveragePool is one plain
// loop over the planes.
//
// AveragePool with count_include_pad=1 divides by the window clipped to the input plus its explicit pads, as
// onnxruntime does: a ceil_mode window reaching past the end padding does not count the part beyond it. oneDNN
// counts the whole window, so that case runs the reference loop.
#include <algorithm>
#include <limits>
#include <memory>

#include "ops/layout_caps.h"
#include "ops/onednn_util.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace ssdx {
namespace {

struct PoolParams {
  Window window;
  bool average = false;            // AveragePool; else MaxPool
  bool count_include_pad = false;  // AveragePool: padding taps count in the divisor
  int64_t storage_order = 0;       // Indices layout: 0 row-major, 1 column-major
};

PoolParams read_pool_params(const OpContext& ctx, bool average) {
  ctx.require_inputs(1, 1);
  if (average) ctx.require_dtype(0, {DataType::Float});
  else ctx.require_dtype(0, {DataType::Float, DataType::UInt8, DataType::Int8});
  const std::vector<int64_t> kernel = ctx.attrs().get_ints("kernel_shape");
  if (kernel.empty()) fail("kernel_shape is required");
  if (kernel.size() > 3) fail("pooling over ", kernel.size(), " spatial dims is not supported (1 to 3)");
  PoolParams p;
  p.average = average;
  p.window = read_window(ctx.attrs(), kernel.size(), kernel, ctx.opset() >= 10);
  if (ctx.attrs().has("dilations") && (average || ctx.opset() < 10))
    fail(average ? "AveragePool dilations need opset 19" : "dilations need opset 10");
  if (average) {
    if (ctx.opset() < 7 && ctx.attrs().has("count_include_pad")) fail("count_include_pad needs opset 7");
    p.count_include_pad = ctx.attrs().get_int("count_include_pad", 0) != 0;
  }
  p.storage_order = ctx.attrs().get_int("storage_order", 0);
  if (p.storage_order != 0 && p.storage_order != 1) fail("storage_order must be 0 or 1");
  return p;
}

Shape pool_output_shape(PoolParams& p, const Shape& x) {
  if (x.size() != p.window.rank() + 2) fail("input ", shape_str(x), " does not match a ", p.window.rank(), "-D kernel");
  std::vector<int64_t> out = window_output(p.window, std::vector<int64_t>(x.begin() + 2, x.end()));
  Shape y = {x[0], x[1]};
  y.insert(y.end(), out.begin(), out.end());
  return y;
}

// y[n,c,o] = max_k x[n,c,o*s - pb + k*d] over taps inside the input; idx = flat input index of the max.
template <typename T>
void maxpool_ref(const PoolParams& p, const Tensor& x, Tensor& y, Tensor* indices) {
  const Shape& xs = x.shape();
  const std::vector<int64_t> in(xs.begin() + 2, xs.end()), out(y.shape().begin() + 2, y.shape().end());
  const Window3d g = to_3d(p.window, in, out);
  const int64_t planes = xs[0] * xs[1];
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2], out_size = g.out[0] * g.out[1] * g.out[2];
  const T* src = x.data<T>();
  T* dst = y.data<T>();
  int64_t* idx = indices ? indices->data<int64_t>() : nullptr;
#pragma omp parallel for schedule(static)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* in_plane = src + pl * in_size;
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          T best = std::numeric_limits<T>::lowest();
          int64_t best_at = -1;
          for_each_tap(g, od, oh, ow, [&](int64_t at, int64_t) {
            if (best_at < 0 || in_plane[at] > best) {
              best = in_plane[at];
              best_at = at;
            }
          });
          const int64_t o = pl * out_size + (od * g.out[1] + oh) * g.out[2] + ow;
          dst[o] = best;
          if (idx) {
            int64_t flat = best_at;
            if (p.storage_order == 1) {  // column-major within the plane
              const int64_t w = best_at % g.in[2], h = (best_at / g.in[2]) % g.in[1], d = best_at / (g.in[1] * g.in[2]);
              flat = (w * g.in[1] + h) * g.in[0] + d;
            }
            idx[o] = pl * in_size + flat;
          }
        }
  }
}

// The reference kernel: KernelHints::reference, the Indices output, and whatever oneDNN declines.
void maxpool_ref_any(PoolParams p, const Tensor& x, Tensor& y, Tensor* indices) {
  pool_output_shape(p, x.shape());  // resolves pads for this input
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, uint8_t> || std::is_same_v<T, int8_t>)
      maxpool_ref<T>(p, x, y, indices);
    else fail("MaxPool does not support ", dtype_name(x.dtype()));
  });
}

// The end pads the input really has, per spatial dim (before ceil_mode grows them for oneDNN): what
// count_include_pad=1 counts. `resolved` is the window after window_output for this input.
std::vector<int64_t> explicit_end_pads(const Window& declared, const Window& resolved) {
  if (declared.auto_pad == "SAME_UPPER" || declared.auto_pad == "SAME_LOWER") return resolved.pads_end;
  if (declared.auto_pad == "VALID") return std::vector<int64_t>(declared.rank(), 0);
  return declared.pads_end;
}

// y[n,c,o] = sum of the taps inside the input / divisor; the divisor counts the taps inside the input
// (count_include_pad=0) or the window clipped to [-pads_begin, in + explicit pads_end) (count_include_pad=1).
void avgpool_ref(const PoolParams& p, const Tensor& x, Tensor& y) {
  const Shape& xs = x.shape();
  const std::vector<int64_t> in(xs.begin() + 2, xs.end()), out(y.shape().begin() + 2, y.shape().end());
  Window w = p.window;
  window_output(w, in);
  const std::vector<int64_t> end_pads = explicit_end_pads(p.window, w);
  const Window3d g = to_3d(w, in, out);
  int64_t pe[3] = {0, 0, 0};
  for (size_t d = 0; d < w.rank(); ++d) pe[3 - w.rank() + d] = end_pads[d];
  const int64_t planes = xs[0] * xs[1];
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2], out_size = g.out[0] * g.out[1] * g.out[2];
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  const auto padded_span = [&](int dim, int64_t o) {
    const int64_t start = o * g.s[dim] - g.pb[dim];
    return std::min(start + g.k[dim], g.in[dim] + pe[dim]) - start;
  };
#pragma omp parallel for schedule(static)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float* in_plane = src + pl * in_size;
    for_each_output(g, [&](int64_t od, int64_t oh, int64_t ow, int64_t o) {
      const TapSum s = sum_taps(g, od, oh, ow, [&](int64_t at) { return in_plane[at]; });
      const int64_t divisor =
          p.count_include_pad ? padded_span(0, od) * padded_span(1, oh) * padded_span(2, ow) : s.taps;
      dst[pl * out_size + o] = s.sum / static_cast<float>(divisor);
    });
  }
}

// Either reference loop, for this input.
void pool_ref_any(const PoolParams& p, const Tensor& x, Tensor& y, Tensor* indices) {
  if (p.average) avgpool_ref(p, x, y);
  else maxpool_ref_any(p, x, y, indices);
}

class RefPool : public Kernel {
 public:
  explicit RefPool(PoolParams p) : params_(std::move(p)) {}
  void run(KernelContext& ctx) const override {
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return;
    pool_ref_any(params_, ctx.input(0), y, ctx.outputs.size() > 1 ? &ctx.output(1) : nullptr);
  }
  std::string impl_name() const override { return "ref"; }

 private:
  PoolParams params_;
};

// oneDNN pooling. A static input's primitive is built at creation, in its producer's layout, writing oneDNN's
// preferred layout when every consumer reads it (the output layout must be known then); prepare() hands it out
// for that input and builds a plain-to-plain one for any other plain input shape. The reference kernel runs where
// oneDNN declines.
class PoolKernel : public Kernel {
 public:
  struct Plan : KernelPlan {
    Shape x, y;
    DataType dtype = DataType::Undefined;
    LayoutPtr x_layout;
    bool has_primitive = false;
    dnnl::pooling_v2_forward::primitive_desc pd;
    dnnl::pooling_v2_forward primitive;
  };

  // `x` null: the input shape is known at run time only. Fails when oneDNN declines a blocked input, which the
  // reference kernel cannot read.
  PoolKernel(PoolParams p, const ValueInfo* x, bool blocked_ok) : params_(std::move(p)) {
    if (!x) return;
    static_plan_ = build(x->shape, x->dtype, x->layout, blocked_ok);
    if (!static_plan_->has_primitive && x->layout) fail("oneDNN pooling declined an input in layout ", x->layout->name());
    if (static_plan_->has_primitive) {
      x_layout_ = x->layout;
      y_layout_ = layout_for(static_plan_->pd.dst_desc(), static_plan_->y, x->dtype);
    }
  }

  std::shared_ptr<const KernelPlan> prepare(const std::vector<ValueInfo>& inputs) const override {
    const ValueInfo& x = inputs.at(0);
    if (!x.shape_known || !shape_is_static(x.shape)) return nullptr;
    if (static_plan_ && static_plan_->x == x.shape && static_plan_->dtype == x.dtype && same_layout(x.layout, x_layout_))
      return static_plan_;
    if (x.layout || y_layout_) fail(params_.average ? "AveragePool" : "MaxPool", " was built for ", shape_str(static_plan_ ? static_plan_->x : Shape{}),
                                    " in layout ", layout_name(x_layout_), ", not ", shape_str(x.shape), " in ",
                                    layout_name(x.layout));
    return build(x.shape, x.dtype, nullptr, false);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return;
    const Plan& plan = ctx.plan<Plan>();
    if (!plan.has_primitive) {
      pool_ref_any(params_, x, y, nullptr);
      return;
    }
    if (x.shape() != plan.x || x.dtype() != plan.dtype || !same_layout(x.layout(), plan.x_layout))
      fail("input ", shape_str(x.shape()), " differs from the ", shape_str(plan.x), " the kernel was prepared for");
    plan.primitive.execute(onednn_stream(), {{DNNL_ARG_SRC, onednn_memory(plan.pd.src_desc(), x.raw())},
                                             {DNNL_ARG_DST, onednn_memory(plan.pd.dst_desc(), y.raw())},
                                             {DNNL_ARG_SCRATCHPAD, onednn_memory(plan.pd.scratchpad_desc(), ctx.workspace)}});
    onednn_stream().wait();
  }

  std::string impl_name() const override { return static_plan_ ? static_plan_->impl : "onednn:plain"; }
  LayoutPtr output_layout(int i) const override { return i == 0 ? y_layout_ : nullptr; }
  bool reads_layout(int i) const override { return i == 0 && x_layout_ != nullptr; }

 private:
  std::shared_ptr<const Plan> build(const Shape& x, DataType dtype, const LayoutPtr& x_layout, bool blocked_ok) const {
    auto plan = std::make_shared<Plan>();
    PoolParams p = params_;
    plan->x = x;
    plan->y = pool_output_shape(p, x);
    plan->dtype = dtype;
    plan->x_layout = x_layout;
    plan->impl = "ref";
    const Shape& y = plan->y;
    if (shape_numel(y) == 0) return plan;
    dnnl::algorithm alg = dnnl::algorithm::pooling_max;
    if (p.average && p.count_include_pad) {
      // oneDNN counts ceil_mode's extra end padding too: the reference loop runs when there is any.
      if (explicit_end_pads(params_.window, p.window) != p.window.pads_end) return plan;
      alg = dnnl::algorithm::pooling_avg_include_padding;
    } else if (p.average) {
      alg = dnnl::algorithm::pooling_avg_exclude_padding;
    }
    const OnednnWindow w = onednn_window(p.window, x, y);
    const dnnl::memory::desc any_y(dnnl::memory::dims(y.begin(), y.end()), onednn_dtype(dtype),
                                   dnnl::memory::format_tag::any);
    try {
      dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, alg,
                                          desc_of(x_layout, x, dtype), blocked_ok ? any_y : plain_desc(y, dtype),
                                          w.strides, w.kernel, w.dilations, w.pads_l, w.pads_r);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      plan->pd = dnnl::pooling_v2_forward::primitive_desc(desc, attr, onednn_engine());
      plan->primitive = onednn_primitive<dnnl::pooling_v2_forward>(plan->pd);
      plan->has_primitive = true;
      plan->impl = onednn_impl_name(plan->pd);
      plan->workspace_bytes = plan->pd.scratchpad_desc().get_size();
    } catch (const dnnl::error& e) {
      rethrow_if_out_of_memory(e);  // else oneDNN declines: the plan runs the reference kernel
    }
    return plan;
  }

  PoolParams params_;
  std::shared_ptr<const Plan> static_plan_;  // for the input known at creation, if any
  LayoutPtr x_layout_, y_layout_;            // fixed at creation
};

void infer_pool(OpContext& ctx, bool average) {
  PoolParams p = read_pool_params(ctx, average);
  if (average && ctx.num_outputs() > 1) fail("AveragePool has one output");
  if (!ctx.input_shape_known(0)) { ctx.set_output_dtype(0, ctx.input_dtype(0)); ctx.set_output_dtype(1, DataType::Int64); return; }
  const Shape y = pool_output_shape(p, ctx.input_shape(0));
  ctx.set_output(0, ctx.input_dtype(0), y);
  ctx.set_output(1, DataType::Int64, y);
}

std::unique_ptr<Kernel> create_pool(const OpContext& ctx, bool average) {
  const bool want_indices = ctx.num_outputs() > 1 && ctx.node().outputs[1] != kNoValue;
  PoolParams p = read_pool_params(ctx, average);
  if (ctx.hints().reference || want_indices) return std::make_unique<RefPool>(std::move(p));  // plain input
  const bool static_x = ctx.input_shape_known(0) && shape_is_static(ctx.input_shape(0));
  return std::make_unique<PoolKernel>(std::move(p), static_x ? &ctx.input(0) : nullptr, ctx.output_blocked_ok(0));
}

// GlobalAveragePool: y[n, c, 1, ...] = mean of plane (n, c), float32, any rank >= 3.
void infer_global_avgpool(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, {DataType::Float});
  if (!ctx.input_shape_known(0)) return ctx.set_output_dtype(0, DataType::Float);
  Shape y = ctx.input_shape(0);
  if (y.size() < 3) fail("GlobalAveragePool needs [N, C, spatial...], got ", shape_str(y));
  std::fill(y.begin() + 2, y.end(), 1);
  ctx.set_output(0, DataType::Float, y);
}

std::unique_ptr<Kernel> create_global_avgpool(const OpContext&) {
  return make_kernel(
      [](KernelContext& kc) {
        const Tensor& x = kc.input(0);
        Tensor& y = kc.output(0);
        const int64_t planes = x.shape()[0] * x.shape()[1];
        const int64_t size = planes ? x.numel() / planes : 0;
        const float* src = x.data<float>();
        float* dst = y.data<float>();
#pragma omp parallel for if (x.numel() > (1 << 15)) schedule(static)
        for (int64_t pl = 0; pl < planes; ++pl) {
          float sum = 0.f;
          for (int64_t i = 0; i < size; ++i) sum += src[pl * size + i];
          dst[pl] = sum / static_cast<float>(size);  // an empty plane gives 0/0 = NaN
        }
      },
      "ref");
}

// oneDNN pooling reads its input blocked; the reference kernel serving the Indices output does not.
bool maxpool_reads_blocked(const Graph& g, const Node& n, size_t input) {
  return input == 0 && input_static(g, n, 0) && n.outputs.size() == 1;
}

// The same for AveragePool, except where the reference loop may run (count_include_pad with ceil_mode).
bool avgpool_reads_blocked(const Graph& g, const Node& n, size_t input) {
  const bool may_need_ref = n.attrs.get_int("count_include_pad", 0) != 0 && n.attrs.get_int("ceil_mode", 0) != 0;
  return !may_need_ref && maxpool_reads_blocked(g, n, input);
}

}  // namespace

void register_pool_ops(OpRegistry& r) {
  // A maximum of 8-bit values is one of them: the output keeps the input's scale and zero point.
  const OpTraits traits{{}, -1, /*keeps_quantization=*/true, maxpool_reads_blocked};
  r.add({"", "MaxPool", 1, INT64_MAX, [](OpContext& c) { infer_pool(c, false); },
         [](const OpContext& c) { return create_pool(c, false); }, traits});
  // AveragePool's opset forms differ in the attributes they accept (read_pool_params checks them against the
  // opset): count_include_pad from 7, ceil_mode from 10, dilations from 19 (not implemented).
  const OpTraits avg_traits{{}, -1, false, avgpool_reads_blocked};
  for (auto [since, end] : {std::pair<int64_t, int64_t>{1, 6}, {7, 9}, {10, 10}, {11, 18}})
    r.add({"", "AveragePool", since, end, [](OpContext& c) { infer_pool(c, true); },
           [](const OpContext& c) { return create_pool(c, true); }, avg_traits});
  r.add({"", "GlobalAveragePool", 1, INT64_MAX, infer_global_avgpool, create_global_avgpool});
}

}  // namespace ssdx
