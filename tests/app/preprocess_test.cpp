// app/preprocess: letterbox placement and box mapping worked out by hand, channel order, mean/std and padding in the
// tensor, Pillow's bytes normalised.
#include "app/preprocess.h"

#include <gtest/gtest.h>

#include "app/detector.h"
#include "app/resize.h"

namespace ssdx::app {
namespace {

Image pattern(int width, int height) {
  Image im;
  im.width = width;
  im.height = height;
  for (int i = 0; i < width * height; ++i) {
    im.rgb.push_back(static_cast<uint8_t>(10 + i));
    im.rgb.push_back(static_cast<uint8_t>(100 + 3 * i));
    im.rgb.push_back(static_cast<uint8_t>(250 - 7 * i));
  }
  return im;
}

void expect_placement(const Placement& p, int x, int y, int width, int height) {
  EXPECT_EQ(p.x, x);
  EXPECT_EQ(p.y, y);
  EXPECT_EQ(p.width, width);
  EXPECT_EQ(p.height, height);
}

TEST(Letterbox, Placement) {
  // 200x100 into 64x64: s = min(0.32, 0.64) = 0.32 -> 64x32, top margin (64 - 32) / 2 = 16.
  expect_placement(place_image(200, 100, 64, 64, ResizeMode::Letterbox), 0, 16, 64, 32);
  // 100x300 into 60x40: s = min(0.6, 0.1333) -> round(13.33) = 13 x 40, left margin floor(47 / 2) = 23.
  expect_placement(place_image(100, 300, 60, 40, ResizeMode::Letterbox), 23, 0, 13, 40);
  // 1000x1 into 10x10: the height would round to 0 and is kept at 1; margin floor(9 / 2) = 4.
  expect_placement(place_image(1000, 1, 10, 10, ResizeMode::Letterbox), 0, 4, 10, 1);
  // Same aspect: no padding. Stretch: always the whole input.
  expect_placement(place_image(50, 25, 100, 50, ResizeMode::Letterbox), 0, 0, 100, 50);
  expect_placement(place_image(200, 100, 64, 64, ResizeMode::Stretch), 0, 0, 64, 64);
}

TensorMap outputs(const std::vector<float>& boxes) {
  const int64_t n = static_cast<int64_t>(boxes.size() / 4);
  return {{"bboxes", make_tensor<float>({1, n, 4}, boxes)},
          {"labels", make_tensor<int64_t>({1, n}, std::vector<int64_t>(static_cast<size_t>(n), 1))},
          {"scores", make_tensor<float>({1, n}, std::vector<float>(static_cast<size_t>(n), 0.9f))}};
}

void expect_box(const Detection& d, float x0, float y0, float x1, float y1) {
  EXPECT_NEAR(d.x0, x0, 1e-3);
  EXPECT_NEAR(d.y0, y0, 1e-3);
  EXPECT_NEAR(d.x1, x1, 1e-3);
  EXPECT_NEAR(d.y1, y1, 1e-3);
}

TEST(Letterbox, BoxesMapBackToTheImage) {
  // 200x100 in 64x64 at y 16..48: x = v * 64 * 200/64 = 200 v; y = (v * 64 - 16) * 100/32 = 200 v - 50.
  const BoxMapping m = box_mapping(200, 100, 64, 64, place_image(200, 100, 64, 64, ResizeMode::Letterbox));
  const std::vector<Detection> d = read_detections(outputs({0.25f, 0.25f, 0.75f, 0.5f,  // inside the image
                                                            0.1f, 0.1f, 0.5f, 0.9f}),   // into both pads
                                                   m, 0.f, "m");
  ASSERT_EQ(d.size(), 2u);
  expect_box(d[0], 50, 0, 150, 50);
  expect_box(d[1], 20, 0, 100, 100);  // y 20 - 50 = -30 and 180 - 50 = 130, clipped to the image
  // 100x300 in 60x40 at x 23..36: x = (60 v - 23) * 100/13, y = 40 v * 300/40 = 300 v.
  const BoxMapping tall = box_mapping(100, 300, 60, 40, place_image(100, 300, 60, 40, ResizeMode::Letterbox));
  const std::vector<Detection> t = read_detections(outputs({0.5f, 0.5f, 0.55f, 1.0f}), tall, 0.f, "m");
  ASSERT_EQ(t.size(), 1u);
  expect_box(t[0], 700.f / 13, 150, 1000.f / 13, 300);  // (30 - 23) * 100/13 = 53.85, (33 - 23) * 100/13 = 76.92
  // Stretch: today's scaling, exactly.
  const BoxMapping s = box_mapping(512, 384, 32, 32, place_image(512, 384, 32, 32, ResizeMode::Stretch));
  EXPECT_EQ(s.scale_x, 512.f);
  EXPECT_EQ(s.scale_y, 384.f);
  EXPECT_EQ(s.offset_x, 0.f);
  EXPECT_EQ(s.offset_y, 0.f);
}

TEST(Preprocess, LetterboxPadsAndNormalisesInChannelOrder) {
  // 4x2 into 4x4: s = 1, rows 1..2 are the image (bilinear at scale 1 samples pixel centres exactly), rows 0 and 3
  // the padding. BGR: tensor channel 0 is the image's blue, with mean[0] and std[0].
  InputSpec spec;
  spec.channel_order = ChannelOrder::Bgr;
  spec.mean = {0.5f, 0.f, 0.25f};
  spec.std = {0.5f, 1.f, 2.f};
  spec.resize = ResizeMode::Letterbox;
  spec.pad_value = 51;  // 0.2 after /255
  const Image im = pattern(4, 2);
  for (Interpolation interpolation : {Interpolation::Bilinear, Interpolation::PillowBilinear}) {
    spec.interpolation = interpolation;
    const Tensor t = preprocess(im, 4, 4, spec);
    ASSERT_EQ(t.shape(), (Shape{1, 3, 4, 4}));
    const float* v = t.data<float>();
    for (int x = 0; x < 4; ++x) {
      EXPECT_NEAR(v[0 * 16 + x], (0.2f - 0.5f) / 0.5f, 1e-6);       // pad, row 0
      EXPECT_NEAR(v[1 * 16 + 12 + x], (0.2f - 0.f) / 1.f, 1e-6);    // pad, row 3
      EXPECT_NEAR(v[2 * 16 + 12 + x], (0.2f - 0.25f) / 2.f, 1e-6);  // pad, row 3
    }
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 4; ++x) {
        const uint8_t* p = &im.rgb[static_cast<size_t>(y * 4 + x) * 3];
        const size_t at = static_cast<size_t>(y + 1) * 4 + x;
        EXPECT_NEAR(v[0 * 16 + at], (p[2] / 255.f - 0.5f) / 0.5f, 1e-5);  // blue
        EXPECT_NEAR(v[1 * 16 + at], (p[1] / 255.f - 0.f) / 1.f, 1e-5);    // green
        EXPECT_NEAR(v[2 * 16 + at], (p[0] / 255.f - 0.25f) / 2.f, 1e-5);  // red
      }
  }
}

TEST(Preprocess, PillowInterpolationNormalisesPillowsBytes) {
  InputSpec spec;
  spec.interpolation = Interpolation::PillowBilinear;
  const Image im = pattern(7, 5);
  const Image resized = resize_pillow_bilinear(im, 3, 2);
  const Tensor t = preprocess(im, 3, 2, spec);
  const float* v = t.data<float>();
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 6; ++i)
      EXPECT_NEAR(v[c * 6 + i], (resized.rgb[static_cast<size_t>(i) * 3 + c] / 255.f - spec.mean[c]) / spec.std[c], 1e-5);
}

}  // namespace
}  // namespace ssdx::app
