// The imported face detector on real photos: the same detections as onnxruntime on one input tensor (BatchNorm
// kept and folded), and the golden results of docs/face_ssd_mobilenetv1.md §6 (a face found where it is, none on
// photos without one).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <iostream>

#include "app/detector.h"
#include "app/image.h"
#include "app/preprocess.h"
#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "models/face_ssd.h"
#include "tests/face_model.h"
#include "tests/ort_oracle.h"
#include "tests/photos.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// The detections scoring at least `min_score`, printed for the test log (scores move a little with the resize).
std::vector<app::Detection> detect(const Session& s, const std::string& path, float min_score) {
  const app::Image image = app::load_image(path);
  const std::vector<app::Detection> found =
      app::read_detections(s.run({{"image", face_input(image)}}), image.width, image.height, min_score, path);
  for (const app::Detection& d : found)
    std::cout << path.substr(path.rfind('/') + 1) << "  " << d.score << "  " << d.x0 << " " << d.y0 << " " << d.x1 << " " << d.y1 << "\n";
  return found;
}

TEST(FaceSsdParity, SameDetectionsAsOnnxRuntime) {
  SSDX_NEED_FACE(dir);
  SSDX_NEED_PHOTOS(photos);
  SSDX_NEED_ORT();
  std::vector<std::pair<std::string, Tensor>> inputs;
  for (const char* photo : {"astronaut.png", "coffee.png", "chelsea.png", "motorcycle_left.png"})
    inputs.emplace_back(photo, face_input(app::load_image(photos + "/" + photo)));
  inputs.emplace_back("sample5.jpg", face_input(app::load_image(dir + "/sample5.jpg")));
  for (uint32_t seed : {1u, 2u}) inputs.emplace_back("random_" + std::to_string(seed), random_tensor({1, 3, 512, 512}, seed));
  for (bool fold : {false, true}) {
    // The scores and boxes of every anchor too, so random inputs (which keep few or no boxes) still compare.
    models::FaceSsdOptions o;
    o.fold_bn = fold;
    o.expose_values = {models::kFaceSsdDecodedBoxes, models::kFaceSsdAnchorScores};
    const std::string path = ::testing::TempDir() + "ssdx_face_parity_" + (fold ? "folded_" : "bn_") + std::to_string(getpid()) + ".onnx";
    models::write_face_ssd_model(dir, o, path);
    Session ours(load_onnx(path), SessionOptions{2});
    size_t kept = 0;
    double worst_score = 0, worst_box = 0;
    for (const auto& [name, input] : inputs) {
      SCOPED_TRACE(std::string(fold ? "folded" : "batchnorm") + " on " + name);
      const TensorMap a = ours.run({{"image", input}});
      const TensorMap b = run_ort(path, {{"image", input}}, 2);
      ASSERT_EQ(shape_str(a.at("scores").shape()), shape_str(b.at("scores").shape()));
      kept += static_cast<size_t>(a.at("scores").numel());
      EXPECT_TRUE(tensors_close(b.at("labels"), a.at("labels")));
      EXPECT_TRUE(tensors_close(b.at("scores"), a.at("scores"), 1e-5, 0));
      EXPECT_TRUE(tensors_close(b.at("bboxes"), a.at("bboxes"), 1e-5, 0));
      EXPECT_TRUE(tensors_close(b.at(models::kFaceSsdAnchorScores), a.at(models::kFaceSsdAnchorScores), 1e-5, 0));
      EXPECT_TRUE(tensors_close(b.at(models::kFaceSsdDecodedBoxes), a.at(models::kFaceSsdDecodedBoxes), 1e-5, 0));
      worst_score = std::max(worst_score, max_abs_diff(b.at(models::kFaceSsdAnchorScores), a.at(models::kFaceSsdAnchorScores)));
      worst_box = std::max(worst_box, max_abs_diff(b.at(models::kFaceSsdDecodedBoxes), a.at(models::kFaceSsdDecodedBoxes)));
    }
    std::cout << (fold ? "folded" : "batchnorm") << ": " << kept << " kept boxes; over all 5118 anchors, max |score - ORT| "
              << worst_score << ", max |box - ORT| " << worst_box << "\n";
    EXPECT_GT(kept, 5u) << "the photos keep boxes above NMS's 0.05";
    std::remove(path.c_str());
  }
}

TEST(FaceSsdParity, EveryOpsetAgreesWithOnnxRuntime) {
  // Opset 10 takes Clip's bounds as attributes, 13 Unsqueeze's axes as an input: each form against onnxruntime.
  SSDX_NEED_FACE(dir);
  SSDX_NEED_PHOTOS(photos);
  SSDX_NEED_ORT();
  const Tensor input = face_input(app::load_image(photos + "/astronaut.png"));
  for (int opset : {10, 11, 13}) {
    SCOPED_TRACE("opset " + std::to_string(opset));
    models::FaceSsdOptions o;
    o.opset = opset;
    const std::string path = ::testing::TempDir() + "ssdx_face_opset" + std::to_string(opset) + "_" + std::to_string(getpid()) + ".onnx";
    models::write_face_ssd_model(dir, o, path);
    const TensorMap a = Session(load_onnx(path), SessionOptions{2}).run({{"image", input}});
    const TensorMap b = run_ort(path, {{"image", input}}, 2);
    std::remove(path.c_str());
    ASSERT_GE(a.at("scores").numel(), 1);
    EXPECT_TRUE(tensors_close(b.at("labels"), a.at("labels")));
    EXPECT_TRUE(tensors_close(b.at("scores"), a.at("scores"), 1e-5, 0));
    EXPECT_TRUE(tensors_close(b.at("bboxes"), a.at("bboxes"), 1e-5, 0));
    EXPECT_NEAR(a.at("scores").data<float>()[0], 0.965f, 0.005f);
  }
}

TEST(FaceSsdGolden, AstronautHasOneFaceWhereItIs) {
  SSDX_NEED_FACE(dir);
  SSDX_NEED_PHOTOS(photos);
  for (bool fold : {false, true}) {
    SCOPED_TRACE(fold ? "folded" : "batchnorm");
    Session s(load_onnx(face_model_path(dir, fold)), SessionOptions{2});
    const std::vector<app::Detection> found = detect(s, photos + "/astronaut.png", 0.5f);
    ASSERT_EQ(found.size(), 1u);
    const float expected[4] = {181, 73, 264, 175};
    EXPECT_GE(iou_with(found[0], expected), 0.9) << found[0].x0 << " " << found[0].y0 << " " << found[0].x1 << " " << found[0].y1;
    EXPECT_GE(found[0].score, 0.9f);
    EXPECT_NEAR(found[0].score, 0.965f, 0.01f);
    EXPECT_EQ(found[0].label, 1);
  }
}

TEST(FaceSsdGolden, NoFaceWhereThereIsNone) {
  SSDX_NEED_FACE(dir);
  SSDX_NEED_PHOTOS(photos);
  Session s(load_onnx(face_model_path(dir, false)), SessionOptions{2});
  for (const char* photo : {"coffee.png", "motorcycle_left.png"})
    EXPECT_TRUE(detect(s, photos + "/" + photo, 0.5f).empty()) << photo;
  // The cat's face: a known false positive of face detectors (0.895 in the reference pipeline, 0.928 with ssdx's
  // resize: scores move by a few hundredths with the resize implementation).
  const std::vector<app::Detection> cat = detect(s, photos + "/chelsea.png", 0.5f);
  ASSERT_EQ(cat.size(), 1u);
  EXPECT_NEAR(cat[0].score, 0.9f, 0.05f);
}

TEST(FaceSsdGolden, DemoPhotosHaveTheirFaces) {
  SSDX_NEED_FACE(dir);
  Session s(load_onnx(face_model_path(dir, false)), SessionOptions{2});
  const std::vector<app::Detection> one = detect(s, dir + "/sample1.jpg", 0.5f);
  ASSERT_EQ(one.size(), 3u);
  const float scores1[3] = {0.82f, 0.77f, 0.75f};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(one[i].score, scores1[i], 0.05f) << "sample1 face " << i;
  const std::vector<app::Detection> five = detect(s, dir + "/sample5.jpg", 0.5f);
  ASSERT_EQ(five.size(), 4u);
  // docs/face_ssd_mobilenetv1.md §6: 0.955, 0.839, 0.743, 0.718 with this resize (other resizes: 0.96 ... 0.63).
  const float scores5[4] = {0.955f, 0.839f, 0.743f, 0.718f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(five[i].score, scores5[i], 0.01f) << "sample5 face " << i;
}

}  // namespace
}  // namespace ssdx::test
