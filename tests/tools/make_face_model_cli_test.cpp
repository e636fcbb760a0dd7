// `ssdx make-model --arch face-ssd-mobilenetv1` as a user runs it: argument errors in one line, and an imported
// model that `ssdx detect` runs on a real photo.
#include <gtest/gtest.h>

#include <unistd.h>

#include <sstream>

#include "tests/face_model.h"
#include "tests/photos.h"
#include "tests/tools/cli_runner.h"

namespace ssdx::test {
namespace {

TEST(MakeFaceModelCli, RefusesBadArguments) {
  expect_one_line_error(run_command("make-model --arch resnet9000 /tmp/x.onnx"), "unknown --arch 'resnet9000'");
  expect_one_line_error(run_command("make-model --arch face-ssd-mobilenetv1 /tmp/x.onnx"), "needs --weights DIR");
  expect_one_line_error(run_command("make-model --arch face-ssd-mobilenetv1 --weights /tmp --size 300 /tmp/x.onnx"),
                        "--size, --seed and --constant-shapes are for the SSD-ResNet34 only");
  expect_one_line_error(run_command("make-model --weights /tmp /tmp/x.onnx"), "--weights is for --arch face-ssd-mobilenetv1");
  const std::string empty = temp_dir();
  expect_one_line_error(run_command("make-model --arch face-ssd-mobilenetv1 --weights " + empty + " " + empty + "/m.onnx"),
                        "ssd_mobilenetv1_model-weights_manifest.json");
  EXPECT_TRUE(files_in(empty).empty()) << "nothing written on failure";
  rmdir(empty.c_str());
}

TEST(MakeFaceModelCli, ImportsAndDetectsTheAstronautsFace) {
  SSDX_NEED_FACE(weights);
  SSDX_NEED_PHOTOS(photos);
  const std::string dir = temp_dir(), model = dir + "/face.onnx";
  expect_one_line_error(run_command("make-model --arch face-ssd-mobilenetv1 --weights " + weights + " --opset 9 " + model),
                        "--opset must be 10 to 13");
  const CommandResult made = run_command("make-model --arch face-ssd-mobilenetv1 --weights " + weights + " " + model);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.out.find("SSD-MobileNetV1 face detector"), std::string::npos) << made.out;
  const CommandResult found = run_command("detect " + model + " " + photos + "/astronaut.png --threshold 0.5");
  ASSERT_EQ(found.exit_code, 0) << found.err;
  // One line: "IMAGE  class  score  x0 y0 x1 y1", the face near [181, 73, 264, 175].
  ASSERT_EQ(count_of(found.out, "\n"), 1u) << found.out;
  std::istringstream line(found.out.substr(found.out.find("astronaut.png") + 13));
  std::string label;
  float score = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  line >> label >> score >> x0 >> y0 >> x1 >> y1;
  EXPECT_GE(score, 0.9f) << found.out;
  EXPECT_NEAR(x0, 181, 6) << found.out;
  EXPECT_NEAR(y0, 73, 6) << found.out;
  EXPECT_NEAR(x1, 264, 6) << found.out;
  EXPECT_NEAR(y1, 175, 6) << found.out;
  std::remove(model.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace ssdx::test
