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

namespace ssdx::test {
namespace {

// The fake detector carrying a face model's metadata: labels 1 face, 3 mask, 95 hat; threshold 0.65; mean 0 and std
// 1, 1, 0.1, so that a red image's peak is 1 read as RGB (scores 0.7, 0.6, 0.45) but 10 read as BGR (the red lands
// in channel 2, /0.1: scores 1.6, 1.5, 1.35).
// The fake detector with these metadata_props.
std::string save_fake_detector_with(const std::string& path, const std::map<std::string, std::string>& metadata) {
  ModelBuilder b(13);
  b.add_input("image", DataType::Float, {1, 3, 32, 32});
  add_fake_detector_body(b);
  b.add_output("bboxes", DataType::Float, {1, 3, 4});
  b.add_output("labels", DataType::Int64, {1, 3});
  b.add_output("scores", DataType::Float, {1, 3});
  for (const auto& [key, value] : metadata) b.set_metadata(key, value);
  b.save(path);
  return path;
}

std::string save_face_detector(const std::string& dir, const std::string& channel_order,
                               const std::string& resize = "stretch") {
  return save_fake_detector_with(dir + "/face_" + channel_order + "_" + resize + ".onnx",
                                 {{"ssdx.input.channel_order", channel_order},
                                  {"ssdx.input.mean", "0,0,0"},
                                  {"ssdx.input.std", "1,1,0.1"},
                                  {"ssdx.input.resize", resize},
                                  {"ssdx.labels", "1 face\n3 mask\n95 hat\n"},
                                  {"ssdx.detect.min_score", "0.65"},
                                  {"ssdx.model.description", "a fake face detector"}});
}

std::string save_red_png(const std::string& path, int width, int height) {
  app::Image im;
  im.width = width;
  im.height = height;
  for (int i = 0; i < width * height; ++i) im.rgb.insert(im.rgb.end(), {255, 0, 0});
  app::save_png(im, path);
  return path;
}

TEST(DetectCliMetadata, LabelsThresholdAndChannelOrderComeFromTheModel) {
  const std::string dir = temp_dir();
  const std::string red = save_red_png(dir + "/red.png", 64, 48);
  // RGB: 0.7 passes the model's 0.65, 0.6 and 0.45 do not; the label prints as the model names it.
  const CommandResult rgb = run_command("detect " + save_face_detector(dir, "RGB") + " " + red);
  ASSERT_EQ(rgb.exit_code, 0) << rgb.err;
  EXPECT_EQ(lines_of(rgb.out), (std::vector<std::string>{red + "  face  0.700  6.4 9.6 32.0 28.8"}));
  // BGR: the same image, every channel swapped.
  const CommandResult bgr = run_command("detect " + save_face_detector(dir, "BGR") + " " + red);
  ASSERT_EQ(bgr.exit_code, 0) << bgr.err;
  EXPECT_EQ(lines_of(bgr.out), (std::vector<std::string>{red + "  face  1.600  6.4 9.6 32.0 28.8",
                                                         red + "  mask  1.500  32.0 24.0 64.0 43.2",
                                                         red + "  hat  1.350  0.0 0.0 19.2 14.4"}));
  // --threshold still wins; JSON and --draw use the names too.
  const CommandResult all = run_command("detect " + save_face_detector(dir, "RGB") + " " + red +
                                        " --threshold 0 --json --draw " + dir + "/drawn.png");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("{\"label\": 3, \"class\": \"mask\", \"score\": 0.6"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("{\"label\": 95, \"class\": \"hat\""), std::string::npos) << all.out;
  EXPECT_EQ(app::load_image(dir + "/drawn.png").width, 64);
}

TEST(DetectCliMetadata, LabelsFileOverridesTheModel) {
  const std::string dir = temp_dir();
  const std::string red = save_red_png(dir + "/red.png", 64, 48);
  const std::string model = save_face_detector(dir, "RGB");
  write_file_bytes(dir + "/names.txt", "background\nhead\n");  // plain names: 0 background, 1 head
  const CommandResult plain = run_command("detect " + model + " " + red + " --labels " + dir + "/names.txt");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(lines_of(plain.out), (std::vector<std::string>{red + "  head  0.700  6.4 9.6 32.0 28.8"}));
  write_file_bytes(dir + "/ids.txt", "95 cap\n1 visage\n");
  const CommandResult ids =
      run_command("detect " + model + " " + red + " --threshold 0 --labels " + dir + "/ids.txt");
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  const std::vector<std::string> lines = lines_of(ids.out);
  ASSERT_EQ(lines.size(), 3u) << ids.out;
  EXPECT_EQ(lines[0].rfind(red + "  visage  ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind(red + "  class_3  ", 0), 0u) << lines[1];  // the file names no 3
  EXPECT_EQ(lines[2].rfind(red + "  cap  ", 0), 0u) << lines[2];
  write_file_bytes(dir + "/bad.txt", "1 a\n1 b\n");
  expect_one_line_error(run_command("detect " + model + " " + red + " --labels " + dir + "/bad.txt"),
                        "label id 1 given twice");
  expect_one_line_error(run_command("detect " + model + " " + red + " --labels " + dir + "/none.txt"), "none.txt");
}

// mmdetection's raw-head form (12 maps, no decode or NMS), by its outputs or by its metadata: one line saying how to
// make it a detector; another family named in the metadata is refused by name rather than misread.
TEST(DetectCliModel, RawHeadsAndMisfitFamiliesFailWithOneLine) {
  const std::string dir = temp_dir();
  const std::string image = save_solid_png(dir + "/x.png", 8, 8, 0);
  ModelBuilder b(13);
  b.add_input("input", DataType::Float, {-1, 3, 8, 8});
  b.add_node("Relu", {"input"}, {"cls_score_0"});
  b.add_node("Sigmoid", {"input"}, {"bbox_pred_0"});
  b.add_output("cls_score_0", DataType::Float, {-1, 3, 8, 8});
  b.add_output("bbox_pred_0", DataType::Float, {-1, 3, 8, 8});
  b.save(dir + "/raw.onnx");
  expect_one_line_error(run_command("detect " + dir + "/raw.onnx " + image),
                        "run 'ssdx add-postprocess " + dir + "/raw.onnx --family mmdet-ssd300 -o OUT'");
  ModelBuilder named(13);
  named.add_input("image", DataType::Float, {1, 3, 8, 8});
  named.add_node("Relu", {"image"}, {"bboxes"});
  named.add_output("bboxes", DataType::Float, {1, 3, 8, 8});
  named.set_metadata("ssdx.model.family", "gluon-cv");
  named.save(dir + "/gluon.onnx");
  expect_one_line_error(run_command("detect " + dir + "/gluon.onnx " + image),
                        "a gluon-cv model has outputs 'ids', 'scores', 'bboxes'; missing 'ids', 'scores'");
}


// A gluon-cv-shaped model with a free batch and an NHWC 0..255 input (export_block's form): each image's scores are
// its channel means / 255 (three rows, ids 0..2, boxes that grow with the score). `--batch 2` runs two photos in one
// run and must print what two single runs print; the boxes are in input pixels (8x8), mapped to each photo.
TEST(DetectCliModel, BatchedRunsMatchSingleRunsForAnNhwcGluonModel) {
  SSDX_NEED_PHOTOS(photos);
  const std::string dir = temp_dir();
  ModelBuilder b(13);
  b.add_input("data", DataType::Float, {-1, 8, 8, 3}, {"batch", "", "", ""});
  b.add_initializer("inv255", make_tensor<float>({}, {1.f / 255}));
  b.add_initializer("zero", make_tensor<float>({}, {0.f}));
  b.add_initializer("row_ids", make_tensor<float>({1, 3, 1}, {0, 1, 2}));
  b.add_initializer("box", make_tensor<float>({1, 1, 4}, {1, 2, 6, 8}));
  b.add_initializer("unsq", make_tensor<int64_t>({1}, {2}));
  Attributes spatial_mean = Attributes::ints("axes", {1, 2});
  spatial_mean.set_int("keepdims", 0);
  b.add_node("ReduceMean", {"data"}, {"mean"}, spatial_mean);
  b.add_node("Mul", {"mean", "inv255"}, {"m01"});
  b.add_node("Unsqueeze", {"m01", "unsq"}, {"scores"});
  b.add_node("Mul", {"scores", "zero"}, {"z"});
  b.add_node("Add", {"z", "row_ids"}, {"ids"});
  b.add_node("Mul", {"scores", "box"}, {"bboxes"});
  b.add_output("ids", DataType::Float, {-1, 3, 1}, {"batch", "", ""});
  b.add_output("scores", DataType::Float, {-1, 3, 1}, {"batch", "", ""});
  b.add_output("bboxes", DataType::Float, {-1, 3, 4}, {"batch", "", ""});
  b.set_metadata("ssdx.input.mean", "0,0,0");
  b.set_metadata("ssdx.input.std", "0.00392156862745098,0.00392156862745098,0.00392156862745098");
  b.set_metadata("ssdx.labels", "@voc");
  b.save(dir + "/gluon_nhwc.onnx");
  const std::string two = photos + "/astronaut.png " + photos + "/coffee.png";
  const CommandResult batched = run_command("detect " + dir + "/gluon_nhwc.onnx " + two + " --threshold 0 --batch 2");
  ASSERT_EQ(batched.exit_code, 0) << batched.err;
  std::string single;
  for (const char* photo : {"/astronaut.png", "/coffee.png"}) {
    const CommandResult r = run_command("detect " + dir + "/gluon_nhwc.onnx " + photos + photo + " --threshold 0");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    single += r.out;
  }
  EXPECT_EQ(batched.out, single);
  const std::vector<std::string> lines = lines_of(batched.out);
  ASSERT_EQ(lines.size(), 6u) << batched.out;
  // astronaut.png is 512x512: a box [s, 2s, 6s, 8s] of the 8x8 input is [64s, 128s, 384s, 512s] in its pixels.
  std::istringstream first(lines[0]);
  std::string path, label;
  float score = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  first >> path >> label >> score >> x0 >> y0 >> x1 >> y1;
  EXPECT_NEAR(x0, 64 * score, 0.1);
  EXPECT_NEAR(x1, 384 * score, 0.3);
  EXPECT_NEAR(y1, std::min(512 * score, 512.f), 0.3);
  // VOC ids 0..2 are aeroplane, bicycle, bird; every row carries one of them.
  for (const std::string& l : lines)
    EXPECT_TRUE(l.find("  aeroplane  ") != std::string::npos || l.find("  bicycle  ") != std::string::npos ||
                l.find("  bird  ") != std::string::npos) << l;
}

// The detector's labels 1, 3, 95 named by a built-in set: VOC's 1 is bicycle and 3 boat; COCO-91's 1 person, 3 car.
TEST(DetectCliMetadata, LabelsMayNameABuiltInSet) {
  const std::string dir = temp_dir();
  const std::string red = save_red_png(dir + "/red.png", 64, 48);
  const std::string model = save_face_detector(dir, "RGB");
  const CommandResult voc = run_command("detect " + model + " " + red + " --threshold 0 --labels @voc");
  ASSERT_EQ(voc.exit_code, 0) << voc.err;
  std::vector<std::string> lines = lines_of(voc.out);
  ASSERT_EQ(lines.size(), 3u) << voc.out;
  EXPECT_EQ(lines[0].rfind(red + "  bicycle  ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind(red + "  boat  ", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind(red + "  class_95  ", 0), 0u) << lines[2];
  const CommandResult coco = run_command("detect " + model + " " + red + " --threshold 0 --labels @coco91");
  ASSERT_EQ(coco.exit_code, 0) << coco.err;
  lines = lines_of(coco.out);
  ASSERT_EQ(lines.size(), 3u) << coco.out;
  EXPECT_EQ(lines[0].rfind(red + "  person  ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind(red + "  car  ", 0), 0u) << lines[1];
  expect_one_line_error(run_command("detect " + model + " " + red + " --labels @imagenet"),
                        "detect: --labels: unknown label set '@imagenet' (@voc, @coco80 or @coco91)");
}

// 64x32 into 32x32 letterboxed: 32x16 at y 8..24, so x = 64 v and y = (32 v - 8) * 2, clipped to 64x32.
TEST(DetectCliMetadata, LetterboxMapsBoxesBackAndStretchOverrides) {
  const std::string dir = temp_dir();
  const std::string red = save_red_png(dir + "/red.png", 64, 32);
  const std::vector<std::string> letterboxed = {red + "  face  0.700  6.4 0.0 32.0 22.4",  // y0 -3.2 clipped
                                                red + "  mask  0.600  32.0 16.0 64.0 32.0",
                                                red + "  hat  0.450  0.0 0.0 19.2 3.2"};
  const std::string from_metadata = save_face_detector(dir, "RGB", "letterbox");
  const CommandResult m = run_command("detect " + from_metadata + " " + red + " --threshold 0");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(lines_of(m.out), letterboxed);
  const CommandResult o = run_command("detect " + save_face_detector(dir, "RGB") + " " + red + " --threshold 0 --letterbox");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(lines_of(o.out), letterboxed);
  const CommandResult s = run_command("detect " + from_metadata + " " + red + " --threshold 0 --stretch");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(lines_of(s.out)[0], red + "  face  0.700  6.4 6.4 32.0 19.2");
}

// One white pixel on black: the two interpolations spread it differently, so the peak (and the scores) differ.
TEST(DetectCliMetadata, ResizeChoosesTheInterpolation) {
  const std::string dir = temp_dir();
  app::Image im;
  im.width = 50;
  im.height = 50;
  im.rgb.assign(50 * 50 * 3, 0);
  for (int c = 0; c < 3; ++c) im.rgb[(25 * 50 + 25) * 3 + c] = 255;
  app::save_png(im, dir + "/dot.png");
  const std::string model = save_fake_detector(dir);
  auto first_line = [&](const std::string& options) {
    const CommandResult r = run_command("detect " + model + " " + dir + "/dot.png --threshold 0 " + options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return lines_of(r.out).at(0);
  };
  EXPECT_EQ(first_line("--resize bilinear"), first_line(""));  // a model without metadata: bilinear
  EXPECT_NE(first_line("--resize pillow-bilinear"), first_line("--resize bilinear"));
  expect_one_line_error(run_command("detect " + model + " " + dir + "/dot.png --resize bicubic"),
                        "unknown interpolation 'bicubic'");
}

TEST(DetectCliMetadata, MalformedMetadataFailsWithOneLine) {
  const std::string dir = temp_dir();
  const std::string model = save_fake_detector_with(dir + "/bad_meta.onnx", {{"ssdx.input.std", "0.2,0,0.2"}});
  expect_one_line_error(run_command("detect " + model + " " + save_red_png(dir + "/r.png", 8, 8)),
                        "bad_meta.onnx: metadata ssdx.input.std '0.2,0,0.2' has a value <= 0");
}

TEST(InspectCliMetadata, ShowsTheModelsMetadata) {
  const std::string dir = temp_dir();
  const std::string model = save_face_detector(dir, "BGR");
  const CommandResult r = run_command("inspect " + model);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("metadata:\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  ssdx.input.channel_order: BGR\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  ssdx.labels: 3 lines: 1 face, 3 mask, 95 hat\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  ssdx.model.description: a fake face detector\n"), std::string::npos) << r.out;
  const CommandResult j = run_command("inspect --json " + model);
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_NE(j.out.find("\"ssdx.labels\": \"1 face\\u000a3 mask\\u000a95 hat\\u000a\""), std::string::npos) << j.out;
  const CommandResult none = run_command("inspect " + save_fake_detector(dir));
  EXPECT_NE(none.out.find("metadata: none\n"), std::string::npos) << none.out;
}

}  // namespace
}  // namespace ssdx::test
