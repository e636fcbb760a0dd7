// --precision fp32|bf16 on the model-running commands (and --precision-b, model B's, on bench --vs and compare): an
// unknown value is one line and a non-zero exit; bf16 shows
// in `inspect --plan` where the CPU runs it, and where it does not (oneDNN capped below AVX512_BF16) one stderr line
// says fp32 runs instead and the command goes on.
#include "graph/onnx_builder.h"
#include "ops/cpu_isa.h"
#include "tests/test_util.h"
#include "tests/tools/cli_runner.h"

namespace ssdx::test {
namespace {

const char* kNotSupported = "bf16 not supported on this CPU (needs AVX512_BF16 or AMX): running fp32\n";

std::string conv_model(const std::string& dir) {
  ModelBuilder b;
  b.add_input("x", DataType::Float, {1, 32, 12, 12});
  b.add_initializer("w", random_tensor({32, 32, 3, 3}, 1));
  b.add_node("Conv", {"x", "w"}, {"y"}, Attributes::ints("pads", {1, 1, 1, 1}), "conv3x3");
  b.add_output("y", DataType::Float, {1, 32, 12, 12});
  b.save(dir + "/m.onnx");
  return dir + "/m.onnx";
}

TEST(PrecisionCli, RefusesUnknownPrecisions) {
  const std::string model = conv_model(temp_dir());
  for (const char* cmd : {"run", "bench", "detect", "inspect"}) {
    SCOPED_TRACE(cmd);
    const std::string image = std::string(cmd) == "detect" ? " image.png" : "";
    expect_one_line_error(run_command(std::string(cmd) + " " + model + image + " --precision fp16"),
                          "--precision expects fp32 or bf16, got 'fp16'");
  }
  expect_one_line_error(run_command("run " + model + " --precision"), "--precision needs a value");
  // Model B's precision in bench --vs and compare: the same values, and only with a model B.
  expect_one_line_error(run_command("bench " + model + " --vs " + model + " --precision-b fp16"),
                        "--precision-b expects fp32 or bf16, got 'fp16'");
  expect_one_line_error(run_command("compare " + model + " " + model + " image.png --precision-b fp16"),
                        "--precision-b expects fp32 or bf16, got 'fp16'");
  expect_one_line_error(run_command("bench " + model + " --precision-b bf16"), "it needs --vs MODEL_B");
}

TEST(PrecisionCli, InspectShowsBf16Convolutions) {
  if (!bf16_convolutions_supported()) GTEST_SKIP() << "no native bf16 convolutions on this CPU";
  const std::string model = conv_model(temp_dir());
  const CommandResult bf16 = run_command("inspect " + model + " --plan --precision bf16");
  ASSERT_EQ(bf16.exit_code, 0) << bf16.err;
  EXPECT_EQ(bf16.err, "");
  const size_t row = bf16.out.find("conv3x3", bf16.out.find("plan after"));  // the kernel's row of the plan
  ASSERT_NE(row, std::string::npos) << bf16.out;
  const std::string line = bf16.out.substr(row, bf16.out.find('\n', row) - row);
  EXPECT_NE(line.find(" bf16 "), std::string::npos) << line;
  const CommandResult fp32 = run_command("inspect " + model + " --plan --precision fp32");
  ASSERT_EQ(fp32.exit_code, 0) << fp32.err;
  EXPECT_EQ(fp32.out.find(" bf16 "), std::string::npos) << fp32.out;
}

// ONEDNN_MAX_CPU_ISA caps what oneDNN (and bf16_convolutions_supported) sees, as on a CPU without AVX512_BF16.
TEST(PrecisionCli, FallsBackToFp32WithOneLine) {
  const std::string dir = temp_dir();
  const std::string model = conv_model(dir);
  const std::string cap = "ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI";
  const CommandResult run = run_command("run " + model + " --random-inputs --precision bf16 --output-dir " + dir, cap);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, kNotSupported);
  const CommandResult plan = run_command("inspect " + model + " --plan --precision bf16", cap);
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_EQ(plan.err, kNotSupported);
  EXPECT_EQ(plan.out.find(" bf16 "), std::string::npos) << plan.out;
}

}  // namespace
}  // namespace ssdx::test
