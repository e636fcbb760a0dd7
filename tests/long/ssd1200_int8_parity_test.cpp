// Long suite: the 1200x1200 SSD quantized by `ssdx quantize` (two photos) in the zoo's two int8 forms — QDQ with
// per-tensor weights at opset 12 (as ssd-12-qdq) and QOperator with per-channel weights (as ssd-12-int8) — and in
// onnxruntime's quantizer layout (a float Relu between two Q/DQ pairs after each Add, which ssdx runs as a table
// lookup), against onnxruntime on the parity inputs: the same detections, boxes and scores within 1e-4.
#include "tests/photos.h"
#include "tests/shell.h"
#include "tests/ssd_parity.h"

namespace ssdx::test {
namespace {

TEST(Ssd1200Int8Parity, ZooFormsAndOrtQdqLayoutMatchOnnxRuntime) {
  SSDX_NEED_ORT();
  SSDX_NEED_PHOTOS(photos);
  const std::string fp32 = ssd_model_path(models::SsdModelOptions{1200, 12, 1, false, false});
  for (const auto& [name, args] : {std::pair{"qdq_per_tensor", "--format qdq"},
                                   std::pair{"qoperator_per_channel", "--format qoperator --per-channel"},
                                   std::pair{"qdq_ort_style", "--format qdq --qdq-style ort"}}) {
    SCOPED_TRACE(name);
    const std::string model = fp32 + "." + name + ".onnx";
    std::string log;
    ASSERT_EQ(run_shell(std::string(SSDX_BINARY_DIR) + "/tools/ssdx quantize " + shell_quote(fp32) + " --calib " +
                            shell_quote(photos + "/astronaut.png") + " " + shell_quote(photos + "/coffee.png") + " " +
                            args + " -o " + shell_quote(model),
                        &log),
              0)
        << log;
    SsdParityStats stats;
    expect_ssd_parity(model, 1200, stats);
    report(name, stats);
    std::remove(model.c_str());
  }
  std::remove(fp32.c_str());
}

}  // namespace
}  // namespace ssdx::test
