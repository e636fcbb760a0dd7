// Resize, opsets 10 (X, scales), 11-12 (X, roi, scales, sizes), 13-17 (roi and scales optional), 18 (antialias,
// axes, keep_aspect_ratio_policy) and 19 (half_pixel_symmetric): nearest for float32/uint8/int8/int32/int64,
// linear and cubic for float32. The arithmetic lives in ops/resize_geometry.h.
//
// The reference kernel builds each axis's 1-D taps and sums their tensor product for every output element. The
// fast kernel serves nearest and linear (no antialiasing of a downscale, no tf_crop_and_resize) when only the last
// two axes move, the NCHW image case: per-row and per-column index/weight tables (built by prepare() when roi,
// scales and sizes are constants, else per run), then for each output row a horizontal pass over the two source
// rows and a vertical blend, both over W, rows split across the OpenMP threads.
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>

#include "ops/op_util.h"
#include "ops/registry.h"
#include "ops/resize_geometry.h"

namespace ssdx {
namespace {

// Which inputs hold roi, scales and sizes in this opset form (-1: none).
struct ResizeInputs {
  int roi = -1, scales = 1, sizes = -1;
};
ResizeInputs resize_inputs(int64_t opset) {
  if (opset < 11) return {};
  return {1, 2, 3};
}

std::vector<float> float_values(const Tensor& t, const char* what) {
  if (t.dtype() != DataType::Float) fail("Resize ", what, " must be float32, got ", dtype_name(t.dtype()));
  if (t.rank() > 1) fail("Resize ", what, " must be 1-D, got ", shape_str(t.shape()));
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

// roi, scales and sizes as values; `present` false when an input is absent.
struct ResizeArgs {
  std::vector<float> roi, scales;
  std::vector<int64_t> sizes;
};

ResizeArgs read_args(int64_t opset, const std::function<const Tensor*(int)>& input) {
  const ResizeInputs at = resize_inputs(opset);
  ResizeArgs a;
  if (at.roi >= 0)
    if (const Tensor* t = input(at.roi)) a.roi = float_values(*t, "roi");
  if (const Tensor* t = input(at.scales)) a.scales = float_values(*t, "scales");
  if (at.sizes >= 0)
    if (const Tensor* t = input(at.sizes)) {
      if (t->dtype() != DataType::Int64) fail("Resize sizes must be int64, got ", dtype_name(t->dtype()));
      a.sizes = t->to_int_vector();
    }
  return a;
}

ResizeGeometry geometry_of(const ResizeParams& p, const Shape& in, const ResizeArgs& a, DataType dtype) {
  return resize_geometry(p, in, &a.roi, &a.scales, &a.sizes, dtype_size(dtype));
}

void check_dtype(const OpContext& ctx, const ResizeParams& p) {
  if (p.mode == ResizeMode::Nearest)
    ctx.require_dtype(0, {DataType::Float, DataType::UInt8, DataType::Int8, DataType::Int32, DataType::Int64});
  else
    ctx.require_dtype(0, {DataType::Float});
}

void infer_resize(OpContext& ctx) {
  const ResizeParams p = read_resize_params(ctx.attrs(), ctx.opset());
  ctx.require_inputs(p.opset < 11 ? 2 : 1, p.opset < 11 ? 2 : 4);
  check_dtype(ctx, p);
  const DataType dt = ctx.input_dtype(0);
  if (!ctx.input_shape_known(0)) return ctx.set_output_dtype(0, dt);
  const Shape& in = ctx.input_shape(0);
  // The shape needs every given roi/scales/sizes value and the input dims.
  bool known = shape_is_static(in);
  for (int i = 1; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i) && !ctx.input_constant(i)) known = false;
  if (known) {
    const ResizeArgs a = read_args(p.opset, [&](int i) { return ctx.input_constant(i); });
    ctx.set_output(0, dt, geometry_of(p, in, a, dt).out);
    return;
  }
  Shape out(in.size(), kUnknownDim);
  if (!p.axes.empty()) {  // the axes not listed keep their length
    std::vector<bool> listed(in.size(), false);
    for (int64_t a : p.axes) listed[static_cast<size_t>(normalize_axis(a, static_cast<int64_t>(in.size()), "Resize axes"))] = true;
    for (size_t d = 0; d < in.size(); ++d)
      if (!listed[d]) out[d] = in[d];
  }
  ctx.set_output(0, dt, out);
}

// ---- reference ----

template <typename T>
void resize_ref_typed(const ResizeParams& p, const ResizeGeometry& g, const Tensor& x, Tensor& y) {
  const size_t rank = g.in.size();
  std::vector<std::vector<ResizeTaps>> taps(rank);
  for (size_t d = 0; d < rank; ++d)
    for (int64_t o = 0; o < g.out[d]; ++o) taps[d].push_back(resize_taps(p, g, d, o));
  const std::vector<int64_t> in_strides = shape_strides(g.in);
  const T* src = x.data<T>();
  T* dst = y.data<T>();
  const int64_t total = shape_numel(g.out);
#pragma omp parallel for if (total > (1 << 14)) schedule(static)
  for (int64_t flat = 0; flat < total; ++flat) {
    std::vector<const ResizeTaps*> at(rank);
    bool outside = false;
    for (int64_t d = static_cast<int64_t>(rank) - 1, rem = flat; d >= 0; --d) {
      const size_t u = static_cast<size_t>(d);
      at[u] = &taps[u][static_cast<size_t>(rem % g.out[u])];
      rem /= g.out[u];
      outside = outside || at[u]->outside;
    }
    if (outside) {
      dst[flat] = static_cast<T>(p.extrapolation);
      continue;
    }
    // Sum over the tensor product of the axes' taps, odometer-style.
    std::vector<size_t> k(rank, 0);
    float sum = 0.f;
    while (true) {
      float w = 1.f;
      int64_t off = 0;
      for (size_t d = 0; d < rank; ++d) {
        w *= at[d]->weight[k[d]];
        off += at[d]->index[k[d]] * in_strides[d];
      }
      if (p.mode == ResizeMode::Nearest) {
        dst[flat] = src[off];  // one tap per axis: a copy, exact for every dtype
        break;
      }
      sum += w * static_cast<float>(src[off]);
      size_t d = rank;
      while (d > 0 && ++k[d - 1] == at[d - 1]->index.size()) k[--d] = 0;
      if (d == 0) {
        dst[flat] = static_cast<T>(sum);
        break;
      }
    }
  }
}

void resize_ref(const ResizeParams& p, const ResizeGeometry& g, const Tensor& x, Tensor& y) {
  if (g.in.empty()) fail("Resize needs a tensor of rank 1 or more");
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) fail("Resize does not support bool");
    else resize_ref_typed<T>(p, g, x, y);
  });
}

// ---- fast: the last two axes ----

struct ResizePlan : KernelPlan {
  ResizeGeometry g;
  bool fast = false;
  int64_t planes = 0;  // product of the leading dims
  // Per output row (H) and column (W): two source indices and weights (nearest: the second weight is 0).
  std::vector<int64_t> y0, y1, x0, x1;
  std::vector<float> wy0, wy1, wx0, wx1;
};

// Whether output index o of axis d reads input index o alone.
bool identity_axis(const ResizeParams& p, const ResizeGeometry& g, size_t d) {
  if (g.in[d] != g.out[d]) return false;
  for (int64_t o = 0; o < g.out[d]; ++o) {
    const ResizeTaps t = resize_taps(p, g, d, o);
    if (t.outside) return false;
    float on_o = 0.f;  // linear's last index has two taps on it, 0.5 each
    for (size_t k = 0; k < t.index.size(); ++k) {
      if (t.index[k] == o) on_o += t.weight[k];
      else if (t.weight[k] != 0.f) return false;
    }
    if (on_o != 1.f) return false;
  }
  return true;
}

void two_tap_table(const ResizeParams& p, const ResizeGeometry& g, size_t d, std::vector<int64_t>& i0,
                   std::vector<int64_t>& i1, std::vector<float>& w0, std::vector<float>& w1) {
  for (int64_t o = 0; o < g.out[d]; ++o) {
    const ResizeTaps t = resize_taps(p, g, d, o);
    i0.push_back(t.index[0]);
    w0.push_back(t.weight[0]);
    i1.push_back(t.index.size() > 1 ? t.index[1] : t.index[0]);
    w1.push_back(t.weight.size() > 1 ? t.weight[1] : 0.f);
  }
}

std::shared_ptr<ResizePlan> make_plan(const ResizeParams& p, const ResizeGeometry& g, DataType dtype, bool reference) {
  auto plan = std::make_shared<ResizePlan>();
  plan->g = g;
  plan->impl = "ref";
  const size_t rank = g.in.size();
  const bool mode_ok = p.mode == ResizeMode::Nearest ||
                       (p.mode == ResizeMode::Linear && dtype == DataType::Float &&
                        !(p.antialias && (g.scales[rank - 2] < 1.f || g.scales[rank - 1] < 1.f)));
  if (reference || rank < 2 || !mode_ok || p.coord == CoordMode::TfCropAndResize || shape_numel(g.out) == 0 ||
      (p.mode == ResizeMode::Nearest && dtype_size(dtype) != 1 && dtype_size(dtype) != 4))
    return plan;
  for (size_t d = 0; d + 2 < rank; ++d)
    if (!identity_axis(p, g, d)) return plan;
  plan->fast = true;
  plan->planes = 1;
  for (size_t d = 0; d + 2 < rank; ++d) plan->planes *= g.in[d];
  two_tap_table(p, g, rank - 2, plan->y0, plan->y1, plan->wy0, plan->wy1);
  two_tap_table(p, g, rank - 1, plan->x0, plan->x1, plan->wx0, plan->wx1);
  plan->impl = p.mode == ResizeMode::Nearest ? "resize:nearest2d" : "resize:linear2d";
  return plan;
}

template <typename T>
void nearest_2d(const ResizePlan& pl, const T* src, T* dst) {
  const int64_t ih = pl.g.in[pl.g.in.size() - 2], iw = pl.g.in.back();
  const int64_t oh = pl.g.out[pl.g.out.size() - 2], ow = pl.g.out.back();
  const int64_t rows = pl.planes * oh;
  const int64_t* xs = pl.x0.data();
#pragma omp parallel for if (rows * ow > (1 << 14)) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t plane = r / oh, y = r % oh;
    const T* in_row = src + (plane * ih + pl.y0[static_cast<size_t>(y)]) * iw;
    T* out_row = dst + r * ow;
    for (int64_t x = 0; x < ow; ++x) out_row[x] = in_row[xs[x]];
  }
}

void linear_2d(const ResizePlan& pl, const float* src, float* dst) {
  const int64_t ih = pl.g.in[pl.g.in.size() - 2], iw = pl.g.in.back();
  const int64_t oh = pl.g.out[pl.g.out.size() - 2], ow = pl.g.out.back();
  const int64_t rows = pl.planes * oh;
  const int64_t *x0 = pl.x0.data(), *x1 = pl.x1.data();
  const float *wx0 = pl.wx0.data(), *wx1 = pl.wx1.data();
#pragma omp parallel if (rows * ow > (1 << 14))
  {
    std::vector<float> top(static_cast<size_t>(ow)), bottom(static_cast<size_t>(ow));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t plane = r / oh, y = r % oh;
      const size_t yu = static_cast<size_t>(y);
      const float* a = src + (plane * ih + pl.y0[yu]) * iw;
      const float* b = src + (plane * ih + pl.y1[yu]) * iw;
      float* t = top.data();
      float* u = bottom.data();
      for (int64_t x = 0; x < ow; ++x) {
        t[x] = wx0[x] * a[x0[x]] + wx1[x] * a[x1[x]];
        u[x] = wx0[x] * b[x0[x]] + wx1[x] * b[x1[x]];
      }
      const float wa = pl.wy0[yu], wb = pl.wy1[yu];
      float* out = dst + r * ow;
      for (int64_t x = 0; x < ow; ++x) out[x] = wa * t[x] + wb * u[x];
    }
  }
}

void run_plan(const ResizeParams& p, const ResizePlan& plan, const Tensor& x, Tensor& y) {
  if (!plan.fast) return resize_ref(p, plan.g, x, y);
  if (p.mode == ResizeMode::Linear) return linear_2d(plan, x.data<float>(), y.data<float>());
  if (dtype_size(x.dtype()) == 1)
    return nearest_2d(plan, static_cast<const uint8_t*>(x.raw()), static_cast<uint8_t*>(y.raw()));
  nearest_2d(plan, static_cast<const uint32_t*>(x.raw()), static_cast<uint32_t*>(y.raw()));
}

class ResizeKernel : public Kernel {
 public:
  ResizeKernel(const OpContext& ctx) : params_(read_resize_params(ctx.attrs(), ctx.opset())), reference_(ctx.hints().reference) {
    bool all_constant = true;
    for (int i = 1; i < ctx.num_inputs(); ++i)
      if (ctx.has_input(i) && !ctx.input_constant(i)) all_constant = false;
    if (all_constant) {
      constant_args_ = std::make_shared<ResizeArgs>(
          read_args(params_.opset, [&](int i) { return ctx.has_input(i) ? ctx.input_constant(i) : nullptr; }));
      if (ctx.input_shape_known(0) && shape_is_static(ctx.input_shape(0)))
        static_impl_ = make_plan(params_, geometry_of(params_, ctx.input_shape(0), *constant_args_, ctx.input_dtype(0)),
                                 ctx.input_dtype(0), reference_)->impl;
    }
  }

  // Tables for this input shape when roi/scales/sizes are constants; otherwise each run builds its own.
  std::shared_ptr<const KernelPlan> prepare(const std::vector<ValueInfo>& inputs) const override {
    const ValueInfo& x = inputs.at(0);
    if (!constant_args_ || !x.shape_known || !shape_is_static(x.shape)) return nullptr;
    return make_plan(params_, geometry_of(params_, x.shape, *constant_args_, x.dtype), x.dtype, reference_);
  }

  void run(KernelContext& kc) const override {
    const Tensor& x = kc.input(0);
    Tensor& y = kc.output(0);
    if (y.numel() == 0) return;
    if (const auto* plan = dynamic_cast<const ResizePlan*>(kc.prepared)) {
      if (plan->g.in != x.shape()) fail("Resize was prepared for ", shape_str(plan->g.in), ", not ", shape_str(x.shape()));
      return run_plan(params_, *plan, x, y);
    }
    const ResizeArgs a = read_args(params_.opset, [&](int i) { return kc.optional_input(i); });
    const auto plan = make_plan(params_, geometry_of(params_, x.shape(), a, x.dtype()), x.dtype(), reference_);
    if (plan->g.out != y.shape()) fail("Resize output ", shape_str(y.shape()), " differs from ", shape_str(plan->g.out));
    run_plan(params_, *plan, x, y);
  }

  std::string impl_name() const override { return static_impl_.empty() ? (reference_ ? "ref" : "resize") : static_impl_; }

 private:
  ResizeParams params_;
  bool reference_;
  std::shared_ptr<const ResizeArgs> constant_args_;  // when every given roi/scales/sizes is a constant
  std::string static_impl_;                          // the kernel a static input gets
};

std::unique_ptr<Kernel> create_resize(const OpContext& ctx) {
  check_dtype(ctx, read_resize_params(ctx.attrs(), ctx.opset()));
  return std::make_unique<ResizeKernel>(ctx);
}

}  // namespace

void register_resize_ops(OpRegistry& r) {
  // One entry per opset form: inputs and attributes differ (read_resize_params, resize_inputs).
  for (auto [since, end] : {std::pair<int64_t, int64_t>{10, 10}, {11, 12}, {13, 17}, {18, 18}, {19, INT64_MAX}})
    r.add({"", "Resize", since, end, infer_resize, create_resize});
}

}  // namespace ssdx
