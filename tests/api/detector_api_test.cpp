// The public Detector (include/ssdx/detector.h) on a real photo equals app::Detector on the same model: the same
// labels, scores and boxes, with COCO class names; from the file and from an RGB buffer alike.
#include <gtest/gtest.h>

#include <cstdio>
#include <unistd.h>

#include "app/coco_labels.h"
#include "app/detector.h"
#include "app/image.h"
#include "app/input_spec.h"
#include "graph/tensor_io.h"
#include "models/ssd_model.h"
#include "ssdx/ssdx.h"
#include "tests/photos.h"

namespace ssdx {
namespace {

void expect_same(const std::vector<api::Detection>& got, const std::vector<app::Detection>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].label, want[i].label) << i;
    EXPECT_EQ(got[i].class_name, app::coco_class_name(want[i].label)) << i;
    EXPECT_EQ(got[i].score, want[i].score) << i;
    EXPECT_EQ(got[i].x0, want[i].x0) << i;
    EXPECT_EQ(got[i].y0, want[i].y0) << i;
    EXPECT_EQ(got[i].x1, want[i].x1) << i;
    EXPECT_EQ(got[i].y1, want[i].y1) << i;
  }
}

// One generated SSD-480 (BatchNormalization folded) for the suite: generating it takes seconds.
class ApiDetector : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new std::string(std::string(SSDX_BINARY_DIR) + "/api_detector_" + std::to_string(getpid()) + ".onnx");
    models::write_ssd_model({480, 12, 3, true, false}, *model_);
  }
  static void TearDownTestSuite() {
    std::remove(model_->c_str());
    delete model_;
  }
  static std::string* model_;
};
std::string* ApiDetector::model_ = nullptr;

TEST_F(ApiDetector, PhotoEqualsAppDetector) {
  SSDX_NEED_PHOTOS(photos);
  const std::string photo = photos + "/astronaut.png";
  const api::Detector detector = api::Detector::load(*model_);
  const app::Detector reference(*model_, SessionOptions{});
  EXPECT_EQ(detector.input_width(), 480);
  EXPECT_EQ(detector.input_height(), 480);

  const app::Image image = app::load_image(photo);
  const std::vector<app::Detection> want = reference.detect(image, 0.f);
  ASSERT_FALSE(want.empty());  // the models keep boxes down to their NMS threshold
  expect_same(detector.detect_file(photo, 0.f), want);
  expect_same(detector.detect(image.rgb.data(), image.width, image.height, 0.f), want);
  expect_same(detector.detect_file(photo), reference.detect(image, 0.3f));  // the default threshold
}

// The model's metadata through the API, and DetectorOptions over it equal app::Detector with the same overrides.
TEST_F(ApiDetector, MetadataAndOptions) {
  SSDX_NEED_PHOTOS(photos);
  const api::Detector plain = api::Detector::load(*model_);
  EXPECT_FLOAT_EQ(plain.default_min_score(), 0.3f);
  EXPECT_EQ(plain.class_name(1), "person");
  EXPECT_EQ(plain.class_name(81), "class_81");
  EXPECT_EQ(plain.metadata().at("ssdx.input.interpolation"), "pillow-bilinear");

  const std::string labels = std::string(SSDX_BINARY_DIR) + "/api_labels_" + std::to_string(getpid()) + ".txt";
  write_file_bytes(labels, "background\nsomeone\n");
  api::DetectorOptions options;
  options.resize = "letterbox";
  options.interpolation = "bilinear";
  options.labels_file = labels;
  const api::Detector chosen = api::Detector::load(*model_, {}, options);
  EXPECT_EQ(chosen.class_name(1), "someone");
  app::SpecOverrides overrides;
  overrides.resize = app::ResizeMode::Letterbox;
  overrides.interpolation = app::Interpolation::Bilinear;
  overrides.labels = app::LabelMap{{0, "background"}, {1, "someone"}};
  const app::Detector reference(*model_, SessionOptions{}, overrides);
  const std::string photo = photos + "/coffee.png";  // 600x400: letterboxing pads it
  const std::vector<app::Detection> want = reference.detect(app::load_image(photo), 0.f);
  const std::vector<api::Detection> got = chosen.detect_file(photo, 0.f);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].class_name, app::class_name(overrides.labels.value(), want[i].label));
    EXPECT_EQ(got[i].score, want[i].score);
    EXPECT_EQ(got[i].y0, want[i].y0);
  }
  std::remove(labels.c_str());

  api::DetectorOptions bad;
  bad.resize = "crop";
  EXPECT_THROW(api::Detector::load(*model_, {}, bad), api::Error);
  bad = {};
  bad.interpolation = "nearest";
  EXPECT_THROW(api::Detector::load(*model_, {}, bad), api::Error);
  bad = {};
  bad.labels_file = "/nonexistent/labels.txt";
  EXPECT_THROW(api::Detector::load(*model_, {}, bad), api::Error);
}

TEST_F(ApiDetector, BadModelsAndImagesFailWithOneLine) {
  const std::string dir = std::string(SSDX_BINARY_DIR);
  try {
    api::Detector::load(dir + "/no_such_detector.onnx");
    ADD_FAILURE() << "loaded a missing model";
  } catch (const api::Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  const api::Detector detector = api::Detector::load(*model_);
  const uint8_t pixel[3] = {1, 2, 3};
  EXPECT_THROW(detector.detect(pixel, 0, 1), api::Error);
  EXPECT_THROW(detector.detect(nullptr, 1, 1), api::Error);
  EXPECT_THROW(detector.detect_file(dir + "/no_such_image.png"), api::Error);
  EXPECT_NO_THROW(detector.detect(pixel, 1, 1));
}

}  // namespace
}  // namespace ssdx
