#pragma once
// QLinearConv's operands and quantization parameters, shared by the reference kernel (qlinear_conv.cpp) and the
// oneDNN int8 kernel (qlinear_conv_fast.cpp).
#include <vector>

#include "ops/conv.h"

namespace ssdx {

// Where each operand sits: QLinearConv interleaves scales and zero points, ConvInteger appends the zero points.
struct IntConvInputs {
  int x, w, x_zp, w_zp, bias;  // -1: the op has no such input
  int x_scale = -1, w_scale = -1, y_scale = -1, y_zp = -1;
};
constexpr IntConvInputs kQLinearConvInputs{0, 3, 2, 5, 8, 1, 4, 6, 7};
constexpr IntConvInputs kConvIntegerInputs{0, 1, 2, 3, -1};

// The quantization parameters of one QLinearConv, checked and expanded to one weight scale/zero point per output
// channel; `scale[m]` = (x_scale * w_scale[m]) / y_scale in float, in that order (onnxruntime's ComputeOutputScale).
struct QConvQuant {
  float x_scale = 1, y_scale = 1;
  int32_t x_zp = 0, y_zp = 0;
  std::vector<float> w_scale, scale;
  std::vector<int32_t> w_zp;
};
// From the tensors (scales, zero points) of a QLinearConv with `m` output channels.
QConvQuant read_qconv_quant(const Tensor& x_scale, const Tensor* x_zp, const Tensor& w_scale, const Tensor* w_zp,
                            const Tensor& y_scale, const Tensor* y_zp, int64_t m);

// The oneDNN int8 convolution (u8/s8 activations, s8 weights with zero point 0, s32 bias, per-channel output scales,
// source and destination zero points) for a node whose weights, bias and quantization parameters are constants and
// whose input shape is static; null when that does not hold or oneDNN declines (the reference kernel runs then).
std::unique_ptr<Kernel> create_fast_qlinear_conv(const OpContext& ctx, const ConvParams& p);

}  // namespace ssdx
