// onnxruntime's contrib ops QLinearAveragePool and QLinearGlobalAveragePool (com.microsoft, opset 1), uint8/int8
// with per-tensor scales and zero points, NCHW or channels_last (NHWC). Two different arithmetics, both ORT's:
// * windows (contrib_ops/cpu/quantization/qlinear_pool.cc): dequantize to float, sum the window in float in
//   row-major tap order, divide by the count, then quantize with ORT's own formula (zero point added before rounding);
// * whole images (qlinear_global_average_pool.cc -> MLAS qlgavgpool.cpp), also taken by QLinearAveragePool when the
//   kernel covers the unpadded input: exact int32 sum, one float multiply, MlasRequantizeOutput's rounding.
// Window geometry is ops/window.h's, as for MaxPool.
#include <algorithm>
#include <array>
#include <climits>
#include <cmath>

#include "ops/window.h"
#include "int8/quant_util.h"
#include "int8/register_quant.h"

namespace ssdx {
namespace {

constexpr int kX = kUnaryX, kXScale = kUnaryXScale, kXZp = kUnaryXZp, kYScale = kUnaryYScale, kYZp = kUnaryYZp;

struct QPoolParams {
  Window window;  // unused by the global pool
  bool count_include_pad = false;
  bool channels_last = false;  // X and Y are [N, spatial..., C]
};

QPoolParams read_qpool_params(const OpContext& ctx, bool global) {
  ctx.require_inputs(4, 5);
  QPoolParams p;
  p.channels_last = ctx.attrs().get_int("channels_last", 0) != 0;
  if (global) return p;
  const std::vector<int64_t> kernel = ctx.attrs().get_ints("kernel_shape");
  if (kernel.empty()) fail("kernel_shape is required");
  if (kernel.size() > 3) fail("pooling over ", kernel.size(), " spatial dims is not supported (1 to 3, as onnxruntime)");
  p.window = read_window(ctx.attrs(), kernel.size(), kernel, true);
  for (int64_t d : p.window.dilations)
    if (d != 1) fail("QLinearAveragePool has no dilations, got ", d);
  p.count_include_pad = ctx.attrs().get_int("count_include_pad", 0) != 0;
  return p;
}

// ---- shapes: computed in NCHW terms, channels_last moves C to the end ----

Shape to_nchw(const Shape& x, bool channels_last) {
  if (x.size() < 3) fail("input must have rank >= 3, got ", shape_str(x));
  if (!channels_last) return x;
  Shape s = {x[0], x.back()};
  s.insert(s.end(), x.begin() + 1, x.end() - 1);
  return s;
}

Shape from_nchw(const Shape& y, bool channels_last) {
  if (!channels_last) return y;
  Shape s = {y[0]};
  s.insert(s.end(), y.begin() + 2, y.end());
  s.push_back(y[1]);
  return s;
}

// Output shape (NCHW) of the window pool; fills SAME_* pads into p.window.
Shape qpool_output_nchw(QPoolParams& p, const Shape& x_nchw) {
  if (x_nchw.size() != p.window.rank() + 2) fail("input ", shape_str(x_nchw), " does not match a ", p.window.rank(), "-D kernel");
  const std::vector<int64_t> out = window_output(p.window, std::vector<int64_t>(x_nchw.begin() + 2, x_nchw.end()));
  Shape y = {x_nchw[0], x_nchw[1]};
  y.insert(y.end(), out.begin(), out.end());
  return y;
}

void check_qpool_inputs(const OpContext& ctx) {
  check_unary_qlinear_inputs(ctx);
}

void infer_qavgpool(OpContext& ctx) {
  QPoolParams p = read_qpool_params(ctx, false);
  check_qpool_inputs(ctx);
  if (!ctx.input_shape_known(kX)) return ctx.set_output_dtype(0, ctx.input_dtype(kX));
  const Shape y = qpool_output_nchw(p, to_nchw(ctx.input_shape(kX), p.channels_last));
  ctx.set_output(0, ctx.input_dtype(kX), from_nchw(y, p.channels_last));
}

void infer_qglobalavgpool(OpContext& ctx) {
  const QPoolParams p = read_qpool_params(ctx, true);
  check_qpool_inputs(ctx);
  if (!ctx.input_shape_known(kX)) return ctx.set_output_dtype(0, ctx.input_dtype(kX));
  Shape y = to_nchw(ctx.input_shape(kX), p.channels_last);
  std::fill(y.begin() + 2, y.end(), 1);
  ctx.set_output(0, ctx.input_dtype(kX), from_nchw(y, p.channels_last));
}

// ---- reference kernels ----

struct QParams {
  float x_scale, y_scale;
  int32_t x_zp, y_zp;
};

QParams read_qparams(const KernelContext& kc) {
  return {scalar_scale(kc.input(kXScale), "x_scale"), scalar_scale(kc.input(kYScale), "y_scale"),
          scalar_zero_point(kc.optional_input(kXZp), "x_zero_point"), scalar_zero_point(kc.optional_input(kYZp), "y_zero_point")};
}

// Element offset of (n, c, spatial position s) for C channels and S spatial positions, in either layout.
struct PlaneIndex {
  int64_t channels, spatial;
  bool channels_last;
  int64_t at(int64_t n, int64_t c, int64_t s) const {
    return channels_last ? (n * spatial + s) * channels + c : (n * channels + c) * spatial + s;
  }
};

// MLAS's global average (qlgavgpool.cpp, x86): acc = sum(x) - x_zp * S in int32 (wrapping as MLAS's int32 lanes
// do), scale = x_scale / (y_scale * S), y = MlasRequantizeOutput(acc, scale, y_zp). MLAS refuses S >= 2^24 and
// scales outside [2^-32, 256).
template <typename T>
void global_avg_kernel(const Tensor& x, const QParams& q, int64_t batch, int64_t channels, int64_t spatial,
                       bool channels_last, Tensor& y) {
  if (spatial >= (int64_t{1} << 24)) fail("image size ", spatial, " is too large (onnxruntime's limit is 2^24)");
  const float scale = q.x_scale / (q.y_scale * static_cast<float>(spatial));
  if (scale < 0x1.0p-32f || scale >= 256.f)
    fail("x_scale / (y_scale * image size) = ", scale, " is outside onnxruntime's range [2^-32, 256)");
  const PlaneIndex xi{channels, spatial, channels_last};
  const uint32_t bias = static_cast<uint32_t>(-q.x_zp) * static_cast<uint32_t>(spatial);
  const T* src = x.data<T>();
  T* dst = y.data<T>();
#pragma omp parallel for collapse(2) if (batch * channels * spatial > (1 << 16)) schedule(static)
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      uint32_t acc = bias;
      for (int64_t s = 0; s < spatial; ++s) acc += static_cast<uint32_t>(static_cast<int32_t>(src[xi.at(n, c, s)]));
      dst[n * channels + c] = requantize<T>(static_cast<float>(static_cast<int32_t>(acc)) * scale, q.y_zp);
    }
}

// qlinear_pool.cc's quantize_value: the zero point is added in float before rounding (unlike QuantizeLinear), and
// the float -> int32 conversion (cvttss2si) turns NaN and out-of-range values into INT32_MIN, hence qmin.
template <typename T>
T pool_quantize(float y, float y_scale, int32_t y_zp) {
  const float r = std::nearbyint(y / y_scale + static_cast<float>(y_zp));
  const int32_t v = r >= -2147483648.f && r < 2147483648.f ? static_cast<int32_t>(r) : INT32_MIN;
  return static_cast<T>(std::min(std::max(v, qmin<T>()), qmax<T>()));
}

// qlinear_pool.cc's window path: x dequantized as x_scale * (x - x_zp), summed in float over the taps inside the
// input in row-major order, divided by float(count) (the whole kernel with count_include_pad, else the taps).
template <typename T>
void window_avg_kernel(const QPoolParams& p, const Tensor& x, const Shape& x_nchw, const QParams& q, Tensor& y) {
  const Shape y_nchw = to_nchw(y.shape(), p.channels_last);
  const std::vector<int64_t> in(x_nchw.begin() + 2, x_nchw.end()), out(y_nchw.begin() + 2, y_nchw.end());
  const Window3d g = to_3d(p.window, in, out);
  const int64_t batch = x_nchw[0], channels = x_nchw[1];
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2], out_size = g.out[0] * g.out[1] * g.out[2];
  int64_t kernel_size = 1;
  for (int64_t k : p.window.kernel) kernel_size *= k;
  std::array<float, 256> dequantized;  // indexed by the input byte
  for (int32_t v = qmin<T>(); v <= qmax<T>(); ++v) dequantized[static_cast<uint8_t>(v)] = q.x_scale * static_cast<float>(v - q.x_zp);
  const PlaneIndex xi{channels, in_size, p.channels_last}, yi{channels, out_size, p.channels_last};
  const auto* src = static_cast<const uint8_t*>(x.raw());
  T* dst = y.data<T>();
#pragma omp parallel for collapse(2) if (y.numel() * kernel_size > (1 << 16)) schedule(static)
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            const TapSum s = sum_taps(g, od, oh, ow, [&](int64_t at) { return dequantized[src[xi.at(n, c, at)]]; });
            const float sum = s.sum / static_cast<float>(p.count_include_pad ? kernel_size : s.taps);
            dst[yi.at(n, c, (od * g.out[1] + oh) * g.out[2] + ow)] = pool_quantize<T>(sum, q.y_scale, q.y_zp);
          }
}

// ORT's QLinearAveragePool hands a kernel covering the whole unpadded input to the global pool (fallback_to_global).
bool covers_whole_input(const Window& w, const Shape& x_nchw) {
  for (size_t d = 0; d < w.rank(); ++d)
    if (w.kernel[d] != x_nchw[d + 2] || w.pads_begin[d] != 0 || w.pads_end[d] != 0) return false;
  return true;
}

std::unique_ptr<Kernel> create_qavgpool(const OpContext& ctx) {
  return make_kernel([params = read_qpool_params(ctx, false)](KernelContext& kc) {
    const Tensor& x = kc.input(kX);
    Tensor& y = kc.output(0);
    if (y.numel() == 0) return;
    QPoolParams p = params;
    const Shape x_nchw = to_nchw(x.shape(), p.channels_last);
    qpool_output_nchw(p, x_nchw);  // resolves SAME_* pads for this input
    const QParams q = read_qparams(kc);
    dispatch_q8(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if (covers_whole_input(p.window, x_nchw))
        global_avg_kernel<T>(x, q, x_nchw[0], x_nchw[1], x.numel() / y.numel(), p.channels_last, y);
      else
        window_avg_kernel<T>(p, x, x_nchw, q, y);
    });
  }, "ref");
}

std::unique_ptr<Kernel> create_qglobalavgpool(const OpContext& ctx) {
  return make_kernel([p = read_qpool_params(ctx, true)](KernelContext& kc) {
    const Tensor& x = kc.input(kX);
    Tensor& y = kc.output(0);
    if (y.numel() == 0) return;
    const Shape x_nchw = to_nchw(x.shape(), p.channels_last);
    const QParams q = read_qparams(kc);
    dispatch_q8(x.dtype(), [&](auto tag) {
      global_avg_kernel<decltype(tag)>(x, q, x_nchw[0], x_nchw[1], x.numel() / y.numel(), p.channels_last, y);
    });
  }, "ref");
}

}  // namespace

void register_qlinear_pool_ops(OpRegistry& r) {
  r.add({kMicrosoftDomain, "QLinearAveragePool", 1, INT64_MAX, infer_qavgpool, create_qavgpool});
  r.add({kMicrosoftDomain, "QLinearGlobalAveragePool", 1, INT64_MAX, infer_qglobalavgpool, create_qglobalavgpool});
}

}  // namespace ssdx
