// Long suite: the generated mmdetection SSD300 (IGIE's form, dynamic batch) at batch 32 against onnxruntime, the
// batch of IGIE's published throughput row. Batches 1 and 2 are in tests/parity/mmdet_ssd300_parity_test.cpp.
#include <cmath>
#include <cstdio>

#include "engine/session.h"
#include "models/mmdet_ssd300.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

TEST(MmdetSsd300Batch32Parity, HeadOutputsMatchOnnxruntime) {
  SSDX_NEED_ORT();
  const TempModelFile model("mmdet_ssd300_b32", [](const std::string& path) { models::write_mmdet_ssd300_model({}, path); });
  const auto s = Session::load(model.path);
  // mmdet's input range: RGB minus the ImageNet means on 0..255 pixels, std 1.
  const TensorMap feeds = {{"input", random_tensor({32, 3, 300, 300}, 32u, -120.f, 150.f)}};
  const TensorMap ours = s->run(feeds), ref = run_ort(model.path, feeds);
  ASSERT_EQ(ours.size(), 12u);
  for (const auto& [name, expected] : ref) {
    ASSERT_TRUE(ours.count(name)) << name;
    ASSERT_EQ(expected.shape()[0], 32) << name;
    // Same tolerance as batches 1 and 2: summation order differs between the engines at about 1e-6 relative.
    double scale = 0;
    for (int64_t i = 0; i < expected.numel(); ++i) scale = std::max(scale, std::fabs(double(expected.data<float>()[i])));
    EXPECT_TRUE(tensors_close(expected, ours.at(name), 1e-5 * scale, 1e-4)) << name << " (max |value| " << scale << ")";
  }
}

}  // namespace
}  // namespace ssdx::test
