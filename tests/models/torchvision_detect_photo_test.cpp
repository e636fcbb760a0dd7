// ssdx detect's torchvision reading on a real photo: the generated SSDlite320 (fixed 320x320 input, and the
// dynamic-size export fed the photo at its own size) through app::Detector, checked against the model's raw outputs
// decoded here by torchvision's rules: boxes are in the pixels of the [3,H,W] tensor fed, labels COCO-91 ids.
#include <gtest/gtest.h>

#include <unistd.h>

#include "app/detector.h"
#include "app/image.h"
#include "app/preprocess.h"
#include "models/torchvision_ssd.h"
#include "tests/photos.h"

namespace ssdx::test {
namespace {

void check_against_raw_outputs(bool dynamic_size) {
  SSDX_NEED_PHOTOS(dir);
  models::TorchvisionSsdOptions o;
  o.arch = models::TorchvisionArch::Ssdlite320MobileNetV3Large;
  o.dynamic_size = dynamic_size;
  const std::string path = ::testing::TempDir() + "tv_detect_" + std::to_string(getpid()) + ".onnx";
  models::write_torchvision_ssd_model(o, path);
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
  const float sx = static_cast<float>(image.width) / w, sy = static_cast<float>(image.height) / h;
  size_t k = 0;
  for (int64_t i = 0; i < scores.numel(); ++i) {
    if (scores.float_at(i) < min_score) continue;
    ASSERT_LT(k, got.size());
    const app::Detection& d = got[k++];
    EXPECT_EQ(d.label, labels.int_at(i)) << i;
    EXPECT_FLOAT_EQ(d.score, static_cast<float>(scores.float_at(i)));
    const float ref[4] = {static_cast<float>(boxes.float_at(4 * i)) * sx, static_cast<float>(boxes.float_at(4 * i + 1)) * sy,
                          static_cast<float>(boxes.float_at(4 * i + 2)) * sx, static_cast<float>(boxes.float_at(4 * i + 3)) * sy};
    const float mine[4] = {d.x0, d.y0, d.x1, d.y1};
    for (int c = 0; c < 4; ++c)
      EXPECT_NEAR(mine[c], std::min(std::max(ref[c], 0.f), static_cast<float>(c % 2 ? image.height : image.width)), 1e-3)
          << i << " " << c;
  }
  EXPECT_EQ(k, got.size());
  EXPECT_GT(k, 3u);  // the synthetic weights give several detections on a photo
  std::remove(path.c_str());
}

TEST(TorchvisionDetectPhoto, FixedSizeMatchesRawOutputs) { check_against_raw_outputs(false); }
TEST(TorchvisionDetectPhoto, DynamicSizeMatchesRawOutputs) { check_against_raw_outputs(true); }

}  // namespace
}  // namespace ssdx::test
