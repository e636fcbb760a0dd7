#pragma once
// The QDQ rewrites: a QDQ model (fp32 ops between DequantizeLinear and QuantizeLinear nodes) becomes the same int8
// ops a QOperator model has, so both forms run the same kernels. Each rewrite keeps onnxruntime's semantics
// (docs/ort_arithmetic.md §11): it fires only where ORT's CPU provider fuses too, and computes what ORT's fused op
// computes. Each returns the number of nodes it replaced; replaced nodes are marked dead (compact() drops them, and
// eliminate_dead_nodes the DequantizeLinear nodes nobody reads any more). Dtypes and shapes must be inferred.
#include <vector>

#include "graph/graph.h"

namespace ssdx {

// Relu -> QuantizeLinear whose zero point is the type's minimum: the Relu goes (the quantization clamps at zero).
int remove_relu_before_quantize(Graph& g);
// Clip -> QuantizeLinear (8-bit, rank-0 scale and zero point given) whose type range mapped back to float,
// [scale * (qmin - zp), scale * (qmax - zp)], lies within the Clip's constant bounds (FLT_EPSILON slack): the Clip
// goes, as onnxruntime's ClipQuantFusion removes it (the saturation clips to the same bytes). ReLU6 before a uint8
// zero point 0 goes when 255 * scale <= 6 + FLT_EPSILON.
int remove_clip_before_quantize(Graph& g);
// DQ(x), DQ(w) [, DQ(bias)] -> Conv -> Q  =>  QLinearConv(x_q, .., w_q, .., bias_int32). As in ORT the bias DQ's own
// scale is ignored: the int32 bias is taken to be in x_scale * w_scale units.
int fuse_qdq_conv(Graph& g);
// DQ(a), DQ(b) -> Add -> Q (same 8-bit type, per-tensor)  =>  com.microsoft QLinearAdd.
int fuse_qdq_add(Graph& g);
// DQ -> MaxPool / Reshape / Transpose / Squeeze / Unsqueeze / Flatten -> Q with the same scale and zero point
// (scale > 0): the op runs on the 8-bit tensor (max and copies commute with a positive-scale quantization).
int drop_qdq_around_data_movement(Graph& g);

// DQ -> QuantizeLinear with the same 8-bit type, scale and zero point (a normal scale, so q * s / s rounds back to q):
// the pair goes and its readers read DQ's input.
int drop_identity_requantize(Graph& g);
// DQ -> elementwise float ops (Relu, Clip, LeakyRelu, Exp, Identity; each the single reader of the previous value,
// any other input constant) -> Q, both per-tensor 8-bit: the output is a function of the input byte, so the chain
// becomes ssdx.TableLookup(x, table). The chain itself stays, rewired to compute the table from a constant of the
// 256 byte values: constant folding then runs its own kernels on them, so the table is exact by construction.
int fuse_qdq_lookup(Graph& g);

// The rewrites above by name, in the order that lets each one see the previous one's result.
struct QdqPass {
  const char* name;
  int (*run)(Graph&);
};
const std::vector<QdqPass>& qdq_passes();

// All of them, in that order.
int fuse_qdq(Graph& g);

}  // namespace ssdx
