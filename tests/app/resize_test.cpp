// app/resize: Pillow's Image.BILINEAR coefficients and bytes worked out by hand (and cross-checked once against
// Pillow 9.4.0 itself, see the expected bytes), the half-pixel bilinear taps.
#include "app/resize.h"

#include <gtest/gtest.h>

#include "graph/error.h"

namespace ssdx::app {
namespace {

// R = 10x + 40y (capped at 255), G = 255 - R (0 past the cap), B = (37x + 91y) mod 256: non-uniform in both axes.
Image ramp(int width, int height) {
  Image im;
  im.width = width;
  im.height = height;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const int r = 10 * x + 40 * y;
      im.rgb.push_back(static_cast<uint8_t>(std::min(r, 255)));
      im.rgb.push_back(static_cast<uint8_t>(r <= 255 ? 255 - r : 0));
      im.rgb.push_back(static_cast<uint8_t>((37 * x + 91 * y) % 256));
    }
  return im;
}

void expect_filter(const PillowAxisFilter& f, int ksize, const std::vector<int>& first, const std::vector<int>& count,
                   const std::vector<std::vector<int32_t>>& coeffs) {
  ASSERT_EQ(f.ksize, ksize);
  EXPECT_EQ(f.first, first);
  EXPECT_EQ(f.count, count);
  for (size_t i = 0; i < coeffs.size(); ++i) {
    const std::vector<int32_t> got(f.coeffs.begin() + static_cast<long>(i) * ksize,
                                   f.coeffs.begin() + static_cast<long>(i) * ksize + static_cast<long>(coeffs[i].size()));
    EXPECT_EQ(got, coeffs[i]) << "output pixel " << i;
  }
}

// 7 -> 3: scale = support = 7/3, ksize = 2 * ceil(7/3) + 1 = 7. Output 0: centre 0.5 * 7/3 = 7/6, window
// [int(7/6 - 7/3 + 0.5), int(7/6 + 7/3 + 0.5)) = [int(-0.67), int(4.0)) = [0, 4); weights
// triangle((j + 0.5 - 7/6) / (7/3)) for j = 0..3 = 5/7, 6/7, 3/7, 0, sum 2: 5/14, 6/14, 3/14, 0, times 2^22 rounded:
// 1497966, 1797559, 898779, 0. Output 1: centre 3.5, window [int(1.67), int(6.33)) = [1, 6); weights 1/7 * (1, 4, 7,
// 4, 1), sum 17/7: 1/17, 4/17, 7/17, 4/17, 1/17 -> 246724, 986895, 1727066, 986895, 246724. Output 2 mirrors 0.
TEST(PillowBilinear, ShrinkCoefficients) {
  expect_filter(pillow_bilinear_filter(7, 3), 7, {0, 1, 4}, {4, 5, 3},
                {{1497966, 1797559, 898779, 0},
                 {246724, 986895, 1727066, 986895, 246724},
                 {898779, 1797559, 1497966}});
  // 5 -> 2: support 2.5, ksize 7. Output 0: centre 1.25, window [0, int(4.25)) = [0, 4); weights
  // 1 - |j + 0.5 - 1.25| / 2.5 = 0.7, 0.9, 0.5, 0.1, sum 2.2: 7/22, 9/22, 5/22, 1/22.
  expect_filter(pillow_bilinear_filter(5, 2), 7, {0, 1}, {4, 4},
                {{1334551, 1715852, 953251, 190650}, {190650, 953251, 1715852, 1334551}});
}

// 3 -> 7: scale 3/7 < 1, so support 1, ksize 3, weights 1 - |j + 0.5 - centre| (sum 1 or normalised). Output 0: centre
// 3/14, window [int(-0.29), int(1.71)) = [0, 1): weight 1. Output 1: centre 9/14, window [0, 2): 1 - 1/7, 1 - 6/7 =
// 6/7, 1/7 -> 3595118, 599186. Output 3: centre 1.5, window [1, 3): 1, 0.
TEST(PillowBilinear, EnlargeCoefficients) {
  expect_filter(pillow_bilinear_filter(3, 7), 3, {0, 0, 0, 1, 1, 1, 2}, {1, 2, 2, 2, 2, 2, 1},
                {{4194304},
                 {3595118, 599186},
                 {1797559, 2396745},
                 {4194304, 0},
                 {2396745, 1797559},
                 {599186, 3595118},
                 {4194304}});
  // 2 -> 5: centres 0.2, 0.6, 1.0, 1.4, 1.8; the middle one weights both pixels 1/2 -> 2097152 each.
  expect_filter(pillow_bilinear_filter(2, 5), 3, {0, 0, 0, 0, 1}, {1, 2, 2, 2, 1},
                {{4194304}, {3774874, 419430}, {2097152, 2097152}, {419430, 3774874}, {4194304}});
}

// Worked through for R at output (0, 0): the horizontal pass gives each row y of R = 10x + 40y
//   (2^21 + 40y * 2^22 + 10 * (1797559 + 2 * 898779)) >> 22 = 40y + 9   (38048322 / 2^22 = 9.07),
// so rows 0..3 read 9, 49, 89, 129; the vertical pass then gives
//   (2^21 + 1334551 * 9 + 1715852 * 49 + 953251 * 89 + 190650 * 129) >> 22 = 207618048 >> 22 = 49 (49.5, floored).
// Every byte below equals Pillow 9.4.0's Image.resize((3, 2), Image.BILINEAR) of the same image.
TEST(PillowBilinear, ShrinkBytes) {
  const Image out = resize_pillow_bilinear(ramp(7, 5), 3, 2);
  ASSERT_EQ(out.width, 3);
  ASSERT_EQ(out.height, 2);
  EXPECT_EQ(out.rgb, (std::vector<uint8_t>{49, 206, 99, 70, 185, 129, 91, 164, 129,  //
                                           129, 126, 106, 150, 105, 118, 171, 84, 128}));
}

// Output (1, 0) in R: horizontally, row 0 (R = 0, 10, 20) gives (2^21 + 3595118 * 0 + 599186 * 10) >> 22 =
// 8089012 >> 22 = 1 (10/7 = 1.43, rounded); vertically output row 0 reads input row 0 alone (weight 2^22). Every byte
// equals Pillow 9.4.0's Image.resize((7, 5), Image.BILINEAR).
TEST(PillowBilinear, EnlargeBytes) {
  const Image out = resize_pillow_bilinear(ramp(3, 2), 7, 5);
  ASSERT_EQ(out.width, 7);
  ASSERT_EQ(out.height, 5);
  EXPECT_EQ(out.rgb, (std::vector<uint8_t>{
                         0,  255, 0,   1,  254, 5,   6,  249, 21,  10, 245, 37,  14, 241, 53,  19, 236, 69,  20, 235, 74,
                         4,  251, 9,   5,  250, 14,  10, 245, 30,  14, 241, 46,  18, 237, 62,  23, 232, 78,  24, 231, 83,
                         20, 235, 46,  21, 234, 51,  26, 229, 67,  30, 225, 83,  34, 221, 99,  39, 216, 115, 40, 215, 120,
                         36, 219, 82,  37, 218, 87,  42, 213, 103, 46, 209, 119, 50, 205, 135, 55, 200, 151, 56, 199, 156,
                         40, 215, 91,  41, 214, 96,  46, 209, 112, 50, 205, 128, 54, 201, 144, 59, 196, 160, 60, 195, 165}));
}

// One axis unchanged is not resampled; both unchanged is a copy; a constant image stays constant (weights sum to 2^22
// within rounding, and the rounding half never lifts 255 past 255).
TEST(PillowBilinear, IdentityAxesAndConstants) {
  const Image im = ramp(7, 5);
  EXPECT_EQ(resize_pillow_bilinear(im, 7, 5).rgb, im.rgb);
  const Image rows = resize_pillow_bilinear(im, 7, 2), cols = resize_pillow_bilinear(im, 3, 5);
  EXPECT_EQ(rows.width, 7);
  EXPECT_EQ(cols.height, 5);
  // Shrinking only vertically: column 0's R in rows 0..3 is 0, 40, 80, 120, so
  // (2^21 + 1715852 * 40 + 953251 * 80 + 190650 * 120) >> 22 = 169869312 >> 22 = 40 (40.5, floored).
  EXPECT_EQ(rows.rgb[0], 40);
  Image white;
  white.width = 9;
  white.height = 4;
  white.rgb.assign(9 * 4 * 3, 255);
  for (uint8_t v : resize_pillow_bilinear(white, 4, 11).rgb) ASSERT_EQ(v, 255);
  EXPECT_THROW(resize_pillow_bilinear(im, 0, 3), Error);
  EXPECT_THROW(resize_pillow_bilinear(Image{}, 3, 3), Error);
}

// Half-pixel bilinear: 4 -> 2 samples at 0.5 and 2.5; 2 -> 4 at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped: 1).
TEST(BilinearTaps, HalfPixelCentres) {
  const std::vector<BilinearTap> down = bilinear_taps(4, 2);
  EXPECT_EQ(down[0].lo, 0);
  EXPECT_EQ(down[0].hi, 1);
  EXPECT_FLOAT_EQ(down[0].frac, 0.5f);
  EXPECT_EQ(down[1].lo, 2);
  EXPECT_FLOAT_EQ(down[1].frac, 0.5f);
  const std::vector<BilinearTap> up = bilinear_taps(2, 4);
  EXPECT_EQ(up[0].lo, 0);
  EXPECT_FLOAT_EQ(up[0].frac, 0.f);
  EXPECT_FLOAT_EQ(up[1].frac, 0.25f);
  EXPECT_FLOAT_EQ(up[2].frac, 0.75f);
  EXPECT_EQ(up[3].lo, 1);
  EXPECT_EQ(up[3].hi, 1);
}

}  // namespace
}  // namespace ssdx::app
