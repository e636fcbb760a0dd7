// QLinearConv and ConvInteger (opset 10): exact int32 accumulation of (x - x_zp) * (w - w_zp); QLinearConv then
// requantizes the way onnxruntime's MLAS does (docs/ort_arithmetic.md §5). Window geometry comes from ops/conv.h.
#include "int8/qlinear_conv.h"

#include "int8/quant_util.h"
#include "int8/register_quant.h"
#include "ops/layout_caps.h"

namespace ssdx {
namespace {

// ---- attributes and shapes ----

ConvParams read_int_conv_params(const OpContext& ctx, const IntConvInputs& in) {
  const bool qlinear = in.y_scale >= 0;
  ctx.require_inputs(qlinear ? 8 : 2, qlinear ? 9 : 4);
  ctx.require_dtype(in.x, {DataType::UInt8, DataType::Int8});
  ctx.require_dtype(in.w, {DataType::UInt8, DataType::Int8});
  // MLAS has u8 x u8, u8 x s8 and s8 x s8 kernels; ONNX allows no more for QLinearConv.
  if (qlinear && ctx.input_dtype(in.x) == DataType::Int8 && ctx.input_dtype(in.w) != DataType::Int8)
    fail("int8 input needs int8 weights, got ", dtype_name(ctx.input_dtype(in.w)));
  if (ctx.has_input(in.x_zp) && ctx.input_dtype(in.x_zp) != ctx.input_dtype(in.x)) fail("x_zero_point must have x's dtype");
  if (ctx.has_input(in.w_zp) && ctx.input_dtype(in.w_zp) != ctx.input_dtype(in.w)) fail("w_zero_point must have w's dtype");
  require_per_tensor(ctx, in.x_zp, "x_zero_point");
  if (qlinear) {
    for (int i : {in.x_scale, in.w_scale, in.y_scale}) ctx.require_dtype(i, {DataType::Float});
    require_per_tensor(ctx, in.x_scale, "x_scale");
    require_per_tensor(ctx, in.y_scale, "y_scale");
    require_per_tensor(ctx, in.y_zp, "y_zero_point");
    if (ctx.has_input(in.y_zp) && ctx.input_dtype(in.y_zp) != ctx.input_dtype(in.x)) fail("y_zero_point must have x's dtype");
    ctx.require_dtype(in.bias, {DataType::Int32});
  }
  return read_conv_geometry(ctx.attrs(), ctx.input_shape(in.w));
}

void infer_int_conv(OpContext& ctx, const IntConvInputs& in) {
  ConvParams p = read_int_conv_params(ctx, in);
  const Shape* bias = in.bias >= 0 && ctx.has_input(in.bias) ? &ctx.input_shape(in.bias) : nullptr;
  const Shape y = conv_output_shape(p, ctx.input_shape(in.x), ctx.input_shape(in.w), bias);
  ctx.set_output(0, in.y_scale >= 0 ? ctx.input_dtype(in.x) : DataType::Int32, y);
}

// Per-output-channel weight zero points: one value broadcast to all M, or M values.
std::vector<int32_t> weight_zero_points(const Tensor* t, int64_t m) {
  std::vector<int32_t> zp = read_zero_points(t, 1, "w_zero_point");
  if (zp.size() == 1) zp.assign(static_cast<size_t>(m), zp[0]);
  if (static_cast<int64_t>(zp.size()) != m) fail("w_zero_point must hold 1 or ", m, " values, got ", zp.size());
  return zp;
}

// ---- reference kernels ----

// acc[n,m,o] = sum_{c in group(m), k} (x[n,c,o*s - pb + k*d] - x_zp) * (w[m,c,k] - w_zp[m]), exact in int32.
// Padding taps read x_zp and so contribute 0: they are skipped.
template <typename TX, typename TW>
void conv_acc_ref(const ConvParams& p, const Tensor& x, int32_t x_zp, const Tensor& w, const std::vector<int32_t>& w_zp,
                  const Shape& ys, int32_t* dst) {
  const ConvLoop l = conv_loop(p, x.shape(), ys);
  const Window3d& g = l.g;
  const int64_t batch = l.batch, channels = l.channels, m_total = l.m_total;
  const int64_t c_per_group = l.c_per_group, m_per_group = l.m_per_group;
  const int64_t in_size = l.in_size, out_size = l.out_size, k_size = l.k_size;
  const TX* src = x.data<TX>();
  const TW* wts = w.data<TW>();
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < m_total; ++m) {
      const int64_t group = m / m_per_group;
      const int32_t wz = w_zp[static_cast<size_t>(m)];
      int32_t* out_plane = dst + (n * m_total + m) * out_size;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            int32_t acc = 0;
            for (int64_t c = 0; c < c_per_group; ++c) {
              const TX* in_plane = src + (n * channels + group * c_per_group + c) * in_size;
              const TW* kw = wts + (m * c_per_group + c) * k_size;
              for_each_tap(g, od, oh, ow, [&](int64_t at, int64_t tap) {
                acc += (static_cast<int32_t>(in_plane[at]) - x_zp) * (static_cast<int32_t>(kw[tap]) - wz);
              });
            }
            out_plane[(od * g.out[1] + oh) * g.out[2] + ow] = acc;
          }
    }
  }
}

// Runs conv_acc_ref for the dtypes of x and w into dst (int32, y's shape).
void conv_acc(const ConvParams& p, const Tensor& x, int32_t x_zp, const Tensor& w, const std::vector<int32_t>& w_zp,
              const Shape& ys, int32_t* dst) {
  dispatch_q8(x.dtype(), [&](auto xt) {
    dispatch_q8(w.dtype(), [&](auto wt) { conv_acc_ref<decltype(xt), decltype(wt)>(p, x, x_zp, w, w_zp, ys, dst); });
  });
}

// y = requantize(float(acc + bias[m]) * scale[m], y_zp) with scale[m] = (x_scale * w_scale[m]) / y_scale in float,
// in exactly that order (ORT's ComputeOutputScale and MlasRequantizeOutput).
template <typename T>
void requantize_planes(const std::vector<int32_t>& acc, const int32_t* bias, const std::vector<float>& scale,
                       int32_t y_zp, int64_t m_total, Tensor& y) {
  T* dst = y.data<T>();
  const int64_t planes = y.dim(0) * m_total, plane = planes ? y.numel() / planes : 0;
#pragma omp parallel for if (y.numel() > (1 << 16)) schedule(static)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const int64_t m = pl % m_total;
    const int32_t b = bias ? bias[m] : 0;
    const float s = scale[static_cast<size_t>(m)];
    for (int64_t i = pl * plane; i < (pl + 1) * plane; ++i)
      dst[i] = requantize<T>(static_cast<float>(acc[static_cast<size_t>(i)] + b) * s, y_zp);
  }
}

std::unique_ptr<Kernel> create_qlinear_conv(const OpContext& ctx) {
  const IntConvInputs in = kQLinearConvInputs;
  const ConvParams params = read_int_conv_params(ctx, in);
  if (!ctx.hints().reference)
    if (auto fast = create_fast_qlinear_conv(ctx, params)) return fast;
  return make_kernel([params, in](KernelContext& kc) {
    ConvParams p = params;
    const Tensor& x = kc.input(in.x);
    const Tensor& w = kc.input(in.w);
    Tensor& y = kc.output(0);
    conv_output_shape(p, x.shape(), w.shape(), nullptr);  // resolves SAME_* pads for this input
    const int64_t m = w.dim(0);
    const QConvQuant q = read_qconv_quant(kc.input(in.x_scale), kc.optional_input(in.x_zp), kc.input(in.w_scale),
                                          kc.optional_input(in.w_zp), kc.input(in.y_scale), kc.optional_input(in.y_zp), m);
    const Tensor* bias = kc.optional_input(in.bias);
    if (bias && bias->numel() != m) fail("bias must hold ", m, " values, got shape ", shape_str(bias->shape()));
    std::vector<int32_t> acc(static_cast<size_t>(y.numel()));
    conv_acc(p, x, q.x_zp, w, q.w_zp, y.shape(), acc.data());
    dispatch_q8(y.dtype(), [&](auto t) {
      requantize_planes<decltype(t)>(acc, bias ? bias->data<int32_t>() : nullptr, q.scale, q.y_zp, m, y);
    });
  }, "ref");
}

std::unique_ptr<Kernel> create_conv_integer(const OpContext& ctx) {
  const IntConvInputs in = kConvIntegerInputs;
  return make_kernel([p0 = read_int_conv_params(ctx, in), in](KernelContext& kc) {
    ConvParams p = p0;
    const Tensor& x = kc.input(in.x);
    const Tensor& w = kc.input(in.w);
    Tensor& y = kc.output(0);
    conv_output_shape(p, x.shape(), w.shape(), nullptr);
    conv_acc(p, x, scalar_zero_point(kc.optional_input(in.x_zp), "x_zero_point"), w,
             weight_zero_points(kc.optional_input(in.w_zp), w.dim(0)), y.shape(), y.data<int32_t>());
  }, "ref");
}

}  // namespace

QConvQuant read_qconv_quant(const Tensor& x_scale, const Tensor* x_zp, const Tensor& w_scale, const Tensor* w_zp,
                            const Tensor& y_scale, const Tensor* y_zp, int64_t m) {
  QConvQuant q;
  q.w_zp = weight_zero_points(w_zp, m);
  for (int32_t z : q.w_zp)
    if (z != q.w_zp[0]) fail("QLinearConv needs equal weight zero points (as onnxruntime), got ", z, " and ", q.w_zp[0]);
  q.w_scale = read_scales(w_scale, "w_scale");
  if (q.w_scale.size() == 1) q.w_scale.assign(static_cast<size_t>(m), q.w_scale[0]);
  if (static_cast<int64_t>(q.w_scale.size()) != m) fail("w_scale must hold 1 or ", m, " values, got ", q.w_scale.size());
  q.x_scale = scalar_scale(x_scale, "x_scale");
  q.y_scale = scalar_scale(y_scale, "y_scale");
  q.x_zp = scalar_zero_point(x_zp, "x_zero_point");
  q.y_zp = scalar_zero_point(y_zp, "y_zero_point");
  q.scale.resize(static_cast<size_t>(m));
  for (size_t i = 0; i < q.scale.size(); ++i) q.scale[i] = (q.x_scale * q.w_scale[i]) / q.y_scale;
  return q;
}

namespace {

// The packed int8 kernel (constant weights, static input) reads its activation blocked.
bool qlinear_conv_reads_blocked(const Graph& g, const Node& n, size_t input) {
  return input == 0 && input_static(g, n, 0) && input_constant(g, n, 3);
}

}  // namespace

void register_qlinear_conv_ops(OpRegistry& r) {
  constexpr IntConvInputs q = kQLinearConvInputs;
  const OpTraits qlinear_conv{{{"x", q.x, q.x_scale, q.x_zp}, {"w", q.w, q.w_scale, q.w_zp},
                               {"y", QuantSlot::kOutput0, q.y_scale, q.y_zp}},
                              q.w, false, qlinear_conv_reads_blocked};
  const OpTraits conv_integer{{}, kConvIntegerInputs.w};
  r.add({"", "QLinearConv", 10, INT64_MAX, [](OpContext& ctx) { infer_int_conv(ctx, kQLinearConvInputs); },
         create_qlinear_conv, qlinear_conv});
  r.add({"", "ConvInteger", 10, INT64_MAX, [](OpContext& ctx) { infer_int_conv(ctx, kConvIntegerInputs); },
         create_conv_integer, conv_integer});
}

}  // namespace ssdx
