#pragma once
// The kernel behind every fast convolution (fp32 Conv/FusedConv, computed in fp32 or bf16; int8 QLinearConv): a oneDNN primitive built once at
// load with format_tag::any, weights packed at load, output left in oneDNN's preferred (blocked) layout when every
// consumer reads it, scratchpad from the engine's arena. Plain tensors at the chain's borders (the image in, the head
// outputs out) are reordered through the workspace: a primitive forced to read or write plain NCHW next to blocked
// data is oneDNN's slow reference implementation. A bf16 convolution's fp32 input is converted to its bf16 source the
// same way, in every run.
#include <dnnl.hpp>

#include "ops/op.h"

namespace ssdx {

struct PackedConv {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::memory weights;         // already in pd.weights_desc()
  Tensor bias;                  // empty: none; else in pd.bias_desc()'s dtype
  int x_input = 0;              // the node input holding the activation
  int z_input = -1;             // the node input summed by a sum post-op (-1: none)
  int w_input = -1, b_input = -1;  // the node inputs packed into weights and bias (-1: none), released after load
  Shape x_shape, y_shape;
  DataType x_dtype = DataType::Float, y_dtype = DataType::Float;
  LayoutPtr x_layout;           // the layout the producer writes x in
  bool y_blocked = false;       // consumers read blocked layouts
  double flops = 0;             // per run, for profiles (2 per multiply-add)
};

std::unique_ptr<Kernel> make_packed_conv_kernel(PackedConv c);
// Fills what every packed convolution takes from its node (x input, shapes, layouts, flops from c.pd) and makes the
// kernel; c.pd, c.weights, c.bias, the dtypes, z_input, w_input and b_input are the caller's.
std::unique_ptr<Kernel> finish_packed_conv(PackedConv c, const OpContext& ctx, int x_input, const Shape& x,
                                           const Shape& y);

// Reorders constant weights `w` (plain, viewed as `shape`) into `packed` (e.g. a primitive's weights_desc()).
dnnl::memory pack_weights(const dnnl::memory::desc& packed, const Tensor& w, const Shape& shape);

// A format_tag::any descriptor: the primitive chooses the layout.
dnnl::memory::desc any_desc(const Shape& s, DataType dtype);

// The output descriptor of a convolution reading `x` in `x_layout` with plain weights of shape `w`: format_tag::any,
// except nChw16c (when the output's channels are a multiple of 16) for a small first layer (a plain image of at most
// 4 channels, a kernel of at most 3x3: oneDNN's first-layer kernel reads the NCHW image directly, where
// format_tag::any picks nhwc and a reorder of the image; measured on MobileNet's conv0, 1.2 -> 0.6 ms; ResNet's 7x7
// stem keeps nhwc, unmeasured) and for an input already in nChw16c (format_tag::any there can pick nhwc, which only
// oneDNN's reference kernel writes from nChw16c).
dnnl::memory::desc conv_dst_desc(const LayoutPtr& x_layout, const Shape& x, const Shape& w, const Shape& y,
                                 DataType dtype);

// 2 * output elements * multiply-adds per output, from the (possibly grouped) weights' dims [(g,) oc, ic, k...].

}  // namespace ssdx
