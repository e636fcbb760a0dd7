// ReduceMin, ReduceMax, ReduceSum over float32, int32, int64, int8, uint8 through one generic reduction.
// Axes come from the `axes` attribute (ReduceMin/Max opset 1-17, ReduceSum 1-12) or from the optional second input
// with `noop_with_empty_axes` (ReduceMin/Max 18+, ReduceSum 13+). Empty/absent axes reduce every dim, unless
// noop_with_empty_axes=1, which makes the op an identity.
// Reducing over an empty set follows the ONNX spec: Sum gives 0, Max gives -inf (lowest value for integers), Min
// gives +inf (highest value for integers). Max/Min propagate NaN. Integer sums wrap around (as ORT's, no UB).
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "ops/int_arith.h"
#include "ops/op_util.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

enum class ReduceKind { Min, Max, Sum };

const char* reduce_name(ReduceKind k) {
  switch (k) {
    case ReduceKind::Min: return "ReduceMin";
    case ReduceKind::Max: return "ReduceMax";
    default: return "ReduceSum";
  }
}

struct ReduceParams {
  ReduceKind kind = ReduceKind::Sum;
  bool axes_from_input = false;       // opset form: axes as input 1 rather than an attribute
  bool keepdims = true;
  bool noop_with_empty_axes = false;
  std::vector<int64_t> attr_axes;
};

ReduceParams parse_reduce(const OpContext& ctx, ReduceKind kind, bool axes_from_input) {
  ReduceParams p;
  p.kind = kind;
  p.axes_from_input = axes_from_input;
  p.keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  if (axes_from_input) p.noop_with_empty_axes = ctx.attrs().get_int("noop_with_empty_axes", 0) != 0;
  else p.attr_axes = ctx.attrs().get_ints("axes");
  return p;
}

// Which dims are reduced: those in `axes`; every dim when `axes` is empty, none when noop_with_empty_axes is set.
std::vector<bool> reduced_dims(const ReduceParams& p, int64_t rank, const std::vector<int64_t>& axes) {
  if (axes.empty()) return std::vector<bool>(static_cast<size_t>(rank), !p.noop_with_empty_axes);
  std::vector<bool> mask(static_cast<size_t>(rank), false);
  for (int64_t a : normalize_axes(axes, rank, reduce_name(p.kind))) mask[static_cast<size_t>(a)] = true;
  return mask;
}

Shape reduced_shape(const Shape& in, const std::vector<bool>& mask, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!mask[d]) out.push_back(in[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

// ---- shape function ----

void infer_reduce(OpContext& ctx, ReduceKind kind, bool axes_from_input) {
  ctx.require_inputs(1, axes_from_input ? 2 : 1);
  ctx.require_dtype(0, {DataType::Float, DataType::Int32, DataType::Int64, DataType::Int8, DataType::UInt8});
  if (axes_from_input) ctx.require_dtype(1, {DataType::Int64});
  const ReduceParams p = parse_reduce(ctx, kind, axes_from_input);
  const DataType dt = ctx.input_dtype(0);
  std::vector<int64_t> axes = p.attr_axes;
  const bool axes_known = !axes_from_input || !ctx.has_input(1) || ctx.input_ints(1, axes);
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, dt);
    return;
  }
  const Shape& in = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  if (axes_known) {
    ctx.set_output(0, dt, reduced_shape(in, reduced_dims(p, rank, axes), p.keepdims));
  } else if (p.keepdims) {  // rank is kept; each dim is either unchanged or 1
    Shape out(in.size(), kUnknownDim);
    for (size_t d = 0; d < in.size(); ++d)
      if (in[d] == 1) out[d] = 1;
    ctx.set_output(0, dt, out);
  } else {
    ctx.set_output_dtype(0, dt);
  }
}

// ---- reference kernel ----

template <typename T>
struct SumOp {
  static T identity() { return T(0); }
  static T combine(T a, T b) { return wrapping_add(a, b); }  // integers wrap around, as numpy's do
};

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

template <typename T>
struct MaxOp {
  static T identity() {
    if constexpr (std::numeric_limits<T>::has_infinity) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
  }
  static T combine(T a, T b) { return (b > a || is_nan(b)) ? b : a; }
};

template <typename T>
struct MinOp {
  static T identity() {
    if constexpr (std::numeric_limits<T>::has_infinity) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
  static T combine(T a, T b) { return (b < a || is_nan(b)) ? b : a; }
};

struct StridedDim {
  int64_t size;
  int64_t stride;
};

// y[kept coords] = Op over x[kept coords, reduced coords]. Dims are coalesced first (size-1 dims dropped, adjacent
// dims of the same role merged) so the common cases become one or two tight loops. Elements are combined in
// increasing index order, starting from the first element (the identity is used only for an empty set).
template <typename T, typename Op>
void reduce_generic(const T* x, const Shape& shape, const std::vector<bool>& reduced, T* y) {
  const std::vector<int64_t> strides = shape_strides(shape);
  std::vector<StridedDim> kept, red;
  int last_role = -1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    const int role = reduced[d] ? 1 : 0;
    std::vector<StridedDim>& list = role ? red : kept;
    if (role == last_role) {  // row-major: merging with the previous (outer) dim of the same role
      list.back().size *= shape[d];
      list.back().stride = strides[d];
    } else {
      list.push_back({shape[d], strides[d]});
    }
    last_role = role;
  }
  int64_t n_out = 1, n_red = 1;
  for (const StridedDim& k : kept) n_out *= k.size;
  for (const StridedDim& r : red) n_red *= r.size;
  if (n_out == 0) return;
  if (n_red == 0) {
    for (int64_t o = 0; o < n_out; ++o) y[o] = Op::identity();
    return;
  }
  const StridedDim inner = red.empty() ? StridedDim{1, 1} : red.back();
  const int64_t outer_red = n_red / inner.size;
  const int64_t outer_dims = red.empty() ? 0 : static_cast<int64_t>(red.size()) - 1;
#pragma omp parallel for if (n_out > 1 && n_out * n_red > (1 << 16)) schedule(static)
  for (int64_t o = 0; o < n_out; ++o) {
    int64_t base = 0;
    for (int64_t k = static_cast<int64_t>(kept.size()) - 1, rem = o; k >= 0; --k) {
      const StridedDim& kd = kept[static_cast<size_t>(k)];
      base += (rem % kd.size) * kd.stride;
      rem /= kd.size;
    }
    T acc = x[base];
    int64_t j0 = 1;  // the first element seeded acc
    for (int64_t r = 0; r < outer_red; ++r) {
      int64_t off = base;
      for (int64_t k = outer_dims - 1, rem = r; k >= 0; --k) {
        const StridedDim& rd = red[static_cast<size_t>(k)];
        off += (rem % rd.size) * rd.stride;
        rem /= rd.size;
      }
      const T* p = x + off;
      for (int64_t j = j0; j < inner.size; ++j) acc = Op::combine(acc, p[j * inner.stride]);
      j0 = 0;
    }
    y[o] = acc;
  }
}

template <typename T>
void reduce_typed(ReduceKind kind, const Tensor& x, const std::vector<bool>& mask, Tensor& y) {
  const T* src = x.data<T>();
  T* dst = y.data<T>();
  switch (kind) {
    case ReduceKind::Min: reduce_generic<T, MinOp<T>>(src, x.shape(), mask, dst); break;
    case ReduceKind::Max: reduce_generic<T, MaxOp<T>>(src, x.shape(), mask, dst); break;
    case ReduceKind::Sum: reduce_generic<T, SumOp<T>>(src, x.shape(), mask, dst); break;
  }
}

void reduce_kernel(const ReduceParams& p, KernelContext& kc) {
  const Tensor& x = kc.input(0);
  Tensor& y = kc.output(0);
  std::vector<int64_t> axes = p.attr_axes;
  if (p.axes_from_input && kc.optional_input(1)) axes = kc.input(1).to_int_vector();
  const std::vector<bool> mask = reduced_dims(p, x.rank(), axes);
  bool any = false;
  for (bool m : mask) any = any || m;
  if (!any) {  // noop_with_empty_axes, or a scalar input: the output is the input
    if (x.nbytes()) std::memcpy(y.raw(), x.raw(), x.nbytes());
    return;
  }
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) fail(reduce_name(p.kind), " does not support bool");
    else reduce_typed<T>(p.kind, x, mask, y);
  });
}

OpDef reduce_def(ReduceKind kind, int64_t since, int64_t end, bool axes_from_input) {
  return {"", reduce_name(kind), since, end,
          [=](OpContext& ctx) { infer_reduce(ctx, kind, axes_from_input); },
          [=](const OpContext& ctx) {
            return make_kernel([p = parse_reduce(ctx, kind, axes_from_input)](KernelContext& kc) { reduce_kernel(p, kc); }, "ref");
          }};
}

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  r.add(reduce_def(ReduceKind::Min, 1, 17, false));
  r.add(reduce_def(ReduceKind::Min, 18, INT64_MAX, true));
  r.add(reduce_def(ReduceKind::Max, 1, 17, false));
  r.add(reduce_def(ReduceKind::Max, 18, INT64_MAX, true));
  r.add(reduce_def(ReduceKind::Sum, 1, 12, false));
  r.add(reduce_def(ReduceKind::Sum, 13, INT64_MAX, true));
}

}  // namespace ssdx
