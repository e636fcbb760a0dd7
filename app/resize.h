#pragma once
// The two image resizes a model's metadata may ask for (ssdx.input.interpolation): half-pixel bilinear without
// antialiasing (interpolated in float by preprocess), and Pillow's Image.BILINEAR for 8-bit RGB, byte for byte.
#include <cstdint>
#include <functional>
#include <vector>

#include "app/image.h"

namespace ssdx::app {

// Where one output pixel samples along one axis for "bilinear".
struct BilinearTap {
  int lo, hi;  // the two input pixels
  float frac;  // weight of `hi`; `lo` gets 1 - frac
};

// Half-pixel centres, as cv2.resize(INTER_LINEAR) and PIL's bilinear without antialiasing:
//   src = (dst + 0.5) * in / out - 0.5, clamped to [0, in - 1];  lo = floor(src), hi = min(lo + 1, in - 1).
std::vector<BilinearTap> bilinear_taps(int in, int out);

// Pillow's fixed-point coefficients carry 22 fraction bits (32 - 8 bits of pixel - 2 of headroom).
constexpr int kPillowPrecisionBits = 22;

// Pillow's separable filter along one axis: output pixel i reads inputs first[i] .. first[i] + count[i] - 1 with
// weights coeffs[i * ksize + k] / 2^22.
struct PillowAxisFilter {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> coeffs;
};

// The triangle filter of Image.BILINEAR from `in` to `out` pixels: support 1, widened to in/out when shrinking;
// centre (i + 0.5) * in / out, window [int(centre - support + 0.5), int(centre + support + 0.5)) cut to the image,
// weights triangle((j - centre + 0.5) / max(in/out, 1)) normalised to sum 1 per output pixel, then rounded to
// 22-bit fixed point (half away from zero).
PillowAxisFilter pillow_bilinear_filter(int in, int out);

// Image.resize((width, height), Image.BILINEAR) of an RGB image: the horizontal pass first, into 8-bit rows (only the
// rows the vertical pass reads), then the vertical pass; each sum starts at 2^21 (rounding) and is shifted down by
// 22 bits and clipped to 0..255. An axis whose size does not change is not resampled (as in Pillow).
Image resize_pillow_bilinear(const Image& image, int width, int height);
// The same resize handing each finished output row (width * 3 bytes, valid during the call) to row(y, bytes), from
// several threads at once: a consumer converts rows while they are in cache, without a whole resized image.
void resize_pillow_bilinear_rows(const Image& image, int width, int height,
                                 const std::function<void(int, const uint8_t*)>& row);

}  // namespace ssdx::app
