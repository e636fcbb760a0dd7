// The gluon-cv SSDs against onnxruntime (tests/gluon_parity.h); the 512 VGG and ResNet50 are in tests/long.
#include "tests/gluon_parity.h"

namespace ssdx::test {
namespace {

using models::GluonArch;

TEST(GluonSsdParity, Vgg16Atrous300VocMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_same_gluon_detections(GluonArch::Vgg16Atrous300, 20, false, 31);
}

TEST(GluonSsdParity, Vgg16Atrous300CocoMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_same_gluon_detections(GluonArch::Vgg16Atrous300, 80, false, 32);
}

TEST(GluonSsdParity, MobileNet1_512CocoMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_same_gluon_detections(GluonArch::MobileNet1_512, 80, false, 35);
}

TEST(GluonSsdParity, ExportBlockNhwcFrontMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_same_gluon_detections(GluonArch::MobileNet1_512, 20, true, 36);
}

}  // namespace
}  // namespace ssdx::test
