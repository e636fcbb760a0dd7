#include "ops/window.h"

namespace ssdx {

Window read_window(const Attributes& attrs, size_t spatial_rank, std::vector<int64_t> kernel, bool allow_ceil_mode) {
  Window w;
  const auto n = spatial_rank;
  w.kernel = std::move(kernel);
  w.strides = attrs.get_ints("strides", std::vector<int64_t>(n, 1));
  w.dilations = attrs.get_ints("dilations", std::vector<int64_t>(n, 1));
  std::vector<int64_t> pads = attrs.get_ints("pads", std::vector<int64_t>(2 * n, 0));
  w.auto_pad = attrs.get_string("auto_pad", "NOTSET");
  w.ceil_mode = attrs.get_int("ceil_mode", 0) != 0;
  if (w.kernel.size() != n) fail("kernel_shape has ", w.kernel.size(), " dims, expected ", n);
  if (w.strides.size() != n) fail("strides has ", w.strides.size(), " values, expected ", n);
  if (w.dilations.size() != n) fail("dilations has ", w.dilations.size(), " values, expected ", n);
  if (pads.size() != 2 * n) fail("pads has ", pads.size(), " values, expected ", 2 * n);
  if (w.ceil_mode && !allow_ceil_mode) fail("ceil_mode is not valid here");
  constexpr int64_t kMax = int64_t{1} << 31;
  for (size_t d = 0; d < n; ++d) {
    if (w.kernel[d] < 1 || w.kernel[d] > kMax) fail("kernel size ", w.kernel[d], " is invalid");
    if (w.strides[d] < 1 || w.strides[d] > kMax) fail("stride ", w.strides[d], " is invalid");
    if (w.dilations[d] < 1 || w.dilations[d] > kMax) fail("dilation ", w.dilations[d], " is invalid");
    if (pads[d] < 0 || pads[n + d] < 0 || pads[d] > kMax || pads[n + d] > kMax) fail("pads ", pads[d], "/", pads[n + d], " are invalid");
  }
  w.pads_begin.assign(pads.begin(), pads.begin() + static_cast<long>(n));
  w.pads_end.assign(pads.begin() + static_cast<long>(n), pads.end());
  if (w.auto_pad != "NOTSET" && w.auto_pad != "SAME_UPPER" && w.auto_pad != "SAME_LOWER" && w.auto_pad != "VALID")
    fail("auto_pad '", w.auto_pad, "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
  return w;
}

std::vector<int64_t> window_output(Window& w, const std::vector<int64_t>& in) {
  std::vector<int64_t> out(in.size(), kUnknownDim);
  for (size_t d = 0; d < in.size(); ++d) {
    if (in[d] < 0) continue;
    const int64_t ext = w.extent(d), s = w.strides[d];
    if (w.auto_pad == "SAME_UPPER" || w.auto_pad == "SAME_LOWER") {
      out[d] = (in[d] + s - 1) / s;  // ceil(in / stride)
      const int64_t total = std::max<int64_t>(0, (out[d] - 1) * s + ext - in[d]);
      const int64_t small = total / 2, big = total - small;
      w.pads_begin[d] = w.auto_pad == "SAME_UPPER" ? small : big;
      w.pads_end[d] = total - w.pads_begin[d];
      continue;
    }
    if (w.auto_pad == "VALID") w.pads_begin[d] = w.pads_end[d] = 0;
    const int64_t span = in[d] + w.pads_begin[d] + w.pads_end[d] - ext;
    if (span < 0) fail("window extent ", ext, " is larger than the padded input ", in[d] + w.pads_begin[d] + w.pads_end[d]);
    out[d] = (w.ceil_mode ? (span + s - 1) / s : span / s) + 1;
    // A ceil-mode window may not start inside the end padding (ONNX/PyTorch rule).
    if (w.ceil_mode && (out[d] - 1) * s >= in[d] + w.pads_begin[d]) --out[d];
    if (w.ceil_mode) w.pads_end[d] = std::max(w.pads_end[d], (out[d] - 1) * s + ext - in[d] - w.pads_begin[d]);
  }
  return out;
}

OnednnWindow onednn_window(const Window& w, const Shape& x, const Shape& y) {
  OnednnWindow o{w.strides, w.kernel, {}, w.pads_begin, {}};
  for (size_t d = 0; d < w.rank(); ++d) {
    o.dilations.push_back(w.dilations[d] - 1);
    o.pads_r.push_back((y[d + 2] - 1) * w.strides[d] + w.extent(d) - x[d + 2] - w.pads_begin[d]);
  }
  return o;
}

Window3d to_3d(const Window& w, const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  Window3d g;
  const size_t off = 3 - w.rank();
  for (size_t d = 0; d < 3; ++d) {
    const bool real = d >= off;
    const size_t i = d - off;
    g.k[d] = real ? w.kernel[i] : 1;
    g.s[d] = real ? w.strides[i] : 1;
    g.d[d] = real ? w.dilations[i] : 1;
    g.pb[d] = real ? w.pads_begin[i] : 0;
    g.in[d] = real ? in[i] : 1;
    g.out[d] = real ? out[i] : 1;
  }
  return g;
}

}  // namespace ssdx
