// Element-wise ops: Add, Sub, Mul, Div with numpy broadcasting; Relu, Exp and Sigmoid.
#include <cmath>

#include "ops/broadcast.h"
#include "ops/int_arith.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

enum class BinaryOp { Add, Sub, Mul, Div };

// ---- shape functions ----

void infer_binary(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  ctx.require_dtype(0, {DataType::Float, DataType::Int32, DataType::Int64, DataType::UInt8, DataType::Int8});
  if (ctx.input_dtype(0) != ctx.input_dtype(1))
    fail("inputs have different dtypes: ", dtype_name(ctx.input_dtype(0)), " and ", dtype_name(ctx.input_dtype(1)));
  if (ctx.input_shape_known(0) && ctx.input_shape_known(1))
    ctx.set_output(0, ctx.input_dtype(0), broadcast_shapes(ctx.input_shape(0), ctx.input_shape(1)));
  else
    ctx.set_output_dtype(0, ctx.input_dtype(0));
}

void infer_unary(OpContext& ctx, std::initializer_list<DataType> dtypes) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, dtypes);
  if (ctx.input_shape_known(0)) ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  else ctx.set_output_dtype(0, ctx.input_dtype(0));
}

// ---- reference kernels ----

template <BinaryOp Op, typename T>
T apply_binary(T a, T b) {
  if constexpr (Op == BinaryOp::Add) return wrapping_add(a, b);
  if constexpr (Op == BinaryOp::Sub) return wrapping_sub(a, b);
  if constexpr (Op == BinaryOp::Mul) return wrapping_mul(a, b);
  if constexpr (Op == BinaryOp::Div) return wrapping_div(a, b);
}

// dst = a (op) b, broadcast to dst's shape.
template <BinaryOp Op, typename T>
void binary_kernel(const Tensor& a, const Tensor& b, Tensor& dst) {
  if constexpr (Op == BinaryOp::Div && std::is_integral_v<T>) {
    const T* pb = b.data<T>();
    for (int64_t i = 0; i < b.numel(); ++i)
      if (pb[i] == 0) fail("integer division by zero");
  }
  broadcast_binary_map<T, T, T>(a, b, dst, [](T x, T y) { return apply_binary<Op>(x, y); });
}

template <BinaryOp Op>
std::unique_ptr<Kernel> create_binary(const OpContext&) {
  return make_kernel([](KernelContext& ctx) {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    dispatch_dtype(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, bool>) fail("bool arithmetic is not supported");
      else binary_kernel<Op, T>(a, b, ctx.output(0));
    });
  }, "ref");
}

// y = max(x, 0)
template <typename T>
void relu_kernel(const Tensor& x, Tensor& y) {
  const T* src = x.data<T>();
  T* dst = y.data<T>();
  const int64_t n = x.numel();
#pragma omp parallel for if (n > (1 << 16)) schedule(static)
  // Written so NaN passes through (NaN < 0 is false), as onnxruntime's Relu does.
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i] < T(0) ? T(0) : src[i];
}

// y = e^x. An exp costs tens of cycles, so threads pay off from a few thousand elements (the SSD decode has 30260).
void exp_kernel(const Tensor& x, Tensor& y) {
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  const int64_t n = x.numel();
#pragma omp parallel for if (n > (1 << 13)) schedule(static)
  for (int64_t i = 0; i < n; ++i) dst[i] = std::exp(src[i]);
}

// y = 1 / (1 + e^-x), written so it neither overflows nor loses the tails: for x < 0 it is e^x / (1 + e^x).
// Within 1 ulp or so of onnxruntime's rational approximation, which keeps SSD scores equal to 1e-7.
void sigmoid_kernel(const Tensor& x, Tensor& y) {
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  const int64_t n = x.numel();
#pragma omp parallel for if (n > (1 << 13)) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float v = src[i];
    if (v >= 0.f) {
      dst[i] = 1.f / (1.f + std::exp(-v));
    } else {
      const float e = std::exp(v);
      dst[i] = e / (1.f + e);
    }
  }
}

}  // namespace

void register_elementwise_ops(OpRegistry& r) {
  r.add({"", "Add", 7, INT64_MAX, infer_binary, create_binary<BinaryOp::Add>});
  r.add({"", "Sub", 7, INT64_MAX, infer_binary, create_binary<BinaryOp::Sub>});
  r.add({"", "Mul", 7, INT64_MAX, infer_binary, create_binary<BinaryOp::Mul>});
  r.add({"", "Div", 7, INT64_MAX, infer_binary, create_binary<BinaryOp::Div>});
  r.add({"", "Relu", 6, INT64_MAX,
         [](OpContext& ctx) { infer_unary(ctx, {DataType::Float, DataType::Int8, DataType::Int32, DataType::Int64}); },
         [](const OpContext&) {
           return make_kernel([](KernelContext& ctx) {
             dispatch_dtype(ctx.input(0).dtype(), [&](auto tag) {
               using T = decltype(tag);
               if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, uint8_t>) fail("Relu does not support this dtype");
               else relu_kernel<T>(ctx.input(0), ctx.output(0));
             });
           }, "ref");
         }});
  r.add({"", "Exp", 6, INT64_MAX, [](OpContext& ctx) { infer_unary(ctx, {DataType::Float}); },
         [](const OpContext&) { return make_kernel([](KernelContext& ctx) { exp_kernel(ctx.input(0), ctx.output(0)); }, "ref"); }});
  r.add({"", "Sigmoid", 6, INT64_MAX, [](OpContext& ctx) { infer_unary(ctx, {DataType::Float}); },
         [](const OpContext&) {
           return make_kernel([](KernelContext& ctx) { sigmoid_kernel(ctx.input(0), ctx.output(0)); }, "ref");
         }});
}

}  // namespace ssdx
