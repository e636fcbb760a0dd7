// `ssdx detect` as a user runs it: a tiny fake detector built here, synthetic and real photos, hostile images.
#include <gtest/gtest.h>
#include <stb_image_write.h>  // the implementation lives in app/image.cpp

#include <random>
#include <sstream>

#include "graph/onnx_builder.h"
#include "graph/tensor_io.h"
#include "tests/photos.h"
#include "tests/tools/cli_runner.h"
#include "tests/tools/png_craft.h"
#include "app/image.h"

namespace ssdx::test {
namespace {

using app::Image;

// Three fixed boxes and labels (person, car, and 95, which is no COCO class); the scores depend on the image:
// scores = 0.1 * max(preprocessed image) + [0.6, 0.5, 0.35]. A white image's largest normalised value is
// B's (1 - 0.406) / 0.225 = 2.64, giving [0.864, 0.764, 0.614]; a black one's is B's -0.406 / 0.225 = -1.804,
// giving [0.420, 0.320, 0.170].
void add_fake_detector_body(ModelBuilder& b) {
  b.add_initializer("box_consts", make_tensor<float>({1, 3, 4}, {0.1f, 0.2f, 0.5f, 0.6f,     //
                                                                 0.5f, 0.5f, 1.2f, 0.9f,     // past the right edge
                                                                 -0.1f, 0.f, 0.3f, 0.3f}));  // past the left edge
  b.add_initializer("label_consts", make_tensor<int64_t>({1, 3}, {1, 3, 95}));
  b.add_initializer("gain", make_tensor<float>({1}, {0.1f}));
  b.add_initializer("offsets", make_tensor<float>({1, 3}, {0.6f, 0.5f, 0.35f}));
  Attributes reduce;
  reduce.set_ints("axes", {1, 2, 3});
  reduce.set_int("keepdims", 0);
  b.add_node("Identity", {"box_consts"}, {"bboxes"});
  b.add_node("Identity", {"label_consts"}, {"labels"});
  b.add_node("ReduceMax", {"image"}, {"peak"}, reduce);
  b.add_node("Mul", {"peak", "gain"}, {"scaled"});
  b.add_node("Add", {"scaled", "offsets"}, {"scores"});
}

std::string save_fake_detector(const std::string& dir, const Shape& input_shape = {1, 3, 32, 32},
                               bool with_scores = true) {
  ModelBuilder b(13);
  b.add_input("image", DataType::Float, input_shape);
  add_fake_detector_body(b);
  b.add_output("bboxes", DataType::Float, {1, 3, 4});
  b.add_output("labels", DataType::Int64, {1, 3});
  if (with_scores) b.add_output("scores", DataType::Float, {1, 3});
  const std::string path = dir + "/fake_ssd.onnx";
  b.save(path);
  return path;
}

std::string save_solid_png(const std::string& path, int width, int height, uint8_t value) {
  app::Image im;
  im.width = width;
  im.height = height;
  im.rgb.assign(size_t(width) * height * 3, value);
  app::save_png(im, path);
  return path;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class DetectCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir();
    model_ = save_fake_detector(dir_);
  }
  CommandResult detect(const std::string& args) { return run_command("detect " + model_ + " " + args); }
  std::string dir_, model_;
};

TEST_F(DetectCli, PrintsObjectsInOriginalImagePixels) {
  const std::string white = save_solid_png(dir_ + "/white.png", 64, 48, 255);
  const CommandResult r = detect(white + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // Boxes scaled by 64 x 48 and clipped to the image.
  EXPECT_EQ(lines_of(r.out), (std::vector<std::string>{white + "  person  0.864  6.4 9.6 32.0 28.8",
                                                       white + "  car  0.764  32.0 24.0 64.0 43.2",
                                                       white + "  class_95  0.614  0.0 0.0 19.2 14.4"}));
}

TEST_F(DetectCli, ThresholdFiltersByScore) {
  const std::string black = save_solid_png(dir_ + "/black.png", 10, 20, 0);
  EXPECT_EQ(lines_of(detect(black).out).size(), 2u);  // default 0.3 keeps 0.42 and 0.32
  EXPECT_EQ(lines_of(detect(black + " --threshold 0").out).size(), 3u);
  const CommandResult none = detect(black + " --threshold 0.5");
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "");
  expect_one_line_error(detect(black + " --threshold 1.5"), "--threshold");
  expect_one_line_error(detect(black + " --threshold high"), "--threshold");
}

TEST_F(DetectCli, JsonDocument) {
  const std::string white = save_solid_png(dir_ + "/white.png", 64, 48, 255);
  const std::string black = save_solid_png(dir_ + "/black.png", 10, 20, 0);
  const CommandResult r = detect("--json " + white + " " + black);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> expected = {
      "{\"model\": \"" + model_ + "\", \"detections\": [",
      "{\"image\": \"" + white + "\", \"width\": 64, \"height\": 48, \"objects\": [",
      "{\"image\": \"" + black + "\", \"width\": 10, \"height\": 20, \"objects\": [",
      "{\"label\": 1, \"class\": \"person\", \"score\": 0.864",
      "{\"label\": 95, \"class\": \"class_95\"",
      "\"box\": [6.4, 9.6, 32.0, 28.8]"};
  for (const std::string& key : expected)
    EXPECT_NE(r.out.find(key), std::string::npos) << "missing " << key << " in:\n" << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '{'), std::count(r.out.begin(), r.out.end(), '}'));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '['), std::count(r.out.begin(), r.out.end(), ']'));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '{'), 1 + 2 + 3 + 2);  // document, images, objects
}

TEST_F(DetectCli, DrawWritesPngsOfTheOriginalSize) {
  const std::string white = save_solid_png(dir_ + "/white.png", 64, 48, 255);
  const std::string gray = save_solid_png(dir_ + "/gray.png", 30, 70, 90);
  ASSERT_EQ(detect(white + " --draw " + dir_ + "/one.png").exit_code, 0);
  const app::Image one = app::load_image(dir_ + "/one.png");
  EXPECT_EQ(one.width, 64);
  EXPECT_EQ(one.height, 48);
  EXPECT_NE(one.rgb, app::load_image(white).rgb);

  const CommandResult r = detect(white + " " + gray + " --draw " + dir_ + "/many.png");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(app::load_image(dir_ + "/many_0.png").width, 64);
  EXPECT_EQ(app::load_image(dir_ + "/many_1.png").height, 70);
}

// stb's PNG writer ignored failed writes: a full disk left a truncated file and exit code 0.
TEST_F(DetectCli, DrawOnAFullDiskFails) {
  const std::string white = save_solid_png(dir_ + "/white.png", 64, 48, 255);
  expect_one_line_error(detect(white + " --draw /dev/full"), "/dev/full: write error: No space left on device");
  // Over a file size limit (EFBIG) the drawing is not left half written, and an older one at that name survives.
  app::Image noise;
  noise.width = 600, noise.height = 400;
  std::mt19937 rng(1);
  for (int i = 0; i < 600 * 400 * 3; ++i) noise.rgb.push_back(static_cast<uint8_t>(rng()));
  app::save_png(noise, dir_ + "/noise.png");  // ~700 KB: incompressible, over the limit below
  const std::string old = save_solid_png(dir_ + "/drawn.png", 2, 2, 7);
  expect_one_line_error(run_command("detect " + model_ + " " + dir_ + "/noise.png --draw " + old, "ulimit -f 256;"),
                        "drawn.png: write error: File too large");
  EXPECT_EQ(app::load_image(old).width, 2);
  EXPECT_EQ(files_in(dir_), (std::vector<std::string>{"drawn.png", "fake_ssd.onnx", "noise.png", "white.png"}));
}

// The data a command prints is its result: stdout on a full disk is a failure, said in one line.
TEST_F(DetectCli, StdoutOnAFullDiskFails) {
  const std::string white = save_solid_png(dir_ + "/white.png", 64, 48, 255);
  for (const std::string& args : {std::string(" --json"), std::string("")})
    expect_one_line_error(run_command("detect " + model_ + " " + white + args, "", "/dev/full"),
                          "cannot write to standard output");
  expect_one_line_error(run_command("--help", "", "/dev/full"), "cannot write to standard output");
  EXPECT_EQ(run_command("detect " + model_ + " " + white + " --json", "", "/dev/null").exit_code, 0);
}

TEST_F(DetectCli, GrayscaleAndRgbaImages) {
  const uint8_t gray[4 * 4] = {255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255};
  ASSERT_TRUE(stbi_write_png((dir_ + "/gray.png").c_str(), 4, 4, 1, gray, 4));
  std::vector<uint8_t> rgba(8 * 2 * 4, 255);
  ASSERT_TRUE(stbi_write_png((dir_ + "/rgba.png").c_str(), 8, 2, 4, rgba.data(), 32));
  const CommandResult r = detect(dir_ + "/gray.png " + dir_ + "/rgba.png");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  EXPECT_EQ(lines[0], dir_ + "/gray.png  person  0.864  0.4 0.8 2.0 2.4");
  EXPECT_EQ(lines[3], dir_ + "/rgba.png  person  0.864  0.8 0.4 4.0 1.2");
}

TEST_F(DetectCli, BadImagesFailWithOneLineNamingTheFile) {
  const std::string good = save_solid_png(dir_ + "/good.png", 40, 30, 10);
  const std::string png = read_file_bytes(good);
  write_file_bytes(dir_ + "/half.png", png.substr(0, png.size() / 2));
  write_file_bytes(dir_ + "/notes.jpg", "these are notes, not a photo\n");
  write_file_bytes(dir_ + "/empty.png", "");
  write_file_bytes(dir_ + "/huge.png", png_header(100000, 100000, 8, 2));
  for (const char* name : {"absent.png", "half.png", "notes.jpg", "empty.png", "huge.png"}) {
    SCOPED_TRACE(name);
    expect_one_line_error(detect(dir_ + "/" + name), name);
  }
  expect_one_line_error(detect(dir_ + "/huge.png"), "too large");
  expect_one_line_error(detect(good + " " + dir_ + "/half.png"), "half.png");  // fails on the second image
}

TEST(DetectCliModel, RequiresDetectorInputsAndOutputs) {
  const std::string dir = temp_dir();
  const std::string image = save_solid_png(dir + "/x.png", 8, 8, 0);
  expect_one_line_error(run_command("detect " + save_fake_detector(dir, {1, 3, -1, -1}) + " " + image),
                        "no static height and width");
  expect_one_line_error(run_command("detect " + save_fake_detector(dir, {1, 3, 32, 32}, false) + " " + image),
                        "missing 'scores'");

  ModelBuilder b(13);
  b.add_input("pixels", DataType::Float, {1, 1, 8, 8});
  b.add_node("Relu", {"pixels"}, {"y"});
  b.add_output("y", DataType::Float, {1, 1, 8, 8});
  b.save(dir + "/gray_in.onnx");
  expect_one_line_error(run_command("detect " + dir + "/gray_in.onnx " + image), "'pixels' float32 [1,1,8,8]");

  expect_one_line_error(run_command("detect " + dir + "/gray_in.onnx"), "at least one image");
  expect_one_line_error(run_command("detect " + dir + "/gray_in.onnx " + image + " --bogus"), "--bogus");
}

TEST(DetectCliPhotos, RealPhotos) {
  SSDX_NEED_PHOTOS(photos);
  const std::string model = save_fake_detector(temp_dir());
  const std::string astronaut = photos + "/astronaut.png", camera = photos + "/camera.png";  // RGB; grayscale
  const CommandResult r = run_command("detect " + model + " " + astronaut + " " + camera + " --threshold 0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  // Both photos are 512 x 512.
  EXPECT_EQ(lines[0].rfind(astronaut + "  person  ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("  51.2 102.4 256.0 307.2"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[4].rfind(camera + "  car  ", 0), 0u) << lines[4];
  EXPECT_NE(lines[4].find("  256.0 256.0 512.0 460.8"), std::string::npos) << lines[4];

  expect_one_line_error(run_command("detect " + model + " " + photos + "/truncated.jpg"), "truncated.jpg");
}

}  // namespace
}  // namespace ssdx::test
