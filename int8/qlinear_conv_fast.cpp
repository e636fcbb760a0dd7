// QLinearConv on oneDNN: u8 (or s8) x s8 -> s32 accumulation (AMX tiles where the CPU has them, VNNI otherwise),
// then requantization as onnxruntime does it: float(acc + bias) * scale[m], rounded half to even, plus the zero
// point, saturated. oneDNN adds its destination zero point in float before its final rounding, which moves values
// lying within a float ulp of a .5 tie by one step (about 1 in 1e5 here, then compounding layer after layer); a
// round-half-even eltwise post-op before the zero point makes the sum exact (integers below 2^24), so the result is
// ORT's. The one remaining difference: oneDNN converts acc and bias to float separately, so an |acc| beyond 2^24
// (never seen in the SSD convolutions) could round differently.
#include "ops/onednn_util.h"
#include "ops/packed_conv.h"
#include "int8/qlinear_conv.h"

namespace ssdx {

std::unique_ptr<Kernel> create_fast_qlinear_conv(const OpContext& ctx, const ConvParams& params) {
  const IntConvInputs in = kQLinearConvInputs;
  const Tensor* w = ctx.input_constant(in.w);
  const Tensor* bias = ctx.input_constant(in.bias);
  if (!w || w->dtype() != DataType::Int8 || (ctx.has_input(in.bias) && !bias)) return nullptr;
  for (int i : {in.x_scale, in.w_scale, in.y_scale, in.x_zp, in.w_zp, in.y_zp})
    if (ctx.has_input(i) && !ctx.input_constant(i)) return nullptr;
  if (!ctx.input_shape_known(in.x) || !shape_is_static(ctx.input_shape(in.x))) return nullptr;
  const int64_t m = w->dim(0);
  const QConvQuant q = read_qconv_quant(*ctx.input_constant(in.x_scale), ctx.input_constant(in.x_zp),
                                        *ctx.input_constant(in.w_scale), ctx.input_constant(in.w_zp),
                                        *ctx.input_constant(in.y_scale), ctx.input_constant(in.y_zp), m);
  for (int32_t z : q.w_zp)
    if (z != 0) return nullptr;  // oneDNN has no weight zero points
  if (bias && bias->numel() != m) return nullptr;

  ConvParams p = params;
  const Shape& x = ctx.input_shape(in.x);
  const DataType xt = ctx.input_dtype(in.x);
  const Shape y = conv_output_shape(p, x, w->shape(), nullptr);
  const OnednnWindow win = onednn_window(p.window, x, y);
  const Shape wg = grouped_weight_shape(w->shape(), p.group);
  const LayoutPtr& x_layout = ctx.input(in.x).layout;

  dnnl::primitive_attr attr;
  bool per_channel = false;
  for (float s : q.scale) per_channel = per_channel || s != q.scale[0];
  attr.set_output_scales(per_channel ? 1 << 1 : 0, per_channel ? q.scale : std::vector<float>{q.scale[0]});
  if (q.x_zp) attr.set_zero_points(DNNL_ARG_SRC, 0, {q.x_zp});
  if (q.y_zp) {
    attr.set_zero_points(DNNL_ARG_DST, 0, {q.y_zp});
    dnnl::post_ops round;
    round.append_eltwise(1.f, dnnl::algorithm::eltwise_round, 0.f, 0.f);
    attr.set_post_ops(round);
  }
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  try {
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
        x_layout ? desc_of(x_layout, x, xt) : any_desc(x, xt), any_desc(wg, DataType::Int8),
        bias ? plain_desc({m}, DataType::Int32) : dnnl::memory::desc(), any_desc(y, xt), win.strides, win.dilations,
        win.pads_l, win.pads_r);
    PackedConv c;
    c.pd = dnnl::convolution_forward::primitive_desc(desc, attr, onednn_engine());
    c.weights = pack_weights(c.pd.weights_desc(), *w, wg);
    if (bias) c.bias = bias->clone();
    c.x_dtype = c.y_dtype = xt;
    return finish_packed_conv(std::move(c), ctx, in.x, x, y);
  } catch (const dnnl::error& e) {
    rethrow_if_out_of_memory(e);
    return nullptr;
  }
}

}  // namespace ssdx
