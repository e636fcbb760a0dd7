// The generated torchvision SSD300-VGG16 and SSDlite320-MobileNetV3-Large (torch.onnx.export's form: in-graph
// normalise and Resize, the 90-way per-class pick, batched NMS inside If) against onnxruntime: the same detections
// (count, labels, order), boxes and scores within 1e-4, on random images at the network size and at a photo size
// (640x480 through the Resize, boxes scaled back).
#include <cstdio>

#include "engine/session.h"
#include "models/torchvision_ssd.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

using models::TorchvisionArch;

// `min_classes`: distinct labels expected (the SSD300's synthetic weights favour one class on some inputs).
void expect_same_detections(TorchvisionArch arch, int height, int width, uint32_t seed, int min_classes = 2,
                            bool dynamic_size = false) {
  models::TorchvisionSsdOptions o;
  o.arch = arch;
  if (dynamic_size) o.dynamic_size = true;
  else o.height = height, o.width = width;
  const TempModelFile model("tv", [&](const std::string& path) { models::write_torchvision_ssd_model(o, path); });
  const TensorMap feeds = {{"images", random_tensor({3, height, width}, seed, 0.f, 1.f)}};
  const TensorMap ours = Session::load(model.path)->run(feeds), ref = run_ort(model.path, feeds);
  const Tensor &labels = ref.at("labels"), &scores = ref.at("scores"), &boxes = ref.at("boxes");
  EXPECT_GT(labels.numel(), 10);  // something to compare
  ASSERT_EQ(shape_str(ours.at("labels").shape()), shape_str(labels.shape()));
  ASSERT_EQ(shape_str(ours.at("boxes").shape()), shape_str(boxes.shape()));
  int64_t distinct = 0;
  std::vector<bool> seen(91);
  for (int64_t i = 0; i < labels.numel(); ++i) {
    ASSERT_EQ(ours.at("labels").data<int64_t>()[i], labels.data<int64_t>()[i]) << "detection " << i;
    const int64_t l = labels.data<int64_t>()[i];
    ASSERT_TRUE(l >= 1 && l <= 90);
    if (!seen[l]) seen[l] = true, ++distinct;
  }
  EXPECT_GE(distinct, min_classes);
  EXPECT_TRUE(tensors_close(scores, ours.at("scores"), 1e-4, 0));
  // Boxes are in input pixels (up to 640): 1e-4 relative to the coordinate.
  EXPECT_TRUE(tensors_close(boxes, ours.at("boxes"), 1e-4, 1e-4));
}

TEST(TorchvisionSsdParity, Ssd300MatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_same_detections(TorchvisionArch::Ssd300Vgg16, 300, 300, 11, 1);
}

TEST(TorchvisionSsdParity, Ssd300AtPhotoSizeMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_same_detections(TorchvisionArch::Ssd300Vgg16, 480, 640, 12, 1);
}

TEST(TorchvisionSsdParity, SsdliteMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  for (uint32_t seed : {21u, 22u}) expect_same_detections(TorchvisionArch::Ssdlite320MobileNetV3Large, 320, 320, seed);
}

TEST(TorchvisionSsdParity, SsdliteAtPhotoSizeMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_same_detections(TorchvisionArch::Ssdlite320MobileNetV3Large, 480, 640, 23);
}

}  // namespace
}  // namespace ssdx::test

namespace ssdx::test {
namespace {

// Exported with dynamic_axes: H and W symbolic, the resize-back ratios read with Shape; the session compiles the
// shape it meets (the If's branch must not see the enclosing graph's input shapes).
TEST(TorchvisionSsdParity, SsdliteWithSymbolicSizeMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  expect_same_detections(TorchvisionArch::Ssdlite320MobileNetV3Large, 480, 640, 24, 2, true);
}

}  // namespace
}  // namespace ssdx::test
