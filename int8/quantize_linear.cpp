// QuantizeLinear and DequantizeLinear (opset 10: per-tensor; 13+: per-tensor or per-axis along `axis`), uint8 and
// int8, plus int32 DequantizeLinear (biases). Arithmetic is onnxruntime's (docs/ort_arithmetic.md §4).
#include <algorithm>

#include "ops/cpu_isa.h"
#include "ops/layout_caps.h"
#include "ops/onednn_util.h"
#include "int8/quant_util.h"
#include "int8/quantize_loops.h"
#include "int8/quantize_span.h"
#include "int8/register_quant.h"

namespace ssdx {
namespace {

// Inputs: x, scale, zero point (optional).
constexpr int kInputX = 0, kInputScale = 1, kInputZp = 2;

struct QdqParams {
  bool per_axis = false;  // opset 13+: a 1-D scale quantizes along `axis`
  int64_t axis = 1;
};

QdqParams read_qdq_params(const OpContext& ctx) {
  ctx.require_inputs(2, 3);
  QdqParams p;
  p.per_axis = ctx.opset() >= 13;
  p.axis = ctx.attrs().get_int("axis", 1);
  // Opset 21's blocked quantization changes what a scale of x's rank means.
  if (ctx.attrs().get_int("block_size", 0) != 0) fail("blocked quantization (block_size) is not supported");
  ctx.require_dtype(kInputScale, {DataType::Float});
  return p;
}

// How x splits into channels that share a scale and zero point: per-tensor is one channel spanning everything.
struct ChannelQuant {
  AxisSplit split;
  std::vector<float> scale;
  std::vector<int32_t> zp;
};

// Checks the scale / zero-point shapes against x (ORT's PrepareForQDQ) and returns the per-channel values.
ChannelQuant resolve_channels(const QdqParams& p, const Shape& x, const Tensor& scale, const Tensor* zp) {
  ChannelQuant q;
  q.scale = read_scales(scale, "scale");
  if (is_per_tensor(scale.shape())) {
    if (zp && !is_per_tensor(zp->shape())) fail("zero point ", shape_str(zp->shape()), " must hold one value, as the scale");
    q.split.inner = shape_numel(x);
  } else {
    if (!p.per_axis) fail("scale must hold one value before opset 13, got shape ", shape_str(scale.shape()));
    const int64_t axis = normalize_axis(p.axis, static_cast<int64_t>(x.size()), "axis");
    q.split = split_at_axis(x, axis);
    if (scale.rank() != 1 || scale.dim(0) != q.split.dim)
      fail("scale ", shape_str(scale.shape()), " must be 1-D with the ", q.split.dim, " values of axis ", axis, " of ",
           shape_str(x));
    if (zp && zp->shape() != scale.shape()) fail("zero point ", shape_str(zp->shape()), " must have the scale's shape");
  }
  q.zp = read_zero_points(zp, static_cast<int64_t>(q.scale.size()), "zero point");
  return q;
}

// Calls f(first, count, scale, zero point) over x in contiguous runs sharing one channel's parameters: per-tensor
// data is cut into equal chunks so threads share it, per-axis data runs channel block by channel block.
template <typename F>
void for_each_run(const ChannelQuant& q, F&& f) {
  constexpr int64_t kChunk = 1 << 14;
  const AxisSplit& s = q.split;
  auto run = [&](int64_t first, int64_t n, int64_t c) {
    f(first, n, q.scale[static_cast<size_t>(c)], q.zp[static_cast<size_t>(c)]);
  };
  if (s.outer * s.dim == 1) {
    const int64_t chunks = (s.inner + kChunk - 1) / kChunk;
#pragma omp parallel for if (chunks > 4) schedule(static)
    for (int64_t k = 0; k < chunks; ++k) run(k * kChunk, std::min(kChunk, s.inner - k * kChunk), int64_t{0});
    return;
  }
#pragma omp parallel for collapse(2) if (s.outer * s.dim * s.inner > (1 << 16)) schedule(static)
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t c = 0; c < s.dim; ++c) run((o * s.dim + c) * s.inner, s.inner, c);
}

// The reference loops (KernelHints::reference): quant_util.h's per-element functions.
template <typename T>
void quantize_ref(const float* x, T* y, int64_t n, float scale, int32_t zp) {
  for (int64_t i = 0; i < n; ++i) y[i] = quantize_value<T>(x[i], scale, zp);
}
template <typename T>
void dequantize_ref(const T* x, float* y, int64_t n, float scale, int32_t zp) {
  for (int64_t i = 0; i < n; ++i) y[i] = dequantize_value(static_cast<int32_t>(x[i]), scale, zp);
}

// The vectorised loops for `isa`: the per-ISA units' (quantize_span_avx2.cpp, quantize_span_avx512.cpp) or
// quantize_loops.h's compiled here for the baseline.
template <typename T>
void quantize_span_for(const float* x, T* y, int64_t n, float scale, int32_t zp, Isa isa) {
  switch (isa) {
    case Isa::Avx512: return avx512::quantize_span(x, y, n, scale, zp);
    case Isa::Avx2: return avx2::quantize_span(x, y, n, scale, zp);
    case Isa::Baseline: return quantize_run(x, y, n, scale, zp);
  }
}
template <typename T>
void dequantize_span_for(const T* x, float* y, int64_t n, float scale, int32_t zp, Isa isa) {
  switch (isa) {
    case Isa::Avx512: return avx512::dequantize_span(x, y, n, scale, zp);
    case Isa::Avx2: return avx2::dequantize_span(x, y, n, scale, zp);
    case Isa::Baseline: return dequantize_run(x, y, n, scale, zp);
  }
}

// ---- shape functions ----

void check_scale_shape(const OpContext& ctx, const QdqParams& p) {
  if (!p.per_axis) require_per_tensor(ctx, kInputScale, "scale");
}

void infer_quantize(OpContext& ctx) {
  const QdqParams p = read_qdq_params(ctx);
  ctx.require_dtype(kInputX, {DataType::Float});
  ctx.require_dtype(kInputZp, {DataType::UInt8, DataType::Int8});
  check_scale_shape(ctx, p);
  // The output type is the zero point's; ONNX makes it uint8 when the zero point is absent.
  const DataType out = ctx.has_input(kInputZp) ? ctx.input_dtype(kInputZp) : DataType::UInt8;
  if (ctx.input_shape_known(kInputX)) ctx.set_output(0, out, ctx.input_shape(kInputX));
  else ctx.set_output_dtype(0, out);
}

void infer_dequantize(OpContext& ctx) {
  const QdqParams p = read_qdq_params(ctx);
  ctx.require_dtype(kInputX, {DataType::UInt8, DataType::Int8, DataType::Int32});
  if (ctx.has_input(kInputZp) && ctx.input_dtype(kInputZp) != ctx.input_dtype(kInputX))
    fail("zero point is ", dtype_name(ctx.input_dtype(kInputZp)), ", x is ", dtype_name(ctx.input_dtype(kInputX)));
  check_scale_shape(ctx, p);
  if (ctx.input_shape_known(kInputX)) ctx.set_output(0, DataType::Float, ctx.input_shape(kInputX));
  else ctx.set_output_dtype(0, DataType::Float);
}

// ---- kernels: the reference loops or a per-ISA element loop, chosen once at creation (KernelIsa) ----

Isa supported(Isa isa) {
  if (!isa_supported(isa)) fail("QuantizeLinear: this CPU cannot run the ", isa_name(isa), " kernel");
  return isa;
}

// Over whatever layout x has: per-tensor runs cover the whole buffer (`q` says how many elements), per-axis ones
// need plain data.
template <typename T>
void quantize_kernel(const ChannelQuant& q, const Tensor& x, Tensor& y, KernelIsa impl) {
  const auto* src = static_cast<const float*>(x.raw());
  T* dst = static_cast<T*>(y.raw());
  for_each_run(q, [&](int64_t first, int64_t n, float s, int32_t z) {
    if (impl.reference) quantize_ref(src + first, dst + first, n, s, z);
    else quantize_span_for(src + first, dst + first, n, s, z, impl.isa);
  });
}

template <typename T>
void dequantize_kernel(const ChannelQuant& q, const Tensor& x, Tensor& y, KernelIsa impl) {
  const T* src = static_cast<const T*>(x.raw());
  auto* dst = static_cast<float*>(y.raw());
  for_each_run(q, [&](int64_t first, int64_t n, float s, int32_t z) {
    if (impl.reference) dequantize_ref(src + first, dst + first, n, s, z);
    else dequantize_span_for(src + first, dst + first, n, s, z, impl.isa);
  });
}

// Plain data as the op defines it (per-tensor or per-axis) or, for a per-tensor op whose input arrives in a blocked
// layout (nhwc, nChw16c...), elementwise over the whole buffer in that layout, padding included: the output has the
// same blocking in its own type, so nothing is reordered to plain.
class QdqKernel : public Kernel {
 public:
  QdqKernel(bool quantize, QdqParams p, LayoutPtr x_layout, LayoutPtr y_layout, KernelIsa impl)
      : quantize_(quantize), p_(p), x_layout_(std::move(x_layout)), y_layout_(std::move(y_layout)), impl_(impl) {}

  void run(KernelContext& kc) const override {
    const Tensor& x = kc.input(kInputX);
    Tensor& y = kc.output(0);
    ChannelQuant q = resolve_channels(p_, x.shape(), kc.input(kInputScale), kc.optional_input(kInputZp));
    if (x_layout_) {
      if (!same_layout(x.layout(), x_layout_) || !same_layout(y.layout(), y_layout_))
        fail("input in layout ", layout_name(x.layout()), ", the kernel was built for ", layout_name(x_layout_));
      if (q.scale.size() != 1) fail("a ", layout_name(x_layout_), " input needs a per-tensor scale");
      q.split = AxisSplit{};
      q.split.inner = static_cast<int64_t>(x.nbytes() / dtype_size(x.dtype()));
    }
    if (quantize_) {
      dispatch_q8(y.dtype(), [&](auto tag) { quantize_kernel<decltype(tag)>(q, x, y, impl_); });
    } else if (x.dtype() == DataType::Int32) {
      // int32 holds biases quantized with zero point 0; ONNX and ORT reject any other.
      for (int32_t z : q.zp)
        if (z != 0) fail("int32 DequantizeLinear needs zero point 0, got ", z);
      dequantize_kernel<int32_t>(q, x, y, impl_);
    } else {
      dispatch_q8(x.dtype(), [&](auto tag) { dequantize_kernel<decltype(tag)>(q, x, y, impl_); });
    }
  }

  std::string impl_name() const override { return impl_.impl_name("qdq"); }
  LayoutPtr output_layout(int i) const override { return i == 0 ? y_layout_ : nullptr; }
  bool reads_layout(int i) const override { return i == kInputX && x_layout_ != nullptr; }

 private:
  bool quantize_;
  QdqParams p_;
  LayoutPtr x_layout_, y_layout_;  // both null: plain
  KernelIsa impl_;
};

bool per_tensor_input(const OpContext& ctx, int i) {
  return !ctx.has_input(i) || (ctx.input_shape_known(i) && is_per_tensor(ctx.input_shape(i)));
}

// A blocked input stays blocked when the op is per-tensor. QuantizeLinear always keeps the layout (its consumers get
// a 1-byte tensor to convert, not a 4-byte one); DequantizeLinear only when its readers take blocked layouts, since
// converting its float output would cost more than converting its 8-bit input.
std::unique_ptr<Kernel> create_qdq(const OpContext& ctx, bool quantize) {
  const QdqParams p = read_qdq_params(ctx);
  const LayoutPtr& x_layout = ctx.input(kInputX).layout;
  const KernelIsa impl = choose_kernel_isa(ctx.hints().reference);
  const bool keep = !impl.reference && x_layout && per_tensor_input(ctx, kInputScale) && per_tensor_input(ctx, kInputZp) &&
                    ctx.input_dtype(kInputX) != DataType::Int32 && (quantize || ctx.output_blocked_ok(0));
  if (!keep) return std::make_unique<QdqKernel>(quantize, p, nullptr, nullptr, impl);
  const DataType y = quantize ? (ctx.has_input(kInputZp) ? ctx.input_dtype(kInputZp) : DataType::UInt8) : DataType::Float;
  return std::make_unique<QdqKernel>(quantize, p, x_layout, layout_with_dtype(x_layout, y), impl);
}

// Per-tensor conversions are elementwise, so they run on any layout (create_qdq keeps it).
bool qdq_reads_blocked(const Graph& g, const Node& n, size_t input) {
  const Tensor* scale = input_constant(g, n, 1);
  return input == 0 && input_static(g, n, 0) && scale && scale->numel() == 1;
}

std::unique_ptr<Kernel> create_quantize(const OpContext& ctx) { return create_qdq(ctx, true); }
std::unique_ptr<Kernel> create_dequantize(const OpContext& ctx) { return create_qdq(ctx, false); }

}  // namespace

// The variants tests call directly: checked against the CPU first.
void quantize_span(const float* x, uint8_t* y, int64_t n, float scale, int32_t zp, Isa isa) {
  quantize_span_for(x, y, n, scale, zp, supported(isa));
}
void quantize_span(const float* x, int8_t* y, int64_t n, float scale, int32_t zp, Isa isa) {
  quantize_span_for(x, y, n, scale, zp, supported(isa));
}
void dequantize_span(const uint8_t* x, float* y, int64_t n, float scale, int32_t zp, Isa isa) {
  dequantize_span_for(x, y, n, scale, zp, supported(isa));
}
void dequantize_span(const int8_t* x, float* y, int64_t n, float scale, int32_t zp, Isa isa) {
  dequantize_span_for(x, y, n, scale, zp, supported(isa));
}
void dequantize_span(const int32_t* x, float* y, int64_t n, float scale, int32_t zp, Isa isa) {
  dequantize_span_for(x, y, n, scale, zp, supported(isa));
}

void register_quantize_linear_ops(OpRegistry& r) {
  // Opset 13 adds per-axis scales; 19 only adds float8 types and `saturate` (float8 only); 21 adds block_size
  // (rejected when set) and int4.
  // Inputs: x, scale, zero point; the 8-bit tensor is QuantizeLinear's output and DequantizeLinear's input.
  const OpTraits quantize{{{"y", QuantSlot::kOutput0, 1, 2}}, -1, false, qdq_reads_blocked};
  const OpTraits dequantize{{{"x", 0, 1, 2}}, -1, false, qdq_reads_blocked};
  r.add({"", "QuantizeLinear", 10, 12, infer_quantize, create_quantize, quantize});
  r.add({"", "QuantizeLinear", 13, INT64_MAX, infer_quantize, create_quantize, quantize});
  r.add({"", "DequantizeLinear", 10, 12, infer_dequantize, create_dequantize, dequantize});
  r.add({"", "DequantizeLinear", 13, INT64_MAX, infer_dequantize, create_dequantize, dequantize});
}

}  // namespace ssdx
