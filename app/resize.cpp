// Image resizes: half-pixel bilinear taps, and Pillow's Image.BILINEAR in its own fixed-point arithmetic so that
// models trained on Pillow-resized images see the very bytes they were trained on.
#include "app/resize.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "graph/error.h"

namespace ssdx::app {

std::vector<BilinearTap> bilinear_taps(int in, int out) {
  std::vector<BilinearTap> taps(static_cast<size_t>(out));
  const double scale = static_cast<double>(in) / out;
  for (int d = 0; d < out; ++d) {
    const double src = std::clamp((d + 0.5) * scale - 0.5, 0.0, static_cast<double>(in - 1));
    const int lo = static_cast<int>(src);  // floor: src >= 0
    taps[static_cast<size_t>(d)] = {lo, std::min(lo + 1, in - 1), static_cast<float>(src - lo)};
  }
  return taps;
}

namespace {

double triangle(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Pillow's clip8: the sum shifted down (arithmetic shift) and clamped to a byte.
inline uint8_t clip8(int32_t sum) {
  return static_cast<uint8_t>(std::clamp(sum >> kPillowPrecisionBits, 0, 255));
}

constexpr int32_t kRoundingHalf = int32_t{1} << (kPillowPrecisionBits - 1);

}  // namespace

PillowAxisFilter pillow_bilinear_filter(int in, int out) {
  if (in <= 0 || out <= 0) fail("resize: bad sizes ", in, " -> ", out);
  const double scale = static_cast<double>(in) / out;
  const double filterscale = std::max(scale, 1.0);
  const double support = 1.0 * filterscale;  // the triangle's support is 1
  PillowAxisFilter f;
  f.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  f.first.resize(static_cast<size_t>(out));
  f.count.resize(static_cast<size_t>(out));
  f.coeffs.assign(static_cast<size_t>(out) * f.ksize, 0);
  std::vector<double> w(static_cast<size_t>(f.ksize));
  for (int i = 0; i < out; ++i) {
    const double centre = (i + 0.5) * scale;
    // C's truncating conversions, as Pillow writes them ("round the value" for the non-negative cases).
    const int lo = std::max(static_cast<int>(centre - support + 0.5), 0);
    const int hi = std::min(static_cast<int>(centre + support + 0.5), in);
    const int n = hi - lo;
    double sum = 0;
    for (int k = 0; k < n; ++k) sum += w[static_cast<size_t>(k)] = triangle((k + lo - centre + 0.5) / filterscale);
    int32_t* c = &f.coeffs[static_cast<size_t>(i) * f.ksize];
    for (int k = 0; k < n; ++k) {
      const double normalised = sum != 0.0 ? w[static_cast<size_t>(k)] / sum : w[static_cast<size_t>(k)];
      const double fixed = normalised * (1 << kPillowPrecisionBits);
      c[k] = static_cast<int32_t>(normalised < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    f.first[static_cast<size_t>(i)] = lo;
    f.count[static_cast<size_t>(i)] = n;
  }
  return f;
}

void resize_pillow_bilinear_rows(const Image& image, int width, int height,
                                 const std::function<void(int, const uint8_t*)>& row) {
  if (width <= 0 || height <= 0) fail("resize: bad target size ", width, "x", height);
  if (image.width <= 0 || image.height <= 0 || image.rgb.size() != size_t(image.width) * image.height * 3)
    fail("resize: empty or inconsistent image");
  const PillowAxisFilter vertical = pillow_bilinear_filter(image.height, height);
  // The rows the vertical pass reads: the horizontal pass makes only those.
  const int row_first = vertical.first.front();
  const int row_last = vertical.first.back() + vertical.count.back();

  Image rows;  // horizontally resampled rows row_first .. row_last - 1 (or the input's, when the width stays)
  const Image* source = &image;
  int source_row0 = 0;
  if (width != image.width) {
    const PillowAxisFilter horizontal = pillow_bilinear_filter(image.width, width);
    rows.width = width;
    rows.height = row_last - row_first;
    rows.rgb.resize(static_cast<size_t>(rows.width) * rows.height * 3);
    const size_t in_row = static_cast<size_t>(image.width) * 3, out_row = static_cast<size_t>(width) * 3;
#pragma omp parallel for schedule(static)
    for (int y = 0; y < rows.height; ++y) {
      const uint8_t* src = image.rgb.data() + static_cast<size_t>(y + row_first) * in_row;
      uint8_t* dst = rows.rgb.data() + static_cast<size_t>(y) * out_row;
      for (int x = 0; x < width; ++x) {
        const int32_t* k = &horizontal.coeffs[static_cast<size_t>(x) * horizontal.ksize];
        const uint8_t* p = src + static_cast<size_t>(horizontal.first[static_cast<size_t>(x)]) * 3;
        int32_t r = kRoundingHalf, g = kRoundingHalf, b = kRoundingHalf;
        for (int t = 0, n = horizontal.count[static_cast<size_t>(x)]; t < n; ++t, p += 3) {
          r += p[0] * k[t];
          g += p[1] * k[t];
          b += p[2] * k[t];
        }
        dst[x * 3 + 0] = clip8(r);
        dst[x * 3 + 1] = clip8(g);
        dst[x * 3 + 2] = clip8(b);
      }
    }
    source = &rows;
    source_row0 = row_first;
  }
  const size_t row_bytes = static_cast<size_t>(width) * 3;
  if (height == image.height) {  // no vertical pass: the rows are done
#pragma omp parallel for schedule(static)
    for (int y = 0; y < height; ++y) row(y, source->rgb.data() + static_cast<size_t>(y) * row_bytes);
    return;
  }
#pragma omp parallel
  {
    // One output row's sums, so the inner loop runs along contiguous bytes, and the row itself.
    std::vector<int32_t> sums(row_bytes);
    std::vector<uint8_t> out(row_bytes);
#pragma omp for schedule(static)
    for (int y = 0; y < height; ++y) {
      std::fill(sums.begin(), sums.end(), kRoundingHalf);
      const int32_t* k = &vertical.coeffs[static_cast<size_t>(y) * vertical.ksize];
      const int first = vertical.first[static_cast<size_t>(y)] - source_row0;
      for (int t = 0, n = vertical.count[static_cast<size_t>(y)]; t < n; ++t) {
        const uint8_t* src = source->rgb.data() + static_cast<size_t>(first + t) * row_bytes;
        const int32_t kt = k[t];
        for (size_t i = 0; i < row_bytes; ++i) sums[i] += src[i] * kt;
      }
      for (size_t i = 0; i < row_bytes; ++i) out[i] = clip8(sums[i]);
      row(y, out.data());
    }
  }
}

Image resize_pillow_bilinear(const Image& image, int width, int height) {
  Image out;
  out.width = width;
  out.height = height;
  out.rgb.resize(static_cast<size_t>(std::max(width, 0)) * std::max(height, 0) * 3);
  resize_pillow_bilinear_rows(image, width, height, [&](int y, const uint8_t* bytes) {
    std::copy(bytes, bytes + static_cast<size_t>(width) * 3, out.rgb.data() + static_cast<size_t>(y) * width * 3);
  });
  return out;
}

}  // namespace ssdx::app
