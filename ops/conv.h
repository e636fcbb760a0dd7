#pragma once
// Conv parameters, shape function and the reference kernel (the oracle for every fast conv path).
#include "ops/op.h"
#include "ops/window.h"

namespace ssdx {

struct ConvParams {
  Window window;
  int64_t group = 1;
};

ConvParams read_conv_params(const OpContext& ctx);
// Output shape [N, M, spatial...]; resolves auto_pad into p.window's pads. `bias` may be null.
Shape conv_output_shape(ConvParams& p, const Shape& x, const Shape& w, const Shape* bias);
// Naive direct convolution; y must be allocated with conv_output_shape (p's pads resolved for x).
void conv_ref(const ConvParams& p, const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y);

}  // namespace ssdx
