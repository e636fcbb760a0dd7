// `ssdx make-model --arch mmdeploy-ssd300`, mmdeploy's end-to-end SSD300, in ssdx and in onnxruntime on a random
// input: the same number of rows, the same labels in the same order, boxes within 1e-4 of the 300-pixel input and
// scores within 1e-4.
#include "engine/session.h"
#include "models/mmdeploy_ssd300.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

TEST(MmdeploySsd300Parity, DetectionsMatchOnnxruntime) {
  SSDX_NEED_ORT();
  const TempModelFile model("mmdeploy", [](const std::string& path) { models::write_mmdeploy_ssd300_model({}, path); });
  const auto s = Session::load(model.path);
  const TensorMap feeds = {{"input", random_tensor({1, 3, 300, 300}, 11, -120.f, 150.f)}};
  const TensorMap ours = s->run(feeds), ref = run_ort(model.path, feeds);
  const Tensor &dets = ours.at("dets"), &labels = ours.at("labels");
  const Tensor &rdets = ref.at("dets"), &rlabels = ref.at("labels");
  ASSERT_EQ(dets.shape(), rdets.shape());
  ASSERT_EQ(labels.shape(), rlabels.shape());
  ASSERT_EQ(labels.dtype(), DataType::Int64);
  const int64_t rows = labels.numel();
  EXPECT_GT(rows, 10);  // the synthetic heads give many detections on a random input
  for (int64_t i = 0; i < rows; ++i) {
    ASSERT_EQ(labels.int_at(i), rlabels.int_at(i)) << "row " << i;
    EXPECT_GE(labels.int_at(i), 0);
    EXPECT_LT(labels.int_at(i), 80);
    for (int c = 0; c < 5; ++c)
      ASSERT_NEAR(dets.float_at(5 * i + c), rdets.float_at(5 * i + c), c < 4 ? 3e-2 : 1e-4) << "row " << i << " " << c;
  }
}

}  // namespace
}  // namespace ssdx::test
