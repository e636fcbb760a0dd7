// Preprocessing for detectors: placement (stretch / letterbox), resize (bilinear in float, or Pillow's bytes),
// channel order and normalisation folded into one multiply-add per value.
#include "app/preprocess.h"

#include <algorithm>
#include <cmath>

#include "app/resize.h"

namespace ssdx::app {
namespace {

void check_sizes(const Image& image, int width, int height) {
  if (width <= 0 || height <= 0) fail("preprocess: bad target size ", width, "x", height);
  if (image.width <= 0 || image.height <= 0 || image.rgb.size() != size_t(image.width) * image.height * 3)
    fail("preprocess: empty or inconsistent image");
}

// value = pixel * scale[c] + bias[c] for tensor channel c, which reads image channel source[c].
struct Normaliser {
  float scale[3], bias[3];
  int source[3];
  explicit Normaliser(const InputSpec& spec) {
    for (int c = 0; c < 3; ++c) {
      scale[c] = 1.f / (255.f * spec.std[c]);
      bias[c] = -spec.mean[c] / spec.std[c];
      source[c] = spec.channel_order == ChannelOrder::Rgb ? c : 2 - c;
    }
  }
};

// Bilinear from the image straight into the placement's rectangle of `dst`, in float.
void bilinear_into(const Image& image, const Placement& p, const Normaliser& n, float* dst, int width, size_t plane) {
  const std::vector<BilinearTap> xs = bilinear_taps(image.width, p.width), ys = bilinear_taps(image.height, p.height);
  const size_t in_row = static_cast<size_t>(image.width) * 3;
#pragma omp parallel for schedule(static)
  for (int y = 0; y < p.height; ++y) {
    const BilinearTap ty = ys[static_cast<size_t>(y)];
    const uint8_t* top = image.rgb.data() + ty.lo * in_row;
    const uint8_t* bottom = image.rgb.data() + ty.hi * in_row;
    const size_t row = static_cast<size_t>(y + p.y) * width + p.x;
    for (int x = 0; x < p.width; ++x) {
      const BilinearTap tx = xs[static_cast<size_t>(x)];
      for (int c = 0; c < 3; ++c) {
        const int s = n.source[c];
        const float tl = top[tx.lo * 3 + s], tr = top[tx.hi * 3 + s];
        const float bl = bottom[tx.lo * 3 + s], br = bottom[tx.hi * 3 + s];
        const float upper = tl + tx.frac * (tr - tl), lower = bl + tx.frac * (br - bl);
        const float v = upper + ty.frac * (lower - upper);
        dst[c * plane + row + x] = v * n.scale[c] + n.bias[c];
      }
    }
  }
}

// Pillow's resized bytes, normalised into the placement's rectangle row by row.
void pillow_into(const Image& image, const Placement& p, const Normaliser& n, float* dst, int width, size_t plane) {
  resize_pillow_bilinear_rows(image, p.width, p.height, [&](int y, const uint8_t* src) {
    const size_t row = static_cast<size_t>(y + p.y) * width + p.x;
    for (int c = 0; c < 3; ++c) {
      float* out = dst + c * plane + row;
      const uint8_t* in = src + n.source[c];
      for (int x = 0; x < p.width; ++x) out[x] = static_cast<float>(in[x * 3]) * n.scale[c] + n.bias[c];
    }
  });
}

}  // namespace

Placement place_image(int image_width, int image_height, int input_width, int input_height, ResizeMode mode) {
  if (mode == ResizeMode::Stretch) return {0, 0, input_width, input_height};
  const double scale = std::min(static_cast<double>(input_width) / image_width,
                                static_cast<double>(input_height) / image_height);
  Placement p;
  p.width = std::clamp(static_cast<int>(std::lround(image_width * scale)), 1, input_width);
  p.height = std::clamp(static_cast<int>(std::lround(image_height * scale)), 1, input_height);
  p.x = (input_width - p.width) / 2;
  p.y = (input_height - p.height) / 2;
  return p;
}

Tensor preprocess(const Image& image, int input_width, int input_height, const InputSpec& spec) {
  check_sizes(image, input_width, input_height);
  const Normaliser n(spec);
  const Placement placed = place_image(image.width, image.height, input_width, input_height, spec.resize);
  Tensor out(DataType::Float, {1, 3, input_height, input_width});
  float* dst = out.data<float>();
  const size_t plane = static_cast<size_t>(input_width) * input_height;
  if (placed.width != input_width || placed.height != input_height)
    for (int c = 0; c < 3; ++c) std::fill(dst + c * plane, dst + (c + 1) * plane, spec.pad_value * n.scale[c] + n.bias[c]);
  if (spec.interpolation == Interpolation::Bilinear) bilinear_into(image, placed, n, dst, input_width, plane);
  else pillow_into(image, placed, n, dst, input_width, plane);
  return out;
}

Tensor preprocess(const Image& image, int width, int height) { return preprocess(image, width, height, InputSpec{}); }

BoxMapping box_mapping(int image_width, int image_height, int input_width, int input_height, const Placement& placed) {
  // In double, so that a stretch's float scale is exactly the image's size, as before letterboxing existed.
  const double sx = static_cast<double>(image_width) / placed.width, sy = static_cast<double>(image_height) / placed.height;
  BoxMapping m;
  m.scale_x = static_cast<float>(input_width * sx);
  m.offset_x = static_cast<float>(-placed.x * sx);
  m.scale_y = static_cast<float>(input_height * sy);
  m.offset_y = static_cast<float>(-placed.y * sy);
  m.width = static_cast<float>(image_width);
  m.height = static_cast<float>(image_height);
  return m;
}

}  // namespace ssdx::app
