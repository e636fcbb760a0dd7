// Expand (broadcast a tensor to a shape, numpy's bidirectional rule) and Tile (repeat a tensor along each axis).
// Both are views with 0 strides over the input, copied by strided_copy: contiguous runs go by memcpy, outer rows
// are split over threads. Their output shapes come from input values; when those are not known at load the dims are
// unknown and the executor infers them again at run time, with every value known.
#include "ops/broadcast.h"
#include "ops/data_movement.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

// numpy broadcasting of the input shape with the requested one (unknown dims: kUnknownDim).
Shape expand_shape(const Shape& in, const Shape& target) {
  const size_t rank = std::max(in.size(), target.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t a = i < rank - in.size() ? 1 : in[i - (rank - in.size())];
    const int64_t b = i < rank - target.size() ? 1 : target[i - (rank - target.size())];
    if (a == b || b == 1) out[i] = a;
    else if (a == 1) out[i] = b;
    else if (a == kUnknownDim || b == kUnknownDim) out[i] = a == kUnknownDim ? b : a;
    else fail("Expand: input shape ", shape_str(in), " cannot be broadcast to shape ", shape_str(target));
  }
  return out;
}

void infer_expand(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_fixed_size_dtype(ctx, 0);
  const DataType dt = ctx.input_dtype(0);
  const IntsArg shape = ints_from_input(ctx, 1);
  if (!ctx.input_shape_known(0) || shape.count < 0) {
    ctx.set_output_dtype(0, dt);
    return;
  }
  for (int64_t v : shape.values)
    if (v < 0) fail("Expand: shape value ", v, " is negative");
  const Shape target = shape.known ? shape.values : Shape(static_cast<size_t>(shape.count), kUnknownDim);
  const Shape out = expand_shape(ctx.input_shape(0), target);
  if (shape_is_static(out)) check_output_fits("Expand", out, dt);
  ctx.set_output(0, dt, out);
}

void expand_kernel(const Tensor& x, Tensor& y) {
  strided_copy(x, 0, broadcast_strides(x.shape(), y.shape()), y.shape(), y);
}

// Tile's output dim d is repeats[d] * in[d]; repeats must be one non-negative value per input axis.
void infer_tile(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_fixed_size_dtype(ctx, 0);
  const DataType dt = ctx.input_dtype(0);
  const IntsArg repeats = ints_from_input(ctx, 1);
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, dt);
    return;
  }
  const Shape& in = ctx.input_shape(0);
  if (repeats.count >= 0 && repeats.count != static_cast<int64_t>(in.size()))
    fail("Tile: repeats has ", repeats.count, " values for an input of rank ", in.size());
  Shape out(in.size(), kUnknownDim);
  if (repeats.known) {
    for (size_t d = 0; d < in.size(); ++d) {
      const int64_t r = repeats.values[d];
      if (r < 0) fail("Tile: repeats value ", r, " for axis ", d, " is negative");
      if (in[d] == kUnknownDim) continue;
      if (in[d] != 0 && r > INT64_MAX / in[d])
        fail("Tile: axis ", d, " of size ", in[d], " repeated ", r, " times overflows int64");
      out[d] = in[d] * r;
    }
  }
  if (shape_is_static(out)) check_output_fits("Tile", out, dt);
  ctx.set_output(0, dt, out);
}

// The output viewed as [r0, n0, r1, n1, ...] (repeat, then the input axis): row-major in that order it is exactly the
// tiled output, and the input is read with stride 0 along each repeat.
void tile_kernel(const Tensor& x, Tensor& y) {
  const std::vector<int64_t> in_strides = shape_strides(x.shape());
  Shape view;
  std::vector<int64_t> strides;
  for (int64_t d = 0; d < x.rank(); ++d) {
    const int64_t n = x.dim(d);
    view.push_back(n == 0 ? 0 : y.dim(d) / n);
    strides.push_back(0);
    view.push_back(n);
    strides.push_back(in_strides[static_cast<size_t>(d)]);
  }
  strided_copy(x, 0, std::move(strides), std::move(view), y);
}

}  // namespace

void register_expand_ops(OpRegistry& r) {
  const OpTraits moves{{}, -1, /*keeps_quantization=*/true};
  // Expand 13 and Tile 13 only added bfloat16: the semantics are those of 8 and 6.
  r.add({"", "Expand", 8, INT64_MAX, infer_expand, [](const OpContext&) {
           return make_kernel([](KernelContext& kc) { expand_kernel(kc.input(0), kc.output(0)); }, "strided");
         }, moves});
  r.add({"", "Tile", 6, INT64_MAX, infer_tile, [](const OpContext&) {
           return make_kernel([](KernelContext& kc) { tile_kernel(kc.input(0), kc.output(0)); }, "strided");
         }, moves});
}

}  // namespace ssdx
