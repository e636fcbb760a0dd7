// MaxPool (opset 1, 8, 10, 11, 12): oneDNN pooling for float/uint8/int8; the reference kernel serves the Indices
// output and whatever oneDNN declines, and is the tests' oracle.
#include <limits>
#include <mutex>

#include "ops/onednn_util.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace ssdx {
namespace {

struct PoolParams {
  Window window;
  int64_t storage_order = 0;  // Indices layout: 0 row-major, 1 column-major
};

PoolParams read_pool_params(const OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, {DataType::Float, DataType::UInt8, DataType::Int8});
  const std::vector<int64_t> kernel = ctx.attrs().get_ints("kernel_shape");
  if (kernel.empty()) fail("kernel_shape is required");
  if (kernel.size() > 3) fail("pooling over ", kernel.size(), " spatial dims is not supported (1 to 3)");
  PoolParams p;
  p.window = read_window(ctx.attrs(), kernel.size(), kernel, ctx.opset() >= 10);
  if (ctx.opset() < 10 && ctx.attrs().has("dilations")) fail("dilations need opset 10");
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

class MaxPoolKernel : public Kernel {
 public:
  MaxPoolKernel(PoolParams p, bool want_indices) : params_(std::move(p)), want_indices_(want_indices) {}

  // Builds the primitive for input `x` in `x_layout`; the output takes oneDNN's preferred layout when
  // `blocked_ok`, else plain. False if oneDNN declines (the reference kernel runs then).
  bool prepare(const Shape& x, DataType dtype, const LayoutPtr& x_layout, bool blocked_ok) {
    if (want_indices_) return false;
    PoolParams p = params_;
    const Shape y = pool_output_shape(p, x);
    const OnednnWindow w = onednn_window(p.window, x, y);
    const dnnl::memory::desc any_y(dnnl::memory::dims(y.begin(), y.end()), onednn_dtype(dtype),
                                   dnnl::memory::format_tag::any);
    try {
      dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max,
                                          desc_of(x_layout, x, dtype), blocked_ok ? any_y : plain_desc(y, dtype),
                                          w.strides, w.kernel, w.dilations, w.pads_l, w.pads_r);
      pd_ = dnnl::pooling_v2_forward::primitive_desc(desc, onednn_engine());
      prim_ = dnnl::pooling_v2_forward(pd_);
      prepared_shape_ = x;
      x_layout_ = x_layout;
      y_layout_ = layout_for(pd_.dst_desc(), y, dtype);
      return true;
    } catch (const dnnl::error&) {
      prepared_shape_.clear();
      return false;
    }
  }

  void run(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return;
    bool use_onednn;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      use_onednn = (prepared_shape_ == x.shape() && same_layout(x.layout(), x_layout_)) ||
                   (x.is_plain() && prepare(x.shape(), x.dtype(), nullptr, false));
    }
    if (use_onednn) {
      prim_.execute(onednn_stream(), {{DNNL_ARG_SRC, onednn_memory(pd_.src_desc(), x.raw())},
                                      {DNNL_ARG_DST, onednn_memory(pd_.dst_desc(), y.raw())}});
      onednn_stream().wait();
      return;
    }
    PoolParams p = params_;
    pool_output_shape(p, x.shape());  // resolves pads for this input
    Tensor* indices = ctx.outputs.size() > 1 ? &ctx.output(1) : nullptr;
    dispatch_dtype(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, uint8_t> || std::is_same_v<T, int8_t>)
        maxpool_ref<T>(p, x, y, indices);
      else fail("MaxPool does not support ", dtype_name(x.dtype()));
    });
  }

  std::string impl_name() const override { return prepared_shape_.empty() ? "ref" : onednn_impl_name(pd_); }
  LayoutPtr output_layout(int i) const override { return i == 0 ? y_layout_ : nullptr; }
  bool reads_layout(int i) const override { return i == 0 && x_layout_ != nullptr; }

 private:
  PoolParams params_;
  bool want_indices_;
  std::mutex mutex_;
  Shape prepared_shape_;
  LayoutPtr x_layout_, y_layout_;
  dnnl::pooling_v2_forward::primitive_desc pd_;
  dnnl::pooling_v2_forward prim_;
};

void infer_maxpool(OpContext& ctx) {
  PoolParams p = read_pool_params(ctx);
  if (!ctx.input_shape_known(0)) { ctx.set_output_dtype(0, ctx.input_dtype(0)); ctx.set_output_dtype(1, DataType::Int64); return; }
  const Shape y = pool_output_shape(p, ctx.input_shape(0));
  ctx.set_output(0, ctx.input_dtype(0), y);
  ctx.set_output(1, DataType::Int64, y);
}

std::unique_ptr<Kernel> create_maxpool(const OpContext& ctx) {
  const bool want_indices = ctx.num_outputs() > 1 && ctx.node().outputs[1] != kNoValue;
  auto k = std::make_unique<MaxPoolKernel>(read_pool_params(ctx), want_indices);
  if (ctx.input_shape_known(0) && shape_is_static(ctx.input_shape(0)) &&
      !k->prepare(ctx.input_shape(0), ctx.input_dtype(0), ctx.input(0).layout, ctx.output_blocked_ok(0)) &&
      ctx.input(0).layout)
    fail("oneDNN pooling declined an input in layout ", ctx.input(0).layout->name());
  return k;
}

}  // namespace

void register_pool_ops(OpRegistry& r) {
  r.add({"", "MaxPool", 1, INT64_MAX, infer_maxpool, create_maxpool});
}

}  // namespace ssdx
