#pragma once
// Small helpers shared by op families: axis handling, int arguments that moved from attributes to inputs across
// opsets, and dtype-generic element copies.
#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "ops/op.h"

namespace ssdx {

// A shape viewed as [outer, dim, inner] around one axis: the layout Softmax, TopK, Gather... iterate over.
struct AxisSplit {
  int64_t outer = 1;  // product of the dims before the axis
  int64_t dim = 1;    // the axis dim
  int64_t inner = 1;  // product of the dims after the axis
};

// `axis` must already be normalized into [0, rank).
inline AxisSplit split_at_axis(const Shape& shape, int64_t axis) {
  AxisSplit s;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    const int64_t d = shape[static_cast<size_t>(i)];
    if (i < axis) s.outer *= d;
    else if (i == axis) s.dim = d;
    else s.inner *= d;
  }
  return s;
}

// The one integer held by a one-element integer tensor (K of TopK, scalar limits...); `what` names it in messages.
inline int64_t single_int(const Tensor& t, const char* what) {
  if (t.dtype() != DataType::Int64 && t.dtype() != DataType::Int32)
    fail(what, " must be int64 or int32, got ", dtype_name(t.dtype()));
  if (t.numel() != 1) fail(what, " must hold exactly one value, got shape ", shape_str(t.shape()));
  return t.int_at(0);
}

// The value held by a one-element float32 tensor (scalar thresholds of NonMaxSuppression...).
inline float single_float(const Tensor& t, const char* what) {
  if (t.dtype() != DataType::Float) fail(what, " must be float32, got ", dtype_name(t.dtype()));
  if (t.numel() != 1) fail(what, " must hold exactly one value, got shape ", shape_str(t.shape()));
  return t.data<float>()[0];
}

// Attributes the op cannot do without; fail naming them when missing or of another kind.
inline int64_t required_int(const Attributes& a, const std::string& name) {
  a.at(name);
  return a.get_int(name, 0);
}
inline std::vector<int64_t> required_ints(const Attributes& a, const std::string& name) {
  a.at(name);
  return a.get_ints(name);
}

// An int-list argument (axes, starts, shape...) given as an attribute in older opsets and as an input in newer ones.
struct IntsArg {
  bool present = false;  // the attribute is set / the optional input is connected
  bool known = false;    // values are available: always for attributes, for inputs only when constant
  int64_t count = -1;    // number of values when known, even if the values are not (static 1-D input shape)
  std::vector<int64_t> values;
};

inline IntsArg ints_from_attr(const OpContext& ctx, const std::string& name) {
  IntsArg a;
  if (!ctx.attrs().has(name)) return a;
  a.present = a.known = true;
  a.values = ctx.attrs().get_ints(name);
  a.count = static_cast<int64_t>(a.values.size());
  return a;
}

// Input i as an int list; fails unless it is int32/int64 and at most 1-D.
inline IntsArg ints_from_input(const OpContext& ctx, int i) {
  IntsArg a;
  if (!ctx.has_input(i)) return a;
  a.present = true;
  ctx.require_dtype(i, {DataType::Int64, DataType::Int32});
  if (ctx.input_shape_known(i)) {
    const Shape& s = ctx.input_shape(i);
    if (s.size() > 1) fail("input ", i, " must be a 1-D list of integers, got shape ", shape_str(s));
    a.count = s.empty() ? 1 : s[0];
  }
  a.known = ctx.input_ints(i, a.values);
  if (a.known) a.count = static_cast<int64_t>(a.values.size());
  return a;
}

inline IntsArg ints_arg(const OpContext& ctx, bool from_input, const std::string& attr_name, int input_index) {
  return from_input ? ints_from_input(ctx, input_index) : ints_from_attr(ctx, attr_name);
}

// Normalizes every axis into [0, rank) and fails on duplicates; `what` names the list in messages.
inline std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank, const char* what) {
  std::vector<int64_t> out;
  out.reserve(axes.size());
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    int64_t n = normalize_axis(a, rank, what);
    if (seen[static_cast<size_t>(n)]) fail(what, " axis ", a, " is repeated");
    seen[static_cast<size_t>(n)] = true;
    out.push_back(n);
  }
  return out;
}

// Output shape of Concat along axis_attr (normalized here); inputs of unknown rank are null. Dims off the axis must
// agree (unknown matches anything); the axis dims add up. Defined in layout.cpp, shared with QLinearConcat.
Shape concat_shape(const std::vector<const Shape*>& ins, int64_t axis_attr);

// Data-movement ops copy bytes, so they take any dtype with a fixed element size (not string).
inline void require_fixed_size_dtype(const OpContext& ctx, int i) {
  DataType t = ctx.input_dtype(i);
  if (dtype_size(t) == 0) fail("input ", i, " has dtype ", dtype_name(t), ", which has no fixed element size");
}

// memcpy, split over the OpenMP threads when large: one core alone does not reach the memory bandwidth.
inline void parallel_memcpy(void* dst, const void* src, size_t bytes) {
  constexpr size_t kChunk = size_t{1} << 18;
  const int64_t chunks = static_cast<int64_t>((bytes + kChunk - 1) / kChunk);
#pragma omp parallel for if (chunks > 1) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const size_t begin = static_cast<size_t>(c) * kChunk;
    std::memcpy(static_cast<char*>(dst) + begin, static_cast<const char*>(src) + begin,
                std::min(kChunk, bytes - begin));
  }
}

// Copies all of src into dst, which must hold the same number of bytes (shape-only ops: Reshape, Squeeze...).
inline void copy_bytes(const Tensor& src, Tensor& dst) {
  if (src.nbytes() != dst.nbytes() || dst.empty_storage())
    fail("output holds ", dst.nbytes(), " bytes, input ", src.nbytes());
  parallel_memcpy(dst.raw(), src.raw(), src.nbytes());
}

// Calls f(std::integral_constant<size_t, N>{}) with N the element size in bytes, so element copies compile to a
// single load/store whatever the dtype.
template <typename F>
decltype(auto) dispatch_elem_size(size_t size, F&& f) {
  switch (size) {
    case 1: return f(std::integral_constant<size_t, 1>{});
    case 2: return f(std::integral_constant<size_t, 2>{});
    case 4: return f(std::integral_constant<size_t, 4>{});
    case 8: return f(std::integral_constant<size_t, 8>{});
    default: fail("unsupported element size ", size);
  }
}

}  // namespace ssdx
