#pragma once
// Conv parameters, shape function and the reference kernel (conv_ref: the reference kernel's loop, the plain
// kernel's fallback when oneDNN declines a shape, and the oracle tests/ops/conv_fast_test.cpp holds oneDNN's
// fp32 convolutions to).
#include "ops/op.h"
#include "ops/window.h"

namespace ssdx {

struct ConvParams {
  Window window;
  int64_t group = 1;
  bool relu = false;     // FusedConv activation="Relu": y = max(y, 0) after the sum
  // FusedConv activation="Clip", activation_params=[lo, hi] (lo <= hi): y = min(max(y, lo), hi) after the sum, as
  // oneDNN's eltwise_clip post-op computes it (a NaN y becomes lo; the standalone Clip keeps NaN).
  bool clip = false;
  float clip_lo = 0.f, clip_hi = 0.f;
  bool has_sum = false;  // FusedConv input 3 (Z): y = conv(x) + b + Z, the fused residual Add
};

// Conv inputs X, W, B; FusedConv adds Z (input 3) and the `activation` attribute.
constexpr int kConvInputX = 0, kConvInputW = 1, kConvInputB = 2, kConvInputZ = 3;

ConvParams read_conv_params(const OpContext& ctx);
// Window and group from the attributes and the weights' shape [M, C/group, k...]; shared with the int8 convolutions,
// whose inputs sit at other indices.
ConvParams read_conv_geometry(const Attributes& attrs, const Shape& w);
// The packed-weights oneDNN kernel (conv_fast.cpp) for a node whose weights are constant and whose input shape is
// static; null when oneDNN declines (the caller then falls back to the plain kernel).
std::unique_ptr<Kernel> create_fast_conv(const OpContext& ctx, const ConvParams& p);
// Output shape [N, M, spatial...]; resolves auto_pad into p.window's pads. `bias` may be null.
Shape conv_output_shape(ConvParams& p, const Shape& x, const Shape& w, const Shape* bias);
// Multiply-adds of a convolution with ONNX weights [M, C/group, k...] and output y [N, M, spatial...]: every output
// element takes C/group * k... of them. The one count behind profiles, `inspect` and `bench --vs` (OpTraits).
double conv_macs(const Shape& w, const Shape& y);
// oneDNN's grouped weights shape [group, M/group, C/group, k...] (the same bytes as ONNX's [M, C/group, k...]);
// `w` unchanged when group == 1.
Shape grouped_weight_shape(const Shape& w, int64_t group);

// The loop bounds every reference convolution walks: the window in 3-D and the channel/group/plane sizes.
struct ConvLoop {
  Window3d g;
  int64_t batch, channels, m_total, c_per_group, m_per_group, in_size, out_size, k_size;
};
ConvLoop conv_loop(const ConvParams& p, const Shape& x, const Shape& y);

// Naive direct convolution; y must be allocated with conv_output_shape (p's pads resolved for x). With p.has_sum
// (FusedConv) z is added after the bias, then p.relu or p.clip clamps: the fused op's order.
void conv_ref(const ConvParams& p, const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y,
              const Tensor* z = nullptr);

}  // namespace ssdx
