// ReduceMin, ReduceMax, ReduceSum over float32, int32, int64, int8, uint8, ReduceProd and ReduceMean over float32,
// int32, int64, and ReduceL2 over float32, through one generic reduction.
// Axes come from the `axes` attribute (ReduceMin/Max/Prod/Mean/L2 opset 1-17, ReduceSum 1-12) or from the optional
// second input with `noop_with_empty_axes` (18+, ReduceSum 13+). Empty/absent axes reduce every dim, unless
// noop_with_empty_axes=1, which makes the op an identity.
// Reducing over an empty set follows the ONNX spec: Sum and L2 give 0, Prod gives 1, Max gives -inf (lowest value
// for integers), Min gives +inf (highest value for integers), Mean gives 0/0 (NaN; 0 for integers, as ORT).
// Max/Min propagate NaN. Integer sums and products wrap around (as ORT's, no UB); an integer mean truncates.
// ReduceL2 over axis 1 of [N, C, spatial...] with keepdims (mmdeploy's L2 normalisation) has a vectorised kernel
// (ops/l2_norm.h); the generic loops stay the reference.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "ops/channel_norm.h"
#include "ops/int_arith.h"
#include "ops/op_util.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

enum class ReduceKind { Min, Max, Sum, Prod, Mean, L2 };

const char* reduce_name(ReduceKind k) {
  switch (k) {
    case ReduceKind::Min: return "ReduceMin";
    case ReduceKind::Max: return "ReduceMax";
    case ReduceKind::Prod: return "ReduceProd";
    case ReduceKind::Mean: return "ReduceMean";
    case ReduceKind::L2: return "ReduceL2";
    default: return "ReduceSum";
  }
}

// The dtypes ONNX defines each reduction for, of those the engine computes.
std::initializer_list<DataType> reduce_dtypes(ReduceKind k) {
  static const std::initializer_list<DataType> all = {DataType::Float, DataType::Int32, DataType::Int64,
                                                      DataType::Int8, DataType::UInt8};
  static const std::initializer_list<DataType> wide = {DataType::Float, DataType::Int32, DataType::Int64};
  static const std::initializer_list<DataType> real = {DataType::Float};
  switch (k) {
    case ReduceKind::Prod:
    case ReduceKind::Mean: return wide;
    case ReduceKind::L2: return real;
    default: return all;
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
  ctx.require_dtype(0, reduce_dtypes(kind));
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

// Each reduction: the value of an empty set, how the first element seeds the accumulator, how one more element
// joins it, and what the accumulator of n elements becomes.
template <typename T>
struct SumOp {
  static T identity() { return T(0); }
  static T first(T v) { return v; }
  static T combine(T a, T b) { return wrapping_add(a, b); }  // integers wrap around, as numpy's do
  static T finish(T a, int64_t) { return a; }
};

template <typename T>
struct ProdOp {
  static T identity() { return T(1); }
  static T first(T v) { return v; }
  static T combine(T a, T b) { return wrapping_mul(a, b); }
  static T finish(T a, int64_t) { return a; }
};

template <typename T>
struct MeanOp : SumOp<T> {
  static T identity() {
    if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::quiet_NaN();  // 0 / 0
    else return T(0);
  }
  static T finish(T a, int64_t n) { return static_cast<T>(a / static_cast<T>(n)); }
};

struct L2Op {
  static float identity() { return 0.f; }
  static float first(float v) { return v * v; }
  static float combine(float a, float b) { return a + b * b; }
  static float finish(float a, int64_t) { return std::sqrt(a); }
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
  static T first(T v) { return v; }
  static T combine(T a, T b) { return (b > a || is_nan(b)) ? b : a; }
  static T finish(T a, int64_t) { return a; }
};

template <typename T>
struct MinOp {
  static T identity() {
    if constexpr (std::numeric_limits<T>::has_infinity) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
  static T first(T v) { return v; }
  static T combine(T a, T b) { return (b < a || is_nan(b)) ? b : a; }
  static T finish(T a, int64_t) { return a; }
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
    T acc = Op::first(x[base]);
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
    y[o] = Op::finish(acc, n_red);
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
    case ReduceKind::Prod: reduce_generic<T, ProdOp<T>>(src, x.shape(), mask, dst); break;
    case ReduceKind::Mean: reduce_generic<T, MeanOp<T>>(src, x.shape(), mask, dst); break;
    case ReduceKind::L2:
      if constexpr (std::is_same_v<T, float>) reduce_generic<float, L2Op>(src, x.shape(), mask, dst);
      else fail("ReduceL2 does not support ", dtype_name(x.dtype()));
      break;
  }
}

// Only axis 1 of a float tensor is reduced: ReduceL2 runs the vectorised channel norms.
bool reduces_axis1_only(const std::vector<bool>& mask) {
  if (mask.size() < 2 || !mask[1]) return false;
  for (size_t d = 0; d < mask.size(); ++d)
    if (d != 1 && mask[d]) return false;
  return true;
}

void reduce_kernel(const ReduceParams& p, const KernelIsa& impl, KernelContext& kc) {
  const Tensor& x = kc.input(0);
  Tensor& y = kc.output(0);
  std::vector<int64_t> axes = p.attr_axes;
  if (p.axes_from_input && kc.optional_input(1)) axes = kc.input(1).to_int_vector();
  const std::vector<bool> mask = reduced_dims(p, x.rank(), axes);
  bool any = false;
  for (bool m : mask) any = any || m;
  if (!any && x.rank() > 0) {  // noop_with_empty_axes: the output is the input
    if (x.nbytes()) std::memcpy(y.raw(), x.raw(), x.nbytes());
    return;
  }
  if (p.kind == ReduceKind::L2 && !impl.reference && x.dtype() == DataType::Float && reduces_axis1_only(mask) &&
      x.shape()[1] > 0) {
    channel_norms(x.data<float>(), split_at_axis(x.shape(), 1), 2, y.data<float>(), impl.isa);
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
            const KernelIsa impl = choose_kernel_isa(ctx.hints().reference);
            ReduceParams p = parse_reduce(ctx, kind, axes_from_input);
            // Named after the kernel that will run when the axes are known now ([1] or its negative form).
            std::vector<int64_t> axes = p.attr_axes;
            if (axes_from_input && ctx.has_input(1) && !ctx.input_ints(1, axes)) axes.clear();
            const bool rank_known = ctx.input_shape_known(0);
            const int64_t rank = rank_known ? static_cast<int64_t>(ctx.input_shape(0).size()) : 0;
            const bool channel = kind == ReduceKind::L2 && rank_known && axes.size() == 1 &&
                                 (axes[0] == 1 || axes[0] == 1 - rank);
            return make_kernel([p, impl](KernelContext& kc) { reduce_kernel(p, impl, kc); },
                               channel ? impl.impl_name("l2norm") : "ref");
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
  for (ReduceKind k : {ReduceKind::Prod, ReduceKind::Mean, ReduceKind::L2}) {
    r.add(reduce_def(k, 1, 17, false));
    r.add(reduce_def(k, 18, INT64_MAX, true));
  }
}

}  // namespace ssdx
