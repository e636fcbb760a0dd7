#pragma once
// Sliding-window geometry shared by Conv and the pooling ops: kernel, strides, dilations, pads, auto_pad, ceil_mode.
#include <string>
#include <vector>

#include "graph/attributes.h"
#include "graph/tensor.h"

namespace ssdx {

struct Window {
  std::vector<int64_t> kernel, strides, dilations, pads_begin, pads_end;
  std::string auto_pad = "NOTSET";
  bool ceil_mode = false;  // pooling only

  size_t rank() const { return kernel.size(); }
  int64_t extent(size_t d) const { return (kernel[d] - 1) * dilations[d] + 1; }
};

// Reads the window attributes for `spatial_rank` dims; `kernel` comes from kernel_shape or the weights.
// Validates every value (positive kernel/strides/dilations, non-negative pads, known auto_pad).
Window read_window(const Attributes& attrs, size_t spatial_rank, std::vector<int64_t> kernel, bool allow_ceil_mode);

// Output spatial dims for input spatial dims `in` (kUnknownDim propagates). With SAME_* padding this also fills
// the effective pads into `w` (they depend on the input size); with ceil_mode it grows pads_end so that
// every output window is covered (as oneDNN requires). Fails if the window does not fit.
std::vector<int64_t> window_output(Window& w, const std::vector<int64_t>& in);

// The window in oneDNN's terms for input x and output y (both [N, C, spatial...]): dilations count the gaps
// (ONNX's minus one) and the right padding is whatever makes oneDNN's output formula land exactly on y.
struct OnednnWindow {
  std::vector<int64_t> strides, kernel, dilations, pads_l, pads_r;
};
OnednnWindow onednn_window(const Window& w, const Shape& x, const Shape& y);

// Maps every spatial dimension to 3-D (depth, height, width) by prepending neutral dims, so reference kernels
// need one loop nest for 1-D, 2-D and 3-D windows.
struct Window3d {
  int64_t k[3], s[3], d[3], pb[3];
  int64_t in[3], out[3];
};
Window3d to_3d(const Window& w, const std::vector<int64_t>& in, const std::vector<int64_t>& out);

// Calls f(input_offset, kernel_offset) for every kernel tap of output position (od, oh, ow) that lands inside the
// input (padding taps are skipped); offsets are within one input plane and one kernel plane.
template <typename F>
inline void for_each_tap(const Window3d& g, int64_t od, int64_t oh, int64_t ow, F&& f) {
  for (int64_t kd = 0; kd < g.k[0]; ++kd) {
    const int64_t id = od * g.s[0] - g.pb[0] + kd * g.d[0];
    if (id < 0 || id >= g.in[0]) continue;
    for (int64_t kh = 0; kh < g.k[1]; ++kh) {
      const int64_t ih = oh * g.s[1] - g.pb[1] + kh * g.d[1];
      if (ih < 0 || ih >= g.in[1]) continue;
      for (int64_t kw = 0; kw < g.k[2]; ++kw) {
        const int64_t iw = ow * g.s[2] - g.pb[2] + kw * g.d[2];
        if (iw < 0 || iw >= g.in[2]) continue;
        f((id * g.in[1] + ih) * g.in[2] + iw, (kd * g.k[1] + kh) * g.k[2] + kw);
      }
    }
  }
}

// Calls f(od, oh, ow, o) for every output position of one plane, o its offset within the output plane.
template <typename F>
inline void for_each_output(const Window3d& g, F&& f) {
  for (int64_t od = 0; od < g.out[0]; ++od)
    for (int64_t oh = 0; oh < g.out[1]; ++oh)
      for (int64_t ow = 0; ow < g.out[2]; ++ow) f(od, oh, ow, (od * g.out[1] + oh) * g.out[2] + ow);
}

// The float sum of value(input_offset) over the taps of (od, oh, ow) inside the input, and how many there are
// (the averaging pools).
struct TapSum {
  float sum = 0.f;
  int64_t taps = 0;
};
template <typename F>
inline TapSum sum_taps(const Window3d& g, int64_t od, int64_t oh, int64_t ow, F&& value) {
  TapSum s;
  for_each_tap(g, od, oh, ow, [&](int64_t at, int64_t) {
    s.sum += value(at);
    ++s.taps;
  });
  return s;
}

}  // namespace ssdx
