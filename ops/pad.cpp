// Pad: grows (or, with negative pads, crops) each axis. Where the pads come from changed across opsets:
//   2-10  attributes `pads` and `value` (a float, cast to the data's dtype)
//   11-17 input 1 `pads` (int64) and optional input 2 `constant_value` (the data's dtype)
//   18    optional input 3 `axes`: `pads` then holds begin/end values for those axes only
//   19    adds mode "wrap"
// Modes: constant, reflect (mirror without repeating the edge, periodic past the size, as numpy), edge (repeat the
// border value). Negative pads first crop the input, as onnxruntime does; reflect/edge then work on what is left.
// Each output row maps to one source row (or to the constant); its middle part is one memcpy, the borders are
// copied element by element, and rows are split over threads.
#include "ops/data_movement.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

enum class PadMode { Constant, Reflect, Edge, Wrap };

struct PadParams {
  PadMode mode = PadMode::Constant;
  bool from_inputs = true;     // opset 11 on
  std::vector<int64_t> pads;   // opset < 11
  double value = 0;            // opset < 11
};

PadParams parse_pad(const OpContext& ctx) {
  PadParams p;
  const std::string mode = ctx.attrs().get_string("mode", "constant");
  if (mode == "constant") p.mode = PadMode::Constant;
  else if (mode == "reflect") p.mode = PadMode::Reflect;
  else if (mode == "edge") p.mode = PadMode::Edge;
  else if (mode == "wrap" && ctx.opset() >= 19) p.mode = PadMode::Wrap;
  else fail("Pad: mode \"", mode, "\" is not one of constant, reflect, edge", ctx.opset() >= 19 ? ", wrap" : "");
  p.from_inputs = ctx.opset() >= 11;
  if (!p.from_inputs) {
    p.pads = required_ints(ctx.attrs(), "pads");
    p.value = ctx.attrs().get_float("value", 0.f);
  }
  return p;
}

const char* mode_name(PadMode m) {
  switch (m) {
    case PadMode::Constant: return "constant";
    case PadMode::Reflect: return "reflect";
    case PadMode::Edge: return "edge";
    default: return "wrap";
  }
}

// The begin pads of every axis then the end pads (2 * rank values) from `pads` given for `axes` (empty: all axes).
std::vector<int64_t> full_pads(const std::vector<int64_t>& pads, const std::vector<int64_t>& axes, int64_t rank) {
  if (axes.empty()) {
    if (static_cast<int64_t>(pads.size()) != 2 * rank)
      fail("Pad: pads has ", pads.size(), " values, an input of rank ", rank, " needs ", 2 * rank);
    return pads;
  }
  if (pads.size() != 2 * axes.size())
    fail("Pad: pads has ", pads.size(), " values for ", axes.size(), " axes (needs ", 2 * axes.size(), ")");
  const std::vector<int64_t> norm = normalize_axes(axes, rank, "Pad axes");
  std::vector<int64_t> full(static_cast<size_t>(2 * rank), 0);
  for (size_t k = 0; k < norm.size(); ++k) {
    full[static_cast<size_t>(norm[k])] = pads[k];
    full[static_cast<size_t>(norm[k] + rank)] = pads[k + axes.size()];
  }
  return full;
}

// The output shape; fails naming the axis when a crop removes more than the axis holds or a dim overflows.
Shape padded_shape(const Shape& in, const std::vector<int64_t>& pads) {
  const size_t rank = in.size();
  Shape out(rank);
  for (size_t d = 0; d < rank; ++d) {
    if (in[d] == kUnknownDim) { out[d] = kUnknownDim; continue; }
    int64_t n;
    if (__builtin_add_overflow(in[d], pads[d], &n) || __builtin_add_overflow(n, pads[d + rank], &n))
      fail("Pad: pads ", pads[d], " and ", pads[d + rank], " on axis ", d, " overflow int64");
    if (n < 0) fail("Pad: pads ", pads[d], " and ", pads[d + rank], " crop axis ", d, " of size ", in[d], " below 0");
    out[d] = n;
  }
  return out;
}

void infer_pad(OpContext& ctx) {
  const PadParams p = parse_pad(ctx);
  ctx.require_inputs(1, p.from_inputs ? (ctx.opset() >= 18 ? 4 : 3) : 1);
  require_fixed_size_dtype(ctx, 0);
  const DataType dt = ctx.input_dtype(0);
  if (ctx.has_input(2) && ctx.input_dtype(2) != dt)
    fail("Pad: constant_value has dtype ", dtype_name(ctx.input_dtype(2)), ", the data ", dtype_name(dt));
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, dt);
    return;
  }
  const Shape& in = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  IntsArg pads = p.from_inputs ? ints_from_input(ctx, 1) : IntsArg{true, true, -1, p.pads};
  if (p.from_inputs && !pads.present) fail("Pad: the pads input is missing");
  const IntsArg axes = ints_from_input(ctx, 3);
  if (!pads.known || (axes.present && !axes.known)) {
    ctx.set_output(0, dt, Shape(static_cast<size_t>(rank), kUnknownDim));
    return;
  }
  const Shape out = padded_shape(in, full_pads(pads.values, axes.values, rank));
  if (shape_is_static(out)) check_output_fits("Pad", out, dt);
  ctx.set_output(0, dt, out);
}

// For each output position of one axis, the source position in the input (-1: the constant).
std::vector<int64_t> source_positions(PadMode mode, int64_t in_dim, int64_t begin, int64_t end, int64_t axis) {
  const int64_t crop_begin = std::max<int64_t>(-begin, 0), crop_end = std::max<int64_t>(-end, 0);
  const int64_t n = in_dim - crop_begin - crop_end;  // what the crop leaves
  const int64_t grow_begin = std::max<int64_t>(begin, 0), grow_end = std::max<int64_t>(end, 0);
  const int64_t out_dim = n + grow_begin + grow_end;
  if (n == 0 && out_dim > 0 && mode != PadMode::Constant)
    fail("Pad: cannot pad axis ", axis, " with nothing left in it in ", mode_name(mode), " mode");
  std::vector<int64_t> pos(static_cast<size_t>(out_dim));
  for (int64_t o = 0; o < out_dim; ++o) {
    int64_t i = o - grow_begin;
    if (i < 0 || i >= n) {
      switch (mode) {
        case PadMode::Constant: i = -1; break;
        case PadMode::Edge: i = i < 0 ? 0 : n - 1; break;
        case PadMode::Wrap: i = ((i % n) + n) % n; break;
        case PadMode::Reflect:
          if (n == 1) { i = 0; break; }
          const int64_t period = 2 * (n - 1);
          i = ((i % period) + period) % period;
          if (i >= n) i = period - i;
          break;
      }
    }
    pos[static_cast<size_t>(o)] = i < 0 ? -1 : i + crop_begin;
  }
  return pos;
}

template <size_t N>
void pad_rows(const uint8_t* src, const Shape& in, const std::vector<std::vector<int64_t>>& pos, const uint8_t* value,
              uint8_t* dst, int64_t out_rows, bool parallel) {
  const size_t rank = in.size(), last = rank - 1;
  const std::vector<int64_t> in_strides = shape_strides(in);
  const std::vector<int64_t>& cols = pos[last];
  const int64_t out_cols = static_cast<int64_t>(cols.size());
  // The run of output columns reading consecutive source columns: one memcpy per row.
  int64_t lo = 0;
  while (lo < out_cols && cols[static_cast<size_t>(lo)] < 0) ++lo;
  int64_t hi = lo;
  while (hi < out_cols && cols[static_cast<size_t>(hi)] == cols[static_cast<size_t>(lo)] + (hi - lo)) ++hi;
  auto put = [&](uint8_t* d, const uint8_t* row, int64_t o) {
    const int64_t c = cols[static_cast<size_t>(o)];
    std::memcpy(d + static_cast<size_t>(o) * N, c < 0 ? value : row + static_cast<size_t>(c) * N, N);
  };
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t r = 0; r < out_rows; ++r) {
    uint8_t* d = dst + static_cast<size_t>(r * out_cols) * N;
    int64_t rem = r, offset = 0;
    bool constant_row = false;
    for (size_t k = last; k-- > 0;) {
      const std::vector<int64_t>& pk = pos[k];
      const int64_t s = pk[static_cast<size_t>(rem % static_cast<int64_t>(pk.size()))];
      rem /= static_cast<int64_t>(pk.size());
      constant_row = constant_row || s < 0;
      offset += s * in_strides[k];
    }
    if (constant_row) {
      for (int64_t o = 0; o < out_cols; ++o) std::memcpy(d + static_cast<size_t>(o) * N, value, N);
      continue;
    }
    const uint8_t* row = src + static_cast<size_t>(offset) * N;
    for (int64_t o = 0; o < lo; ++o) put(d, row, o);
    if (hi > lo)
      std::memcpy(d + static_cast<size_t>(lo) * N, row + static_cast<size_t>(cols[static_cast<size_t>(lo)]) * N,
                  static_cast<size_t>(hi - lo) * N);
    for (int64_t o = hi; o < out_cols; ++o) put(d, row, o);
  }
}

// The constant as one element of the data's dtype.
std::vector<uint8_t> pad_value(const PadParams& p, const Tensor& x, const Tensor* constant_value) {
  const size_t elem = dtype_size(x.dtype());
  std::vector<uint8_t> bytes(elem, 0);
  if (p.mode != PadMode::Constant) return bytes;
  if (constant_value) {
    if (constant_value->dtype() != x.dtype())
      fail("Pad: constant_value has dtype ", dtype_name(constant_value->dtype()), ", the data ", dtype_name(x.dtype()));
    if (constant_value->numel() > 1) fail("Pad: constant_value must be a scalar, got ", shape_str(constant_value->shape()));
    if (constant_value->numel() == 1) std::memcpy(bytes.data(), constant_value->raw(), elem);
    return bytes;
  }
  if (p.value != 0)
    dispatch_dtype(x.dtype(), [&](auto zero) {
      const auto v = static_cast<decltype(zero)>(p.value);
      std::memcpy(bytes.data(), &v, elem);
    });
  return bytes;
}

void pad_kernel(const PadParams& p, KernelContext& kc) {
  const Tensor& x = kc.input(0);
  Tensor& y = kc.output(0);
  std::vector<int64_t> pads = p.pads, axes;
  if (p.from_inputs) {
    pads = kc.input(1).to_int_vector();
    if (const Tensor* a = kc.optional_input(3)) axes = a->to_int_vector();
  }
  pads = full_pads(pads, axes, x.rank());
  const Shape out = padded_shape(x.shape(), pads);
  if (out != y.shape()) fail("Pad: output shape ", shape_str(y.shape()), " differs from ", shape_str(out));
  if (y.numel() == 0) return;
  if (x.rank() == 0) return copy_bytes(x, y);
  std::vector<std::vector<int64_t>> pos;
  for (int64_t d = 0; d < x.rank(); ++d)
    pos.push_back(source_positions(p.mode, x.dim(d), pads[static_cast<size_t>(d)],
                                   pads[static_cast<size_t>(d + x.rank())], d));
  const std::vector<uint8_t> value = pad_value(p, x, p.from_inputs ? kc.optional_input(2) : nullptr);
  const int64_t rows = y.numel() / y.shape().back();
  const bool parallel = y.nbytes() > kDataMoveParallelBytes && rows > 1;
  dispatch_elem_size(dtype_size(x.dtype()), [&](auto size) {
    pad_rows<decltype(size)::value>(static_cast<const uint8_t*>(x.raw()), x.shape(), pos, value.data(),
                                    static_cast<uint8_t*>(y.raw()), rows, parallel);
  });
}

}  // namespace

void register_pad_ops(OpRegistry& r) {
  // No keeps_quantization: the constant is a raw value, not the input's zero point.
  auto create = [](const OpContext& ctx) {
    return make_kernel([p = parse_pad(ctx)](KernelContext& kc) { pad_kernel(p, kc); }, "rows");
  };
  r.add({"", "Pad", 2, 10, infer_pad, create});
  r.add({"", "Pad", 11, 17, infer_pad, create});
  r.add({"", "Pad", 18, 18, infer_pad, create});
  r.add({"", "Pad", 19, INT64_MAX, infer_pad, create});
}

}  // namespace ssdx
