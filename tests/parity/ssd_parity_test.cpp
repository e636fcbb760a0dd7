// Default suite: a small generated SSD (480x480) in every structural variant, against onnxruntime.
#include "tests/ssd_parity.h"

namespace ssdx::test {
namespace {

class SsdParity : public ::testing::TestWithParam<models::SsdModelOptions> {};

TEST_P(SsdParity, MatchesOnnxRuntime) {
  SSDX_NEED_ORT();
  SsdParityStats stats;
  const std::string model = ssd_model_path(GetParam());
  expect_ssd_parity(model, GetParam().size, stats);
  std::remove(model.c_str());
  report(::testing::UnitTest::GetInstance()->current_test_info()->name(), stats);
}

INSTANTIATE_TEST_SUITE_P(Small, SsdParity,
                         ::testing::Values(models::SsdModelOptions{480, 12, 7, false, false}, models::SsdModelOptions{480, 10, 7, true, true}),
                         [](const ::testing::TestParamInfo<models::SsdModelOptions>& i) {
                           return std::string(i.param.fold_bn ? "folded" : "batchnorm") + "_opset" +
                                  std::to_string(i.param.opset);
                         });

}  // namespace
}  // namespace ssdx::test
