// The int8 SSD against onnxruntime: a generated 480x480 fp32 model quantized by `ssdx quantize` (calibrated on two
// photos) in the four forms the tests care about — QDQ per-tensor at opset 12, QDQ per-channel at opset 13, QOperator
// per-channel, and onnxruntime's quantizer layout (QDQ with a float Relu between two pairs after each Add: ssdx's table
// lookup) — each run by both engines on the parity inputs: same detections, boxes and scores within 1e-4 (the
// int8 layers agree bit for bit, so what differs is only the fp32 post-processing's rounding). Also: one loaded
// int8 model run from several threads at once gives the serial results bit for bit.
#include "tests/concurrency.h"
#include "tests/photos.h"
#include "tests/shell.h"
#include "tests/ssd_parity.h"

namespace ssdx::test {
namespace {

struct Int8Form {
  const char* name;
  const char* args;
};

class Int8SsdParity : public ::testing::TestWithParam<Int8Form> {
 protected:
  static void SetUpTestSuite() {
    fp32_ = new std::string(ssd_model_path(models::SsdModelOptions{480, 12, 5, false, false}));
  }
  static void TearDownTestSuite() {
    std::remove(fp32_->c_str());
    delete fp32_;
  }
  // Quantizes the fp32 model in `form`; returns the int8 model's path ("" and a test failure on error).
  static std::string quantize(const Int8Form& form, const std::string& dir) {
    const std::string out = *fp32_ + "." + form.name + ".onnx";
    const std::string cmd = std::string(SSDX_BINARY_DIR) + "/tools/ssdx quantize " + shell_quote(*fp32_) + " --calib " +
                            shell_quote(dir + "/astronaut.png") + " " + shell_quote(dir + "/coffee.png") + " " +
                            form.args + " -o " + shell_quote(out);
    std::string log;
    const int rc = run_shell(cmd, &log);
    EXPECT_EQ(rc, 0) << log;
    return rc == 0 ? out : "";
  }
  static std::string* fp32_;
};
std::string* Int8SsdParity::fp32_ = nullptr;

TEST_P(Int8SsdParity, MatchesOnnxRuntime) {
  SSDX_NEED_ORT();
  SSDX_NEED_PHOTOS(photos);
  const std::string model = quantize(GetParam(), photos);
  ASSERT_FALSE(model.empty());
  SsdParityStats stats;
  expect_ssd_parity(model, 480, stats);
  report(GetParam().name, stats);
  std::remove(model.c_str());
}

// Runs from the parity fixture's test suite so the float model is generated once; one form is enough.
class Int8SsdConcurrency : public Int8SsdParity {};

TEST_F(Int8SsdConcurrency, ConcurrentRunsMatchSerialRunsBitForBit) {
  SSDX_NEED_PHOTOS(photos);
  const std::string model = quantize(Int8Form{"qoperator_per_channel", "--format qoperator --per-channel"}, photos);
  ASSERT_FALSE(model.empty());
  Session session(load_onnx(model), SessionOptions{1});
  std::remove(model.c_str());
  const auto inputs = ssd_parity_inputs(480);
  std::vector<TensorMap> serial;
  for (const auto& [name, image] : inputs) serial.push_back(session.run({{"image", image}}));
  std::vector<TensorMap> feeds;
  for (const auto& [name, image] : inputs) feeds.push_back({{"image", image}});
  expect_concurrent_runs_match(session, feeds, serial, /*threads=*/3, /*rounds=*/1);
}

INSTANTIATE_TEST_SUITE_P(Forms, Int8SsdParity,
                         ::testing::Values(Int8Form{"qdq_per_tensor", "--format qdq"},
                                           Int8Form{"qdq_per_channel", "--format qdq --per-channel"},
                                           Int8Form{"qoperator_per_channel", "--format qoperator --per-channel"},
                                           Int8Form{"qdq_ort_style", "--format qdq --qdq-style ort"}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ssdx::test
