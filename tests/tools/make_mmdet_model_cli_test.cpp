// `ssdx make-model --arch mmdet-ssd300 | mmdeploy-ssd300` refusing options that do not apply: one line, exit 1.
#include "tests/tools/cli_runner.h"

namespace ssdx::test {
namespace {

TEST(MakeMmdetModelCli, MmdeployTakesTheSeedOnly) {
  const std::string dir = temp_dir();
  for (const char* extra : {"--static-batch", "--size 512", "--opset 13", "--fold-bn"})
    expect_one_line_error(run_command("make-model --arch mmdeploy-ssd300 " + dir + "/m.onnx " + extra),
                          "--arch mmdeploy-ssd300 takes --seed only");
  expect_one_line_error(run_command("make-model --arch mmdeploy-ssd301 " + dir + "/m.onnx"), "mmdeploy-ssd300");
  EXPECT_TRUE(files_in(dir).empty());
}

}  // namespace
}  // namespace ssdx::test
