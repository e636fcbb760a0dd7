// MaxPool (opset 1, 8, 10, 11, 12): oneDNN pooling for float/uint8/int8; the reference kernel serves the Indices
// output and whatever oneDNN declines, and is the tests' oracle.
#include <limits>
#include <memory>
#include <mutex>

#include "ops/layout_caps.h"
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

// oneDNN pooling, built at creation for a static input (in its producer's layout, writing oneDNN's preferred one
// when every consumer reads it) or at run time for a plain input of a new shape. As in OnednnConv, each run holds
// its own reference to the primitive it executes, so concurrent runs with different shapes cannot pull it away.
class MaxPoolKernel : public Kernel {
 public:
  MaxPoolKernel(PoolParams p, bool want_indices) : params_(std::move(p)), want_indices_(want_indices) {}

  // At creation: builds the primitive for input `x` in `x_layout`; the output takes oneDNN's preferred layout when
  // `blocked_ok`, else plain. False if oneDNN declines (the reference kernel runs then).
  bool prepare(const Shape& x, DataType dtype, const LayoutPtr& x_layout, bool blocked_ok) {
    std::shared_ptr<const Prepared> prim = build(x, dtype, x_layout, blocked_ok);
    if (!prim) return false;
    x_layout_ = x_layout;
    y_layout_ = layout_for(prim->pd.dst_desc(), prim->y, dtype);
    last_ = std::move(prim);
    return true;
  }

  void run(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return;
    if (const std::shared_ptr<const Prepared> prim = primitive_for(x)) {
      // A scratchpad of this run's own (none in practice for max pooling): runs may execute the primitive at once.
      Tensor scratch(DataType::UInt8, {static_cast<int64_t>(prim->pd.scratchpad_desc().get_size())});
      prim->primitive.execute(onednn_stream(), {{DNNL_ARG_SRC, onednn_memory(prim->pd.src_desc(), x.raw())},
                                                {DNNL_ARG_DST, onednn_memory(prim->pd.dst_desc(), y.raw())},
                                                {DNNL_ARG_SCRATCHPAD, onednn_memory(prim->pd.scratchpad_desc(), scratch.raw())}});
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

  std::string impl_name() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_ ? onednn_impl_name(last_->pd) : "ref";
  }
  LayoutPtr output_layout(int i) const override { return i == 0 ? y_layout_ : nullptr; }
  bool reads_layout(int i) const override { return i == 0 && x_layout_ != nullptr; }

 private:
  struct Prepared {
    Shape x, y;
    DataType dtype;
    LayoutPtr x_layout;
    dnnl::pooling_v2_forward::primitive_desc pd;
    dnnl::pooling_v2_forward primitive;
  };

  std::shared_ptr<const Prepared> build(const Shape& x, DataType dtype, const LayoutPtr& x_layout, bool blocked_ok) const {
    if (want_indices_) return nullptr;
    PoolParams p = params_;
    auto prepared = std::make_shared<Prepared>();
    prepared->x = x;
    prepared->y = pool_output_shape(p, x);
    prepared->dtype = dtype;
    prepared->x_layout = x_layout;
    const Shape& y = prepared->y;
    const OnednnWindow w = onednn_window(p.window, x, y);
    const dnnl::memory::desc any_y(dnnl::memory::dims(y.begin(), y.end()), onednn_dtype(dtype),
                                   dnnl::memory::format_tag::any);
    try {
      dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max,
                                          desc_of(x_layout, x, dtype), blocked_ok ? any_y : plain_desc(y, dtype),
                                          w.strides, w.kernel, w.dilations, w.pads_l, w.pads_r);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      prepared->pd = dnnl::pooling_v2_forward::primitive_desc(desc, attr, onednn_engine());
      prepared->primitive = onednn_primitive<dnnl::pooling_v2_forward>(prepared->pd);
      return prepared;
    } catch (const dnnl::error& e) {
      rethrow_if_out_of_memory(e);
      return nullptr;
    }
  }

  // The primitive for this input: the kept one when shape, dtype and layout match, else (plain inputs only) a new
  // plain-to-plain one built and kept now; null when the reference kernel must run.
  std::shared_ptr<const Prepared> primitive_for(const Tensor& x) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (last_ && last_->x == x.shape() && last_->dtype == x.dtype() && same_layout(x.layout(), last_->x_layout))
      return last_;
    if (!x.is_plain() || y_layout_) return nullptr;  // a blocked output is fixed at creation, for its shape
    if (std::shared_ptr<const Prepared> prim = build(x.shape(), x.dtype(), nullptr, false)) last_ = std::move(prim);
    else return nullptr;
    return last_;
  }

  PoolParams params_;
  bool want_indices_;
  LayoutPtr x_layout_, y_layout_;         // fixed at creation
  mutable std::mutex mutex_;
  std::shared_ptr<const Prepared> last_;  // guarded by mutex_; each run holds its own reference
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

// oneDNN pooling reads its input blocked; the reference kernel serving the Indices output does not.
bool maxpool_reads_blocked(const Graph& g, const Node& n, size_t input) {
  return input == 0 && input_static(g, n, 0) && n.outputs.size() == 1;
}

}  // namespace

void register_pool_ops(OpRegistry& r) {
  // A maximum of 8-bit values is one of them: the output keeps the input's scale and zero point.
  const OpTraits traits{{}, -1, /*keeps_quantization=*/true, maxpool_reads_blocked};
  r.add({"", "MaxPool", 1, INT64_MAX, infer_maxpool, create_maxpool, traits});
}

}  // namespace ssdx
