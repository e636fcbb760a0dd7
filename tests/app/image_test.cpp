// tools/image: decoding (formats, channel conversions, hostile files), preprocessing arithmetic, drawing bounds.
#include "app/image.h"
#include "app/preprocess.h"

#include <gtest/gtest.h>
#include <stb_image_write.h>  // the implementation lives in app/image.cpp

#include <dirent.h>

#include <cmath>

#include "graph/tensor_io.h"
#include "tests/tools/cli_runner.h"
#include "tests/tools/jpeg_craft.h"
#include "tests/tools/png_craft.h"

namespace ssdx::app {
namespace {

using test::temp_dir;

const float kMean[3] = {0.485f, 0.456f, 0.406f};
const float kStd[3] = {0.229f, 0.224f, 0.225f};

float normalised(double pixel, int channel) {
  return static_cast<float>((pixel / 255 - kMean[channel]) / kStd[channel]);
}

// A 2x2 image whose channels hold different patterns: R = {0, 100; 200, 40}, G = R / 2, B = 255 - R.
app::Image two_by_two() {
  app::Image im;
  im.width = im.height = 2;
  im.rgb = {0, 0, 255, 100, 50, 155, 200, 100, 55, 40, 20, 215};
  return im;
}

float at(const Tensor& t, int c, int y, int x) {
  return t.data<float>()[(c * t.dim(2) + y) * t.dim(3) + x];
}

std::string error_of(const std::string& path) {
  try {
    app::load_image(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Preprocess, UpscaleUsesHalfPixelBilinearWeights) {
  const app::Image im = two_by_two();
  const Tensor t = app::preprocess(im, 4, 4);
  ASSERT_EQ(shape_str(t.shape()), "[1,3,4,4]");
  // Output d samples src = (d + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamped: weight of pixel 1 is:
  const double w1[4] = {0, 0.25, 0.75, 1};
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) {
        auto p = [&](int py, int px) { return double(im.rgb[(py * 2 + px) * 3 + c]); };
        const double v = (1 - w1[y]) * ((1 - w1[x]) * p(0, 0) + w1[x] * p(0, 1)) +
                         w1[y] * ((1 - w1[x]) * p(1, 0) + w1[x] * p(1, 1));
        EXPECT_NEAR(at(t, c, y, x), normalised(v, c), 1e-5) << c << " " << y << " " << x;
      }
  // One value worked out by hand: R at (1,1) = 0.5625*0 + 0.1875*100 + 0.1875*200 + 0.0625*40 = 58.75.
  EXPECT_NEAR(at(t, 0, 1, 1), (58.75 / 255 - 0.485) / 0.229, 1e-5);
  EXPECT_NEAR(at(t, 0, 0, 0), (0 / 255. - 0.485) / 0.229, 1e-5);  // corners copy the corner pixels
}

TEST(Preprocess, DownscaleToOnePixelAveragesAll) {
  const Tensor t = app::preprocess(two_by_two(), 1, 1);
  ASSERT_EQ(shape_str(t.shape()), "[1,3,1,1]");
  // src = 0.5 * 2 - 0.5 = 0.5 on both axes: the mean of the four pixels, R = (0 + 100 + 200 + 40) / 4 = 85.
  EXPECT_NEAR(at(t, 0, 0, 0), (85 / 255. - 0.485) / 0.229, 1e-5);
  EXPECT_NEAR(at(t, 1, 0, 0), (42.5 / 255. - 0.456) / 0.224, 1e-5);  // G = (0 + 50 + 100 + 20) / 4
  EXPECT_NEAR(at(t, 2, 0, 0), (170 / 255. - 0.406) / 0.225, 1e-5);    // B = 255 - 85
}

TEST(Preprocess, SameSizeKeepsPixelsAndLayoutIsNchw) {
  app::Image im;
  im.width = 3;
  im.height = 2;
  for (int i = 0; i < 18; ++i) im.rgb.push_back(uint8_t(10 * (i / 3) + i % 3));  // pixel i: 10i, 10i+1, 10i+2
  const Tensor t = app::preprocess(im, 3, 2);
  ASSERT_EQ(shape_str(t.shape()), "[1,3,2,3]");
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x) EXPECT_NEAR(at(t, c, y, x), normalised(10 * (y * 3 + x) + c, c), 1e-5);
}

TEST(Preprocess, RejectsBadSizes) {
  EXPECT_THROW(app::preprocess(two_by_two(), 0, 4), Error);
  EXPECT_THROW(app::preprocess(app::Image{}, 4, 4), Error);
}

TEST(LoadImage, GrayscaleIsReplicatedToRgb) {
  const std::string path = temp_dir() + "/gray.png";
  const uint8_t gray[6] = {0, 50, 100, 150, 200, 255};
  ASSERT_TRUE(stbi_write_png(path.c_str(), 3, 2, 1, gray, 3));
  const app::Image im = app::load_image(path);
  ASSERT_EQ(im.width, 3);
  ASSERT_EQ(im.height, 2);
  for (int i = 0; i < 6; ++i)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(im.rgb[i * 3 + c], gray[i]);
}

TEST(LoadImage, AlphaIsDropped) {
  const std::string dir = temp_dir();
  const uint8_t rgba[8] = {10, 20, 30, 0, 200, 150, 100, 128};  // transparent and half-transparent pixels
  ASSERT_TRUE(stbi_write_png((dir + "/rgba.png").c_str(), 2, 1, 4, rgba, 8));
  const app::Image im = app::load_image(dir + "/rgba.png");
  EXPECT_EQ(im.rgb, (std::vector<uint8_t>{10, 20, 30, 200, 150, 100}));

  const uint8_t gray_alpha[4] = {70, 0, 220, 255};
  ASSERT_TRUE(stbi_write_png((dir + "/ga.png").c_str(), 2, 1, 2, gray_alpha, 4));
  EXPECT_EQ(app::load_image(dir + "/ga.png").rgb, (std::vector<uint8_t>{70, 70, 70, 220, 220, 220}));
}

TEST(LoadImage, SixteenBitPngKeepsTheHighByte) {
  const std::string path = temp_dir() + "/deep.png";
  // One row, two RGB pixels of 16-bit samples (filter byte 0 first).
  const std::string row = std::string(1, '\0') + std::string("\x12\x34\xff\xff\x00\x80\x80\x00\x01\x00\x7f\xff", 12);
  write_file_bytes(path, test::png_file(2, 1, 16, 2, row));
  EXPECT_EQ(app::load_image(path).rgb, (std::vector<uint8_t>{0x12, 0xff, 0x00, 0x80, 0x01, 0x7f}));
}

TEST(LoadImage, JpegDecodes) {
  const std::string path = temp_dir() + "/flat.jpg";
  std::vector<uint8_t> rgb(16 * 8 * 3);
  for (size_t i = 0; i < rgb.size(); i += 3) rgb[i] = 200, rgb[i + 1] = 100, rgb[i + 2] = 50;
  ASSERT_TRUE(stbi_write_jpg(path.c_str(), 16, 8, 3, rgb.data(), 95));
  const app::Image im = app::load_image(path);
  ASSERT_EQ(im.width, 16);
  ASSERT_EQ(im.height, 8);
  for (size_t i = 0; i < im.rgb.size(); ++i) EXPECT_NEAR(im.rgb[i], rgb[i], 6) << i;
}

// Found by the image fuzzer (fuzz/image_fuzzer.cpp): a DHT segment declaring 0x1ff+... codes made stb write past its
// 257-byte Huffman size table (memory corruption, caught by UBSan). Refused before stb sees it.
TEST(LoadImage, HuffmanTableWithTooManyCodesIsRefused) {
  const std::string path = std::string(SSDX_SOURCE_DIR) + "/tests/data/fuzz_regressions/images/dht_overflow.jpg";
  try {
    app::load_image(path);
    FAIL() << "decoded a JPEG whose Huffman table has more than 256 codes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Huffman table with"), std::string::npos) << e.what();
  }
  // Well-formed JPEGs still pass the check: a table of exactly 256 codes is legal.
  const std::string dir = temp_dir();
  std::vector<unsigned char> px(16 * 16 * 3, 128);
  ASSERT_TRUE(stbi_write_jpg((dir + "/ok.jpg").c_str(), 16, 16, 3, px.data(), 90));
  EXPECT_EQ(app::load_image(dir + "/ok.jpg").width, 16);
}

// Image bombs under the pixel limit. Each scan of a progressive JPEG makes stb pass over the whole image again: a
// few kilobytes of scans kept it busy for minutes.
TEST(LoadImage, JpegWithTooManyScansIsRefused) {
  const std::string dir = temp_dir();
  write_file_bytes(dir + "/ok.jpg", test::progressive_jpeg(64, 48, 100));
  const app::Image ok = app::load_image(dir + "/ok.jpg");  // the limit itself passes (and the crafted scans decode)
  EXPECT_EQ(ok.width, 64);
  EXPECT_EQ(ok.height, 48);
  write_file_bytes(dir + "/bomb.jpg", test::progressive_jpeg(64, 48, 101));
  EXPECT_NE(error_of(dir + "/bomb.jpg").find("JPEG with more than 100 scans refused"), std::string::npos)
      << error_of(dir + "/bomb.jpg");
}

// A frame header and no scan is no image: stb decoded it to a black image of whatever size the header said.
TEST(LoadImage, JpegWithoutScanIsRefused) {
  const std::string dir = temp_dir();
  write_file_bytes(dir + "/noscan.jpg", test::jpeg_progressive_header(8000, 8000) + "\xff\xd9");
  EXPECT_NE(error_of(dir + "/noscan.jpg").find("no scan"), std::string::npos) << error_of(dir + "/noscan.jpg");
  write_file_bytes(dir + "/cut.jpg", test::jpeg_progressive_header(64, 64));  // no end marker either
  EXPECT_NE(error_of(dir + "/cut.jpg").find("no scan"), std::string::npos) << error_of(dir + "/cut.jpg");
}

// A PNG declaring 1x1 whose pixel data inflated to gigabytes was decoded (stb only checks there is enough).
TEST(LoadImage, PngPixelDataBeyondItsHeaderIsRefused) {
  const std::string dir = temp_dir();
  // More compressed bytes than a 1x1 image can need: refused before inflating.
  write_file_bytes(dir + "/long.png", test::png_with_idat(1, 1, 8, 0, test::zlib_of_zeros(uint64_t{700} << 20)));
  EXPECT_NE(error_of(dir + "/long.png").find("compressed pixel data, more than a 1x1 image can hold"),
            std::string::npos) << error_of(dir + "/long.png");
  // 200 KB that inflate to 32 MiB: within the compressed allowance, stopped by the decoder's memory budget.
  const std::string zlib = test::zlib_of_zeros(uint64_t{32} << 20);
  ASSERT_LT(zlib.size(), 1u << 20);
  write_file_bytes(dir + "/bomb.png", test::png_with_idat(1, 1, 8, 0, zlib));
  EXPECT_NE(error_of(dir + "/bomb.png").find("decoding it takes more than the 16 MiB a 1x1 image may"),
            std::string::npos) << error_of(dir + "/bomb.png");
  // The same stream for an image that needs all of it decodes: 4096 rows of 8191 gray pixels and a filter byte.
  write_file_bytes(dir + "/fits.png", test::png_with_idat(8191, 4096, 8, 0, test::zlib_of_zeros(8192 * 4096 + 1)));
  EXPECT_EQ(app::load_image(dir + "/fits.png").width, 8191);
}

// The budget leaves room for what stb legitimately needs: the largest samples (16-bit RGBA), interlaced or not,
// stored uncompressed (the most compressed bytes for the pixels).
TEST(LoadImage, LargePngsDecodeWithinTheBudget) {
  const std::string dir = temp_dir();
  const uint32_t w = 1500, h = 1000;
  std::string rows;
  for (uint32_t y = 0; y < h; ++y) rows += '\0' + std::string(size_t(w) * 8, static_cast<char>(y));
  write_file_bytes(dir + "/plain.png", test::png_file(w, h, 16, 6, rows));
  const app::Image plain = app::load_image(dir + "/plain.png");
  EXPECT_EQ(plain.rgb[size_t(999) * w * 3], static_cast<uint8_t>(999));
  // Adam7: each of the seven passes' rows, a filter byte and its pixels.
  static const int kPasses[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                    {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
  std::string passes;
  for (const auto& p : kPasses)
    for (uint32_t y = p[1]; y < h; y += p[3]) passes += '\0' + std::string(size_t((w - p[0] + p[2] - 1) / p[2]) * 8, '\x80');
  write_file_bytes(dir + "/interlaced.png", test::png_file(w, h, 16, 6, passes, 1));
  EXPECT_EQ(app::load_image(dir + "/interlaced.png").rgb.back(), 0x80);
}

// Every image the fuzzer once stopped on decodes or fails with an Error: no crash, no sanitizer report.
TEST(LoadImage, FuzzRegressionImagesLoadOrFailCleanly) {
  const std::string folder = std::string(SSDX_SOURCE_DIR) + "/tests/data/fuzz_regressions/images";
  DIR* d = opendir(folder.c_str());
  ASSERT_NE(d, nullptr) << folder;
  int files = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    ++files;
    try {
      const app::Image im = app::load_image(folder + "/" + e->d_name);
      app::preprocess(im, 37, 29);
    } catch (const Error&) {
    }
  }
  closedir(d);
  EXPECT_GE(files, 2);
}

TEST(LoadImage, PngRoundTripsThroughSavePng) {
  app::Image im;
  im.width = 5;
  im.height = 3;
  for (int i = 0; i < 45; ++i) im.rgb.push_back(uint8_t(i * 5));
  const std::string path = temp_dir() + "/out.png";
  app::save_png(im, path);
  const app::Image back = app::load_image(path);
  EXPECT_EQ(back.width, 5);
  EXPECT_EQ(back.height, 3);
  EXPECT_EQ(back.rgb, im.rgb);
  EXPECT_THROW(save_png(im, "/nonexistent-dir/out.png"), Error);
}

TEST(LoadImage, RejectsWhatItCannotDecode) {
  const std::string dir = temp_dir();
  EXPECT_NE(error_of(dir + "/absent.png").find("no such file"), std::string::npos);
  write_file_bytes(dir + "/empty.png", "");
  EXPECT_NE(error_of(dir + "/empty.png").find("empty file"), std::string::npos);
  const uint8_t px[3] = {1, 2, 3};
  ASSERT_TRUE(stbi_write_bmp((dir + "/a.bmp").c_str(), 1, 1, 3, px));
  EXPECT_NE(error_of(dir + "/a.bmp").find("not a PNG or JPEG"), std::string::npos);
  // stb_image accepts this header (12000 x 9000 x 3 bytes is under its own limit): our pixel limit stops it.
  write_file_bytes(dir + "/big.png", test::png_header(12000, 9000, 8, 2));
  EXPECT_NE(error_of(dir + "/big.png").find("image too large: 12000x9000"), std::string::npos);
  write_file_bytes(dir + "/wide.png", test::png_header(40000, 1, 8, 0));
  EXPECT_NE(error_of(dir + "/wide.png").find("image too large: 40000x1"), std::string::npos);
  // stb_image refuses this header without saying why ("unknown image type"); our header reader names the size.
  write_file_bytes(dir + "/huge.png", test::png_header(100000, 100000, 8, 2));
  EXPECT_NE(error_of(dir + "/huge.png").find("image too large: 100000x100000"), std::string::npos);
  // JPEG: an APP0 segment to skip, then a frame header claiming 40000 x 30000.
  const std::string app0 = std::string("\xff\xe0\x00\x06", 4) + "JFIF";
  const std::string sof0 = std::string("\xff\xc0\x00\x0b\x08\x75\x30\x9c\x40\x01\x01\x11\x00", 13);
  write_file_bytes(dir + "/huge.jpg", std::string("\xff\xd8", 2) + app0 + sof0);
  EXPECT_NE(error_of(dir + "/huge.jpg").find("image too large: 40000x30000"), std::string::npos);
  write_file_bytes(dir + "/zero.png", test::png_header(0, 5, 8, 2));
  EXPECT_NE(error_of(dir + "/zero.png").find("zero-size image 0x5"), std::string::npos);
}

// ---- drawing ----

app::Image filled(int width, int height, uint8_t value) {
  app::Image im;
  im.width = width;
  im.height = height;
  im.rgb.assign(size_t(width) * height * 3, value);
  return im;
}

bool pixel_changed(const app::Image& a, const app::Image& b, int x, int y) {
  const size_t i = (size_t(y) * a.width + x) * 3;
  return a.rgb[i] != b.rgb[i] || a.rgb[i + 1] != b.rgb[i + 1] || a.rgb[i + 2] != b.rgb[i + 2];
}

TEST(DrawDetections, BoxPartlyOutsideIsClipped) {
  const app::Image before = filled(200, 100, 128);
  app::Image im = before;
  // Left and bottom edges lie outside the image; the top edge is at y = 40, the right edge at x = 30.
  app::draw_detections(im, {{1, 0.9f, -10, 40, 30, 150}});
  ASSERT_EQ(im.rgb.size(), before.rgb.size());
  EXPECT_TRUE(pixel_changed(before, im, 10, 40));   // top edge
  EXPECT_TRUE(pixel_changed(before, im, 29, 70));   // right edge
  EXPECT_FALSE(pixel_changed(before, im, 10, 70));  // inside the box
  EXPECT_FALSE(pixel_changed(before, im, 0, 70));   // the left edge is off-image: nothing wraps to column 0
  // The label sits above the box (rows < 40); nothing else changes anywhere, in particular not at the right end
  // of rows (where a write past a row's start would land).
  bool label_drawn = false;
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 200; ++x) {
      const bool on_outline = (y >= 40 && x < 30) && (y < 42 || x >= 28);  // 2 px lines
      if (y < 40) {
        label_drawn |= pixel_changed(before, im, x, y);
      } else if (!on_outline) {
        EXPECT_FALSE(pixel_changed(before, im, x, y)) << x << "," << y;
      }
    }
  EXPECT_TRUE(label_drawn);
}

TEST(DrawDetections, InvisibleOrDegenerateBoxesChangeNothing) {
  const app::Image before = filled(50, 40, 7);
  app::Image im = before;
  app::draw_detections(im, {{2, 0.5f, 60, 10, 90, 30},      // right of the image
                       {3, 0.5f, -40, -30, -1, -2},    // above-left
                       {4, 0.5f, NAN, 0, 10, 10}});    // not a number
  EXPECT_EQ(im.rgb, before.rgb);
  // Huge coordinates and a label wider than the image must still stay in bounds.
  draw_detections(im, {{5, 0.5f, -1e30f, -1e30f, 1e30f, 1e30f}, {95, 0.99f, 1, 1, 49, 39}});
  EXPECT_EQ(im.rgb.size(), before.rgb.size());
  EXPECT_NE(im.rgb, before.rgb);
}

TEST(DrawDetections, ClassesGetDifferentColours) {
  app::Image a = filled(60, 60, 0), b = filled(60, 60, 0);
  app::draw_detections(a, {{1, 0.5f, 10, 30, 50, 55}});
  draw_detections(b, {{2, 0.5f, 10, 30, 50, 55}});
  const size_t i = (size_t(45) * 60 + 10) * 3;  // a pixel of the left edge
  EXPECT_NE(std::vector<uint8_t>(a.rgb.begin() + i, a.rgb.begin() + i + 3),
            std::vector<uint8_t>(b.rgb.begin() + i, b.rgb.begin() + i + 3));
}

}  // namespace
}  // namespace ssdx::app
