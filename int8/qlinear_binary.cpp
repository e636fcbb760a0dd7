// onnxruntime's contrib ops QLinearAdd, QLinearMul (broadcasting) and QLinearConcat, domain com.microsoft, opset 1,
// on uint8/int8 with per-tensor scales and zero points. Arithmetic is ORT's x86 kernels' (docs/ort_arithmetic.md §6).
#include <array>
#include <cstring>

#include "ops/broadcast.h"
#include "int8/qlinear_binary.h"
#include "ops/layout_caps.h"
#include "int8/quant_util.h"
#include "int8/register_quant.h"

namespace ssdx {
namespace {

constexpr int kA = kQBinaryA, kAScale = kQBinaryAScale, kAZp = kQBinaryAZp, kB = kQBinaryB, kBScale = kQBinaryBScale,
              kBZp = kQBinaryBZp, kCScale = kQBinaryCScale, kCZp = kQBinaryCZp;

enum class QBinaryOp { Add, Mul };

QParam read_qparam(const KernelContext& kc, int scale_input, int zp_input) {
  return {scalar_scale(kc.input(scale_input), "scale"), scalar_zero_point(kc.optional_input(zp_input), "zero point")};
}

// ---- shape functions ----

void infer_qbinary(OpContext& ctx) {
  ctx.require_inputs(7, 8);
  ctx.require_dtype(kA, {DataType::UInt8, DataType::Int8});
  const DataType t = ctx.input_dtype(kA);
  for (int i : {kAZp, kB, kBZp, kCZp})
    if (ctx.has_input(i) && ctx.input_dtype(i) != t) fail("input ", i, " is ", dtype_name(ctx.input_dtype(i)), ", A is ", dtype_name(t));
  for (int i : {kAScale, kBScale, kCScale}) {
    ctx.require_dtype(i, {DataType::Float});
    require_per_tensor(ctx, i, "scale");
  }
  for (int i : {kAZp, kBZp, kCZp}) require_per_tensor(ctx, i, "zero point");
  if (ctx.input_shape_known(kA) && ctx.input_shape_known(kB))
    ctx.set_output(0, t, broadcast_shapes(ctx.input_shape(kA), ctx.input_shape(kB)));
  else
    ctx.set_output_dtype(0, t);
}

// ---- reference kernels ----

// ORT walks the output in spans of its innermost dim and picks one of three kernels for the whole op: A constant
// along the span (scalar A), B constant (scalar B), or both varying. For QLinearAdd only the first matters: ORT then
// swaps the operands so that the scalar sits in the kernel's slot b, which changes the rounding.
bool a_is_span_scalar(const Shape& out, const std::vector<int64_t>& sa) {
  for (size_t d = out.size(); d-- > 0;) {
    if (out[d] == 1) continue;  // size-1 dims merge into their neighbours
    return sa[d] == 0;
  }
  return true;  // a single element: ORT tests A first
}

template <typename T>
void qadd_kernel(const Tensor& a, QParam qa, const Tensor& b, QParam qb, QParam qc, Tensor& c) {
  const std::vector<int64_t> sa = broadcast_strides(a.shape(), c.shape()), sb = broadcast_strides(b.shape(), c.shape());
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pc = c.data<T>();
  if (a_is_span_scalar(c.shape(), sa)) {
    const QAddKernel k(qb, qa, qc);
    for_each_broadcast(c.shape(), sa, sb, [&](int64_t d, int64_t i, int64_t j) { pc[d] = requantize<T>(k(pb[j], pa[i]), 0); });
  } else {
    const QAddKernel k(qa, qb, qc);
    for_each_broadcast(c.shape(), sa, sb, [&](int64_t d, int64_t i, int64_t j) { pc[d] = requantize<T>(k(pa[i], pb[j]), 0); });
  }
}

template <typename T>
void qmul_kernel(const Tensor& a, QParam qa, const Tensor& b, QParam qb, QParam qc, Tensor& c) {
  const float r = (qa.scale * qb.scale) / qc.scale, zc = static_cast<float>(qc.zp);
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pc = c.data<T>();
  for_each_broadcast(c.shape(), broadcast_strides(a.shape(), c.shape()), broadcast_strides(b.shape(), c.shape()),
                     [&](int64_t d, int64_t i, int64_t j) {
                       const int32_t p = (static_cast<int32_t>(pa[i]) - qa.zp) * (static_cast<int32_t>(pb[j]) - qb.zp);
                       pc[d] = requantize<T>(static_cast<float>(p) * r + zc, 0);
                     });
}

template <QBinaryOp Op>
std::unique_ptr<Kernel> create_qbinary(const OpContext& ctx) {
  if constexpr (Op == QBinaryOp::Add)
    if (!ctx.hints().reference)
      if (auto fast = create_fast_qlinear_add(ctx)) return fast;
  return make_kernel([](KernelContext& kc) {
    const QParam qa = read_qparam(kc, kAScale, kAZp), qb = read_qparam(kc, kBScale, kBZp), qc = read_qparam(kc, kCScale, kCZp);
    dispatch_q8(kc.output(0).dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (Op == QBinaryOp::Add) qadd_kernel<T>(kc.input(kA), qa, kc.input(kB), qb, qc, kc.output(0));
      else qmul_kernel<T>(kc.input(kA), qa, kc.input(kB), qb, qc, kc.output(0));
    });
  }, "ref");
}

// ---- QLinearConcat: inputs Y_scale, Y_zp, then (X_i, X_scale_i, X_zp_i) per concatenated tensor ----

constexpr int kConcatFirstX = 2, kConcatStride = 3;

struct QConcatParams {
  int64_t axis = 0;
};

QConcatParams read_qconcat_params(const OpContext& ctx) {
  if (ctx.num_inputs() < kConcatFirstX + kConcatStride || (ctx.num_inputs() - kConcatFirstX) % kConcatStride != 0)
    fail("QLinearConcat needs Y_scale, Y_zero_point and (X, X_scale, X_zero_point) triples, got ", ctx.num_inputs(), " inputs");
  QConcatParams p;
  p.axis = required_int(ctx.attrs(), "axis");
  return p;
}

void infer_qconcat(OpContext& ctx) {
  const QConcatParams p = read_qconcat_params(ctx);
  ctx.require_dtype(kConcatFirstX, {DataType::UInt8, DataType::Int8});
  const DataType t = ctx.input_dtype(kConcatFirstX);
  std::vector<const Shape*> shapes;
  bool any_known = false;
  for (int i = kConcatFirstX; i < ctx.num_inputs(); i += kConcatStride) {
    if (ctx.input_dtype(i) != t) fail("QLinearConcat: input ", i, " is ", dtype_name(ctx.input_dtype(i)), ", the first is ", dtype_name(t));
    for (int s : {0, i + 1}) {
      ctx.require_dtype(s, {DataType::Float});
      require_per_tensor(ctx, s, "scale");
    }
    for (int z : {1, i + 2}) {
      if (ctx.has_input(z) && ctx.input_dtype(z) != t) fail("QLinearConcat: zero point ", z, " must be ", dtype_name(t));
      require_per_tensor(ctx, z, "zero point");
    }
    shapes.push_back(ctx.input_shape_known(i) ? &ctx.input_shape(i) : nullptr);
    any_known |= shapes.back() != nullptr;
  }
  if (any_known) ctx.set_output(0, t, concat_shape(shapes, p.axis));
  else ctx.set_output_dtype(0, t);
}

// Each input is copied as is when it shares the output's scale and zero point, otherwise through a 256-entry table
// table[v] = Q(DQ(v)) (ORT's qlinear_lookup_table), which is exactly DequantizeLinear -> QuantizeLinear.
template <typename T>
void qconcat_kernel(const QConcatParams& p, KernelContext& kc) {
  Tensor& y = kc.output(0);
  const QParam qy = read_qparam(kc, 0, 1);
  const int64_t axis = normalize_axis(p.axis, y.rank(), "axis");
  const int64_t outer = split_at_axis(y.shape(), axis).outer;
  if (outer == 0 || y.numel() == 0) return;
  const int64_t out_row = y.numel() / outer;
  T* dst = y.data<T>();
  int64_t col = 0;
  for (int i = kConcatFirstX; i < static_cast<int>(kc.inputs.size()); i += kConcatStride) {
    const Tensor& x = kc.input(i);
    const QParam qx = read_qparam(kc, i + 1, i + 2);
    const int64_t row = x.numel() / outer;
    const T* src = x.data<T>();
    if (qx.scale == qy.scale && qx.zp == qy.zp) {
      for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * out_row + col, src + o * row, static_cast<size_t>(row) * sizeof(T));
    } else {
      std::array<T, 256> table;  // indexed by the value's byte
      for (int32_t v = qmin<T>(); v <= qmax<T>(); ++v)
        table[static_cast<uint8_t>(v)] = quantize_value<T>(dequantize_value(v, qx.scale, qx.zp), qy.scale, qy.zp);
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < row; ++j) dst[o * out_row + col + j] = table[static_cast<uint8_t>(src[o * row + j])];
    }
    col += row;
  }
}

std::unique_ptr<Kernel> create_qconcat(const OpContext& ctx) {
  return make_kernel([p = read_qconcat_params(ctx)](KernelContext& kc) {
    dispatch_q8(kc.output(0).dtype(), [&](auto tag) { qconcat_kernel<decltype(tag)>(p, kc); });
  }, "ref");
}

// A same-shape residual add (the fast kernel) reads both operands in whatever layout they share.
bool qlinear_add_reads_blocked(const Graph& g, const Node& n, size_t input) {
  if (n.inputs.size() <= 3 || (input != 0 && input != 3) || !input_static(g, n, 0) || n.inputs[3] == kNoValue) return false;
  const Value& b = g.value(n.inputs[3]);
  return b.shape_known && b.shape == g.value(n.inputs[0]).shape;
}

}  // namespace

void register_qlinear_binary_ops(OpRegistry& r) {
  OpTraits add{{{"a", kQBinaryA, kQBinaryAScale, kQBinaryAZp},
                {"b", kQBinaryB, kQBinaryBScale, kQBinaryBZp},
                {"y", QuantSlot::kOutput0, kQBinaryCScale, kQBinaryCZp}}};
  OpTraits mul = add;
  add.reads_blocked = qlinear_add_reads_blocked;
  r.add({kMicrosoftDomain, "QLinearAdd", 1, INT64_MAX, infer_qbinary, create_qbinary<QBinaryOp::Add>, add});
  r.add({kMicrosoftDomain, "QLinearMul", 1, INT64_MAX, infer_qbinary, create_qbinary<QBinaryOp::Mul>, mul});
  r.add({kMicrosoftDomain, "QLinearConcat", 1, INT64_MAX, infer_qconcat, create_qconcat});
}

}  // namespace ssdx
