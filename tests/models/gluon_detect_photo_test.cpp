// ssdx detect's gluon-cv reading on a real photo: the generated ssd_512_mobilenet1.0, in mx2onnx's NCHW
// ImageNet-normalised form and in export_block's NHWC 0..255 form, through app::Detector, checked against the
// model's raw outputs decoded here by gluon-cv's rules: rows with id -1 are padding, ids are 0-based VOC classes,
// boxes are corners in the pixels of the 512x512 input.
#include <gtest/gtest.h>

#include "app/detector.h"
#include "app/image.h"
#include "app/preprocess.h"
#include "models/gluon_ssd.h"
#include "tests/photos.h"
#include "tests/raw_detections.h"
#include "tests/temp_model_file.h"

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
  const TempModelFile model("gluon_detect", [&](const std::string& path) { models::write_gluon_ssd_model(o, path); });
  const std::string& path = model.path;
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
    std::vector<RawDetection> raw;
    for (int64_t i = 0; i < 100; ++i)  // ids below 0 are padding
      raw.push_back(raw_row(ids.float_at(i) < 0 ? -1 : static_cast<int64_t>(ids.float_at(i)), scores.float_at(i), boxes, i));
    size_t k = 0;
    ASSERT_NO_FATAL_FAILURE(
        expect_raw_detections(got, raw, min_score, photo->width / 512.f, photo->height / 512.f, *photo, &k));
    total += k;
  }
  EXPECT_GT(total, 5u);  // the synthetic weights give several detections on photos
}

TEST(GluonDetectPhoto, NchwExportMatchesRawOutputs) { check_against_raw_outputs(false); }
TEST(GluonDetectPhoto, ExportBlockNhwcMatchesRawOutputs) { check_against_raw_outputs(true); }

}  // namespace
}  // namespace ssdx::test
