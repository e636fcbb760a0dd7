// int8 on the trained face detector: `ssdx quantize` (QDQ and QOperator, per-channel weights, minmax calibration on
// six photos that none of the checks below uses), then
//  - every int8 tensor within 1 LSB of onnxruntime's on a photo (tests/int8_tensor_parity.h);
//  - the astronaut's face kept: IoU >= 0.9 with its golden box, score within 0.03 of the float model's;
//  - `ssdx compare` pairs every layer of the backbone (the Conv -> BatchNorm -> Clip chains end where the int8
//    QLinearConv writes) and the detections of the float and int8 models agree on the demo photos.
#include <gtest/gtest.h>

#include <cstdio>

#include "app/detection.h"
#include "app/detector.h"
#include "app/image.h"
#include "app/preprocess.h"
#include "tests/face_model.h"
#include "tests/int8_tensor_parity.h"
#include "tests/photos.h"
#include "tests/shell.h"
#include "tests/tools/cli_runner.h"
#include "tests/tools/json_value.h"

namespace ssdx::test {
namespace {

struct FaceInt8Form {
  const char* name;
  const char* args;
  std::vector<std::string> exposed_ops;
};

// The quantized model of `form`, written once per form under the test temp dir.
std::string quantized_face_model(const std::string& weights, const std::string& photos, const FaceInt8Form& form) {
  const std::string out = ::testing::TempDir() + "ssdx_face_" + form.name + "_" + std::to_string(getpid()) + ".onnx";
  std::string calib;
  for (const char* p : {"sample2.jpg", "sample3.jpg", "sample4.jpg", "sample6.jpg"}) calib += " " + shell_quote(weights + "/" + p);
  for (const char* p : {"chelsea.png", "coffee.png"}) calib += " " + shell_quote(photos + "/" + p);
  std::string log;
  EXPECT_EQ(run_shell(std::string(SSDX_BINARY_DIR) + "/tools/ssdx quantize " +
                          shell_quote(face_model_path(weights, false)) + " --calib" + calib + " " + form.args +
                          " --per-channel -o " + shell_quote(out),
                      &log),
            0)
      << log;
  // Every ReLU6 is absorbed by its convolution's output quantization (zero point 0, scale <= 6/255).
  EXPECT_NE(log.find("quantized 47 Conv"), std::string::npos) << log;
  EXPECT_NE(log.find("35 Clip"), std::string::npos) << log;
  return out;
}

class FaceInt8 : public ::testing::TestWithParam<FaceInt8Form> {};

TEST_P(FaceInt8, MatchesOnnxRuntimeAndKeepsTheFaces) {
  SSDX_NEED_FACE(weights);
  SSDX_NEED_PHOTOS(photos);
  SSDX_NEED_ORT();
  const FaceInt8Form& form = GetParam();
  const std::string int8 = quantized_face_model(weights, photos, form);

  // Every int8 tensor against onnxruntime, on a photo not used for calibration.
  const TensorMap feeds = {{"image", face_input(app::load_image(photos + "/astronaut.png"))}};
  const Int8TensorParity r = check_int8_tensors_against_ort(int8, form.exposed_ops, feeds);
  EXPECT_GE(r.tensors, 47u);
  EXPECT_LE(r.differ, r.values / 100000) << "isolated ±1 flips are tolerated, systematic ones are a bug";

  // The astronaut's face, through the Detector (the model's own metadata: mean/std 0.5, threshold 0.5).
  const float golden[4] = {181, 73, 264, 175};
  const app::Image astronaut = app::load_image(photos + "/astronaut.png");
  const std::vector<app::Detection> fp32 =
      app::Detector(face_model_path(weights, false), SessionOptions{2}).detect(astronaut, 0.5f);
  const std::vector<app::Detection> q = app::Detector(int8, SessionOptions{2}).detect(astronaut, 0.5f);
  ASSERT_EQ(fp32.size(), 1u);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_GE(iou_with(q[0], golden), 0.9) << q[0].x0 << " " << q[0].y0 << " " << q[0].x1 << " " << q[0].y1;
  EXPECT_NEAR(q[0].score, fp32[0].score, 0.03f);  // measured: 0.965 -> 0.975

  // compare: every backbone layer is paired, and the detections agree on the demo photos.
  const CommandResult c = run_command("compare " + shell_quote(face_model_path(weights, false)) + " " +
                                      shell_quote(int8) + " " + shell_quote(weights + "/sample1.jpg") + " " +
                                      shell_quote(weights + "/sample5.jpg") + " --threshold 0.5 --json");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const Json j = parse_json(c.out);
  int convs = 0;
  for (const Json& l : j["layers"].items) {
    if (l["kernel_b"].str != "QLinearConv") continue;
    ++convs;
    EXPECT_GT(l["sqnr_db"].num, 10) << l["tensor"].str;  // measured 12.7 (a 1x1 extra) to 44 dB (conv 0)
  }
  EXPECT_EQ(convs, 47) << "13 depthwise + 14 pointwise + 8 extra + 12 head convolutions";
  const Json& d = j["detections"]["total"];
  EXPECT_EQ(d["a"].num, 7);  // sample1: 3 faces, sample5: 4
  EXPECT_EQ(d["matched"].num, d["a"].num);
  EXPECT_EQ(d["extra"].num, 0);
  EXPECT_LT(d["max_score_diff"].num, 0.08);  // measured 0.011 to 0.066
  EXPECT_GT(d["mean_iou"].num, 0.95);
  std::remove(int8.c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Forms, FaceInt8,
    ::testing::Values(FaceInt8Form{"qdq", "--format qdq", {"QuantizeLinear"}},
                      FaceInt8Form{"qoperator", "--format qoperator", {"QLinearConv", "QuantizeLinear"}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ssdx::test
