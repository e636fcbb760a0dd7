// Ops that make values rather than move them: Constant, ConstantOfShape and the casts (Cast, CastLike, and
// CastRoundTrip, ssdx's rounding through a 16-bit float).
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "graph/half.h"
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

// Cast handles the computable dtypes plus float64 (which models cast to and from at their edges), float16 and
// bfloat16 (converted through float32, graph/half.h).
bool castable(DataType t) {
  return dtype_is_computable(t) || t == DataType::Double || t == DataType::Float16 || t == DataType::BFloat16;
}

// The 16-bit float types as tags for the cast kernels: their elements are stored as uint16_t bits.
struct Float16Tag {
  static float widen(uint16_t h) { return half_to_float(h); }
  static uint16_t narrow(float f) { return float_to_half(f); }
};
struct BFloat16Tag {
  static float widen(uint16_t b) { return bfloat16_to_float(b); }
  static uint16_t narrow(float f) { return float_to_bfloat16(f); }
};
template <typename T> constexpr bool is_half_v = std::is_same_v<T, Float16Tag> || std::is_same_v<T, BFloat16Tag>;
template <typename T> using Stored = std::conditional_t<is_half_v<T>, uint16_t, T>;

template <typename F>
void dispatch_cast_dtype(DataType dtype, F&& f) {
  if (dtype == DataType::Double) f(double{});
  else if (dtype == DataType::Float16) f(Float16Tag{});
  else if (dtype == DataType::BFloat16) f(BFloat16Tag{});
  else dispatch_dtype(dtype, f);
}

DataType cast_target(const Attributes& a, const char* op) {
  const int64_t to = required_int(a, "to");
  if (to < 0 || to > INT32_MAX || !dtype_is_known(static_cast<int32_t>(to)))
    fail(op, ": 'to' = ", to, " is not a dtype");
  const DataType t = static_cast<DataType>(to);
  if (!castable(t)) fail(op, " to ", dtype_name(t), " is not supported");
  return t;
}

// The 16-bit type a CastRoundTrip rounds through.
DataType round_trip_type(const Attributes& a) {
  const DataType via = cast_target(a, "CastRoundTrip");
  if (via != DataType::Float16 && via != DataType::BFloat16)
    fail("CastRoundTrip: 'to' must be float16 or bfloat16, got ", dtype_name(via));
  return via;
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

// Cast and CastRoundTrip: `to` from the attribute; CastLike: the dtype of its second input.
void infer_converted(OpContext& ctx, const char* op, DataType to) {
  const DataType from = ctx.input_dtype(0);
  if (!castable(from)) fail(op, " from ", dtype_name(from), " is not supported");
  if (!castable(to)) fail(op, " to ", dtype_name(to), " is not supported");
  if (ctx.input_shape_known(0)) ctx.set_output(0, to, ctx.input_shape(0));
  else ctx.set_output_dtype(0, to);
}

void infer_cast(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  infer_converted(ctx, "Cast", cast_target(ctx.attrs(), "Cast"));
}

void infer_cast_like(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  infer_converted(ctx, "CastLike", ctx.input_dtype(1));
}

void infer_cast_round_trip(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  round_trip_type(ctx.attrs());
  infer_converted(ctx, "CastRoundTrip", DataType::Float);
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
// The 16-bit floats go through float32, as onnxruntime's Cast does: a half source is widened exactly first, a half
// target is rounded (to nearest even) from the source's float32 value.
template <typename D, typename S>
Stored<D> convert(Stored<S> x) {
  if constexpr (is_half_v<S>) return convert<D, float>(S::widen(x));
  else if constexpr (is_half_v<D>) return D::narrow(convert<float, S>(x));
  else if constexpr (std::is_same_v<D, bool>) return x != S(0);
  else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>)
    return float_to_int<D>(static_cast<double>(x));
  else return static_cast<D>(x);
}

// y = convert(x), or with a `Via` type other than D, convert to Via and from there to D (CastRoundTrip).
template <typename D, typename S, typename Via = D>
void cast_kernel(const Tensor& x, Tensor& y) {
  if (!x.is_plain() || !y.is_plain()) fail("Cast needs plain row-major tensors");
  const auto* src = static_cast<const Stored<S>*>(x.raw());
  auto* dst = static_cast<Stored<D>*>(y.raw());
  const int64_t n = x.numel();
#pragma omp parallel for if (n > (1 << 16)) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<Via, D>) dst[i] = convert<D, S>(src[i]);
    else dst[i] = convert<D, Via>(convert<Via, S>(src[i]));
  }
}

// Cast and CastLike: bytes copied when the dtypes agree.
void cast_tensor(const Tensor& x, DataType to, Tensor& y) {
  if (x.dtype() == to) return copy_bytes(x, y);
  dispatch_cast_dtype(x.dtype(), [&](auto s) {
    dispatch_cast_dtype(to, [&](auto d) { cast_kernel<decltype(d), decltype(s)>(x, y); });
  });
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
           return make_kernel([to = cast_target(ctx.attrs(), "Cast")](KernelContext& kc) {
             cast_tensor(kc.input(0), to, kc.output(0));
           }, "ref");
         }});
  r.add({"", "CastLike", 15, INT64_MAX, infer_cast_like, [](const OpContext& ctx) {
           return make_kernel([to = ctx.input_dtype(1)](KernelContext& kc) {
             cast_tensor(kc.input(0), to, kc.output(0));
           }, "ref");
         }});
  // What the float16 pass (passes/float16_compute.h) leaves of a graph's own Cast to float16 or bfloat16 once the
  // values after it are float32: the rounding to that type, kept exact, with a float32 result.
  r.add({kInternalDomain, "CastRoundTrip", 1, INT64_MAX, infer_cast_round_trip, [](const OpContext& ctx) {
           return make_kernel([via = round_trip_type(ctx.attrs())](KernelContext& kc) {
             const Tensor& x = kc.input(0);
             dispatch_cast_dtype(x.dtype(), [&](auto s) {
               if (via == DataType::Float16) cast_kernel<float, decltype(s), Float16Tag>(x, kc.output(0));
               else cast_kernel<float, decltype(s), BFloat16Tag>(x, kc.output(0));
             });
           }, "ref");
         }});
}

}  // namespace ssdx
