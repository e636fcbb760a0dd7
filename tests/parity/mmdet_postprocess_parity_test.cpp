// `ssdx add-postprocess --family mmdet-ssd300` on the generated raw-head SSD300 (static batch): the appended
// post-processing (anchors, decode, softmax, per-level top 1000, one class-offset NonMaxSuppression, top 200) runs in
// onnxruntime and in ssdx with the same detections: the same labels in the same order, boxes and scores within 1e-4
// relative to the 300-pixel input. MmdetPostprocessReference (tests/models) checks the rules themselves.
#include <unistd.h>

#include <cstdio>

#include "engine/session.h"
#include "models/mmdet_ssd300.h"
#include "tests/ort_oracle.h"
#include "tests/shell.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

TEST(MmdetPostprocessParity, DetectionsMatchOnnxruntime) {
  SSDX_NEED_ORT();
  const std::string out = ::testing::TempDir() + "ssdx_mmdet_pp_" + std::to_string(getpid()) + ".onnx";
  models::MmdetSsd300Options o;
  o.dynamic_batch = false;
  const TempModelFile model("mmdet_raw", [&](const std::string& path) { models::write_mmdet_ssd300_model(o, path); });
  const std::string& raw = model.path;
  std::string log;
  ASSERT_EQ(run_shell(std::string(SSDX_BINARY_DIR) + "/tools/ssdx add-postprocess " + raw +
                          " --family mmdet-ssd300 -o " + out + " 2>&1",
                      &log),
            0)
      << log;
  const auto s = Session::load(out);
  const TensorMap feeds = {{"input", random_tensor({1, 3, 300, 300}, 7, -120.f, 150.f)}};
  const TensorMap ours = s->run(feeds), ref = run_ort(out, feeds);
  const Tensor &dets = ours.at("dets"), &labels = ours.at("labels");
  const Tensor &rdets = ref.at("dets"), &rlabels = ref.at("labels");
  ASSERT_EQ(dets.shape(), (Shape{1, 200, 5}));
  ASSERT_EQ(labels.shape(), rlabels.shape());
  int kept = 0;
  for (int64_t i = 0; i < 200; ++i) {
    ASSERT_EQ(labels.int_at(i), rlabels.int_at(i)) << "row " << i;
    kept += labels.int_at(i) >= 0;
    for (int c = 0; c < 5; ++c)
      ASSERT_NEAR(dets.float_at(5 * i + c), rdets.float_at(5 * i + c), c < 4 ? 3e-2 : 1e-4) << "row " << i << " " << c;
  }
  EXPECT_GT(kept, 10);  // the synthetic heads give many detections on a random input
  std::remove(out.c_str());
}

}  // namespace
}  // namespace ssdx::test
