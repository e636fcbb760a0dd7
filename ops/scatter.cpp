// ScatterND (slices written at index tuples) and ScatterElements (one element per index along an axis): the output
// is a copy of the data with the updates written in, or combined by the reduction. The opsets differ in the
// reductions they accept: none before 16, add/mul from 16, max/min from 18. Scatter (opset 9-10, deprecated in 11)
// is ScatterElements without reduction and without negative indices; Scatter 11 is ScatterElements 11.
// Updates apply in index order, so duplicates give onnxruntime's result (the last write wins, or every one is
// combined). Large scatters are split over threads by destination range: each thread walks all indices and
// applies those landing in its own range, which keeps that order exactly.
#include <omp.h>

#include "ops/data_movement.h"
#include "ops/index_offsets.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

enum class Reduction { None, Add, Mul, Max, Min };

Reduction parse_reduction(const OpContext& ctx, const char* op) {
  if (ctx.opset() < 16) {
    if (ctx.attrs().has("reduction")) fail(op, ": the reduction attribute needs opset 16, the model has ", ctx.opset());
    return Reduction::None;
  }
  const std::string r = ctx.attrs().get_string("reduction", "none");
  if (r == "none") return Reduction::None;
  if (r == "add") return Reduction::Add;
  if (r == "mul") return Reduction::Mul;
  if (ctx.opset() >= 18 && r == "max") return Reduction::Max;
  if (ctx.opset() >= 18 && r == "min") return Reduction::Min;
  fail(op, ": reduction \"", r, "\" is not one of none, add, mul", ctx.opset() >= 18 ? ", max, min" : "",
       " (opset ", ctx.opset(), ")");
}

template <typename T>
void combine(Reduction red, T* d, const T* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    switch (red) {
      case Reduction::Add: d[i] = static_cast<T>(d[i] + u[i]); break;
      case Reduction::Mul: d[i] = static_cast<T>(d[i] * u[i]); break;
      case Reduction::Max: d[i] = std::max(d[i], u[i]); break;
      case Reduction::Min: d[i] = std::min(d[i], u[i]); break;
      case Reduction::None: d[i] = u[i]; break;
    }
  }
}

// out = data, then update slice i (of `slice` elements) goes to element offset offsets[i] of out.
void scatter_into(Reduction red, const Tensor& data, const Tensor& updates, const std::vector<int64_t>& offsets,
                  int64_t slice, Tensor& out) {
  if (updates.dtype() != data.dtype())
    fail("updates have dtype ", dtype_name(updates.dtype()), ", the data ", dtype_name(data.dtype()));
  if (out.raw() != data.raw()) copy_bytes(data, out);
  const int64_t n = static_cast<int64_t>(offsets.size());
  if (n == 0 || slice == 0) return;
  const size_t elem = dtype_size(data.dtype());
  const int64_t slots = out.numel() / slice;  // destination slices; offsets are multiples of `slice`
  auto* dst = static_cast<uint8_t*>(out.raw());
  const auto* src = static_cast<const uint8_t*>(updates.raw());
  auto apply_range = [&](int64_t lo, int64_t hi) {  // the updates whose destination slice is in [lo, hi)
    for (int64_t i = 0; i < n; ++i) {
      const int64_t off = offsets[static_cast<size_t>(i)];
      if (off < lo * slice || off >= hi * slice) continue;
      uint8_t* d = dst + static_cast<size_t>(off) * elem;
      const uint8_t* u = src + static_cast<size_t>(i * slice) * elem;
      if (red == Reduction::None) {
        std::memcpy(d, u, static_cast<size_t>(slice) * elem);
      } else {
        dispatch_dtype(data.dtype(), [&](auto zero) {
          using T = decltype(zero);
          combine<T>(red, reinterpret_cast<T*>(d), reinterpret_cast<const T*>(u), slice);
        });
      }
    }
  };
  if (updates.nbytes() <= kDataMoveParallelBytes || slots < 2) return apply_range(0, slots);
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    apply_range(slots * t / threads, slots * (t + 1) / threads);
  }
}

// The output may take over the data's buffer (the session allows it when nothing reads the data afterwards and the
// node reads it once): the scatter then skips the copy. scatter_into works either way.
template <typename F>
class ScatterKernel : public LambdaKernel<F> {
 public:
  using LambdaKernel<F>::LambdaKernel;
  int inplace_input() const override { return 0; }
};
template <typename F>
std::unique_ptr<Kernel> make_scatter_kernel(F f, std::string impl) {
  return std::make_unique<ScatterKernel<F>>(std::move(f), std::move(impl));
}

// ---- ScatterND ----

void infer_scatter_nd(OpContext& ctx) {
  ctx.require_inputs(3, 3);
  require_fixed_size_dtype(ctx, 0);
  ctx.require_dtype(1, {DataType::Int64, DataType::Int32});
  parse_reduction(ctx, "ScatterND");
  const DataType dt = ctx.input_dtype(0);
  if (ctx.input_dtype(2) != dt)
    fail("ScatterND: updates have dtype ", dtype_name(ctx.input_dtype(2)), ", the data ", dtype_name(dt));
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, dt);
    return;
  }
  if (ctx.input_shape_known(1) && ctx.input_shape_known(2) && !ctx.input_shape(1).empty() &&
      ctx.input_shape(1).back() != kUnknownDim) {
    const Shape expected = nd_output_shape("ScatterND", ctx.input_shape(0), ctx.input_shape(1), 0);
    if (!shapes_agree(expected, ctx.input_shape(2)))
      fail("ScatterND: updates have shape ", shape_str(ctx.input_shape(2)), ", indices ",
           shape_str(ctx.input_shape(1)), " into data ", shape_str(ctx.input_shape(0)), " need ", shape_str(expected));
  }
  ctx.set_output(0, dt, ctx.input_shape(0));
}

void scatter_nd_kernel(Reduction red, KernelContext& kc) {
  const Tensor& data = kc.input(0);
  const Tensor& indices = kc.input(1);
  const Tensor& updates = kc.input(2);
  const Shape expected = nd_output_shape("ScatterND", data.shape(), indices.shape(), 0);
  if (expected != updates.shape())
    fail("ScatterND: updates have shape ", shape_str(updates.shape()), ", indices ", shape_str(indices.shape()),
         " into data ", shape_str(data.shape()), " need ", shape_str(expected));
  const std::vector<int64_t> offsets = nd_offsets("ScatterND", indices, data.shape(), 0);
  const int64_t slice = offsets.empty() ? 0 : updates.numel() / static_cast<int64_t>(offsets.size());
  scatter_into(red, data, updates, offsets, slice, kc.output(0));
}

// ---- ScatterElements (and Scatter) ----

void infer_scatter_elements(OpContext& ctx, const char* op) {
  ctx.require_inputs(3, 3);
  require_fixed_size_dtype(ctx, 0);
  ctx.require_dtype(1, {DataType::Int64, DataType::Int32});
  parse_reduction(ctx, op);
  const DataType dt = ctx.input_dtype(0);
  if (ctx.input_dtype(2) != dt)
    fail(op, ": updates have dtype ", dtype_name(ctx.input_dtype(2)), ", the data ", dtype_name(dt));
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, dt);
    return;
  }
  const Shape& data = ctx.input_shape(0);
  const int64_t axis = normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(data.size()), op);
  if (ctx.input_shape_known(1)) {
    check_element_shapes(op, data, ctx.input_shape(1), axis);
    if (ctx.input_shape_known(2) && !shapes_agree(ctx.input_shape(1), ctx.input_shape(2)))
      fail(op, ": updates ", shape_str(ctx.input_shape(2)), " must have the shape of indices ",
           shape_str(ctx.input_shape(1)));
  }
  ctx.set_output(0, dt, data);
}

struct ScatterElementsParams {
  const char* op;
  int64_t axis;
  Reduction reduction;
  bool negative_ok;
};

void scatter_elements_kernel(const ScatterElementsParams& p, KernelContext& kc) {
  const Tensor& data = kc.input(0);
  const Tensor& indices = kc.input(1);
  const Tensor& updates = kc.input(2);
  if (indices.shape() != updates.shape())
    fail(p.op, ": updates ", shape_str(updates.shape()), " must have the shape of indices ", shape_str(indices.shape()));
  const int64_t axis = normalize_axis(p.axis, data.rank(), p.op);
  const std::vector<int64_t> offsets = element_offsets(p.op, indices, data.shape(), axis, p.negative_ok);
  scatter_into(p.reduction, data, updates, offsets, 1, kc.output(0));
}

CreateFn create_scatter_elements(const char* op) {
  return [op](const OpContext& ctx) {
    const ScatterElementsParams p{op, ctx.attrs().get_int("axis", 0), parse_reduction(ctx, op), ctx.opset() >= 11};
    return make_scatter_kernel([p](KernelContext& kc) { scatter_elements_kernel(p, kc); }, "elements");
  };
}

}  // namespace

void register_scatter_ops(OpRegistry& r) {
  auto create_nd = [](const OpContext& ctx) {
    return make_scatter_kernel(
        [red = parse_reduction(ctx, "ScatterND")](KernelContext& kc) { scatter_nd_kernel(red, kc); }, "slices");
  };
  r.add({"", "ScatterND", 11, 15, infer_scatter_nd, create_nd});
  r.add({"", "ScatterND", 16, 17, infer_scatter_nd, create_nd});
  r.add({"", "ScatterND", 18, INT64_MAX, infer_scatter_nd, create_nd});
  auto infer_elements = [](OpContext& ctx) { infer_scatter_elements(ctx, "ScatterElements"); };
  r.add({"", "ScatterElements", 11, 15, infer_elements, create_scatter_elements("ScatterElements")});
  r.add({"", "ScatterElements", 16, 17, infer_elements, create_scatter_elements("ScatterElements")});
  r.add({"", "ScatterElements", 18, INT64_MAX, infer_elements, create_scatter_elements("ScatterElements")});
  auto infer_scatter = [](OpContext& ctx) { infer_scatter_elements(ctx, "Scatter"); };
  r.add({"", "Scatter", 9, 10, infer_scatter, create_scatter_elements("Scatter")});
  // Scatter's last version is 11 (deprecated, never removed): later opsets resolve to it.
  r.add({"", "Scatter", 11, INT64_MAX, infer_scatter, create_scatter_elements("Scatter")});
}

}  // namespace ssdx
