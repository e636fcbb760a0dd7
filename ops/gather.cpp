// Gather (rows of one axis picked by an index tensor), GatherND (slices picked by index tuples, opset 11; 12 adds
// batch_dims), GatherElements (one element per index along an axis, opset 11) and Shape (the dims of a tensor as an
// int64 tensor). Indices may be negative (from the back); out-of-range ones fail before anything is copied.
#include <algorithm>
#include <cstring>

#include "ops/data_movement.h"
#include "ops/index_offsets.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

// ---- attributes ----

struct GatherParams {
  int64_t axis = 0;
};

// Opset 15 added start/end: the dims [start, end) of the shape, negative values counting from the back.
struct ShapeParams {
  int64_t start = 0;
  int64_t end = INT64_MAX;
};

ShapeParams parse_shape(const OpContext& ctx) {
  ShapeParams p;
  if (ctx.opset() >= 15) {
    p.start = ctx.attrs().get_int("start", 0);
    p.end = ctx.attrs().get_int("end", INT64_MAX);
  }
  return p;
}

// ---- shape functions ----

// An index into a dim of size `dim` (negative counts from the back) as a row number; fails when out of range.
int64_t gather_row(int64_t index, int64_t dim, int64_t axis) {
  if (index < -dim || index >= dim)
    fail("Gather: index ", index, " is out of range [", -dim, ", ", dim - 1, "] for axis ", axis, " of size ", dim);
  return index < 0 ? index + dim : index;
}

// data[:axis] + indices + data[axis+1:]
Shape gather_shape(const Shape& data, const Shape& indices, int64_t axis) {
  Shape out(data.begin(), data.begin() + axis);
  out.insert(out.end(), indices.begin(), indices.end());
  out.insert(out.end(), data.begin() + axis + 1, data.end());
  return out;
}

// The selected dims [first, second) of a rank-`rank` shape: start/end clamped into [0, rank] after adding rank to
// negative values; an empty range when end <= start.
std::pair<int64_t, int64_t> shape_range(const ShapeParams& p, int64_t rank) {
  auto clamp = [rank](int64_t v) { return std::min(std::max(v < 0 ? v + rank : v, int64_t{0}), rank); };
  const int64_t s = clamp(p.start);
  return {s, std::max(s, clamp(p.end))};
}

// The checks Gather, GatherND and GatherElements start with (data of a fixed-size dtype, integer indices). False,
// with the output's dtype recorded, when a shape is not known yet.
bool indexed_read_shapes_known(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_fixed_size_dtype(ctx, 0);
  ctx.require_dtype(1, {DataType::Int32, DataType::Int64});
  if (ctx.input_shape_known(0) && ctx.input_shape_known(1)) return true;
  ctx.set_output_dtype(0, ctx.input_dtype(0));
  return false;
}

void infer_gather(OpContext& ctx) {
  if (!indexed_read_shapes_known(ctx)) return;
  const DataType dt = ctx.input_dtype(0);
  const Shape& data = ctx.input_shape(0);
  const int64_t axis = normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(data.size()), "Gather");
  const int64_t dim = data[static_cast<size_t>(axis)];
  std::vector<int64_t> indices;
  if (dim != kUnknownDim && ctx.input_ints(1, indices))
    for (int64_t i : indices) gather_row(i, dim, axis);
  ctx.set_output(0, dt, gather_shape(data, ctx.input_shape(1), axis));
}

void infer_shape(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  if (!ctx.input_shape_known(0)) {
    ctx.set_output(0, DataType::Int64, {kUnknownDim});
    return;
  }
  const Shape& in = ctx.input_shape(0);
  const auto [s, e] = shape_range(parse_shape(ctx), static_cast<int64_t>(in.size()));
  const Shape dims(in.begin() + s, in.begin() + e);
  // Static dims make the output a constant the engine can fold.
  if (shape_is_static(dims)) ctx.set_output_value(0, make_tensor<int64_t>({e - s}, dims));
  else ctx.set_output(0, DataType::Int64, {e - s});
}

// ---- reference kernels ----

// Copies, for each outer index and each index, one block of `inner` elements from the indexed row. Threads take
// chunks of (outer, index) pairs, walked without a division per pair; blocks of one element (the scores and box
// indices of the SSD tail) and of 16, 24 or 32 bytes are fixed-size copies rather than memcpy calls. Even small
// outputs are split over threads: the reads are scattered over the whole input, so each block costs a cache miss
// rather than a copy.
void gather_kernel(const GatherParams& p, const Tensor& data, const Tensor& indices, Tensor& out) {
  const int64_t axis = normalize_axis(p.axis, data.rank(), "Gather");
  const AxisSplit s = split_at_axis(data.shape(), axis);
  // Checked here too, whatever inference saw: a bad index must fail, never read outside `data`.
  std::vector<int64_t> rows = indices.to_int_vector();
  for (int64_t& r : rows) r = gather_row(r, s.dim, axis);
  const int64_t n = static_cast<int64_t>(rows.size());
  const size_t block = static_cast<size_t>(s.inner) * dtype_size(data.dtype());
  if (block == 0 || n == 0) return;
  const auto* src = static_cast<const uint8_t*>(data.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  constexpr int64_t kChunk = 1024;
  const int64_t total = s.outer * n, chunks = (total + kChunk - 1) / kChunk;
  auto copy_blocks = [&](auto block_size) {
#pragma omp parallel for if (chunks >= 4) schedule(static)
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t t0 = c * kChunk, t1 = std::min(total, t0 + kChunk);
      int64_t o = t0 / n, i = t0 % n;
      for (int64_t t = t0; t < t1; ++t) {
        std::memcpy(dst + static_cast<size_t>(t) * block,
                    src + static_cast<size_t>(o * s.dim + rows[static_cast<size_t>(i)]) * block, block_size);
        if (++i == n) i = 0, ++o;
      }
    }
  };
  // Rows of a few floats (the gluon-cv tail's [id, score, 4 coordinates] rows, 24 bytes) are fixed-size copies too.
  if (block <= 8 && (block & (block - 1)) == 0) dispatch_elem_size(block, copy_blocks);
  else if (block == 16) copy_blocks(std::integral_constant<size_t, 16>{});
  else if (block == 24) copy_blocks(std::integral_constant<size_t, 24>{});
  else if (block == 32) copy_blocks(std::integral_constant<size_t, 32>{});
  else copy_blocks(block);
}

void shape_kernel(const ShapeParams& p, const Tensor& x, Tensor& out) {
  const int64_t first = shape_range(p, x.rank()).first;
  int64_t* dst = out.data<int64_t>();
  for (int64_t i = 0; i < out.numel(); ++i) dst[i] = x.dim(first + i);
}


// ---- GatherND and GatherElements ----

void infer_gather_nd(OpContext& ctx) {
  if (!indexed_read_shapes_known(ctx)) return;
  const DataType dt = ctx.input_dtype(0);
  if (ctx.input_shape(1).empty() || ctx.input_shape(1).back() == kUnknownDim) {  // rank not known, or bad
    nd_output_shape("GatherND", ctx.input_shape(0), ctx.input_shape(1), 0);
    ctx.set_output_dtype(0, dt);
    return;
  }
  const Shape out = nd_output_shape("GatherND", ctx.input_shape(0), ctx.input_shape(1),
                                    ctx.attrs().get_int("batch_dims", 0));
  if (shape_is_static(out)) check_output_fits("GatherND", out, dt);
  ctx.set_output(0, dt, out);
}

// One slice copy per index tuple; slices of 1, 2, 4 or 8 bytes are fixed-size copies, longer ones memcpy calls.
void gather_nd_kernel(int64_t batch_dims, const Tensor& data, const Tensor& indices, Tensor& out) {
  const std::vector<int64_t> offsets = nd_offsets("GatherND", indices, data.shape(), batch_dims);
  const int64_t tuples = static_cast<int64_t>(offsets.size());
  if (tuples == 0 || out.numel() == 0) return;
  const size_t elem = dtype_size(data.dtype());
  const size_t slice = static_cast<size_t>(out.numel() / tuples) * elem;
  const auto* src = static_cast<const uint8_t*>(data.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  auto copy = [&](auto size) {
#pragma omp parallel for if (out.nbytes() > kDataMoveParallelBytes) schedule(static)
    for (int64_t t = 0; t < tuples; ++t)
      std::memcpy(dst + static_cast<size_t>(t) * slice, src + static_cast<size_t>(offsets[static_cast<size_t>(t)]) * elem,
                  size);
  };
  if (slice <= 8 && (slice & (slice - 1)) == 0) dispatch_elem_size(slice, copy);
  else if (slice == 24) copy(std::integral_constant<size_t, 24>{});  // [.., 6] rows of float32: SSD box + score rows
  else copy(slice);
}

void infer_gather_elements(OpContext& ctx) {
  if (!indexed_read_shapes_known(ctx)) return;
  const DataType dt = ctx.input_dtype(0);
  const Shape& data = ctx.input_shape(0);
  const int64_t axis = normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(data.size()), "GatherElements");
  check_element_shapes("GatherElements", data, ctx.input_shape(1), axis);
  ctx.set_output(0, dt, ctx.input_shape(1));
}

void gather_elements_kernel(int64_t axis_attr, const Tensor& data, const Tensor& indices, Tensor& out) {
  const int64_t axis = normalize_axis(axis_attr, data.rank(), "GatherElements");
  const std::vector<int64_t> offsets = element_offsets("GatherElements", indices, data.shape(), axis, true);
  const int64_t n = static_cast<int64_t>(offsets.size());
  const auto* src = static_cast<const uint8_t*>(data.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  dispatch_elem_size(dtype_size(data.dtype()), [&](auto size) {
    constexpr size_t N = decltype(size)::value;
#pragma omp parallel for if (out.nbytes() > kDataMoveParallelBytes) schedule(static)
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(dst + static_cast<size_t>(i) * N, src + static_cast<size_t>(offsets[static_cast<size_t>(i)]) * N, N);
  });
}

}  // namespace

void register_gather_ops(OpRegistry& r) {
  r.add({"", "Gather", 1, INT64_MAX, infer_gather, [](const OpContext& ctx) {
           return make_kernel([p = GatherParams{ctx.attrs().get_int("axis", 0)}](KernelContext& kc) {
             gather_kernel(p, kc.input(0), kc.input(1), kc.output(0));
           }, "ref");
         }});
  // GatherND 12 added batch_dims (absent, it is 0: opset 11's behaviour); 13 only added bfloat16.
  r.add({"", "GatherND", 11, INT64_MAX, infer_gather_nd, [](const OpContext& ctx) {
           return make_kernel([b = ctx.attrs().get_int("batch_dims", 0)](KernelContext& kc) {
             gather_nd_kernel(b, kc.input(0), kc.input(1), kc.output(0));
           }, "slices");
         }});
  r.add({"", "GatherElements", 11, INT64_MAX, infer_gather_elements, [](const OpContext& ctx) {
           return make_kernel([a = ctx.attrs().get_int("axis", 0)](KernelContext& kc) {
             gather_elements_kernel(a, kc.input(0), kc.input(1), kc.output(0));
           }, "elements");
         }});
  r.add({"", "Shape", 1, INT64_MAX, infer_shape, [](const OpContext& ctx) {
           return make_kernel(
               [p = parse_shape(ctx)](KernelContext& kc) { shape_kernel(p, kc.input(0), kc.output(0)); }, "ref");
         }});
}

}  // namespace ssdx
