// `ssdx add-postprocess` refusing what it cannot do: one line on stderr naming the problem, exit code 1, no output
// file. The models are small hand-made ones (head tensors as constants), not the 34M-parameter SSD300.
#include <sys/stat.h>

#include "graph/onnx_builder.h"
#include "models/mmdet_ssd300.h"
#include "tests/test_util.h"
#include "tests/tools/cli_runner.h"

namespace ssdx::test {
namespace {

constexpr int kGrid[6] = {38, 19, 10, 5, 3, 1};

// The twelve raw SSD300 head outputs (zeros) behind Identity; `batch` < 0 makes the batch symbolic, and
// `bad_box_channels` > 0 gives bbox_pred_0 that many channels instead of 16.
void write_heads(const std::string& path, int64_t batch = 1, int bad_box_channels = 0) {
  ModelBuilder b(13);
  b.add_input("input", DataType::Float, {batch, 3, 300, 300}, {"batch", "", "", ""});
  for (int head = 0; head < 12; ++head) {
    const int level = head % 6, a = models::kMmdetSsd300Anchors[level];
    const bool is_cls = head < 6;
    const std::string name = (is_cls ? "cls_score_" : "bbox_pred_") + std::to_string(level);
    const int64_t channels = head == 6 && bad_box_channels > 0 ? bad_box_channels : a * (is_cls ? 81 : 4);
    const Shape shape = {batch, channels, kGrid[level], kGrid[level]};
    const Shape stored = {1, channels, kGrid[level], kGrid[level]};
    b.add_initializer(name + "_values", Tensor(DataType::Float, stored));
    b.add_node("Identity", {name + "_values"}, {name}, {}, name);
    b.add_output(name, DataType::Float, shape, {"batch", "", "", ""});
  }
  b.save(path);
}

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

TEST(AddPostprocessCli, UnknownFamily) {
  const std::string dir = temp_dir();
  write_heads(dir + "/heads.onnx");
  expect_one_line_error(run_command("add-postprocess " + dir + "/heads.onnx --family yolov5 -o " + dir + "/o.onnx"),
                        "unknown --family 'yolov5'");
  expect_one_line_error(run_command("add-postprocess " + dir + "/heads.onnx -o " + dir + "/o.onnx"),
                        "--family is required");
  EXPECT_FALSE(exists(dir + "/o.onnx"));
}

TEST(AddPostprocessCli, MissingOutputOrModel) {
  const std::string dir = temp_dir();
  write_heads(dir + "/heads.onnx");
  expect_one_line_error(run_command("add-postprocess " + dir + "/heads.onnx --family mmdet-ssd300"), "-o OUT.onnx");
  expect_one_line_error(run_command("add-postprocess --family mmdet-ssd300 -o " + dir + "/o.onnx"), "no MODEL");
  expect_one_line_error(run_command("add-postprocess " + dir + "/heads.onnx --family mmdet-ssd300 -o"), "-o");
}

TEST(AddPostprocessCli, UnreadableModel) {
  const std::string dir = temp_dir();
  expect_one_line_error(
      run_command("add-postprocess " + dir + "/absent.onnx --family mmdet-ssd300 -o " + dir + "/o.onnx"),
      "absent.onnx");
  write_file_bytes(dir + "/notes.onnx", "not a model\n");
  expect_one_line_error(
      run_command("add-postprocess " + dir + "/notes.onnx --family mmdet-ssd300 -o " + dir + "/o.onnx"),
      "notes.onnx");
  EXPECT_FALSE(exists(dir + "/o.onnx"));
}

TEST(AddPostprocessCli, NotTheRawHeads) {
  const std::string dir = temp_dir();
  ModelBuilder b(13);
  b.add_input("input", DataType::Float, {1, 3, 300, 300});
  b.add_node("Relu", {"input"}, {"y"}, {}, "relu");
  b.add_output("y", DataType::Float, {1, 3, 300, 300});
  b.save(dir + "/relu.onnx");
  expect_one_line_error(
      run_command("add-postprocess " + dir + "/relu.onnx --family mmdet-ssd300 -o " + dir + "/o.onnx"),
      "expected the 12 raw SSD300 head outputs");
  write_heads(dir + "/bad.onnx", 1, 20);
  expect_one_line_error(
      run_command("add-postprocess " + dir + "/bad.onnx --family mmdet-ssd300 -o " + dir + "/o.onnx"),
      "'bbox_pred_0' is not [1, 16, 38, 38]");
  write_heads(dir + "/dynamic.onnx", -1);
  expect_one_line_error(
      run_command("add-postprocess " + dir + "/dynamic.onnx --family mmdet-ssd300 -o " + dir + "/o.onnx"),
      "dynamic batch");
  EXPECT_FALSE(exists(dir + "/o.onnx"));
}

TEST(AddPostprocessCli, UnwritableOutput) {
  const std::string dir = temp_dir();
  write_heads(dir + "/heads.onnx");
  expect_one_line_error(
      run_command("add-postprocess " + dir + "/heads.onnx --family mmdet-ssd300 -o " + dir + "/no/such/dir/o.onnx"),
      "o.onnx");
}

TEST(AddPostprocessCli, WritesDetsAndLabels) {
  const std::string dir = temp_dir();
  write_heads(dir + "/heads.onnx");
  const CommandResult r =
      run_command("add-postprocess " + dir + "/heads.onnx --family mmdet-ssd300 -o " + dir + "/o.onnx");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dets [N, 200, 5]"), std::string::npos) << r.out;
  const CommandResult run = run_command("run " + dir + "/o.onnx --random-inputs");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("dets"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("[1,200]"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace ssdx::test
