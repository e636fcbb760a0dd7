// The fp32 fast convolution: residual sum and Relu or Clip fused as post-ops, Winograd where hinted and oneDNN has it,
// bfloat16 where hinted and oneDNN has a native kernel for it; the kernel itself is the shared packed convolution
// (ops/packed_conv.h).
#include "ops/conv.h"
#include "ops/cpu_isa.h"
#include "ops/onednn_util.h"
#include "ops/packed_conv.h"

namespace ssdx {
namespace {

// A bf16 convolution oneDNN has only in its reference implementation is far slower than fp32. (Its optimized ones
// are native here: bf16_convolutions_supported() was checked first.)
bool optimized_impl(const dnnl::convolution_forward::primitive_desc& pd) {
  return std::string(pd.impl_info_str()).rfind("ref", 0) != 0;
}

// oneDNN's Winograd F(4x4, 3x3) computes whole 4x4 output tiles over 16-channel blocks: on a map of a few pixels most
// of a tile is padding, and a layer with few output channels has too little work per transformed tile to repay the
// input and output transforms. Measured on gluon-cv MobileNet's heads (AMD EPYC, 2 threads): 512 -> 16 channels on
// 32x32, 0.90 ms Winograd vs 0.50 direct; 1024 -> 32 on 16x16, 0.67 vs 0.55; 256 -> 96 on 1x1, 0.08 vs 0.03; while
// 1024 -> 128 on 16x16 stays faster in Winograd (2.0 vs 2.1) and so does 512 -> 128 on 4x4 (0.15 vs 0.21).
bool winograd_pays_off(const Shape& w, const Shape& y) {
  constexpr int64_t kMinOutputChannels = 64, kMinOutputPixels = 16;
  return w[0] >= kMinOutputChannels && y.size() == 4 && y[2] * y[3] >= kMinOutputPixels;
}

}  // namespace

std::unique_ptr<Kernel> create_fast_conv(const OpContext& ctx, const ConvParams& params) {
  ConvParams p = params;
  const Shape& x = ctx.input_shape(kConvInputX);
  const Tensor& w = *ctx.input_constant(kConvInputW);
  const Shape y = conv_output_shape(p, x, w.shape(), nullptr);
  const OnednnWindow win = onednn_window(p.window, x, y);
  const Shape wg = grouped_weight_shape(w.shape(), p.group);
  constexpr DataType f32 = DataType::Float;
  // A blocked input is read as it is (the previous primitive chose it); a plain one lets oneDNN choose.
  const LayoutPtr& x_layout = ctx.input(kConvInputX).layout;
  const bool has_bias = ctx.has_input(kConvInputB);
  dnnl::post_ops post;
  if (p.has_sum) post.append_sum(1.f);
  if (p.relu) post.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  // eltwise_clip and eltwise_clip_v2 compute the same forward values (they differ in the gradient at the bounds);
  // both refuse lo > hi, which FusedConv never holds.
  if (p.clip) post.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, p.clip_lo, p.clip_hi);
  dnnl::primitive_attr attr;
  attr.set_post_ops(post);
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  // Winograd reads its own blocked format: it chooses the input format too (the kernel reorders into it).
  auto make_pd = [&](dnnl::algorithm algorithm) {
    const bool fixed_x = x_layout && algorithm == dnnl::algorithm::convolution_direct;
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, algorithm, fixed_x ? desc_of(x_layout, x, f32) : any_desc(x, f32),
        any_desc(wg, f32), has_bias ? plain_desc({w.dim(0)}, f32) : dnnl::memory::desc(), conv_dst_desc(x_layout, x, w.shape(), y, f32),
        win.strides, win.dilations, win.pads_l, win.pads_r);
    return dnnl::convolution_forward::primitive_desc(desc, attr, onednn_engine());
  };
  // bf16 source and weights, fp32 bias and output (the sum post-op then adds an fp32 summand). The fp32 input is
  // converted into the primitive's bf16 source through the workspace on every run (the kernel reorders whatever
  // input differs from pd.src_desc()); the weights once, by pack_weights. oneDNN's mode fpmath_mode(bf16) would say
  // the same of an fp32 primitive, but oneDNN 2.6 ignores it for convolutions.
  auto make_bf16_pd = [&]() {
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, any_desc(x, DataType::BFloat16),
        any_desc(wg, DataType::BFloat16), has_bias ? plain_desc({w.dim(0)}, f32) : dnnl::memory::desc(),
        conv_dst_desc(x_layout, x, w.shape(), y, f32), win.strides, win.dilations, win.pads_l, win.pads_r);
    return dnnl::convolution_forward::primitive_desc(desc, attr, onednn_engine());
  };
  try {
    PackedConv c;
    bool have_pd = false;
    if (ctx.hints().bf16 && bf16_convolutions_supported()) {
      try {
        c.pd = make_bf16_pd();
        have_pd = optimized_impl(c.pd);
      } catch (const dnnl::error& e) {  // no bf16 kernel for this shape: fp32 it is
        rethrow_if_out_of_memory(e);
      }
    }
    if (!have_pd && ctx.hints().winograd && winograd_pays_off(w.shape(), y)) {  // the convolutions left in fp32
      try {
        c.pd = make_pd(dnnl::algorithm::convolution_winograd);
        have_pd = true;
      } catch (const dnnl::error& e) {  // not a 3x3 stride-1 shape oneDNN's Winograd takes: direct it is
        rethrow_if_out_of_memory(e);
      }
    }
    if (!have_pd) c.pd = make_pd(dnnl::algorithm::convolution_direct);
    c.weights = pack_weights(c.pd.weights_desc(), w, wg);
    c.w_input = kConvInputW;
    if (has_bias) {
      c.bias = ctx.input_constant(kConvInputB)->clone();
      c.b_input = kConvInputB;
    }
    c.z_input = p.has_sum ? kConvInputZ : -1;
    return finish_packed_conv(std::move(c), ctx, kConvInputX, x, y);
  } catch (const dnnl::error& e) {
    rethrow_if_out_of_memory(e);
    return nullptr;
  }
}

}  // namespace ssdx
