// Long suite (ctest label "long"; CI runs it): the 1200x1200 model, BatchNormalization and folded, opset 10 and 12.
#include "tests/ssd_parity.h"

namespace ssdx::test {
namespace {

class Ssd1200Parity : public ::testing::TestWithParam<models::SsdModelOptions> {};

TEST_P(Ssd1200Parity, MatchesOnnxRuntime) {
  SSDX_NEED_ORT();
  SsdParityStats stats;
  const std::string model = ssd_model_path(GetParam());
  expect_ssd_parity(model, 1200, stats);
  std::remove(model.c_str());
  report(::testing::UnitTest::GetInstance()->current_test_info()->name(), stats);
}

INSTANTIATE_TEST_SUITE_P(Zoo, Ssd1200Parity,
                         ::testing::Values(models::SsdModelOptions{1200, 12, 1, false, false},
                                           models::SsdModelOptions{1200, 12, 1, true, false},
                                           models::SsdModelOptions{1200, 10, 1, false, false},
                                           models::SsdModelOptions{1200, 10, 1, true, true}),
                         [](const ::testing::TestParamInfo<models::SsdModelOptions>& i) {
                           return std::string(i.param.fold_bn ? "folded" : "batchnorm") + "_opset" +
                                  std::to_string(i.param.opset) + (i.param.constant_view_shapes ? "_const" : "");
                         });

}  // namespace
}  // namespace ssdx::test
