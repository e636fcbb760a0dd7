// Range (opset 11): the sequence start, start + delta, ... below limit (above it for a negative delta), of
// max(ceil((limit - start) / delta), 0) elements. Values accumulate by repeated addition, as ONNX's function body
// (a Loop adding delta) and onnxruntime do. The length depends on the inputs' values: unknown at load unless they
// are constants, exact when the executor infers again at run time.
#include <cmath>

#include "ops/data_movement.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

template <typename T>
T scalar_value(const Tensor& t, const char* what) {
  if (t.numel() != 1 || t.rank() > 1) fail("Range: ", what, " must be a scalar, got shape ", shape_str(t.shape()));
  return t.data<T>()[0];
}

// The element count, checked: delta 0 and counts past int64 fail naming the values.
template <typename T>
int64_t range_length(T start, T limit, T delta) {
  if (delta == T(0)) fail("Range: delta is 0 (start ", start, ", limit ", limit, ")");
  double n;
  if constexpr (std::is_integral_v<T>) {
    // Exact integer ceil division, in 128 bits so that limit - start never overflows.
    const __int128 span = static_cast<__int128>(limit) - start, d = delta;
    __int128 q = span / d;
    if (span % d != 0 && ((span < 0) == (d < 0))) ++q;
    n = q <= 0 ? 0.0 : static_cast<double>(q);
  } else {
    // onnxruntime's count: the difference in T, the division in double.
    n = std::ceil(static_cast<double>(static_cast<T>(limit - start)) / static_cast<double>(delta));
    if (std::isnan(n)) fail("Range: start ", start, ", limit ", limit, ", delta ", delta, " give no length");
    n = std::max(n, 0.0);
  }
  if (n >= 9.2e18) fail("Range: start ", start, ", limit ", limit, ", delta ", delta, " give ", n, " elements");
  return static_cast<int64_t>(n);
}

int64_t range_length_of(const Tensor& start, const Tensor& limit, const Tensor& delta) {
  return dispatch_dtype(start.dtype(), [&](auto zero) -> int64_t {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
      return range_length<T>(scalar_value<T>(start, "start"), scalar_value<T>(limit, "limit"),
                             scalar_value<T>(delta, "delta"));
    } else {
      fail("Range: dtype ", dtype_name(start.dtype()), " is not supported (float32, int32, int64)");
    }
  });
}

void infer_range(OpContext& ctx) {
  ctx.require_inputs(3, 3);
  ctx.require_dtype(0, {DataType::Float, DataType::Int32, DataType::Int64});
  const DataType dt = ctx.input_dtype(0);
  for (int i = 1; i < 3; ++i)
    if (ctx.input_dtype(i) != dt)
      fail("Range: input ", i, " has dtype ", dtype_name(ctx.input_dtype(i)), ", start has ", dtype_name(dt));
  const Tensor* start = ctx.input_constant(0);
  const Tensor* limit = ctx.input_constant(1);
  const Tensor* delta = ctx.input_constant(2);
  if (!start || !limit || !delta) {
    ctx.set_output(0, dt, {kUnknownDim});
    return;
  }
  const Shape out{range_length_of(*start, *limit, *delta)};
  check_output_fits("Range", out, dt);
  ctx.set_output(0, dt, out);
}

void range_kernel(KernelContext& kc) {
  Tensor& y = kc.output(0);
  dispatch_dtype(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
      const T delta = scalar_value<T>(kc.input(2), "delta");
      T value = scalar_value<T>(kc.input(0), "start");
      T* out = y.data<T>();
      // No addition past the last element: it could overflow an integer type.
      for (int64_t i = 0, n = y.numel(); i < n; ++i) {
        out[i] = value;
        if (i + 1 < n) value = static_cast<T>(value + delta);
      }
    }
  });
}

}  // namespace

void register_range_ops(OpRegistry& r) {
  r.add({"", "Range", 11, INT64_MAX, infer_range,
         [](const OpContext&) { return make_kernel(range_kernel, "ref"); }});
}

}  // namespace ssdx
