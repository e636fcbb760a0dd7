// The largest gluon-cv SSDs (512 VGG16-atrous: 90 GMAC, 24,564 anchors; 512 ResNet50-v1) against onnxruntime, as
// tests/parity/gluon_ssd_parity_test.cpp does for the others (tests/gluon_parity.h).
#include "tests/gluon_parity.h"

namespace ssdx::test {
namespace {

using models::GluonArch;

TEST(GluonSsdParity, Vgg16Atrous512VocMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_same_gluon_detections(GluonArch::Vgg16Atrous512, 20, false, 33);
}

TEST(GluonSsdParity, ResNet50V1_512VocMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_same_gluon_detections(GluonArch::ResNet50V1_512, 20, false, 34);
}

}  // namespace
}  // namespace ssdx::test
