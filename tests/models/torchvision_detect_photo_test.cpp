// ssdx detect's torchvision reading on a real photo: the generated SSDlite320 (fixed 320x320 input, and the
// dynamic-size export fed the photo at its own size) through app::Detector, checked against the model's raw outputs
// decoded here by torchvision's rules: boxes are in the pixels of the [3,H,W] tensor fed, labels COCO-91 ids.
#include <gtest/gtest.h>

#include "app/detector.h"
#include "app/image.h"
#include "app/preprocess.h"
#include "models/torchvision_ssd.h"
#include "tests/photos.h"
#include "tests/raw_detections.h"
#include "tests/temp_model_file.h"

namespace ssdx::test {
namespace {

void check_against_raw_outputs(bool dynamic_size) {
  SSDX_NEED_PHOTOS(dir);
  models::TorchvisionSsdOptions o;
  o.arch = models::TorchvisionArch::Ssdlite320MobileNetV3Large;
  o.dynamic_size = dynamic_size;
  const TempModelFile model("tv_detect", [&](const std::string& path) { models::write_torchvision_ssd_model(o, path); });
  const std::string& path = model.path;
  const app::Image image = app::load_image(dir + "/coffee.png");  // 600x400
  const float min_score = 0.05f;
  const app::Detector detector(path, {});
  EXPECT_EQ(detector.family(), app::Family::Torchvision);
  EXPECT_EQ(detector.layout(), app::Layout::Chw);
  EXPECT_EQ(detector.spec().labels.at(1), "person");  // @coco91 from the metadata
  const std::vector<app::Detection> got = detector.detect(image, min_score);

  // The reference: 0..1 RGB stretched to the input (or the photo as it is), [3,H,W]; boxes scaled back by hand.
  const int w = dynamic_size ? image.width : 320, h = dynamic_size ? image.height : 320;
  app::InputSpec spec;
  spec.mean = {0, 0, 0};
  spec.std = {1, 1, 1};
  const Tensor x = app::preprocess(image, w, h, spec).reshaped({3, h, w});
  const auto session = Session::load(path);
  const TensorMap out = session->run({{session->inputs()[0].name, x}});
  const Tensor &boxes = out.at("boxes"), &scores = out.at("scores"), &labels = out.at("labels");
  std::vector<RawDetection> raw;
  for (int64_t i = 0; i < scores.numel(); ++i) raw.push_back(raw_row(labels.int_at(i), scores.float_at(i), boxes, i));
  size_t k = 0;
  ASSERT_NO_FATAL_FAILURE(expect_raw_detections(got, raw, min_score, static_cast<float>(image.width) / w,
                                                static_cast<float>(image.height) / h, image, &k));
  EXPECT_GT(k, 3u);  // the synthetic weights give several detections on a photo
}

TEST(TorchvisionDetectPhoto, FixedSizeMatchesRawOutputs) { check_against_raw_outputs(false); }
TEST(TorchvisionDetectPhoto, DynamicSizeMatchesRawOutputs) { check_against_raw_outputs(true); }

}  // namespace
}  // namespace ssdx::test
