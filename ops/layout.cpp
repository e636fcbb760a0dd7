// Layout ops, all pure data movement on raw bytes (so every fixed-size dtype works): Reshape, Flatten, Squeeze,
// Unsqueeze and Identity only change the shape; Transpose, Concat and Slice move elements.
#include <xmmintrin.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "ops/data_movement.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

// ---- attributes ----

struct TransposeParams {
  std::vector<int64_t> perm;  // empty: reverse the dims
};

struct ConcatParams {
  int64_t axis = 0;
};

// Opsets 1-9 give starts/ends/axes as attributes; from opset 10 they (and steps) are inputs 1-4.
struct SliceParams {
  bool from_inputs = true;
  std::vector<int64_t> starts, ends, axes;
};

SliceParams parse_slice(const OpContext& ctx, bool from_inputs) {
  SliceParams p;
  p.from_inputs = from_inputs;
  if (!from_inputs) {
    p.starts = required_ints(ctx.attrs(), "starts");
    p.ends = required_ints(ctx.attrs(), "ends");
    p.axes = ctx.attrs().get_ints("axes");
  }
  return p;
}

// ---- shape functions ----

// Product of dims [begin, end) of s, kUnknownDim if any of them is unknown; fails on overflow.
int64_t dims_product(const Shape& s, size_t begin, size_t end) {
  Shape part(s.begin() + static_cast<std::ptrdiff_t>(begin), s.begin() + static_cast<std::ptrdiff_t>(end));
  return shape_is_static(part) ? shape_numel(part) : kUnknownDim;
}

// `in` may be null (rank unknown). 0 copies the input dim unless allowzero; one -1 takes the remaining elements.
Shape reshape_shape(const Shape* in, const std::vector<int64_t>& spec, bool allowzero) {
  Shape out(spec.size());
  int64_t infer_at = -1;
  bool has_zero = false;
  for (size_t i = 0; i < spec.size(); ++i) {
    const int64_t v = spec[i];
    if (v < -1) fail("Reshape: invalid dimension ", v, " in the target shape");
    if (v == -1) {
      if (infer_at >= 0) fail("Reshape: the target shape has more than one -1");
      infer_at = static_cast<int64_t>(i);
      out[i] = 1;  // placeholder while multiplying the others
    } else if (v == 0 && !allowzero) {
      if (in && i >= in->size())
        fail("Reshape: target dim ", i, " is 0 (copy the input dim) but the input has rank ", in->size());
      out[i] = in ? (*in)[i] : kUnknownDim;
    } else {
      has_zero |= v == 0;
      out[i] = v;
    }
  }
  if (has_zero && infer_at >= 0) fail("Reshape: with allowzero=1 the target shape cannot hold both 0 and -1");
  const int64_t total = in ? dims_product(*in, 0, in->size()) : kUnknownDim;
  const int64_t rest = dims_product(out, 0, out.size());
  if (infer_at >= 0) {
    int64_t& d = out[static_cast<size_t>(infer_at)];
    d = kUnknownDim;
    if (total != kUnknownDim && rest != kUnknownDim) {
      if (rest == 0 || total % rest != 0)
        fail("Reshape: cannot infer the -1 dim of ", shape_str(out), " for an input of ", total, " elements");
      d = total / rest;
    }
  } else if (total != kUnknownDim && rest != kUnknownDim && total != rest) {
    fail("Reshape: cannot reshape ", shape_str(*in), " (", total, " elements) to ", shape_str(out), " (", rest,
         " elements)");
  }
  return out;
}

// Flatten axis may be rank (everything in the first dim, second dim 1); negative counts from the back.
Shape flatten_shape(const Shape& in, int64_t axis) {
  const int64_t rank = static_cast<int64_t>(in.size());
  if (axis < -rank || axis > rank) fail("Flatten: axis ", axis, " is out of range for rank ", rank);
  const size_t a = static_cast<size_t>(axis < 0 ? axis + rank : axis);
  return {dims_product(in, 0, a), dims_product(in, a, in.size())};
}

// The permutation to apply: perm itself after validation, or the reversed dims when it is empty.
std::vector<int64_t> resolve_perm(const std::vector<int64_t>& perm, int64_t rank) {
  if (perm.empty()) {
    std::vector<int64_t> rev(static_cast<size_t>(rank));
    std::iota(rev.rbegin(), rev.rend(), int64_t{0});
    return rev;
  }
  if (static_cast<int64_t>(perm.size()) != rank)
    fail("Transpose: perm has ", perm.size(), " entries for an input of rank ", rank);
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[static_cast<size_t>(p)])
      fail("Transpose: perm is not a permutation of 0..", rank - 1);
    seen[static_cast<size_t>(p)] = true;
  }
  return perm;
}

}  // namespace

Shape concat_shape(const std::vector<const Shape*>& ins, int64_t axis_attr) {
  const Shape* first = nullptr;
  for (const Shape* s : ins) first = first ? first : s;
  const int64_t rank = static_cast<int64_t>(first->size());
  const size_t axis = static_cast<size_t>(normalize_axis(axis_attr, rank, "Concat"));
  Shape out(first->size(), kUnknownDim);
  out[axis] = 0;
  bool axis_known = true;
  for (size_t k = 0; k < ins.size(); ++k) {
    const Shape* s = ins[k];
    if (!s) {
      axis_known = false;
      continue;
    }
    if (static_cast<int64_t>(s->size()) != rank)
      fail("Concat: input ", k, " has rank ", s->size(), ", input 0 has rank ", rank);
    for (size_t d = 0; d < s->size(); ++d) {
      const int64_t v = (*s)[d];
      if (d == axis) {
        if (v == kUnknownDim) axis_known = false;
        else if (out[axis] > INT64_MAX - v) fail("Concat: the axis dims overflow");
        else out[axis] += v;
      } else if (v != kUnknownDim) {
        if (out[d] != kUnknownDim && out[d] != v)
          fail("Concat: input ", k, " has shape ", shape_str(*s), ", which differs from ", shape_str(out),
               " off the axis ", axis);
        out[d] = v;
      }
    }
  }
  if (!axis_known) out[axis] = kUnknownDim;
  return out;
}

namespace {

// Where one dim of a slice starts, how it steps, and how many elements it keeps.
struct SliceDim {
  int64_t start = 0, step = 1, count = kUnknownDim;
};

// Resolves a slice per dim of `in`, clamping starts/ends exactly as the ONNX spec says: negative values count from
// the end, then starts clamp to [0, d] (step > 0) or [0, d-1] (step < 0) and ends to [0, d] or [-1, d-1].
// Dims of `in` not in `axes` are kept whole; an unknown dim gives an unknown count.
std::vector<SliceDim> resolve_slice(const Shape& in, const std::vector<int64_t>& starts,
                                    const std::vector<int64_t>& ends, const std::vector<int64_t>& axes_arg,
                                    const std::vector<int64_t>& steps) {
  const int64_t rank = static_cast<int64_t>(in.size());
  const size_t n = starts.size();
  if (ends.size() != n) fail("Slice: ", n, " starts but ", ends.size(), " ends");
  if (!axes_arg.empty() && axes_arg.size() != n) fail("Slice: ", n, " starts but ", axes_arg.size(), " axes");
  if (!steps.empty() && steps.size() != n) fail("Slice: ", n, " starts but ", steps.size(), " steps");
  std::vector<int64_t> axes = axes_arg;
  if (axes.empty()) {
    if (static_cast<int64_t>(n) > rank) fail("Slice: ", n, " starts for an input of rank ", rank);
    axes.resize(n);
    std::iota(axes.begin(), axes.end(), int64_t{0});
  }
  axes = normalize_axes(axes, rank, "Slice");

  std::vector<SliceDim> dims(in.size());
  for (size_t d = 0; d < in.size(); ++d) dims[d].count = in[d];
  for (size_t i = 0; i < n; ++i) {
    SliceDim& sd = dims[static_cast<size_t>(axes[i])];
    sd.step = steps.empty() ? 1 : steps[i];
    if (sd.step == 0) fail("Slice: step for axis ", axes[i], " is 0");
    const int64_t dim = in[static_cast<size_t>(axes[i])];
    if (dim == kUnknownDim) continue;
    int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];  // no overflow: dim >= 0
    int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (sd.step > 0) {
      s = std::min(std::max(s, int64_t{0}), dim);
      e = std::min(std::max(e, int64_t{0}), dim);
      sd.count = e > s ? (e - s - 1) / sd.step + 1 : 0;
    } else {
      s = std::min(std::max(s, int64_t{0}), dim - 1);
      e = std::min(std::max(e, int64_t{-1}), dim - 1);
      const int64_t stride = sd.step == INT64_MIN ? INT64_MAX : -sd.step;  // -INT64_MIN would overflow
      sd.count = s > e ? (s - e - 1) / stride + 1 : 0;
    }
    sd.start = s;
  }
  return dims;
}

// Output of Squeeze; `axes` null removes every dim of size 1 (the caller ensures all dims are known then).
Shape squeeze_shape(const Shape& in, const std::vector<int64_t>* axes) {
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<bool> drop(in.size(), false);
  if (axes) {
    for (int64_t a : normalize_axes(*axes, rank, "Squeeze")) {
      const int64_t d = in[static_cast<size_t>(a)];
      if (d != 1 && d != kUnknownDim) fail("Squeeze: axis ", a, " has size ", d, ", not 1");
      drop[static_cast<size_t>(a)] = true;
    }
  } else {
    for (size_t d = 0; d < in.size(); ++d) drop[d] = in[d] == 1;
  }
  Shape out;
  for (size_t d = 0; d < in.size(); ++d)
    if (!drop[d]) out.push_back(in[d]);
  return out;
}

// Output of Unsqueeze: axes index the output (rank + len(axes)), in any order.
Shape unsqueeze_shape(const Shape& in, const std::vector<int64_t>& axes) {
  const int64_t out_rank = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> ones(static_cast<size_t>(out_rank), false);
  for (int64_t a : normalize_axes(axes, out_rank, "Unsqueeze")) ones[static_cast<size_t>(a)] = true;
  Shape out;
  size_t next = 0;
  for (int64_t d = 0; d < out_rank; ++d) out.push_back(ones[static_cast<size_t>(d)] ? 1 : in[next++]);
  return out;
}

void infer_reshape(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_fixed_size_dtype(ctx, 0);
  ctx.require_dtype(1, {DataType::Int64});
  const DataType dt = ctx.input_dtype(0);
  const IntsArg shape = ints_from_input(ctx, 1);
  const bool allowzero = ctx.opset() >= 14 && ctx.attrs().get_int("allowzero", 0) != 0;
  const Shape* in = ctx.input_shape_known(0) ? &ctx.input_shape(0) : nullptr;
  if (shape.known)
    ctx.set_output(0, dt, reshape_shape(in, shape.values, allowzero));
  else if (shape.count >= 0)
    ctx.set_output(0, dt, Shape(static_cast<size_t>(shape.count), kUnknownDim));
  else
    ctx.set_output_dtype(0, dt);
}

void infer_flatten(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  require_fixed_size_dtype(ctx, 0);
  const int64_t axis = ctx.attrs().get_int("axis", 1);
  if (ctx.input_shape_known(0)) ctx.set_output(0, ctx.input_dtype(0), flatten_shape(ctx.input_shape(0), axis));
  else ctx.set_output(0, ctx.input_dtype(0), {kUnknownDim, kUnknownDim});
}

void infer_transpose(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  require_fixed_size_dtype(ctx, 0);
  const std::vector<int64_t> perm_attr = ctx.attrs().get_ints("perm");
  const DataType dt = ctx.input_dtype(0);
  if (!ctx.input_shape_known(0)) {
    if (perm_attr.empty()) ctx.set_output_dtype(0, dt);
    else ctx.set_output(0, dt, Shape(perm_attr.size(), kUnknownDim));
    return;
  }
  const Shape& in = ctx.input_shape(0);
  Shape out;
  for (int64_t p : resolve_perm(perm_attr, static_cast<int64_t>(in.size()))) out.push_back(in[static_cast<size_t>(p)]);
  ctx.set_output(0, dt, out);
}

void infer_concat(OpContext& ctx) {
  if (ctx.num_inputs() < 1) fail("Concat needs at least one input");
  ctx.require_inputs(ctx.num_inputs(), ctx.num_inputs());
  require_fixed_size_dtype(ctx, 0);
  const DataType dt = ctx.input_dtype(0);
  const int64_t axis = required_int(ctx.attrs(), "axis");
  std::vector<const Shape*> shapes;
  bool any_known = false;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.input_dtype(i) != dt)
      fail("Concat: input ", i, " is ", dtype_name(ctx.input_dtype(i)), ", input 0 is ", dtype_name(dt));
    shapes.push_back(ctx.input_shape_known(i) ? &ctx.input_shape(i) : nullptr);
    any_known |= shapes.back() != nullptr;
  }
  if (any_known) ctx.set_output(0, dt, concat_shape(shapes, axis));
  else ctx.set_output_dtype(0, dt);
}

void infer_slice(OpContext& ctx, bool from_inputs) {
  ctx.require_inputs(from_inputs ? 3 : 1, from_inputs ? 5 : 1);
  require_fixed_size_dtype(ctx, 0);
  const DataType dt = ctx.input_dtype(0);
  const IntsArg starts = ints_arg(ctx, from_inputs, "starts", 1);
  const IntsArg ends = ints_arg(ctx, from_inputs, "ends", 2);
  const IntsArg axes = ints_arg(ctx, from_inputs, "axes", 3);
  const IntsArg steps = from_inputs ? ints_from_input(ctx, 4) : IntsArg{};
  if (!starts.present || !ends.present) fail("Slice: starts and ends are required");
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, dt);
    return;
  }
  const Shape& in = ctx.input_shape(0);
  const bool all_known = starts.known && ends.known && (!axes.present || axes.known) && (!steps.present || steps.known);
  if (all_known) {
    Shape out;
    for (const SliceDim& d : resolve_slice(in, starts.values, ends.values, axes.values, steps.values))
      out.push_back(d.count);
    ctx.set_output(0, dt, out);
    return;
  }
  // Bounds known only at run time: the rank is kept, and so are the dims that are certainly not sliced.
  Shape out(in.size(), kUnknownDim);
  if (axes.present && axes.known) {
    out = in;
    for (int64_t a : normalize_axes(axes.values, static_cast<int64_t>(in.size()), "Slice"))
      out[static_cast<size_t>(a)] = kUnknownDim;
  }
  ctx.set_output(0, dt, out);
}

void infer_squeeze(OpContext& ctx, bool axes_from_input) {
  ctx.require_inputs(1, axes_from_input ? 2 : 1);
  require_fixed_size_dtype(ctx, 0);
  const DataType dt = ctx.input_dtype(0);
  const IntsArg axes = ints_arg(ctx, axes_from_input, "axes", 1);
  // An empty axes list squeezes every 1-dim, as onnxruntime does.
  const bool all_ones = !axes.present || axes.count == 0;
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, dt);
    return;
  }
  const Shape& in = ctx.input_shape(0);
  if (all_ones ? !shape_is_static(in) : !axes.known) {
    // Which dims go is known only at run time; the rank too unless the number of axes is.
    const int64_t rank = static_cast<int64_t>(in.size());
    if (!all_ones && axes.count >= 0 && axes.count <= rank)
      ctx.set_output(0, dt, Shape(static_cast<size_t>(rank - axes.count), kUnknownDim));
    else
      ctx.set_output_dtype(0, dt);
    return;
  }
  ctx.set_output(0, dt, squeeze_shape(in, all_ones ? nullptr : &axes.values));
}

void infer_unsqueeze(OpContext& ctx, bool axes_from_input) {
  ctx.require_inputs(axes_from_input ? 2 : 1, axes_from_input ? 2 : 1);
  require_fixed_size_dtype(ctx, 0);
  const DataType dt = ctx.input_dtype(0);
  const IntsArg axes = ints_arg(ctx, axes_from_input, "axes", 1);
  if (!axes.present) fail("Unsqueeze: axes are required");
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, dt);
    return;
  }
  const Shape& in = ctx.input_shape(0);
  if (axes.known) ctx.set_output(0, dt, unsqueeze_shape(in, axes.values));
  else if (axes.count >= 0) ctx.set_output(0, dt, Shape(in.size() + static_cast<size_t>(axes.count), kUnknownDim));
  else ctx.set_output_dtype(0, dt);
}

void infer_identity(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  require_fixed_size_dtype(ctx, 0);
  if (ctx.input_shape_known(0)) ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  else ctx.set_output_dtype(0, ctx.input_dtype(0));
}

// ---- kernels (the only ones these ops have: coalesced row copies, tiled transposes, threaded) ----

// Drops size-1 dims and merges neighbours that are contiguous in the source, so the copy loops run over as few,
// as long rows as possible (a Transpose that keeps the last dims in place becomes row memcpys).
void coalesce_dims(Shape& shape, std::vector<int64_t>& strides) {
  Shape s;
  std::vector<int64_t> st;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 1) continue;
    if (!s.empty() && st.back() == strides[k] * shape[k]) {
      s.back() *= shape[k];
      st.back() = strides[k];
    } else {
      s.push_back(shape[k]);
      st.push_back(strides[k]);
    }
  }
  if (s.empty()) s = {1}, st = {1};
  shape = std::move(s);
  strides = std::move(st);
}

constexpr size_t kTaskBytes = 1 << 16;       // work per parallel task
constexpr size_t kParallelBytes = 1 << 18;   // smaller copies run on one thread

// The source offsets of consecutive rows of a strided view, kept up to date as an odometer (no division per row).
// Rows enumerate the leading `dims` dims of shape / strides.
class RowOffsets {
 public:
  RowOffsets(const Shape& shape, const std::vector<int64_t>& strides, size_t dims, int64_t first_row, int64_t base)
      : shape_(shape), strides_(strides), index_(dims), offset_(base) {
    for (size_t k = dims; k-- > 0;) {
      index_[k] = first_row % shape[k];
      first_row /= shape[k];
      offset_ += index_[k] * strides[k];
    }
  }
  int64_t offset() const { return offset_; }
  void next() {
    for (size_t k = index_.size(); k-- > 0;) {
      offset_ += strides_[k];
      if (++index_[k] < shape_[k]) return;
      offset_ -= strides_[k] * shape_[k];
      index_[k] = 0;
    }
  }

 private:
  const Shape& shape_;
  const std::vector<int64_t>& strides_;
  std::vector<int64_t> index_;
  int64_t offset_;
};

// The address of element `i` (possibly negative: reversed slices) of N-byte elements: signed arithmetic throughout.
template <size_t N, typename P>
P* element(P* base, int64_t i) {
  return base + static_cast<ptrdiff_t>(i) * static_cast<ptrdiff_t>(N);
}

// Copies the rows of a coalesced view (innermost dim `inner` elements of N bytes at stride `inner_stride`) in tasks
// of whole rows. Long contiguous rows are memcpys; short ones (a few elements, as in the [n, 4] box slices) are
// copied element by element, since fixed-size copies are cheaper there than a memcpy call each.
template <size_t N>
void copy_rows(const uint8_t* s, int64_t offset, const Shape& shape, const std::vector<int64_t>& strides, uint8_t* d) {
  const int64_t inner = shape.back(), inner_stride = strides.back();
  const int64_t rows = shape_numel(shape) / inner;
  const size_t row_bytes = static_cast<size_t>(inner) * N;
  const bool memcpy_rows = inner_stride == 1 && row_bytes > 64;
  const int64_t rows_per_task = std::max<int64_t>(1, static_cast<int64_t>(kTaskBytes / row_bytes));
  const int64_t tasks = (rows + rows_per_task - 1) / rows_per_task;
  if (memcpy_rows && rows < 4) {  // a few long rows (a Slice that keeps nearly everything): split each row instead
    RowOffsets row(shape, strides, shape.size() - 1, 0, offset);
    for (int64_t r = 0; r < rows; ++r, row.next())
      parallel_memcpy(d + static_cast<size_t>(r) * row_bytes, s + static_cast<size_t>(row.offset()) * N, row_bytes);
    return;
  }
#pragma omp parallel for if (static_cast<size_t>(rows) * row_bytes > kParallelBytes) schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t r0 = t * rows_per_task, r1 = std::min(rows, r0 + rows_per_task);
    RowOffsets row(shape, strides, shape.size() - 1, r0, offset);
    for (int64_t r = r0; r < r1; ++r, row.next()) {
      uint8_t* drow = d + static_cast<size_t>(r) * row_bytes;
      const uint8_t* srow = s + static_cast<size_t>(row.offset()) * N;
      if (memcpy_rows) {
        std::memcpy(drow, srow, row_bytes);
      } else {
        for (int64_t j = 0; j < inner; ++j)
          std::memcpy(drow + static_cast<size_t>(j) * N, element<N>(srow, j * inner_stride), N);
      }
    }
  }
}

// dst[i * dst_stride + j] = src[i + j * src_stride] for i < rows, j < cols: one tile of a transposing copy.
template <size_t N>
void transpose_tile(const uint8_t* src, int64_t src_stride, uint8_t* dst, int64_t dst_stride, int64_t rows,
                    int64_t cols) {
  auto copy_elements = [&](int64_t i0, int64_t i1, int64_t j0) {
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = j0; j < cols; ++j)
        std::memcpy(element<N>(dst, i * dst_stride + j),
                    element<N>(src, i + j * src_stride), N);
  };
  int64_t i = 0;
  if constexpr (N == 4) {  // 4 x 4 blocks through SSE registers: a quarter of the loads and stores
    for (; i + 4 <= rows; i += 4) {
      int64_t j = 0;
      for (; j + 4 <= cols; j += 4) {
        const float* in = reinterpret_cast<const float*>(src) + i + j * src_stride;
        float* out = reinterpret_cast<float*>(dst) + i * dst_stride + j;
        __m128 r0 = _mm_loadu_ps(in), r1 = _mm_loadu_ps(in + src_stride);
        __m128 r2 = _mm_loadu_ps(in + 2 * src_stride), r3 = _mm_loadu_ps(in + 3 * src_stride);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        _mm_storeu_ps(out, r0);
        _mm_storeu_ps(out + dst_stride, r1);
        _mm_storeu_ps(out + 2 * dst_stride, r2);
        _mm_storeu_ps(out + 3 * dst_stride, r3);
      }
      copy_elements(i, i + 4, j);
    }
  }
  copy_elements(i, rows, 0);
}

// A transposing copy: dim `a` of the coalesced view is the one contiguous in the source, the innermost dim (contiguous
// in dst) has source stride `strides.back()`. Copied in square tiles of 256 bytes per side, so that the reads (along
// a) and the writes (along the innermost dim) use whole cache lines while a tile stays in L1; the other dims are
// walked tile by tile.
template <size_t N>
void transpose_tiles(const uint8_t* s, int64_t offset, const Shape& shape, const std::vector<int64_t>& strides,
                     size_t a, uint8_t* d) {
  constexpr int64_t kTile = 256 / N;
  const size_t last = shape.size() - 1;
  const std::vector<int64_t> dst_strides = shape_strides(shape);
  const int64_t rows_a = shape[a], cols = shape[last], src_col_stride = strides[last], dst_row_stride = dst_strides[a];
  Shape outer_shape;
  std::vector<int64_t> outer_src, outer_dst;
  for (size_t k = 0; k < last; ++k) {
    if (k == a) continue;
    outer_shape.push_back(shape[k]);
    outer_src.push_back(strides[k]);
    outer_dst.push_back(dst_strides[k]);
  }
  const int64_t tiles_a = (rows_a + kTile - 1) / kTile, tiles_col = (cols + kTile - 1) / kTile;
  const int64_t tasks = shape_numel(outer_shape) * tiles_a * tiles_col;
#pragma omp parallel for if (static_cast<size_t>(shape_numel(shape)) * N > kParallelBytes) schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    int64_t rem = t / (tiles_a * tiles_col), src_base = offset, dst_base = 0;
    for (size_t k = outer_shape.size(); k-- > 0;) {
      const int64_t i = rem % outer_shape[k];
      rem /= outer_shape[k];
      src_base += i * outer_src[k];
      dst_base += i * outer_dst[k];
    }
    // Threads take contiguous ranges of tasks: stepping first along the dim with fewer tiles splits the other one,
    // so both threads get the same share (81 rows of 64 + 17 would not split evenly).
    const int64_t in_plane = t % (tiles_a * tiles_col);
    const bool a_major = tiles_a >= tiles_col;
    const int64_t i0 = (a_major ? in_plane / tiles_col : in_plane % tiles_a) * kTile;
    const int64_t j0 = (a_major ? in_plane % tiles_col : in_plane / tiles_a) * kTile;
    transpose_tile<N>(element<N>(s, src_base + i0 + j0 * src_col_stride), src_col_stride,
                      element<N>(d, dst_base + i0 * dst_row_stride + j0), dst_row_stride,
                      std::min(kTile, rows_a - i0), std::min(kTile, cols - j0));
  }
}

}  // namespace

// The view of Transpose (permuted strides), Slice (stepped strides from a start offset), Expand and Tile (0 strides);
// declared in ops/data_movement.h.
void strided_copy(const Tensor& src, int64_t offset, std::vector<int64_t> strides, Shape shape, Tensor& dst) {
  if (shape_numel(shape) == 0) return;
  coalesce_dims(shape, strides);
  const auto* s = static_cast<const uint8_t*>(src.raw());
  auto* d = static_cast<uint8_t*>(dst.raw());
  // A dim other than the innermost that is contiguous in the source makes the copy a transpose.
  const auto unit = std::find(strides.begin(), strides.end() - 1, 1);
  const bool transposing = strides.back() != 1 && unit != strides.end() - 1;
  dispatch_elem_size(dtype_size(src.dtype()), [&](auto size) {
    constexpr size_t N = decltype(size)::value;
    if (transposing) transpose_tiles<N>(s, offset, shape, strides, static_cast<size_t>(unit - strides.begin()), d);
    else copy_rows<N>(s, offset, shape, strides, d);
  });
}

namespace {

// Reshape, Flatten, Squeeze, Unsqueeze, Identity: the output (already shaped) gets the input's bytes. The executor
// owns output buffers, so this is a copy, except where the planner lets the output take over the input's buffer
// (the input is read by nothing after this node): then the bytes are already in place and nothing moves.
class ShapeOnlyKernel : public Kernel {
 public:
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    if (x.raw() == y.raw() && x.nbytes() == y.nbytes()) return;
    copy_bytes(x, y);
  }
  std::string impl_name() const override { return "copy"; }
  int inplace_input() const override { return 0; }
};

std::unique_ptr<Kernel> create_copy(const OpContext&) { return std::make_unique<ShapeOnlyKernel>(); }

void transpose_kernel(const TransposeParams& p, const Tensor& x, Tensor& y) {
  const std::vector<int64_t> in_strides = shape_strides(x.shape());
  std::vector<int64_t> strides;
  for (int64_t a : resolve_perm(p.perm, x.rank())) strides.push_back(in_strides[static_cast<size_t>(a)]);
  strided_copy(x, 0, std::move(strides), y.shape(), y);
}

// Each input contributes one block of (its axis dim * inner) elements per outer index. One parallel loop over chunks
// of outer indices covers all inputs.
void concat_kernel(const ConcatParams& p, KernelContext& ctx) {
  Tensor& y = ctx.output(0);
  const int64_t axis = normalize_axis(p.axis, y.rank(), "Concat");
  const int64_t outer = split_at_axis(y.shape(), axis).outer;
  if (outer == 0 || y.nbytes() == 0) return;
  const size_t out_row = y.nbytes() / static_cast<size_t>(outer);
  const int64_t rows_per_task = std::max<int64_t>(1, static_cast<int64_t>(kTaskBytes / out_row));
  const int64_t tasks = (outer + rows_per_task - 1) / rows_per_task;
  auto* dst = static_cast<uint8_t*>(y.raw());
  const size_t elem = dtype_size(y.dtype());
#pragma omp parallel for if (y.nbytes() > kParallelBytes) schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t o0 = t * rows_per_task, o1 = std::min(outer, o0 + rows_per_task);
    size_t col = 0;
    for (const Tensor* x : ctx.inputs) {
      const size_t row = x->nbytes() / static_cast<size_t>(outer);
      const auto* src = static_cast<const uint8_t*>(x->raw());
      if (row == elem) {  // one element per row (the box corners): fixed-size copies rather than memcpy calls
        dispatch_elem_size(elem, [&](auto size) {
          for (int64_t o = o0; o < o1; ++o)
            std::memcpy(dst + static_cast<size_t>(o) * out_row + col, src + static_cast<size_t>(o) * row, size);
        });
      } else {
        for (int64_t o = o0; o < o1; ++o)
          std::memcpy(dst + static_cast<size_t>(o) * out_row + col, src + static_cast<size_t>(o) * row, row);
      }
      col += row;
    }
  }
}

void slice_kernel(const SliceParams& p, KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  std::vector<SliceDim> dims;
  if (p.from_inputs) {
    auto ints = [&](int i) {
      const Tensor* t = ctx.optional_input(i);
      return t ? t->to_int_vector() : std::vector<int64_t>{};
    };
    dims = resolve_slice(x.shape(), ints(1), ints(2), ints(3), ints(4));
  } else {
    dims = resolve_slice(x.shape(), p.starts, p.ends, p.axes, {});
  }
  const std::vector<int64_t> in_strides = shape_strides(x.shape());
  std::vector<int64_t> strides(dims.size());
  int64_t offset = 0;
  for (size_t d = 0; d < dims.size(); ++d) {
    offset += dims[d].start * in_strides[d];
    // A step beyond the dim keeps at most one element, whose stride is never used (and whose product with the
    // input stride could overflow: steps are any int64).
    strides[d] = dims[d].count > 1 ? dims[d].step * in_strides[d] : 0;
  }
  Tensor& y = ctx.output(0);
  strided_copy(x, offset, std::move(strides), y.shape(), y);
}

}  // namespace

void register_layout_ops(OpRegistry& r) {
  // Data movement: an 8-bit output holds input values unchanged, so it keeps their scale and zero point.
  const OpTraits moves{{}, -1, /*keeps_quantization=*/true};
  r.add({"", "Reshape", 5, INT64_MAX, infer_reshape, create_copy, moves});
  r.add({"", "Flatten", 1, INT64_MAX, infer_flatten, create_copy, moves});
  r.add({"", "Identity", 1, INT64_MAX, infer_identity, create_copy, moves});
  r.add({"", "Squeeze", 1, 12, [](OpContext& ctx) { infer_squeeze(ctx, false); }, create_copy, moves});
  r.add({"", "Squeeze", 13, INT64_MAX, [](OpContext& ctx) { infer_squeeze(ctx, true); }, create_copy, moves});
  r.add({"", "Unsqueeze", 1, 12, [](OpContext& ctx) { infer_unsqueeze(ctx, false); }, create_copy, moves});
  r.add({"", "Unsqueeze", 13, INT64_MAX, [](OpContext& ctx) { infer_unsqueeze(ctx, true); }, create_copy, moves});
  r.add({"", "Transpose", 1, INT64_MAX, infer_transpose, [](const OpContext& ctx) {
           return make_kernel([p = TransposeParams{ctx.attrs().get_ints("perm")}](KernelContext& kc) {
             transpose_kernel(p, kc.input(0), kc.output(0));
           }, "tiled");
         }, moves});
  r.add({"", "Concat", 4, INT64_MAX, infer_concat, [](const OpContext& ctx) {
           return make_kernel(
               [p = ConcatParams{required_int(ctx.attrs(), "axis")}](KernelContext& kc) { concat_kernel(p, kc); }, "copy");
         }});
  r.add({"", "Slice", 1, 9, [](OpContext& ctx) { infer_slice(ctx, false); }, [](const OpContext& ctx) {
           return make_kernel([p = parse_slice(ctx, false)](KernelContext& kc) { slice_kernel(p, kc); }, "copy");
         }, moves});
  r.add({"", "Slice", 10, INT64_MAX, [](OpContext& ctx) { infer_slice(ctx, true); }, [](const OpContext& ctx) {
           return make_kernel([p = parse_slice(ctx, true)](KernelContext& kc) { slice_kernel(p, kc); }, "copy");
         }, moves});
}

}  // namespace ssdx
