// Ops that make values rather than move them: Constant, ConstantOfShape and Cast.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "ops/op_util.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

// ---- attributes ----

// The value of a Constant node: exactly one of `value` (any tensor) or, from opset 12, the float/int shorthands.
Tensor constant_value(const Attributes& a) {
  for (const char* name : {"sparse_value", "value_string", "value_strings"})
    if (a.has(name)) fail("Constant: attribute '", name, "' is not supported (no sparse or string tensors)");
  const char* names[] = {"value", "value_float", "value_floats", "value_int", "value_ints"};
  int count = 0;
  for (const char* name : names) count += a.has(name) ? 1 : 0;
  if (count != 1) fail("Constant needs exactly one value attribute, got ", count);
  if (a.has("value_float")) return make_tensor<float>({}, {a.get_float("value_float", 0)});
  if (a.has("value_int")) return make_tensor<int64_t>({}, {a.get_int("value_int", 0)});
  if (a.has("value_floats")) {
    std::vector<float> v = a.get_floats("value_floats");
    return make_tensor<float>({static_cast<int64_t>(v.size())}, v);
  }
  if (a.has("value_ints")) {
    std::vector<int64_t> v = a.get_ints("value_ints");
    return make_tensor<int64_t>({static_cast<int64_t>(v.size())}, v);
  }
  const Tensor& t = a.get_tensor("value");
  if (dtype_size(t.dtype()) == 0) fail("Constant: value has dtype ", dtype_name(t.dtype()), ", which is not supported");
  if (t.empty_storage()) fail("Constant: value ", shape_str(t.shape()), " has no data");
  return t;
}

// The fill value of ConstantOfShape: a one-element tensor, float 0 by default.
Tensor fill_value(const Attributes& a) {
  if (!a.has("value")) return make_tensor<float>({1}, {0.f});
  const Tensor& t = a.get_tensor("value");
  if (t.numel() != 1) fail("ConstantOfShape: value must hold one element, got shape ", shape_str(t.shape()));
  if (dtype_size(t.dtype()) == 0 || t.empty_storage())
    fail("ConstantOfShape: value of dtype ", dtype_name(t.dtype()), " is not supported");
  return t;
}

// Cast handles the computable dtypes plus float64 (which models cast to and from at their edges).
bool castable(DataType t) { return dtype_is_computable(t) || t == DataType::Double; }

template <typename F>
void dispatch_cast_dtype(DataType dtype, F&& f) {
  if (dtype == DataType::Double) f(double{});
  else dispatch_dtype(dtype, f);
}

DataType cast_target(const Attributes& a) {
  const int64_t to = required_int(a, "to");
  if (to < 0 || to > INT32_MAX || !dtype_is_known(static_cast<int32_t>(to)))
    fail("Cast: 'to' = ", to, " is not a dtype");
  const DataType t = static_cast<DataType>(to);
  if (!castable(t)) fail("Cast to ", dtype_name(t), " is not supported");
  return t;
}

// ---- shape functions ----

void infer_constant(OpContext& ctx) {
  ctx.require_inputs(0, 0);
  const Tensor v = constant_value(ctx.attrs());
  ctx.set_output(0, v.dtype(), v.shape());
}

void infer_constant_of_shape(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, {DataType::Int64});
  const DataType dt = fill_value(ctx.attrs()).dtype();
  const IntsArg shape = ints_from_input(ctx, 0);
  if (shape.known) {
    for (int64_t d : shape.values)
      if (d < 0) fail("ConstantOfShape: negative dimension ", d, " in shape ", shape_str(shape.values));
    ctx.set_output(0, dt, shape.values);
  } else if (shape.count >= 0) {
    ctx.set_output(0, dt, Shape(static_cast<size_t>(shape.count), kUnknownDim));
  } else {
    ctx.set_output_dtype(0, dt);
  }
}

void infer_cast(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  const DataType from = ctx.input_dtype(0);
  if (!castable(from)) fail("Cast from ", dtype_name(from), " is not supported");
  const DataType to = cast_target(ctx.attrs());
  if (ctx.input_shape_known(0)) ctx.set_output(0, to, ctx.input_shape(0));
  else ctx.set_output_dtype(0, to);
}

// ---- reference kernels ----

// Float to integer: truncation toward zero as static_cast does, but saturating where static_cast is undefined:
// NaN -> 0, values beyond the type's range (incl. +-inf) -> its min / max. (Rust's `as` rule; x86's cvttss2si
// would instead give INT_MIN for int32 and wrapped garbage for int8.)
template <typename D>
D float_to_int(double x) {
  constexpr double lo = static_cast<double>(std::numeric_limits<D>::min());
  constexpr double hi = static_cast<double>(std::numeric_limits<D>::max()) + 1.0;  // a power of two: exact
  if (std::isnan(x)) return D(0);
  if (x >= hi) return std::numeric_limits<D>::max();
  if (x <= lo - 1.0) return std::numeric_limits<D>::min();
  return static_cast<D>(x);  // x in (lo - 1, hi): the truncated value fits
}

static_assert(std::numeric_limits<float>::is_iec559 && std::numeric_limits<double>::is_iec559,
              "double -> float relies on IEEE overflow to +-inf");

// One element. Integer narrowing wraps modulo 2^n (numpy's rule; defined by GCC and C++20); to bool is x != 0,
// so NaN is true.
template <typename D, typename S>
D convert(S x) {
  if constexpr (std::is_same_v<D, bool>) return x != S(0);
  else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>)
    return float_to_int<D>(static_cast<double>(x));
  else return static_cast<D>(x);
}

template <typename D, typename S>
void cast_kernel(const Tensor& x, Tensor& y) {
  const S* src = x.data<S>();
  D* dst = y.data<D>();
  const int64_t n = x.numel();
#pragma omp parallel for if (n > (1 << 16)) schedule(static)
  for (int64_t i = 0; i < n; ++i) dst[i] = convert<D>(src[i]);
}

// Repeats the one element of `value` over all of `out`.
void fill_kernel(const Tensor& value, Tensor& out) {
  const auto* v = static_cast<const uint8_t*>(value.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  const int64_t n = out.numel();
  dispatch_elem_size(dtype_size(value.dtype()), [&](auto size) {
    constexpr size_t N = decltype(size)::value;
#pragma omp parallel for if (n > (1 << 16)) schedule(static)
    for (int64_t i = 0; i < n; ++i) std::memcpy(dst + static_cast<size_t>(i) * N, v, N);
  });
}

}  // namespace

void register_constant_ops(OpRegistry& r) {
  r.add({"", "Constant", 1, INT64_MAX, infer_constant, [](const OpContext& ctx) {
           return make_kernel(
               [value = constant_value(ctx.attrs())](KernelContext& kc) { copy_bytes(value, kc.output(0)); }, "ref");
         }});
  r.add({"", "ConstantOfShape", 9, INT64_MAX, infer_constant_of_shape, [](const OpContext& ctx) {
           return make_kernel(
               [value = fill_value(ctx.attrs())](KernelContext& kc) { fill_kernel(value, kc.output(0)); }, "ref");
         }});
  r.add({"", "Cast", 6, INT64_MAX, infer_cast, [](const OpContext& ctx) {
           return make_kernel([to = cast_target(ctx.attrs())](KernelContext& kc) {
             const Tensor& x = kc.input(0);
             if (x.dtype() == to) return copy_bytes(x, kc.output(0));
             dispatch_cast_dtype(x.dtype(), [&](auto s) {
               dispatch_cast_dtype(to, [&](auto d) { cast_kernel<decltype(d), decltype(s)>(x, kc.output(0)); });
             });
           }, "ref");
         }});
}

}  // namespace ssdx
