// ssdx detect's gluon-cv reading on a real photo: the generated ssd_512_mobilenet1.0, in mx2onnx's NCHW
// ImageNet-normalised form and in export_block's NHWC 0..255 form, through app::Detector, checked against the
// model's raw outputs decoded here by gluon-cv's rules: rows with id -1 are padding, ids are 0-based VOC classes,
// boxes are corners in the pixels of the 512x512 input.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>

#include "app/detector.h"
#include "app/image.h"
#include "app/preprocess.h"
#include "models/gluon_ssd.h"
#include "tests/photos.h"

namespace ssdx::test {
namespace {

// The photo stretched to 512x512 as the model takes it: ImageNet-normalised NCHW, or 0..255 NHWC.
Tensor model_input(const app::Image& image, bool nhwc) {
  app::InputSpec spec;
  if (nhwc) spec.mean = {0, 0, 0}, spec.std = {1 / 255.f, 1 / 255.f, 1 / 255.f};
  else spec.mean = {0.485f, 0.456f, 0.406f}, spec.std = {0.229f, 0.224f, 0.225f};
  const Tensor chw = app::preprocess(image, 512, 512, spec);
  if (!nhwc) return chw;
  Tensor hwc(DataType::Float, {1, 512, 512, 3});
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < 512 * 512; ++i) hwc.data<float>()[i * 3 + c] = chw.data<float>()[c * 512 * 512 + i];
  return hwc;
}

void check_against_raw_outputs(bool export_block) {
  SSDX_NEED_PHOTOS(dir);
  models::GluonSsdOptions o;
  o.arch = models::GluonArch::MobileNet1_512;
  o.export_block = export_block;
  const std::string path = ::testing::TempDir() + "gluon_detect_" + std::to_string(getpid()) + ".onnx";
  models::write_gluon_ssd_model(o, path);
  const app::Image image = app::load_image(dir + "/astronaut.png");  // 512x512
  const app::Image wide = app::load_image(dir + "/coffee.png");      // 600x400: boxes scaled back per axis
  const float min_score = 0.05f;
  const app::Detector detector(path, {});
  EXPECT_EQ(detector.family(), app::Family::GluonCv);
  EXPECT_EQ(detector.layout(), export_block ? app::Layout::Nhwc : app::Layout::Nchw);
  EXPECT_EQ(detector.spec().labels.at(14), "person");  // @voc from the metadata
  const auto session = Session::load(path);
  size_t total = 0;
  for (const app::Image* photo : {&image, &wide}) {
    const std::vector<app::Detection> got = detector.detect(*photo, min_score);
    const TensorMap out = session->run({{"data", model_input(*photo, export_block)}});
    const Tensor &ids = out.at("ids"), &scores = out.at("scores"), &boxes = out.at("bboxes");
    const float sx = photo->width / 512.f, sy = photo->height / 512.f;
    size_t k = 0;
    for (int64_t i = 0; i < 100; ++i) {
      if (ids.float_at(i) < 0 || scores.float_at(i) < min_score) continue;
      ASSERT_LT(k, got.size());
      const app::Detection& d = got[k++];
      EXPECT_EQ(d.label, static_cast<int64_t>(ids.float_at(i))) << i;
      EXPECT_FLOAT_EQ(d.score, static_cast<float>(scores.float_at(i)));
      const float ref[4] = {static_cast<float>(boxes.float_at(4 * i)) * sx, static_cast<float>(boxes.float_at(4 * i + 1)) * sy,
                            static_cast<float>(boxes.float_at(4 * i + 2)) * sx, static_cast<float>(boxes.float_at(4 * i + 3)) * sy};
      const float mine[4] = {d.x0, d.y0, d.x1, d.y1};
      for (int c = 0; c < 4; ++c)
        EXPECT_NEAR(mine[c], std::min(std::max(ref[c], 0.f), static_cast<float>(c % 2 ? photo->height : photo->width)), 1e-3)
            << i << " " << c;
    }
    EXPECT_EQ(k, got.size());
    total += k;
  }
  EXPECT_GT(total, 5u);  // the synthetic weights give several detections on photos
  std::remove(path.c_str());
}

TEST(GluonDetectPhoto, NchwExportMatchesRawOutputs) { check_against_raw_outputs(false); }
TEST(GluonDetectPhoto, ExportBlockNhwcMatchesRawOutputs) { check_against_raw_outputs(true); }

}  // namespace
}  // namespace ssdx::test
