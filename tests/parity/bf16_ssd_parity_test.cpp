// The generated SSD-ResNet34 (480x480) with its convolutions in bf16 (--precision bf16) against onnxruntime's fp32:
// the same top detections (labels and boxes), scores and boxes within the tolerances below, order free only among
// detections whose scores are closer than the score tolerance.
#include "ops/cpu_isa.h"
#include "tests/ssd_parity.h"

namespace ssdx::test {
namespace {

// bf16 keeps 8 significant bits: every convolution rounds its input and weights by up to 2^-9 relative, and the
// roundings of each output's hundreds to thousands of terms mostly cancel, leaving ~0.1% relative error per layer,
// which grows along the ~40 convolutions from the image to the deepest head. A score is a softmax probability, which
// moves by at most a quarter of its logit's error; a box coordinate is a default box's centre or size plus the
// regression output scaled by 0.1 or 0.2 (the SSD variances) times the default box's size (< 1), so boxes move far
// less than scores. Measured on this model over ssd_parity_inputs (AMD EPYC, brgconv:avx512_core_bf16): max |score
// diff| 3.2e-3, max |box diff| 1.2e-4 in the image's [0, 1] coordinates. kScoreTol and kBoxTol allow about 3 and 8
// times that; fp32 stays within 1e-4 of onnxruntime (SsdParity), so the rest is what bf16 costs.
constexpr double kScoreTol = 1e-2;
constexpr double kBoxTol = 1e-3;
constexpr int64_t kTop = 10;  // the top detections compared

struct Bf16Stats {
  double max_box_diff = 0, max_score_diff = 0;
  int64_t reordered = 0;  // top detections found at another position (near-ties)
};

double box_diff(const Tensor& a, int64_t i, const Tensor& b, int64_t j) {
  double d = 0;
  for (int c = 0; c < 4; ++c) d = std::max(d, std::fabs(a.float_at(4 * i + c) - b.float_at(4 * j + c)));
  return d;
}

// Each of `from`'s top kTop detections has a counterpart in `in`: same label, box and score within the tolerances.
void expect_top_found(const TensorMap& from, const TensorMap& in, const char* what, Bf16Stats& stats) {
  const Tensor &la = from.at("labels"), &ba = from.at("bboxes"), &sa = from.at("scores");
  const Tensor &lb = in.at("labels"), &bb = in.at("bboxes"), &sb = in.at("scores");
  for (int64_t i = 0; i < std::min(kTop, la.numel()); ++i) {
    int64_t best = -1;
    for (int64_t j = 0; j < lb.numel(); ++j)
      if (lb.int_at(j) == la.int_at(i) && box_diff(ba, i, bb, j) <= kBoxTol &&
          std::fabs(sa.float_at(i) - sb.float_at(j)) <= kScoreTol && (best < 0 || std::abs(j - i) < std::abs(best - i)))
        best = j;
    ASSERT_GE(best, 0) << what << " detection " << i << " (label " << la.int_at(i) << ", score " << sa.float_at(i)
                       << ") has no counterpart within the tolerances";
    stats.max_box_diff = std::max(stats.max_box_diff, box_diff(ba, i, bb, best));
    stats.max_score_diff = std::max(stats.max_score_diff, double(std::fabs(sa.float_at(i) - sb.float_at(best))));
    stats.reordered += best != i;
  }
}

TEST(Bf16SsdParity, TopDetectionsMatchOnnxRuntimeFp32) {
  SSDX_NEED_ORT();
  if (!bf16_convolutions_supported()) GTEST_SKIP() << "no native bf16 convolutions on this CPU";
  const models::SsdModelOptions o{480, 12, 7, false, false};
  const std::string model = ssd_model_path(o);
  SessionOptions opts;
  opts.threads = 2;
  opts.precision = Precision::Bf16;
  Session ours(load_onnx(model), opts);
  int bf16_convs = 0;
  for (const PlannedStep& s : ours.plan().steps) bf16_convs += s.compute_precision == "bf16";
  EXPECT_GT(bf16_convs, 40) << "the SSD's convolutions did not run in bf16";
  Bf16Stats stats;
  for (const auto& [name, image] : ssd_parity_inputs(o.size)) {
    SCOPED_TRACE(name);
    const TensorMap a = ours.run({{"image", image}});
    const TensorMap b = run_ort(model, {{"image", image}}, 2);
    ASSERT_GE(b.at("labels").numel(), kTop) << "too few detections to compare";
    expect_top_found(b, a, "onnxruntime's", stats);
    expect_top_found(a, b, "ssdx bf16's", stats);
  }
  std::remove(model.c_str());
  std::printf("[bf16] %d convolutions in bf16; top %lld detections: max |box diff| %.3g, max |score diff| %.3g, "
              "%lld found at another position\n", bf16_convs, static_cast<long long>(kTop), stats.max_box_diff,
              stats.max_score_diff, static_cast<long long>(stats.reordered));
}

}  // namespace
}  // namespace ssdx::test
