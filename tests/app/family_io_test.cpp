// detect's family conventions (app/family_io.h) on hand-made tensors: which family a signature is, the input layouts
// (NHWC and CHW built from NCHW values by hand), and each family's outputs read back as detections in image pixels,
// with gluon-cv's -1 rows and mmdeploy's -1 labels skipped and each image of a batch read from its own rows.
#include <gtest/gtest.h>

#include "app/family_io.h"
#include "graph/error.h"

namespace ssdx::app {
namespace {

std::vector<TensorInfo> infos(std::initializer_list<const char*> names) {
  std::vector<TensorInfo> v;
  for (const char* n : names) v.push_back({n, DataType::Float, {1}});
  return v;
}

TEST(FamilyIo, FamiliesFromOutputNames) {
  EXPECT_EQ(detect_family(infos({"bboxes", "labels", "scores"}), std::nullopt, "m"), Family::Ssd12);
  EXPECT_EQ(detect_family(infos({"ids", "scores", "bboxes"}), std::nullopt, "m"), Family::GluonCv);
  EXPECT_EQ(detect_family(infos({"dets", "labels"}), std::nullopt, "m"), Family::Mmdeploy);
  EXPECT_EQ(detect_family(infos({"boxes", "scores", "labels"}), std::nullopt, "m"), Family::Torchvision);
  EXPECT_EQ(detect_family(infos({"cls_score_0", "bbox_pred_0"}), std::nullopt, "m"), Family::MmdetSsd300);
  EXPECT_EQ(detect_family(infos({"boxes", "scores", "labels"}), Family::GluonCv, "m"), Family::GluonCv);  // declared
  try {
    detect_family(infos({"logits"}), std::nullopt, "m.onnx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("m.onnx: its outputs fit no SSD family"), std::string::npos) << e.what();
  }
  try {
    check_family_outputs(Family::MmdetSsd300, infos({"cls_score_0"}), "raw.onnx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("add-postprocess raw.onnx --family mmdet-ssd300"), std::string::npos);
  }
  // gluon-cv's ids are [B,100,1]: rank 2 is refused with the rank named.
  std::vector<TensorInfo> gluon = {{"ids", DataType::Float, {1, 100}}, {"scores", DataType::Float, {1, 100, 1}},
                                   {"bboxes", DataType::Float, {1, 100, 4}}};
  EXPECT_THROW(check_family_outputs(Family::GluonCv, gluon, "g"), Error);
  gluon[0].shape = {1, 100, 1};
  EXPECT_NO_THROW(check_family_outputs(Family::GluonCv, gluon, "g"));
}

TEST(FamilyIo, LayoutsFromTheInputShape) {
  EXPECT_EQ(detect_layout({"x", DataType::Float, {1, 3, 300, 300}}, std::nullopt, "m"), Layout::Nchw);
  EXPECT_EQ(detect_layout({"x", DataType::Float, {1, 512, 512, 3}}, std::nullopt, "m"), Layout::Nhwc);
  EXPECT_EQ(detect_layout({"x", DataType::Float, {3, kUnknownDim, kUnknownDim}}, std::nullopt, "m"), Layout::Chw);
  EXPECT_THROW(detect_layout({"x", DataType::Float, {1, 3, 300, 300}}, Layout::Nhwc, "m"), Error);
  EXPECT_THROW(detect_layout({"x", DataType::Float, {1, 4, 8, 8}}, std::nullopt, "m"), Error);
  const ImageInput chw = image_input({"x", DataType::Float, {3, kUnknownDim, kUnknownDim}}, Layout::Chw, "m");
  EXPECT_EQ(chw.width, 0);  // free: fed at the image's size
  EXPECT_THROW(image_input({"x", DataType::Float, {1, 3, kUnknownDim, 8}}, Layout::Nchw, "m"), Error);
  EXPECT_EQ(image_input({"x", DataType::Float, {kUnknownDim, 8, 6, 3}}, Layout::Nhwc, "m").batch, kUnknownDim);
}

TEST(FamilyIo, StacksImagesInEachLayout) {
  // Two images [1,3,2,2] with value 100*i + 10*c + pixel.
  std::vector<Tensor> images;
  for (int i = 0; i < 2; ++i) {
    Tensor t(DataType::Float, {1, 3, 2, 2});
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 4; ++p) t.data<float>()[c * 4 + p] = static_cast<float>(100 * i + 10 * c + p);
    images.push_back(t);
  }
  const Tensor nchw = stack_images(images, Layout::Nchw);
  EXPECT_EQ(nchw.shape(), (Shape{2, 3, 2, 2}));
  EXPECT_EQ(nchw.data<float>()[12 + 4 * 2 + 3], 123.f);
  const Tensor nhwc = stack_images(images, Layout::Nhwc);
  EXPECT_EQ(nhwc.shape(), (Shape{2, 2, 2, 3}));
  // [1][y=1][x=0][c=2] is pixel 2 of channel 2 of image 1.
  EXPECT_EQ(nhwc.data<float>()[12 + (1 * 2 + 0) * 3 + 2], 122.f);
  const Tensor chw = stack_images({images[0]}, Layout::Chw);
  EXPECT_EQ(chw.shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(chw.data<float>()[5], 11.f);
  EXPECT_THROW(stack_images(images, Layout::Chw), Error);
}

Tensor floats(Shape shape, std::vector<float> v) {
  Tensor t(DataType::Float, std::move(shape));
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}
Tensor int64s(Shape shape, std::vector<int64_t> v) {
  Tensor t(DataType::Int64, std::move(shape));
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return t;
}

// A 100x50 input showing a 200x100 image stretched: pixel boxes double.
BoxMapping stretched() { return box_mapping(200, 100, 100, 50, {0, 0, 100, 50}); }

TEST(FamilyIo, GluonRowsPerImageSkippingPadding) {
  // Batch 2, 3 rows each: image 1 has one real row then -1 padding.
  const TensorMap out = {
      {"ids", floats({2, 3, 1}, {4, 7, -1, 2, -1, -1})},
      {"scores", floats({2, 3, 1}, {0.9f, 0.5f, -1, 0.8f, -1, -1})},
      {"bboxes", floats({2, 3, 4}, {10, 5, 20, 25, 0, 0, 50, 50, -1, -1, -1, -1,  //
                                    30, 10, 40, 20, -1, -1, -1, -1, -1, -1, -1, -1})}};
  const auto a = read_family_detections(Family::GluonCv, out, 0, 100, 50, stretched(), 0.3f, "g");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].label, 4);
  EXPECT_FLOAT_EQ(a[0].x0, 20);
  EXPECT_FLOAT_EQ(a[0].y1, 50);
  EXPECT_FLOAT_EQ(a[1].x1, 100);
  const auto b = read_family_detections(Family::GluonCv, out, 1, 100, 50, stretched(), 0.3f, "g");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].label, 2);
  EXPECT_FLOAT_EQ(b[0].x0, 60);
  EXPECT_FLOAT_EQ(b[0].y0, 20);
}

TEST(FamilyIo, MmdeployAndTorchvisionInInputPixels) {
  const TensorMap mm = {{"dets", floats({1, 3, 5}, {10, 10, 30, 20, 0.7f, 0, 0, 100, 50, 0.9f, 0, 0, 0, 0, 0})},
                        {"labels", int64s({1, 3}, {3, 0, -1})}};
  const auto d = read_family_detections(Family::Mmdeploy, mm, 0, 100, 50, stretched(), 0.f, "m");
  ASSERT_EQ(d.size(), 2u);  // the -1 row goes even at threshold 0
  EXPECT_EQ(d[0].label, 0);  // best first
  EXPECT_FLOAT_EQ(d[0].x1, 200);
  EXPECT_FLOAT_EQ(d[1].x1, 60);
  EXPECT_FLOAT_EQ(d[1].y1, 40);
  const TensorMap tv = {{"boxes", floats({2, 4}, {0, 0, 50, 25, 10, 10, 20, 20})},
                        {"scores", floats({2}, {0.2f, 0.6f})},
                        {"labels", int64s({2}, {1, 90})}};
  const auto t = read_family_detections(Family::Torchvision, tv, 0, 100, 50, stretched(), 0.1f, "t");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].label, 90);
  EXPECT_FLOAT_EQ(t[1].x1, 100);
  EXPECT_FLOAT_EQ(t[1].y1, 50);
}

}  // namespace
}  // namespace ssdx::app
