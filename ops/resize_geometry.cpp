// Resize's attributes, output shape, coordinate transformations and 1-D taps (ops/resize_geometry.h).
//
// Opset 10 has no coordinate_transformation_mode: it is asymmetric, and its nearest neighbour is onnxruntime's
// "simple" rounding (ceil when downsampling, truncation otherwise), the behaviour models exported for it rely on.
// Output dims from scales are floor(in * scale) (ONNX's shape inference and onnxruntime; the roi does not enter).
#include "ops/resize_geometry.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/op.h"

namespace ssdx {
namespace {

constexpr double kMaxOutputBytes = double(int64_t{8} << 30);  // the session's activation ceiling

ResizeMode parse_mode(const std::string& s, int64_t opset) {
  if (s == "nearest") return ResizeMode::Nearest;
  if (s == "linear") return ResizeMode::Linear;
  if (s == "cubic" && opset >= 11) return ResizeMode::Cubic;
  fail("Resize mode '", s, "' is not one of nearest, linear", opset >= 11 ? ", cubic" : " (opset 10)");
}

CoordMode parse_coord(const std::string& s, int64_t opset) {
  if (s == "half_pixel") return CoordMode::HalfPixel;
  if (s == "half_pixel_symmetric" && opset >= 19) return CoordMode::HalfPixelSymmetric;
  if (s == "pytorch_half_pixel") return CoordMode::PytorchHalfPixel;
  if (s == "align_corners") return CoordMode::AlignCorners;
  if (s == "asymmetric") return CoordMode::Asymmetric;
  if (s == "tf_half_pixel_for_nn") return CoordMode::TfHalfPixelForNn;
  if (s == "tf_crop_and_resize") return CoordMode::TfCropAndResize;
  fail("Resize coordinate_transformation_mode '", s, "' is unknown at opset ", opset,
       s == "half_pixel_symmetric" ? " (it needs opset 19)" : "");
}

NearestMode parse_nearest(const std::string& s) {
  if (s == "round_prefer_floor") return NearestMode::RoundPreferFloor;
  if (s == "round_prefer_ceil") return NearestMode::RoundPreferCeil;
  if (s == "floor") return NearestMode::Floor;
  if (s == "ceil") return NearestMode::Ceil;
  fail("Resize nearest_mode '", s, "' is not one of round_prefer_floor, round_prefer_ceil, floor, ceil");
}

AspectPolicy parse_policy(const std::string& s) {
  if (s == "stretch") return AspectPolicy::Stretch;
  if (s == "not_larger") return AspectPolicy::NotLarger;
  if (s == "not_smaller") return AspectPolicy::NotSmaller;
  fail("Resize keep_aspect_ratio_policy '", s, "' is not one of stretch, not_larger, not_smaller");
}

// Cubic convolution kernel of coefficient a at distance t >= 0 (Keys).
double cubic_weight(double t, double a) {
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

}  // namespace

ResizeParams read_resize_params(const Attributes& a, int64_t opset) {
  ResizeParams p;
  p.opset = opset;
  p.mode = parse_mode(a.get_string("mode", "nearest"), opset);
  if (opset < 11) {
    for (const char* name : {"coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
                             "extrapolation_value"})
      if (a.has(name)) fail("Resize attribute ", name, " needs opset 11");
    p.coord = CoordMode::Asymmetric;
    p.nearest = NearestMode::Simple;
    return p;
  }
  p.coord = parse_coord(a.get_string("coordinate_transformation_mode", "half_pixel"), opset);
  p.nearest = parse_nearest(a.get_string("nearest_mode", "round_prefer_floor"));
  p.cubic_a = a.get_float("cubic_coeff_a", -0.75f);
  p.exclude_outside = a.get_int("exclude_outside", 0) != 0;
  p.extrapolation = a.get_float("extrapolation_value", 0.f);
  if (opset < 18) {
    for (const char* name : {"antialias", "axes", "keep_aspect_ratio_policy"})
      if (a.has(name)) fail("Resize attribute ", name, " needs opset 18");
    return p;
  }
  p.antialias = a.get_int("antialias", 0) != 0;
  p.axes = a.get_ints("axes");
  p.aspect = parse_policy(a.get_string("keep_aspect_ratio_policy", "stretch"));
  return p;
}

ResizeGeometry resize_geometry(const ResizeParams& p, const Shape& in, const std::vector<float>* roi,
                               const std::vector<float>* scales, const std::vector<int64_t>* sizes,
                               size_t elem_size) {
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;
  if (p.axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  } else {
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (int64_t a : p.axes) {
      const int64_t d = normalize_axis(a, rank, "Resize axes");
      if (seen[static_cast<size_t>(d)]) fail("Resize axis ", a, " is repeated");
      seen[static_cast<size_t>(d)] = true;
      axes.push_back(d);
    }
  }
  const size_t n = axes.size();
  ResizeGeometry g;
  g.in = in;
  g.out = in;
  g.scales.assign(in.size(), 1.f);
  g.roi_start.assign(in.size(), 0.f);
  g.roi_end.assign(in.size(), 1.f);
  if (roi && !roi->empty()) {
    if (roi->size() != 2 * n) fail("Resize roi has ", roi->size(), " values, expected ", 2 * n, " (starts, then ends)");
    for (size_t i = 0; i < n; ++i) {
      g.roi_start[static_cast<size_t>(axes[i])] = (*roi)[i];
      g.roi_end[static_cast<size_t>(axes[i])] = (*roi)[n + i];
    }
  }
  const bool has_scales = scales && !scales->empty(), has_sizes = sizes && !sizes->empty();
  if (has_scales && has_sizes)
    fail("Resize takes scales or sizes, not both (", p.opset < 13 ? "scales must be empty when sizes is given" : "one must be absent", ")");
  if (!has_scales && !has_sizes) fail("Resize needs scales or sizes");
  if (has_scales) {
    if (p.aspect != AspectPolicy::Stretch) fail("Resize keep_aspect_ratio_policy needs sizes, not scales");
    if (scales->size() != n) fail("Resize scales has ", scales->size(), " values, expected ", n);
    for (size_t i = 0; i < n; ++i) {
      const float s = (*scales)[i];
      if (!(s > 0.f) || !std::isfinite(s)) fail("Resize scale ", s, " for axis ", axes[i], " is not positive and finite");
      const size_t d = static_cast<size_t>(axes[i]);
      const double out = std::floor(static_cast<double>(static_cast<float>(in[d]) * s));  // in float, as ORT
      if (out > 9e18) fail("Resize scale ", s, " makes axis ", axes[i], " too long");
      g.out[d] = static_cast<int64_t>(out);
      g.scales[d] = s;
    }
  } else {
    if (sizes->size() != n) fail("Resize sizes has ", sizes->size(), " values, expected ", n);
    for (size_t i = 0; i < n; ++i) {
      const int64_t s = (*sizes)[i];
      if (s < 0) fail("Resize size ", s, " for axis ", axes[i], " is negative");
      if (s > 0 && in[static_cast<size_t>(axes[i])] == 0)
        fail("Resize cannot make the empty axis ", axes[i], " ", s, " long");
    }
    if (p.aspect == AspectPolicy::Stretch) {
      for (size_t i = 0; i < n; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        g.out[d] = (*sizes)[i];
        g.scales[d] = in[d] ? static_cast<float>(g.out[d]) / static_cast<float>(in[d]) : 1.f;
      }
    } else {  // one scale for every listed axis, the smallest (not_larger) or largest (not_smaller)
      float scale = p.aspect == AspectPolicy::NotLarger ? std::numeric_limits<float>::max() : 0.f;
      for (size_t i = 0; i < n; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        if (in[d] == 0) continue;
        const float s = static_cast<float>((*sizes)[i]) / static_cast<float>(in[d]);
        scale = p.aspect == AspectPolicy::NotLarger ? std::min(scale, s) : std::max(scale, s);
      }
      for (size_t i = 0; i < n; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        const double len = std::round(static_cast<double>(scale * static_cast<float>(in[d])));
        if (len > 9e18) fail("Resize sizes make axis ", axes[i], " too long");
        g.out[d] = static_cast<int64_t>(len);
        g.scales[d] = scale;
      }
    }
  }
  // The coordinate transformations see the resized length before rounding (ONNX's reference; align_corners and
  // tf_crop_and_resize downscaling by scales depend on it): sizes given without a policy make it the size itself.
  g.resized_length.resize(in.size());
  for (size_t d = 0; d < in.size(); ++d)
    g.resized_length[d] = has_sizes && p.aspect == AspectPolicy::Stretch ? static_cast<float>(g.out[d])
                                                                         : static_cast<float>(in[d]) * g.scales[d];
  double bytes = static_cast<double>(elem_size);
  for (int64_t d : g.out) bytes *= static_cast<double>(d);
  if (bytes > kMaxOutputBytes)
    fail("Resize output ", shape_str(g.out), " would take ", bytes, " bytes, more than 8 GiB");
  return g;
}

float resize_source_coord(const ResizeParams& p, const ResizeGeometry& g, size_t d, int64_t o) {
  const float x = static_cast<float>(o), scale = g.scales[d];
  const float len_out = g.resized_length[d], len_in = static_cast<float>(g.in[d]);
  switch (p.coord) {
    case CoordMode::HalfPixel: return (x + 0.5f) / scale - 0.5f;
    case CoordMode::HalfPixelSymmetric: {
      // Centres the sampled span in the output when the output length was rounded from in * scale.
      const float adjustment = static_cast<float>(g.out[d]) / (scale * len_in);
      const float offset = len_in / 2.f * (1.f - adjustment);
      return offset + (x + 0.5f) / scale - 0.5f;
    }
    case CoordMode::PytorchHalfPixel: return len_out > 1.f ? (x + 0.5f) / scale - 0.5f : 0.f;
    case CoordMode::AlignCorners: return len_out == 1.f ? 0.f : x * (len_in - 1.f) / (len_out - 1.f);
    case CoordMode::Asymmetric: return x / scale;
    case CoordMode::TfHalfPixelForNn: return (x + 0.5f) / scale;
    case CoordMode::TfCropAndResize: {
      const float start = g.roi_start[d], end = g.roi_end[d];
      return len_out > 1.f ? start * (len_in - 1.f) + (x * (end - start) * (len_in - 1.f)) / (len_out - 1.f)
                           : 0.5f * (start + end) * (len_in - 1.f);
    }
  }
  return x;
}

int64_t nearest_index(float x, NearestMode mode, bool downsampling) {
  switch (mode) {
    case NearestMode::RoundPreferFloor:
      return x == std::floor(x) + 0.5f ? static_cast<int64_t>(std::floor(x)) : static_cast<int64_t>(std::round(x));
    case NearestMode::RoundPreferCeil: return static_cast<int64_t>(std::round(x));
    case NearestMode::Floor: return static_cast<int64_t>(std::floor(x));
    case NearestMode::Ceil: return static_cast<int64_t>(std::ceil(x));
    case NearestMode::Simple: return downsampling ? static_cast<int64_t>(std::ceil(x)) : static_cast<int64_t>(x);
  }
  return 0;
}

ResizeTaps resize_taps(const ResizeParams& p, const ResizeGeometry& g, size_t d, int64_t o) {
  ResizeTaps t;
  const int64_t len = g.in[d];
  const float scale = g.scales[d];
  // An axis that is not resized maps each index to itself (onnxruntime's rule; tf_half_pixel_for_nn would shift
  // it by half a pixel otherwise).
  if (scale == 1.f && g.out[d] == len && p.coord != CoordMode::TfCropAndResize) {
    t.index.push_back(o);
    t.weight.push_back(1.f);
    return t;
  }
  const float x = resize_source_coord(p, g, d, o);
  if (p.coord == CoordMode::TfCropAndResize && (x < 0.f || x > static_cast<float>(len - 1))) {
    t.outside = true;
    return t;
  }
  const auto clamp = [len](int64_t i) { return std::min(std::max<int64_t>(i, 0), len - 1); };
  if (p.mode == ResizeMode::Nearest) {
    t.index.push_back(clamp(nearest_index(x, p.nearest, scale < 1.f)));
    t.weight.push_back(1.f);
    return t;
  }
  if (p.mode == ResizeMode::Linear && !(p.antialias && scale < 1.f)) {
    // onnxruntime's arithmetic: the coordinate clamped into the axis, each neighbour weighted by the distance to
    // the other one (0.5 each when they coincide at the edge).
    const float xc = std::min(std::max(x, 0.f), static_cast<float>(len - 1));
    const int64_t i0 = std::min(static_cast<int64_t>(xc), len - 1), i1 = std::min(i0 + 1, len - 1);
    const bool same = i0 == i1;
    t.index = {i0, i1};
    t.weight = {same ? 0.5f : std::fabs(xc - static_cast<float>(i1)), same ? 0.5f : std::fabs(xc - static_cast<float>(i0))};
    return t;
  }
  // Cubic, and antialiased linear/cubic: a filter over the neighbours j of x, stretched by 1/scale when
  // antialiasing a downscale; neighbours outside the axis take the edge value, or are dropped (exclude_outside).
  const double stretch = p.antialias ? std::min(static_cast<double>(scale), 1.0) : 1.0;
  const double support = (p.mode == ResizeMode::Linear ? 1.0 : 2.0) / stretch;
  const int64_t first = static_cast<int64_t>(std::floor(x - support)), last = static_cast<int64_t>(std::ceil(x + support));
  double sum = 0;
  std::vector<double> w;
  for (int64_t j = first; j <= last; ++j) {
    const double dist = std::fabs(static_cast<double>(j) - static_cast<double>(x)) * stretch;
    const double wj = p.mode == ResizeMode::Linear ? std::max(0.0, 1.0 - dist) : cubic_weight(dist, p.cubic_a);  // weights in double
    if (wj == 0) continue;
    const bool inside = j >= 0 && j < len;
    if (!inside && p.exclude_outside) continue;
    t.index.push_back(clamp(j));
    w.push_back(wj);
    sum += wj;
  }
  for (double wj : w) t.weight.push_back(static_cast<float>(wj / sum));
  return t;
}

}  // namespace ssdx
