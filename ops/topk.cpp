// TopK: the K largest (or smallest) elements along `axis` and their int64 positions.
// Opset 1-9: K from attribute `k`; opset 10: K from input 1 (int64, shape [1]); opset 11+: adds `largest`, `sorted`.
// Order is onnxruntime's: value descending (largest=1) or ascending (largest=0), equal values by lower index first,
// i.e. a stable sort truncated to K. sorted=0 returns the same sorted order (ONNX leaves it unspecified).
// NaN is ranked above +inf (so first for largest=1, last for largest=0) and NaNs tie by index: a total order, so the
// result is deterministic. ORT does not define an order for NaN.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "ops/op_util.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

struct TopKParams {
  bool k_from_input = true;  // opset >= 10
  int64_t attr_k = 0;
  int64_t axis = -1;
  bool largest = true;
  bool sorted = true;
  bool reference = false;  // KernelHints::reference: topk_by_comparison for every type
};

TopKParams parse_topk(const OpContext& ctx) {
  TopKParams p;
  const Attributes& a = ctx.attrs();
  p.k_from_input = ctx.opset() >= 10;
  if (!p.k_from_input) {
    if (!a.has("k")) fail("TopK before opset 10 requires the attribute k");
    p.attr_k = a.get_int("k", 0);
  }
  p.axis = a.get_int("axis", -1);
  if (ctx.opset() >= 11) {
    p.largest = a.get_int("largest", 1) != 0;
    p.sorted = a.get_int("sorted", 1) != 0;
  }
  return p;
}

// K from input 1, validated as onnxruntime does (1-D tensor of exactly one element).
int64_t k_from_tensor(const Tensor& k) {
  if (k.rank() != 1 || k.dim(0) != 1) fail("TopK K must be a 1-D tensor of one element, got shape ", shape_str(k.shape()));
  return single_int(k, "TopK K");
}

// ---- shape function ----

void infer_topk(OpContext& ctx) {
  const TopKParams p = parse_topk(ctx);
  ctx.require_inputs(p.k_from_input ? 2 : 1, p.k_from_input ? 2 : 1);
  if (ctx.opset() >= 11) ctx.require_dtype(0, {DataType::Float, DataType::Int32, DataType::Int64});
  else ctx.require_dtype(0, {DataType::Float});
  int64_t k = p.attr_k;
  bool k_known = !p.k_from_input;
  if (p.k_from_input) {
    ctx.require_dtype(1, {DataType::Int64});
    if (ctx.input_shape_known(1) && ctx.input_shape(1) != Shape{1})
      fail("TopK K must be a 1-D tensor of one element, got shape ", shape_str(ctx.input_shape(1)));
    if (const Tensor* kt = ctx.input_constant(1)) {
      k = k_from_tensor(*kt);
      k_known = true;
    }
  }
  if (k_known && k < 0) fail("TopK K must be non-negative, got ", k);
  const DataType dt = ctx.input_dtype(0);
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, dt);
    ctx.set_output_dtype(1, DataType::Int64);
    return;
  }
  Shape out = ctx.input_shape(0);
  const int64_t axis = normalize_axis(p.axis, static_cast<int64_t>(out.size()), "TopK");
  int64_t& dim = out[static_cast<size_t>(axis)];
  if (k_known && dim != kUnknownDim && k > dim) fail("TopK K ", k, " is larger than the axis dimension ", dim);
  dim = k_known ? k : kUnknownDim;
  ctx.set_output(0, dt, out);
  ctx.set_output(1, DataType::Int64, out);
}

// ---- kernels ----

// a < b in the total order where NaN is above every number and NaNs are equal.
template <typename T>
bool value_less(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

// A 4-byte value as an unsigned integer in the same order as value_less (so NaN above +inf, all NaNs equal, and
// -0 equal to +0, as == says).
uint32_t ascending_bits(float v) {
  if (std::isnan(v)) return UINT32_MAX;
  const float z = v == 0.f ? 0.f : v;
  uint32_t b;
  std::memcpy(&b, &z, sizeof b);
  return (b & 0x80000000u) ? ~b : b | 0x80000000u;
}

// Runs f(src, out_base) for each [outer, inner] slice: src points at its first element (stride s.inner along the
// axis), out_base is its first output position (stride s.inner too). Threads split the slices.
template <typename T, typename F>
void for_each_slice(const T* x, const AxisSplit& s, int64_t k, F&& f) {
  const int64_t slices = s.outer * s.inner;
#pragma omp parallel for if (slices > 1 && slices * s.dim > (1 << 15)) schedule(static)
  for (int64_t t = 0; t < slices; ++t) {
    const int64_t o = t / s.inner, j = t % s.inner;
    f(x + o * s.dim * s.inner + j, o * k * s.inner + j);
  }
}

// One slice (stride `inner` along the axis): sort positions by (value, then lower index), keep the first k.
// `values` / `indices` may be null for an omitted output.
template <typename T>
void slice_by_comparison(const T* src, int64_t inner, int64_t dim, int64_t k, bool largest, T* values,
                         int64_t* indices, int64_t out_base) {
  auto better = [&](int64_t a, int64_t b) {
    const T va = src[a * inner], vb = src[b * inner];
    if (largest ? value_less(vb, va) : value_less(va, vb)) return true;
    if (value_less(va, vb) || value_less(vb, va)) return false;
    return a < b;
  };
  std::vector<int64_t> order(static_cast<size_t>(dim));
  std::iota(order.begin(), order.end(), int64_t{0});
  if (k == dim) std::sort(order.begin(), order.end(), better);  // partial_sort would heap-sort everything
  else std::partial_sort(order.begin(), order.begin() + k, order.end(), better);
  for (int64_t i = 0; i < k; ++i) {
    const int64_t pos = order[static_cast<size_t>(i)];
    if (values) values[out_base + i * inner] = src[pos * inner];
    if (indices) indices[out_base + i * inner] = pos;
  }
}

// Every [outer, inner] slice by comparison: for any T; topk_by_keys and topk_integral_slice are the fast paths.
template <typename T>
void topk_by_comparison(const T* x, const AxisSplit& s, int64_t k, bool largest, T* values, int64_t* indices) {
  for_each_slice(x, s, k, [&](const T* src, int64_t out_base) {
    slice_by_comparison(src, s.inner, s.dim, k, largest, values, indices, out_base);
  });
}

// The same result as topk_by_comparison for float when the axis has fewer than 2^32 positions: each
// position becomes one integer key, its value's order bits (inverted for largest) above its index, so the best k
// are found with nth_element and sorted as plain integers.
template <typename T>
void topk_by_keys(const T* x, const AxisSplit& s, int64_t k, bool largest, T* values, int64_t* indices) {
  for_each_slice(x, s, k, [&](const T* src, int64_t out_base) {
    std::vector<uint64_t> keys(static_cast<size_t>(s.dim));
    for (int64_t i = 0; i < s.dim; ++i) {
      const uint32_t order = ascending_bits(src[i * s.inner]);
      keys[static_cast<size_t>(i)] = (static_cast<uint64_t>(largest ? ~order : order) << 32) | static_cast<uint32_t>(i);
    }
    if (k < s.dim) std::nth_element(keys.begin(), keys.begin() + k, keys.end());
    std::sort(keys.begin(), keys.begin() + k);
    for (int64_t i = 0; i < k; ++i) {
      const int64_t pos = static_cast<int64_t>(keys[static_cast<size_t>(i)] & 0xFFFFFFFFu);
      if (values) values[out_base + i * s.inner] = src[pos * s.inner];
      if (indices) indices[out_base + i * s.inner] = pos;
    }
  });
}

// Integers (int32, int64) in one slice span at most `range` = max - min (as unsigned). A small range (the
// gluon-cv exporter's int64 TopK over all C*N rank slots: values 0..400 over 174,640 positions) is a counting sort,
// stable, so equal values keep lower index first; otherwise, when range and index together fit 64 bits, each position
// becomes one key, (value - min, inverted for largest) above its index, as in topk_by_keys. Returns false for a
// slice neither fits (then the caller compares).
template <typename T>
bool topk_integral_slice(const T* src, int64_t inner, int64_t dim, int64_t k, bool largest, T* values,
                         int64_t* indices, int64_t out_base) {
  T lo = src[0], hi = src[0];
  for (int64_t i = 1; i < dim; ++i) {
    lo = std::min(lo, src[i * inner]);
    hi = std::max(hi, src[i * inner]);
  }
  using U = std::make_unsigned_t<T>;
  const uint64_t range = static_cast<U>(static_cast<U>(hi) - static_cast<U>(lo));
  auto offset_of = [&](T v) {
    const uint64_t d = static_cast<U>(static_cast<U>(v) - static_cast<U>(lo));
    return largest ? range - d : d;
  };
  auto emit = [&](int64_t rank, int64_t pos) {
    if (values) values[out_base + rank * inner] = src[pos * inner];
    if (indices) indices[out_base + rank * inner] = pos;
  };
  if (range < static_cast<uint64_t>(std::max<int64_t>(dim, 1024))) {
    std::vector<int64_t> start(static_cast<size_t>(range) + 2, 0);
    for (int64_t i = 0; i < dim; ++i) ++start[static_cast<size_t>(offset_of(src[i * inner])) + 1];
    for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
    std::vector<int64_t> order(static_cast<size_t>(dim));
    for (int64_t i = 0; i < dim; ++i) order[static_cast<size_t>(start[static_cast<size_t>(offset_of(src[i * inner]))]++)] = i;
    for (int64_t r = 0; r < k; ++r) emit(r, order[static_cast<size_t>(r)]);
    return true;
  }
  int index_bits = 0;
  while (index_bits < 63 && (int64_t{1} << index_bits) < dim) ++index_bits;
  int range_bits = 0;
  while (range_bits < 64 && (range >> range_bits) != 0) ++range_bits;
  if (range_bits + index_bits > 64) return false;
  std::vector<uint64_t> keys(static_cast<size_t>(dim));
  for (int64_t i = 0; i < dim; ++i)
    keys[static_cast<size_t>(i)] = offset_of(src[i * inner]) << index_bits | static_cast<uint64_t>(i);
  if (k < dim) std::nth_element(keys.begin(), keys.begin() + k, keys.end());
  std::sort(keys.begin(), keys.begin() + k);
  const uint64_t index_mask = (uint64_t{1} << index_bits) - 1;
  for (int64_t r = 0; r < k; ++r) emit(r, static_cast<int64_t>(keys[static_cast<size_t>(r)] & index_mask));
  return true;
}

template <typename T>
void topk_typed(const T* x, const AxisSplit& s, int64_t k, bool largest, bool reference, T* values, int64_t* indices) {
  if (k == 0) return;
  if constexpr (std::is_integral_v<T>) {
    if (!reference) {
      for_each_slice(x, s, k, [&](const T* src, int64_t out_base) {
        if (!topk_integral_slice(src, s.inner, s.dim, k, largest, values, indices, out_base))
          slice_by_comparison(src, s.inner, s.dim, k, largest, values, indices, out_base);
      });
      return;
    }
  }
  if constexpr (std::is_same_v<T, float>) {
    if (!reference && s.dim <= int64_t{UINT32_MAX}) return topk_by_keys(x, s, k, largest, values, indices);
  }
  topk_by_comparison(x, s, k, largest, values, indices);
}

void topk_kernel(const TopKParams& p, KernelContext& kc) {
  const Tensor& x = kc.input(0);
  const int64_t k = p.k_from_input ? k_from_tensor(kc.input(1)) : p.attr_k;
  const int64_t axis = normalize_axis(p.axis, x.rank(), "TopK");
  const AxisSplit s = split_at_axis(x.shape(), axis);
  if (k < 0 || k > s.dim) fail("TopK K ", k, " is out of range for the axis dimension ", s.dim);
  // Either output may be omitted by the node (then not allocated): skip writing it.
  auto allocated = [&](int i, DataType dt) {
    return i < static_cast<int>(kc.outputs.size()) && kc.output(i).dtype() == dt && kc.output(i).raw() != nullptr;
  };
  int64_t* indices = allocated(1, DataType::Int64) ? kc.output(1).data<int64_t>() : nullptr;
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>)
      topk_typed<T>(x.data<T>(), s, k, p.largest, p.reference, allocated(0, x.dtype()) ? kc.output(0).data<T>() : nullptr, indices);
    else
      fail("TopK does not support ", dtype_name(x.dtype()));
  });
}

std::unique_ptr<Kernel> create_topk(const OpContext& ctx) {
  TopKParams p = parse_topk(ctx);
  p.reference = ctx.hints().reference;
  const DataType dt = ctx.input_dtype(0);
  const bool keys = !p.reference && (dt == DataType::Float || dt == DataType::Int32 || dt == DataType::Int64);
  return make_kernel([p](KernelContext& kc) { topk_kernel(p, kc); }, keys ? "topk:keys" : "ref");
}

}  // namespace

void register_topk_ops(OpRegistry& r) {
  r.add({"", "TopK", 1, 9, infer_topk, create_topk});
  r.add({"", "TopK", 10, 10, infer_topk, create_topk});
  r.add({"", "TopK", 11, INT64_MAX, infer_topk, create_topk});
}

}  // namespace ssdx
