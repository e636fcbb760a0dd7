// Layer by layer against onnxruntime (tests/int8_tensor_parity.h): every int8 tensor of a quantized SSD made by
// `ssdx quantize`. QOperator form: the image's QuantizeLinear and every QLinearConv / QLinearAdd / MaxPool output;
// QDQ in onnxruntime's quantizer layout: every QuantizeLinear output (ssdx runs each Add's DQ -> Relu -> Q as a
// lookup). The test prints how many values differ at all (0 when written).
#include "tests/int8_tensor_parity.h"
#include "tests/photos.h"
#include "tests/shell.h"
#include "tests/ssd_parity.h"
#include "app/preprocess.h"

namespace ssdx::test {
namespace {

struct LayerForm {
  const char* name;
  const char* args;
  std::vector<std::string> exposed_ops;  // op types whose first output is compared
  int lookups;                           // ssdx.TableLookup nodes ssdx runs (the Adds' DQ -> Relu -> Q)
};

class Int8LayerParity : public ::testing::TestWithParam<LayerForm> {};

TEST_P(Int8LayerParity, EveryInt8TensorWithinOneLsbOfOnnxRuntime) {
  SSDX_NEED_ORT();
  SSDX_NEED_PHOTOS(photos);
  const LayerForm& form = GetParam();
  const std::string fp32 = ssd_model_path(models::SsdModelOptions{480, 12, 5, false, false});
  const std::string int8 = fp32 + "." + form.name + ".onnx";
  std::string log;
  ASSERT_EQ(run_shell(std::string(SSDX_BINARY_DIR) + "/tools/ssdx quantize " + shell_quote(fp32) + " --calib " +
                          shell_quote(photos + "/astronaut.png") + " " + form.args + " -o " + shell_quote(int8),
                      &log),
            0)
      << log;
  const TensorMap feeds = {{"image", app::preprocess(app::load_image(photos + "/coffee.png"), 480, 480)}};
  const Int8TensorParity r = check_int8_tensors_against_ort(int8, form.exposed_ops, feeds);
  EXPECT_EQ(r.lookups, form.lookups) << "watching the tensors must not keep the QDQ pass from rewriting";
  EXPECT_GT(r.tensors, 0u);
  EXPECT_LE(r.differ, r.values / 100000) << "isolated ±1 flips are tolerated, systematic ones are a bug";
  for (const std::string& p : {fp32, int8}) std::remove(p.c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Forms, Int8LayerParity,
    ::testing::Values(LayerForm{"qoperator_per_channel", "--format qoperator --per-channel",
                                {"QLinearConv", "QLinearAdd", "MaxPool", "QuantizeLinear"}, 0},
                      LayerForm{"qdq_ort_style", "--format qdq --qdq-style ort", {"QuantizeLinear"}, 13}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ssdx::test
