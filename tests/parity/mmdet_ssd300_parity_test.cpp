// The generated mmdetection SSD300 (IGIE's form: dynamic batch, the L2Norm exported as Pow/ReduceSum/Sqrt/Expand,
// ceil-mode pools, a dilated fc6, twelve raw head outputs) against onnxruntime, through the dynamic model at
// batches 1 and 2: each batch is compiled static on its first run (engine/shape_specialization.h), so this also
// checks every fast kernel's batch > 1 path on a real-size VGG body.
#include <cstdio>

#include "engine/session.h"
#include "models/mmdet_ssd300.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

TEST(MmdetSsd300Parity, HeadOutputsMatchOnnxruntimeAtBatches1And2) {
  SSDX_NEED_ORT();
  const TempModelFile model("mmdet_ssd300", [](const std::string& path) { models::write_mmdet_ssd300_model({}, path); });
  const auto s = Session::load(model.path);
  for (int64_t batch : {1, 2}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    // mmdet's input: RGB minus the ImageNet means on 0..255 pixels, std 1, so values in about [-124, 152].
    const TensorMap feeds = {{"input", random_tensor({batch, 3, 300, 300}, static_cast<uint32_t>(batch), -120.f, 150.f)}};
    const TensorMap ours = s->run(feeds), ref = run_ort(model.path, feeds);
    ASSERT_EQ(ours.size(), 12u);
    for (const auto& [name, expected] : ref) {
      ASSERT_TRUE(ours.count(name)) << name;
      // The heads sum ~4.6k products of values around 10..100 after 15 convolutions: float rounding differs
      // between the engines' summation orders at about 1e-6 relative.
      double scale = 0;
      for (int64_t i = 0; i < expected.numel(); ++i) scale = std::max(scale, std::fabs(double(expected.data<float>()[i])));
      EXPECT_TRUE(tensors_close(expected, ours.at(name), 1e-5 * scale, 1e-4)) << name << " (max |value| " << scale << ")";
    }
  }
  EXPECT_EQ(s->compiled_shapes().size(), 2u);
}

}  // namespace
}  // namespace ssdx::test
