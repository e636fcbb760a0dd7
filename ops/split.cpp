// Split: cuts a tensor along one axis into consecutive parts. Where the part sizes come from changed across opsets:
//   2-10  attribute `split` (or equal parts, one per output), axis in [0, rank)
//   11-12 the same, axis may be negative
//   13-17 `split` is an optional int64 input
//   18    as 13, or attribute `num_outputs`: parts of ceil(dim / n), the last one smaller
// Each output takes one contiguous block per outer index; blocks are memcpy'd, outer indices split over threads.
#include "ops/data_movement.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

struct SplitParams {
  int64_t axis = 0;
  bool negative_axis_ok = true;
  bool split_from_input = false;
  std::vector<int64_t> split;  // from the attribute (opset < 13)
  int64_t num_outputs = 0;     // opset 18's attribute; 0: not given
};

SplitParams parse_split(const OpContext& ctx) {
  SplitParams p;
  p.axis = ctx.attrs().get_int("axis", 0);
  p.negative_axis_ok = ctx.opset() >= 11;
  p.split_from_input = ctx.opset() >= 13;
  if (!p.split_from_input) p.split = ctx.attrs().get_ints("split");
  if (ctx.opset() >= 18 && ctx.attrs().has("num_outputs")) {
    p.num_outputs = ctx.attrs().get_int("num_outputs", 0);
    if (p.num_outputs < 1) fail("Split: num_outputs ", p.num_outputs, " is not positive");
    if (p.num_outputs != ctx.num_outputs())
      fail("Split: num_outputs is ", p.num_outputs, " but the node has ", ctx.num_outputs(), " outputs");
    if (ctx.has_input(1)) fail("Split: both the split input and num_outputs are given");
  }
  return p;
}

int64_t split_axis(const SplitParams& p, int64_t rank) {
  if (!p.negative_axis_ok && p.axis < 0) fail("Split: axis ", p.axis, " is negative, which opset 11 first allows");
  return normalize_axis(p.axis, rank, "Split");
}

// The part sizes for an axis of size `dim` (known) and explicit sizes `split` (empty: none given); checked.
std::vector<int64_t> part_sizes(const SplitParams& p, int64_t dim, const std::vector<int64_t>& split, int outputs) {
  std::vector<int64_t> parts;
  if (!split.empty()) {
    if (static_cast<int>(split.size()) != outputs)
      fail("Split: split has ", split.size(), " sizes for ", outputs, " outputs");
    int64_t sum = 0;
    for (int64_t s : split) {
      if (s < 0) fail("Split: split size ", s, " is negative");
      if (s > dim - sum) fail("Split: split sizes add up to more than the axis of ", dim);  // also: no overflow
      sum += s;
    }
    if (sum != dim) fail("Split: split sizes add up to ", sum, ", the axis has ", dim);
    return split;
  }
  if (p.num_outputs > 0) {
    const int64_t chunk = dim / p.num_outputs + (dim % p.num_outputs != 0);  // ceil, without overflowing
    const int64_t last = dim - chunk * (p.num_outputs - 1);  // chunk * (n - 1) < dim + n: no overflow either
    if (last < 0) fail("Split: an axis of ", dim, " cannot be cut into ", p.num_outputs, " parts of ", chunk);
    parts.assign(static_cast<size_t>(p.num_outputs), chunk);
    parts.back() = last;
    return parts;
  }
  if (dim % outputs != 0) fail("Split: an axis of ", dim, " cannot be split into ", outputs, " equal parts");
  return std::vector<int64_t>(static_cast<size_t>(outputs), dim / outputs);
}

void infer_split(OpContext& ctx) {
  ctx.require_inputs(1, 2);
  require_fixed_size_dtype(ctx, 0);
  const SplitParams p = parse_split(ctx);
  const DataType dt = ctx.input_dtype(0);
  const int outputs = ctx.num_outputs();
  if (!ctx.input_shape_known(0)) {
    for (int o = 0; o < outputs; ++o) ctx.set_output_dtype(o, dt);
    return;
  }
  const Shape& in = ctx.input_shape(0);
  const int64_t axis = split_axis(p, static_cast<int64_t>(in.size()));
  const int64_t dim = in[static_cast<size_t>(axis)];
  IntsArg split = p.split_from_input ? ints_from_input(ctx, 1) : ints_from_attr(ctx, "split");
  if (split.count == 0) split = IntsArg{};  // an empty list means equal parts, as the kernel reads it
  std::vector<int64_t> parts(static_cast<size_t>(outputs), kUnknownDim);
  if (split.present && split.count >= 0 && split.count != outputs)
    fail("Split: split has ", split.count, " sizes for ", outputs, " outputs");
  if (split.present && split.known && dim == kUnknownDim) {
    parts = split.values;  // the sizes hold, whatever the axis turns out to be
  } else if (dim != kUnknownDim && (!split.present || split.known)) {
    parts = part_sizes(p, dim, split.present ? split.values : std::vector<int64_t>{}, outputs);
  }
  for (int o = 0; o < outputs; ++o) {
    Shape s = in;
    s[static_cast<size_t>(axis)] = parts[static_cast<size_t>(o)];
    ctx.set_output(o, dt, s);
  }
}

void split_kernel(const SplitParams& p, KernelContext& kc) {
  const Tensor& x = kc.input(0);
  const int64_t axis = split_axis(p, x.rank());
  const AxisSplit s = split_at_axis(x.shape(), axis);
  const Tensor* split_input = kc.optional_input(1);
  const std::vector<int64_t> explicit_sizes = split_input ? split_input->to_int_vector() : p.split;
  const int outputs = static_cast<int>(kc.outputs.size());
  const std::vector<int64_t> parts = part_sizes(p, s.dim, explicit_sizes, outputs);
  const size_t elem = dtype_size(x.dtype());
  const size_t in_row = static_cast<size_t>(s.dim * s.inner) * elem;
  const auto* src = static_cast<const uint8_t*>(x.raw());
  size_t col = 0;
  for (int o = 0; o < outputs; ++o) {
    Tensor& y = kc.output(o);
    const size_t out_row = static_cast<size_t>(parts[static_cast<size_t>(o)] * s.inner) * elem;
    if (y.nbytes() != out_row * static_cast<size_t>(s.outer)) fail("Split: output ", o, " has the wrong size");
    auto* dst = static_cast<uint8_t*>(y.raw());
    if (out_row == 0) continue;
    if (s.outer == 1) {
      parallel_memcpy(dst, src + col, out_row);
    } else {
#pragma omp parallel for if (y.nbytes() > kDataMoveParallelBytes) schedule(static)
      for (int64_t r = 0; r < s.outer; ++r)
        std::memcpy(dst + static_cast<size_t>(r) * out_row, src + static_cast<size_t>(r) * in_row + col, out_row);
    }
    col += out_row;
  }
}

}  // namespace

void register_split_ops(OpRegistry& r) {
  const OpTraits moves{{}, -1, /*keeps_quantization=*/true};
  auto create = [](const OpContext& ctx) {
    return make_kernel([p = parse_split(ctx)](KernelContext& kc) { split_kernel(p, kc); }, "copy");
  };
  // One entry per change of where the sizes come from; the shared code reads the opset from the context.
  r.add({"", "Split", 2, 10, infer_split, create, moves});
  r.add({"", "Split", 11, 12, infer_split, create, moves});
  r.add({"", "Split", 13, 17, infer_split, create, moves});
  r.add({"", "Split", 18, INT64_MAX, infer_split, create, moves});
}

}  // namespace ssdx
