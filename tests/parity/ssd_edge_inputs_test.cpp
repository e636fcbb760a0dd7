// Inputs at the edges of what the SSD graph sees: a picture with no object (NMS keeps no box, so every op after it
// runs on empty tensors), as onnxruntime; and images holding NaN or infinities (defined behaviour, no crash).
#include <limits>

#include "tests/ssd_parity.h"

namespace ssdx::test {
namespace {

// Head inputs of the post-processing model: zero box offsets, and class logits that make the background certain
// (+10 on its nd channels, -10 elsewhere: every object score ~2e-9, far below NMS's 0.05 threshold).
TensorMap background_only_heads(const Session& s) {
  TensorMap feeds;
  for (size_t i = 0; i < s.inputs().size(); ++i) {
    const TensorInfo& in = s.inputs()[i];
    Tensor t(DataType::Float, in.shape);
    const int64_t channels = in.shape[1], plane = in.shape[2] * in.shape[3];
    const bool scores = channels % 81 == 0 && channels / 81 < 8 && i % 2 == 1;
    const int64_t nd = channels / 81;
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p < plane; ++p) t.data<float>()[c * plane + p] = scores ? (c < nd ? 10.f : -10.f) : 0.f;
    feeds.emplace(in.name, std::move(t));
  }
  return feeds;
}

TEST(SsdEdgeInputs, NoObjectGivesEmptyDetectionsLikeOnnxRuntime) {
  SSDX_NEED_ORT();
  for (int opset : {10, 12}) {
    SCOPED_TRACE("opset " + std::to_string(opset));
    models::SsdModelOptions o{480, opset, 3, true, false};
    const TempModelFile model("ssd_postprocess",
                              [&](const std::string& path) { models::write_ssd_postprocess_model(o, path); });
    auto session = Session::load(model.path);
    ASSERT_EQ(session->inputs().size(), 12u);
    const TensorMap feeds = background_only_heads(*session);
    const TensorMap ours = session->run(feeds), ref = run_ort(model.path, feeds);
    for (const char* name : {"bboxes", "labels", "scores"}) {
      SCOPED_TRACE(name);
      EXPECT_EQ(shape_str(ours.at(name).shape()), shape_str(ref.at(name).shape()));
      EXPECT_EQ(ours.at(name).numel(), 0);
    }
  }
}

// NaN and infinities have defined results, not UB: they run to the end and give well-formed detections. The engines
// differ on purpose here: onnxruntime's Relu passes NaN on, so every score turns NaN and it finds nothing, while the
// fused Conv+Relu (oneDNN's ReLU is max(x, 0)) maps NaN to 0, so ssdx still reports what the clean pixels show.
TEST(SsdEdgeInputs, NanAndInfinityImagesGiveWellFormedDetections) {
  const std::string path = ssd_model_path(models::SsdModelOptions{480, 12, 3, false, false});
  auto session = Session::load(path);
  std::remove(path.c_str());
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (float bad : {nan, inf, -inf}) {
    SCOPED_TRACE(bad);
    Tensor image = ssd_parity_inputs(480).back().second;
    for (int64_t i = 0; i < image.numel(); i += 997) image.data<float>()[i] = bad;  // scattered over the picture
    const TensorMap out = session->run({{"image", image}});
    const Tensor &boxes = out.at("bboxes"), &labels = out.at("labels"), &scores = out.at("scores");
    const int64_t n = labels.numel();
    EXPECT_LE(n, 200);
    EXPECT_EQ(shape_str(boxes.shape()), shape_str(Shape{1, n, 4}));
    EXPECT_EQ(shape_str(scores.shape()), shape_str(Shape{1, n}));
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_TRUE(labels.int_at(i) >= 1 && labels.int_at(i) <= 80) << labels.int_at(i);
      EXPECT_TRUE(scores.float_at(i) > 0.05 && scores.float_at(i) <= 1.0) << scores.float_at(i);
    }
  }
}

}  // namespace
}  // namespace ssdx::test
